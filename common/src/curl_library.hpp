// libcurl, loaded on first use rather than at process start. libcurl built with OpenSSL,
// Kerberos, LDAP, SSH, RTMP and IDN pulls in about 30 shared objects, which more than doubles
// the start-up time and memory of commands that never speak HTTP (`features`, store-only
// commands). Private to pm_common.
#pragma once

#include <curl/curl.h>

namespace pm::http {

// The libcurl functions pm uses, resolved from libcurl.so.4.
struct CurlLibrary {
    decltype(&::curl_global_init) global_init = nullptr;
    decltype(&::curl_easy_init) easy_init = nullptr;
    decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
    decltype(&::curl_easy_reset) easy_reset = nullptr;
    decltype(&::curl_easy_setopt) easy_setopt = nullptr;
    decltype(&::curl_easy_perform) easy_perform = nullptr;
    decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;
    decltype(&::curl_easy_strerror) easy_strerror = nullptr;
    decltype(&::curl_slist_append) slist_append = nullptr;
    decltype(&::curl_slist_free_all) slist_free_all = nullptr;
    decltype(&::curl_strequal) strequal = nullptr;
    decltype(&::curl_getdate) getdate = nullptr;
};

// Loads libcurl and runs curl_global_init, once per process (thread-safe). Throws
// SystemError when the library or one of its functions cannot be loaded.
[[nodiscard]] const CurlLibrary& curl();

} // namespace pm::http
