// Polling a remote state within an operation deadline: `done` is called at once, then until
// it returns true, first after `first` and then at intervals growing by half up to `cap` (or
// `first` when larger). With `fast` set (shorter than `first`), the waits start at `fast`
// instead and grow by half through `first` to `cap`: a change that ends soon after the call is
// seen soon, a long one costs a few more polls at its start. Throws DeadlineExceeded naming
// `what` when the next wait would pass the deadline.
#pragma once

#include <chrono>
#include <functional>
#include <string_view>

#include "pm/deadline.hpp"

namespace pm {

struct PollIntervals {
    std::chrono::milliseconds first{1000};
    std::chrono::milliseconds cap{5000};
    std::chrono::milliseconds fast{0}; // 0: start at `first`
};

// What one look at the awaited changes found.
enum class Polled {
    waiting,    // nothing new: the next wait is longer
    progressed, // one of several changes ended (the next may have just begun): start again
    done,       // all over
};

// The wait after one of `previous` (the zero duration before the first wait): growing by half
// up to the cap, back at the start after progress.
[[nodiscard]] std::chrono::milliseconds
next_poll_wait(const PollIntervals& intervals, std::chrono::milliseconds previous, Polled polled);

void poll_until(const Deadline& deadline, const PollIntervals& intervals, std::string_view what,
                const std::function<bool()>& done);

// The same for several changes at once, where one ending may start the next (VMmanager runs a
// VM's tasks one after another): progress polls fast again, as right after a call.
void poll_until(const Deadline& deadline, const PollIntervals& intervals, std::string_view what,
                const std::function<Polled()>& look);

} // namespace pm
