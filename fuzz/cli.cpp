// The command line (pm::parse_command_line, both modules' specs) and the settings given as
// flags (pm::load_settings without a config file). The input is argv, arguments separated by
// NUL bytes. Bad flags must end in UsageError or ConfigError only.
#include "pm/cli.hpp"

#include <cstdlib>
#include <string>
#include <variant>
#include <vector>

#include "pm/module.hpp"

#include "fuzz.hpp"

// The modules' specs, as their module.hpp declare them (the two headers cannot share a
// translation unit: both modules have an api/ directory on the include path).
namespace pm::vmmgr6 {
[[nodiscard]] ModuleSpec module_spec();
}
namespace pm::openstack {
[[nodiscard]] ModuleSpec module_spec();
}

namespace {

const pm::ModuleSpec& spec(bool openstack) {
    static const pm::ModuleSpec vmmgr6 = pm::vmmgr6::module_spec();
    static const pm::ModuleSpec os = pm::openstack::module_spec();
    return openstack ? os : vmmgr6;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    // Settings come from the input only, never from this process's environment.
    for (const char* name :
         {"PM_CONFIG", "PM_STORE", "PM_LOG_DIR", "PM_CACHE_DIR", "PM_LOCK_DIR", "PM_LOG_LEVEL"}) {
        unsetenv(name);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::string_view text = pm::fuzz::as_text(data, size);
    const bool openstack = (data[0] & 1U) != 0;
    std::vector<std::string> args{openstack ? "pmopenstack" : "pmvmmgr6"};
    std::size_t start = 1;
    while (start <= text.size()) {
        const auto end = std::min(text.find('\0', start), text.size());
        args.emplace_back(text.substr(start, end - start));
        start = end + 1;
    }
    std::vector<const char*> argv;
    for (const auto& arg : args) {
        argv.push_back(arg.c_str());
    }
    argv.push_back(nullptr);
    pm::fuzz::expect_only_pm_errors([&] {
        auto parsed = pm::parse_command_line(spec(openstack), static_cast<int>(args.size()),
                                             argv.data(), (data[0] & 2U) != 0);
        if (auto* invocation = std::get_if<pm::Invocation>(&parsed)) {
            invocation->config_flag.clear(); // a file named by the input is the config target's
            (void)pm::load_settings(*invocation);
        }
    });
    return 0;
}
