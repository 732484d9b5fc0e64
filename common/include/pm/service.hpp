// A connection to a module's remote service, set up from the module params the way every
// module does it (DESIGN §5, §8): the libcurl transport (tls_verify), the HTTP client over it,
// the session cache of (url, username) kept for session_ttl, and the waits for remote state
// that poll every task_poll_ms (default 1000 ms), growing by half up to 5 s (or task_poll_ms
// when larger), never past the operation deadline (DeadlineExceeded, exit 3).
//
// The module keeps what is its own on top: the typed API client, the service's tasks, scopes.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pm/deadline.hpp"
#include "pm/http.hpp"
#include "pm/module.hpp"
#include "pm/params.hpp"
#include "pm/poll.hpp"
#include "pm/session_cache.hpp"

namespace pm {

class Coordination; // pm/coordination.hpp

// What a module says about its connection params in --help: the service's URL and which user
// logs in there.
struct ConnectionParamHelp {
    std::string url;      // e.g. "service URL, e.g. https://service.example.com"
    std::string username; // e.g. "admin user name"
};

// The params ServiceConnection reads besides the common ones (tls_verify, session_ttl):
// url, username, password (secret) and task_poll_ms.
[[nodiscard]] std::vector<ParamSpec> connection_params(const ConnectionParamHelp& help);

class ServiceConnection {
public:
    static constexpr std::int64_t k_default_poll_ms = 1000;
    static constexpr std::chrono::milliseconds k_max_poll{5000};
    static constexpr std::int64_t k_default_session_ttl_s = 3600;

    // Reads tls_verify, url, username, password, session_ttl and task_poll_ms from `params`
    // (ConfigError naming the module for a missing url, username or password). Sessions are
    // kept where `coordination` keeps them; `deadline` bounds every request and wait.
    ServiceConnection(const Params& params, Coordination& coordination, const Deadline& deadline);
    // The same over `transport` instead of libcurl's (unit tests of a module's operations over
    // a scripted transport); `tls_verify` is then the transport's business. A null `transport`
    // is libcurl's, as above.
    ServiceConnection(const Params& params, Coordination& coordination, const Deadline& deadline,
                      std::unique_ptr<http::Transport> transport);
    ServiceConnection(const ServiceConnection&) = delete;
    ServiceConnection& operator=(const ServiceConnection&) = delete;
    ~ServiceConnection();

    // The url param as given (the session cache is keyed by it).
    [[nodiscard]] const std::string& url() const { return m_url; }
    [[nodiscard]] const std::string& username() const { return m_username; }
    [[nodiscard]] const std::string& password() const { return m_password; }
    [[nodiscard]] http::Client& http() const { return *m_http; }
    // The sessions of (url, username).
    [[nodiscard]] const SessionCache& sessions() const { return *m_sessions; }
    // The sessions of another entry at the same url, e.g. one per scope of the same user
    // ("<user> project <id>"), with the same session_ttl.
    [[nodiscard]] std::unique_ptr<SessionCache> session_cache(const std::string& user_key) const;
    [[nodiscard]] const Deadline& deadline() const { return m_deadline; }

    [[nodiscard]] PollIntervals poll_intervals() const { return {m_poll, k_max_poll}; }
    // Polls `done` until it returns true, at poll_intervals(), within the deadline.
    void wait_until(std::string_view what, const std::function<bool()>& done) const;

private:
    Coordination& m_coordination;
    const Deadline& m_deadline;
    std::string m_url;
    std::string m_username;
    std::string m_password;
    std::chrono::seconds m_ttl;
    std::chrono::milliseconds m_poll;
    std::unique_ptr<http::Transport> m_transport;
    std::unique_ptr<http::Client> m_http;
    std::unique_ptr<SessionCache> m_sessions;
};

} // namespace pm
