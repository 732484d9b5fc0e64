// Retry-After of HTTP replies (pm::http::parse_retry_after): delta-seconds or an HTTP-date.
// Any header value gives a delay that is never negative, or nullopt.
#include <chrono>

#include "pm/http.hpp"

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view value = pm::fuzz::as_text(data, size);
    // A fixed "now" (2026-11-22T08:08:08Z) keeps a run reproducible.
    const std::chrono::system_clock::time_point now{std::chrono::seconds(1795335288)};
    pm::fuzz::expect_only_pm_errors([&] {
        if (const auto delay = pm::http::parse_retry_after(value, now)) {
            PM_FUZZ_CHECK(delay->count() >= 0);
        }
    });
    return 0;
}
