#include "ops/connection.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/log.hpp"
#include "pm/poll.hpp"

namespace pm::vmmgr6 {
namespace {

constexpr std::int64_t k_default_poll_ms = 1000;
constexpr std::chrono::milliseconds k_max_poll{5000};
constexpr std::int64_t k_default_session_ttl_s = 3600;

} // namespace

Connection::Connection(Context& context) : m_context(context) {
    const auto& params = context.module_params;
    http::TransportOptions transport;
    transport.tls_verify = params.get_bool("tls_verify", true);
    m_transport = http::make_curl_transport(transport);
    m_http = std::make_unique<http::Client>(*m_transport);
    const auto url = params.require("url");
    const auto user = params.require("username");
    const auto ttl = params.get_int("session_ttl", k_default_session_ttl_s);
    m_sessions =
        std::make_unique<SessionCache>(context.settings.cache_dir, url, user,
                                       std::chrono::seconds(std::max<std::int64_t>(ttl, 1)));
    m_api = std::make_unique<api::Client>(*m_http, url,
                                          api::Credentials{user, params.require("password")},
                                          *m_sessions, context.deadline);
    const auto poll = params.get_int("task_poll_ms", k_default_poll_ms);
    m_poll = std::chrono::milliseconds(std::max<std::int64_t>(poll, 1));
}

std::int64_t Connection::cluster() const {
    return m_context.module_params.require_int("cluster");
}

void Connection::wait_until(std::string_view what, const std::function<bool()>& done) const {
    poll_until(m_context.deadline, PollIntervals{m_poll, k_max_poll}, what, done);
}

void Connection::wait(const api::TaskRef& task) const {
    log::info("waiting for task {} ({})", task.name, task.consul_id);
    std::string failure;
    wait_until(fmt::format("task {} ({})", task.name, task.consul_id), [&] {
        const auto status = m_api->task(task);
        if (status.state == api::TaskState::failed) {
            failure = status.output.empty() ? "no message" : status.output;
            return true;
        }
        return status.state == api::TaskState::complete;
    });
    if (!failure.empty()) {
        throw OperationError(fmt::format("VMmanager task {} failed: {}", task.name, failure));
    }
    log::info("task {} ({}) complete", task.name, task.consul_id);
}

} // namespace pm::vmmgr6
