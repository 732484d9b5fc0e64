#include "pm/service.hpp"

#include <algorithm>

#include "pm/coordination.hpp"

namespace pm {

std::vector<ParamSpec> connection_params(const ConnectionParamHelp& help) {
    return {
        {"url", help.url, false, ParamKind::http_url},
        {"username", help.username, false},
        {"password", "admin user password", true},
        {"task_poll_ms",
         "first interval between polls of a remote task or state, ms (default 1000; grows to "
         "5 s)",
         false, ParamKind::positive},
    };
}

namespace {

std::unique_ptr<http::Transport> curl_transport(const Params& params) {
    http::TransportOptions options;
    options.tls_verify = params.get_bool("tls_verify", true);
    return http::make_curl_transport(options);
}

} // namespace

ServiceConnection::ServiceConnection(const Params& params, Coordination& coordination,
                                     const Deadline& deadline)
    : ServiceConnection(params, coordination, deadline, nullptr) {}

ServiceConnection::ServiceConnection(const Params& params, Coordination& coordination,
                                     const Deadline& deadline,
                                     std::unique_ptr<http::Transport> transport)
    : m_coordination(coordination), m_deadline(deadline),
      m_transport(transport ? std::move(transport) : curl_transport(params)) {
    m_url = params.require("url");
    m_username = params.require("username");
    m_password = params.require("password");
    const auto ttl = params.get_int("session_ttl", k_default_session_ttl_s);
    m_ttl = std::chrono::seconds(std::max<std::int64_t>(ttl, 1));
    const auto poll = params.get_int("task_poll_ms", k_default_poll_ms);
    m_poll = std::chrono::milliseconds(std::max<std::int64_t>(poll, 1));
    m_http = std::make_unique<http::Client>(*m_transport);
    m_sessions = session_cache(m_username);
}

ServiceConnection::~ServiceConnection() = default;

std::unique_ptr<SessionCache> ServiceConnection::session_cache(const std::string& user_key) const {
    return m_coordination.session_cache(m_url, user_key, m_ttl);
}

void ServiceConnection::wait_until(std::string_view what, const std::function<bool()>& done) const {
    poll_until(m_deadline, poll_intervals(), what, done);
}

} // namespace pm
