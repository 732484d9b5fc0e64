// Fetches one URL with the curl transport's default options and prints the outcome and the
// process's peak resident memory, for the tests of the reply cap: "<status|failure kind>
// <max RSS in KiB>".
#include <chrono>
#include <cstdio>
#include <string>
#include <sys/resource.h>

#include "pm/http.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fputs("usage: pm_http_fetch URL\n", stderr);
        return 2;
    }
    auto transport = pm::http::make_curl_transport({});
    pm::http::Request request;
    request.url = argv[1];
    const auto response = transport->perform(request, std::chrono::seconds(60));
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const std::string outcome = response.failure
                                    ? std::string(pm::http::kind_name(response.failure->kind))
                                    : std::to_string(response.status);
    std::printf("%s|%ld\n", outcome.c_str(), usage.ru_maxrss);
    return 0;
}
