#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pm/errors.hpp"
#include "pm/poll.hpp"

using pm::next_poll_wait;
using pm::Polled;
using pm::PollIntervals;
using std::chrono::milliseconds;

namespace {

// The waits poll_until would make over `looks` (the last look's result ends it).
std::vector<milliseconds> waits(const PollIntervals& intervals, const std::vector<Polled>& looks) {
    std::vector<milliseconds> made;
    milliseconds wait{0};
    for (const auto polled : looks) {
        if (polled == Polled::done) {
            break;
        }
        wait = next_poll_wait(intervals, wait, polled);
        made.push_back(wait);
    }
    return made;
}

} // namespace

TEST_CASE("poll: waits start at fast, grow by half through first up to the cap") {
    const PollIntervals intervals{milliseconds(1000), milliseconds(5000), milliseconds(50)};
    const std::vector<Polled> looks(14, Polled::waiting);
    const auto made = waits(intervals, looks);
    REQUIRE(made.size() == 14);
    CHECK(made[0] == milliseconds(50));
    CHECK(made[1] == milliseconds(75));
    CHECK(made[2] == milliseconds(112));
    CHECK(made[8] == milliseconds(1275));
    CHECK(made[12] == milliseconds(5000));
    CHECK(made.back() == milliseconds(5000));
}

TEST_CASE("poll: without fast the first wait is `first`, and a cap below it is raised to it") {
    CHECK(waits({milliseconds(1000), milliseconds(5000), milliseconds(0)},
                {Polled::waiting, Polled::waiting}) ==
          std::vector<milliseconds>{milliseconds(1000), milliseconds(1500)});
    CHECK(waits({milliseconds(800), milliseconds(100), milliseconds(0)},
                {Polled::waiting, Polled::waiting}) ==
          std::vector<milliseconds>{milliseconds(800), milliseconds(800)});
    // A fast wait longer than first is no faster than first.
    CHECK(next_poll_wait({milliseconds(200), milliseconds(5000), milliseconds(900)},
                         milliseconds(0), Polled::waiting) == milliseconds(200));
}

TEST_CASE("poll: progress starts the waits again from fast") {
    const PollIntervals intervals{milliseconds(1000), milliseconds(5000), milliseconds(50)};
    const auto made = waits(intervals, {Polled::waiting, Polled::waiting, Polled::waiting,
                                        Polled::progressed, Polled::waiting, Polled::done});
    CHECK(made == std::vector<milliseconds>{milliseconds(50), milliseconds(75), milliseconds(112),
                                            milliseconds(50), milliseconds(75)});
}

TEST_CASE("poll: poll_until looks until done, and names what it waited for at the deadline") {
    const PollIntervals quick{milliseconds(1), milliseconds(2), milliseconds(0)};
    int looks = 0;
    pm::poll_until(pm::Deadline::never(), quick, "three looks", [&] {
        ++looks;
        return looks == 2 ? Polled::progressed : looks == 3 ? Polled::done : Polled::waiting;
    });
    CHECK(looks == 3);

    int calls = 0;
    pm::poll_until(pm::Deadline::never(), quick, "at once", [&] { return ++calls == 1; });
    CHECK(calls == 1);

    CHECK_THROWS_MATCHES(
        pm::poll_until(pm::Deadline::after(milliseconds(20)), quick, "a change that never ends",
                       [] { return Polled::progressed; }),
        pm::DeadlineExceeded,
        Catch::Matchers::Predicate<pm::DeadlineExceeded>([](const pm::DeadlineExceeded& e) {
            return std::string(e.what()).find("a change that never ends") != std::string::npos;
        }));
}
