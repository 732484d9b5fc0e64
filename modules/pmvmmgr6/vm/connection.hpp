// Everything an operation needs to talk to the module's VMmanager: the service connection of
// the module params (pm/service.hpp: HTTP client, session cache, polling within the deadline),
// the typed API client, and the waits for VMmanager's tasks.
//
// A task the task list still does not show `task_appear_s` (module
// param, default 120 s) after the wait began fails the operation (OperationError): real
// VMmanagers list the row at once (api §6.23), so one that never shows will never finish.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "pm/context.hpp"
#include "pm/service.hpp"

#include "pmvmmgr6/api/client.hpp"

namespace pm::vmmgr6 {

class Connection {
public:
    explicit Connection(Context& context);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    [[nodiscard]] const api::Client& api() const { return *m_api; }
    // The module's cluster id (param `cluster`); ConfigError when absent.
    [[nodiscard]] std::int64_t cluster() const;

    // Waits until the task completes; OperationError with VMmanager's message when it fails,
    // or when it does not show in the task list within task_appear_s.
    void wait(const api::TaskRef& task) const;
    // Waits for each task in turn.
    void wait(const std::vector<api::TaskRef>& tasks) const;
    // Waits for the task the reply named; when it named none (a reply the reference does not
    // settle), polls `verified` instead until it holds: the outcome is checked, not assumed.
    // Unless `long_change` (a reinstall takes minutes), an outcome not seen within
    // task_appear_s is an OperationError: the change failed or never started.
    void wait_or_verify(const api::MaybeTask& task, std::string_view what,
                        const std::function<bool()>& verified, bool long_change = false) const;
    // Polls `done` until it returns true (same intervals and deadline as wait()).
    void wait_until(std::string_view what, const std::function<bool()>& done) const;
    // Polls `done` for at most task_appear_s; whether it came true. For the change an
    // interrupted run may or may not have sent: long enough for a change that VMmanager took to
    // show, after which it was not taken.
    [[nodiscard]] bool within_task_appear(std::string_view what,
                                          const std::function<bool()>& done) const;

private:
    Context& m_context;
    std::unique_ptr<ServiceConnection> m_service;
    std::unique_ptr<api::Client> m_api;
    std::chrono::seconds m_task_appear;
};

} // namespace pm::vmmgr6
