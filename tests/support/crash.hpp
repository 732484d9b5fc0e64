// The crash-at-every-request protocol (issue 15, "crash at every request"): a command is run
// once cleanly to count its API requests N; then, for each k in 1..N, in a fresh world, the
// simulator holds request k in flight (a `hold` fault: before it acts on it, or after it acted
// and before the reply leaves), the process is killed with SIGKILL while it waits, the request
// is dropped (a GET is held only before: on a read, after the server acted is the same world),
// and the same running operation is run again the way the billing platform does
// until it is done. After every run the world's invariants are checked: one remote object per
// billing object, no orphan, the store agreeing with the remote side, the operation done.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "pm/json.hpp"

#include "support/process.hpp"

namespace pm::test {

// One fresh world: a simulator and a store in the state the command starts from, with the
// command's running operation pending.
class CrashWorld {
public:
    virtual ~CrashWorld() = default;
    // Control calls to the world's simulator (/__sim__/…).
    [[nodiscard]] virtual json::Document sim_get(std::string_view path) const = 0;
    virtual void sim_post(std::string_view path, std::string_view body) const = 0;
    // Forgets the simulator's faults not used up yet (a hold the run never reached).
    virtual void clear_faults() const = 0;
    // The command on its running operation, started and not waited for.
    [[nodiscard]] virtual Process start() = 0;
    // The same running operation once more, waited for.
    virtual ProcessResult again() = 0;
    // The invariants once the operation is done (Catch2 CHECKs; `where` names the point).
    virtual void check(const std::string& where) = 0;
};

struct CrashFigures {
    int requests = 0;    // N: the requests of the clean run
    int points = 0;      // crash points tried (2 N less the reads)
    int reads = 0;       // requests that only read (GET): killed before = killed after
    int killed = 0;      // of those, the runs killed with request k in flight
    int not_reached = 0; // runs that ended before request k (fewer polls than the clean run)
    int reruns = 0;      // runs of the same operation after the kills
};

// Runs the protocol; `make` builds a fresh world for the clean run and for each crash point.
CrashFigures crash_at_every_request(const std::string& name,
                                    const std::function<std::unique_ptr<CrashWorld>()>& make);

} // namespace pm::test
