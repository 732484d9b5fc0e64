// Inputs scripts/fuzz found crashing, replayed (fuzz/README.md). Each input is also kept in
// fuzz/regressions/<target>/ and in the target's seed corpus, so the fuzzers replay it too.
#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "pm/http.hpp"

#include "support/process.hpp"

using namespace std::chrono_literals;

TEST_CASE("fuzz regressions: a Retry-After date centuries away is a year, not an overflow") {
    // fuzz/regressions/retry_after/year-72026: curl reads the date as the year 72026, whose
    // time_t overflowed the system clock's nanoseconds (UBSan: signed integer overflow).
    const std::string input = pm::test::read_file(std::string(PM_TEST_SOURCE_DIR) +
                                                  "/fuzz/regressions/retry_after/year-72026");
    REQUIRE(input == "Wed Oct 21`072026");
    const std::chrono::system_clock::time_point now{std::chrono::seconds(1795335288)};
    CHECK(pm::http::parse_retry_after(input, now) == std::chrono::milliseconds(365 * 24h));
    // The far past, the other side of the same overflow, asks for no delay.
    CHECK(pm::http::parse_retry_after("Wed, 21 Oct 0001 07:28:00 GMT", now).value_or(1ms) == 0ms);
}
