// Independent pieces of work (typically HTTP requests that do not depend on one another) run
// at once, to pay one round trip instead of several.
#pragma once

#include <functional>
#include <vector>

namespace pm {

// How independent work runs: at once, or one task after another (for a service that limits
// bursts of requests, and to measure what running at once saves).
enum class Together { at_once, in_turn };

// Runs every task at once: the first on the calling thread, each other on a thread of its own
// (inline when the host refuses a thread). Returns when all have ended; then rethrows the
// exception of the first task, in the order given, that threw. Tasks share nothing unless
// they synchronise it themselves (an http::Client is not thread-safe: one per task).
// Together::in_turn runs them in the order given on the calling thread, and stops at the
// first that throws.
void run_together(const std::vector<std::function<void()>>& tasks,
                  Together how = Together::at_once);

} // namespace pm
