// The global config file (pm::load_settings with --config): the input is the file's text.
// A bad file must end in ConfigError only.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>

#include "pm/cli.hpp"

#include "fuzz.hpp"

namespace {

std::string g_path;

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    for (const char* name :
         {"PM_CONFIG", "PM_STORE", "PM_LOG_DIR", "PM_CACHE_DIR", "PM_LOCK_DIR", "PM_LOG_LEVEL"}) {
        unsetenv(name);
    }
    const char* tmp = std::getenv("TMPDIR");
    g_path = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/pm-fuzz-config-" +
             std::to_string(getpid()) + ".conf";
    std::atexit([] { std::remove(g_path.c_str()); });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    {
        std::ofstream out(g_path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    pm::Invocation invocation;
    invocation.config_flag = g_path;
    pm::fuzz::expect_only_pm_errors([&] { (void)pm::load_settings(invocation); });
    return 0;
}
