#include "pm/poll.hpp"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "pm/errors.hpp"

namespace pm {

void poll_until(const Deadline& deadline, const PollIntervals& intervals, std::string_view what,
                const std::function<bool()>& done) {
    const auto first = std::max(intervals.first, std::chrono::milliseconds(1));
    const auto cap = std::max(first, intervals.cap);
    auto interval = intervals.fast.count() > 0 ? std::min(intervals.fast, first) : first;
    while (!done()) {
        if (deadline.remaining() <= interval) {
            throw DeadlineExceeded(
                fmt::format("the operation deadline ran out while waiting for {}", what));
        }
        std::this_thread::sleep_for(interval);
        interval = std::min(cap, interval + interval / 2);
    }
}

} // namespace pm
