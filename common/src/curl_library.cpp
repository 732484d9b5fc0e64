#include "curl_library.hpp"

#include <dlfcn.h>
#include <string>

#include "pm/errors.hpp"

namespace pm::http {
namespace {

constexpr const char* k_soname = "libcurl.so.4";

template <typename Function>
void resolve(void* library, Function& slot, const char* name) {
    void* symbol = dlsym(library, name);
    if (symbol == nullptr) {
        throw SystemError(std::string(k_soname) + ": no symbol " + name);
    }
    slot = reinterpret_cast<Function>(symbol);
}

CurlLibrary load() {
    // Never closed: transports may live until exit, and exit frees everything.
    void* library = dlopen(k_soname, RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
        const char* why = dlerror();
        throw SystemError(std::string("cannot load ") + k_soname + ": " + (why ? why : "?"));
    }
    CurlLibrary lib;
    resolve(library, lib.global_init, "curl_global_init");
    resolve(library, lib.easy_init, "curl_easy_init");
    resolve(library, lib.easy_cleanup, "curl_easy_cleanup");
    resolve(library, lib.easy_reset, "curl_easy_reset");
    resolve(library, lib.easy_setopt, "curl_easy_setopt");
    resolve(library, lib.easy_perform, "curl_easy_perform");
    resolve(library, lib.easy_getinfo, "curl_easy_getinfo");
    resolve(library, lib.easy_strerror, "curl_easy_strerror");
    resolve(library, lib.slist_append, "curl_slist_append");
    resolve(library, lib.slist_free_all, "curl_slist_free_all");
    resolve(library, lib.strequal, "curl_strequal");
    resolve(library, lib.getdate, "curl_getdate");
    if (lib.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        throw SystemError("libcurl: global initialisation failed");
    }
    return lib;
}

} // namespace

const CurlLibrary& curl() {
    // A function-local static is initialised once even when threads race here; a failed
    // load throws and is tried again by the next caller.
    static const CurlLibrary library = load();
    return library;
}

} // namespace pm::http
