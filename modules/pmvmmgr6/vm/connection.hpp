// Everything an operation needs to talk to the module's VMmanager: the service connection of
// the module params (pm/service.hpp: HTTP client, session cache, polling within the deadline),
// the typed API client, and the waits for VMmanager's tasks.
//
// A task the task list still does not show `task_appear_s` (module
// param, default 120 s) after the wait began fails the operation (OperationError): real
// VMmanagers list the row at once (api §6.23), so one that never shows will never finish.
//
// Every wait polls adaptively: at once, then after 50 ms, growing by half through task_poll_ms
// up to 5 s (pm/poll.hpp), so that a task of a second is seen about when it ends. Several
// changes are waited for together (await_all): one poll round looks at each of them, and
// the waits start again at 50 ms when one of them ends (the VM's next queued task begins).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "pm/context.hpp"
#include "pm/service.hpp"

#include "pmvmmgr6/api/client.hpp"

namespace pm::vmmgr6 {

// One change being waited for: its task when the reply named one, else `verified` (polled until
// it holds) naming the outcome `what`. A `long_change` (a reinstall) has no task_appear_s bound
// on a missing outcome. `on_over`, when set, runs as soon as it is over (to record progress).
struct Awaited {
    api::MaybeTask task;
    std::string what;
    std::function<bool()> verified;
    bool long_change = false;
    std::function<void()> on_over;
};

class Connection {
public:
    explicit Connection(Context& context);
    // The same over `transport` (unit tests: a scripted one; null: libcurl's).
    Connection(Context& context, std::unique_ptr<http::Transport> transport);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    [[nodiscard]] const api::Client& api() const { return *m_api; }
    // The module's cluster id (param `cluster`); ConfigError when absent.
    [[nodiscard]] std::int64_t cluster() const;

    // Waits until the task completes; OperationError with VMmanager's message when it fails,
    // or when it does not show in the task list within task_appear_s.
    void wait(const api::TaskRef& task) const;
    // Waits for all the tasks together.
    void wait(const std::vector<api::TaskRef>& tasks) const;
    // Waits for the task the reply named; when it named none (a reply the reference does not
    // settle), polls `verified` instead until it holds: the outcome is checked, not assumed.
    // Unless `long_change` (a reinstall takes minutes), an outcome not seen within
    // task_appear_s is an OperationError: the change failed or never started.
    void wait_or_verify(const api::MaybeTask& task, std::string_view what,
                        const std::function<bool()>& verified, bool long_change = false) const;
    // Waits for every change together (each as wait() / wait_or_verify() would); the first
    // failure is thrown. `more`, when given, is called each round first: it may add changes to
    // wait for (a batch sending again what VMmanager refused as busy) and keeps the wait going
    // while it returns false.
    using More = std::function<bool(std::vector<Awaited>&)>;
    void await_all(std::vector<Awaited> changes, const More& more = {}) const;
    // Polls `done` until it returns true (same intervals and deadline as wait()).
    void wait_until(std::string_view what, const std::function<bool()>& done) const;
    // The same for several changes: `look` says when one of them ended (pm/poll.hpp).
    void wait_until(std::string_view what, const std::function<Polled()>& look) const;
    // Polls `done` for at most task_appear_s; whether it came true. For the change an
    // interrupted run may or may not have sent: long enough for a change that VMmanager took to
    // show, after which it was not taken.
    [[nodiscard]] bool within_task_appear(std::string_view what,
                                          const std::function<bool()>& done) const;

    [[nodiscard]] std::chrono::seconds task_appear() const { return m_task_appear; }

private:
    // The module's polling intervals, starting at 50 ms after a call.
    [[nodiscard]] PollIntervals poll_intervals() const;
    Context& m_context;
    std::unique_ptr<ServiceConnection> m_service;
    std::unique_ptr<api::Client> m_api;
    std::chrono::seconds m_task_appear;
};

} // namespace pm::vmmgr6
