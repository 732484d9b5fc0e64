#include "pm/poll.hpp"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "pm/errors.hpp"

namespace pm {

std::chrono::milliseconds next_poll_wait(const PollIntervals& intervals,
                                         std::chrono::milliseconds previous, Polled polled) {
    const auto first = std::max(intervals.first, std::chrono::milliseconds(1));
    const auto cap = std::max(first, intervals.cap);
    if (previous.count() <= 0 || polled == Polled::progressed) {
        return intervals.fast.count() > 0 ? std::min(intervals.fast, first) : first;
    }
    return std::min(cap, previous + previous / 2);
}

void poll_until(const Deadline& deadline, const PollIntervals& intervals, std::string_view what,
                const std::function<Polled()>& look) {
    std::chrono::milliseconds interval{0};
    for (auto polled = look(); polled != Polled::done; polled = look()) {
        interval = next_poll_wait(intervals, interval, polled);
        if (deadline.remaining() <= interval) {
            throw DeadlineExceeded(
                fmt::format("the operation deadline ran out while waiting for {}", what));
        }
        std::this_thread::sleep_for(interval);
    }
}

void poll_until(const Deadline& deadline, const PollIntervals& intervals, std::string_view what,
                const std::function<bool()>& done) {
    poll_until(deadline, intervals, what, [&] { return done() ? Polled::done : Polled::waiting; });
}

} // namespace pm
