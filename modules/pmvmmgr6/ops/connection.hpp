// Everything an operation needs to talk to the module's VMmanager: the HTTP client built from
// the module params (url, tls_verify), the session cache keyed by (url, username) with
// session_ttl, the typed API client, and the waits for remote tasks.
//
// Waits poll every `task_poll_ms` (module param, default 1000 ms), growing by half each time
// up to 5 s (or task_poll_ms when larger), and never past the operation deadline
// (DeadlineExceeded, exit 3).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "pm/context.hpp"
#include "pm/http.hpp"
#include "pm/session_cache.hpp"

#include "api/client.hpp"

namespace pm::vmmgr6 {

class Connection {
public:
    explicit Connection(Context& context);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    [[nodiscard]] const api::Client& api() const { return *m_api; }
    // The module's cluster id (param `cluster`); ConfigError when absent.
    [[nodiscard]] std::int64_t cluster() const;

    // Waits until the task completes; OperationError with VMmanager's message when it fails.
    void wait(const api::TaskRef& task) const;
    // Polls `done` until it returns true (same intervals and deadline as wait()).
    void wait_until(std::string_view what, const std::function<bool()>& done) const;

private:
    Context& m_context;
    std::unique_ptr<http::Transport> m_transport;
    std::unique_ptr<http::Client> m_http;
    std::unique_ptr<SessionCache> m_sessions;
    std::unique_ptr<api::Client> m_api;
    std::chrono::milliseconds m_poll;
};

} // namespace pm::vmmgr6
