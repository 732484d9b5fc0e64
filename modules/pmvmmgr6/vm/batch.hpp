// Independent changes to one VM sent together and waited for together (the takeover of a pool
// server): each change's requests go out in the order the changes were added, then one poll
// round looks at all their tasks, so the whole takes about as long as the longest task instead
// of the sum.
//
// Whether VMmanager runs two tasks of one VM at once, queues them or refuses the second one is
// not settled by the reference. A change refused with HTTP 409 (VMmanager's answer to a busy VM)
// changed nothing, so it is sent again at the next round: while other changes of the batch are
// still under way (they explain the refusal), and for task_appear_s after they are over; then
// the refusal is the error. Any other error ends the batch at once (the changes already sent
// go on in VMmanager; a rerun sends again what was not recorded as done).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "pmvmmgr6/vm/connection.hpp"

namespace pm::vmmgr6 {

class Batch {
public:
    // Sends a change's requests and says what to wait for (nothing: it took effect at once).
    using Send = std::function<std::vector<Awaited>()>;

    explicit Batch(const Connection& vm) : m_vm(vm) {}

    // `what` names the change in log lines; `done`, when set, runs once it is over (before the
    // batch is: a kill after it keeps what it recorded).
    void add(std::string what, Send send, std::function<void()> done = {});
    // Sends every change, then waits until all are over; the first failure is thrown.
    void run();

private:
    struct Change {
        std::string what;
        Send send;
        std::function<void()> done;
        bool sent = false;
        std::size_t pending = 0; // its waits not over yet
    };

    // Sends change `index` and appends its waits to `waits`; false when VMmanager refused it as
    // busy (unless `last_chance`: the refusal is then thrown).
    bool try_send(std::size_t index, std::vector<Awaited>& waits, bool last_chance);
    void finish_one(std::size_t index);

    const Connection& m_vm;
    std::vector<Change> m_changes;
};

} // namespace pm::vmmgr6
