#include "pmopenstack/ops/connection.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "pm/coordination.hpp"
#include "pm/errors.hpp"
#include "pm/log.hpp"
#include "pm/poll.hpp"

#include "pmopenstack/api/services.hpp"

namespace pm::openstack {
namespace {

constexpr std::int64_t k_default_poll_ms = 1000;
constexpr std::chrono::milliseconds k_max_poll{5000};
constexpr std::int64_t k_default_session_ttl_s = 3600;

} // namespace

struct Connection::Scoped {
    std::unique_ptr<SessionCache> sessions;
    std::unique_ptr<api::Cloud> cloud;
};

Connection::Connection(Context& context) : m_context(context) {
    const auto& params = context.module_params;
    http::TransportOptions transport;
    transport.tls_verify = params.get_bool("tls_verify", true);
    m_transport = http::make_curl_transport(transport);
    m_http = std::make_unique<http::Client>(*m_transport);
    m_credentials =
        api::Credentials{params.require("url"), params.require("username"),
                         params.require("password"), params.get_or("user_domain", "Default")};
    m_placement =
        api::Placement{params.get_or("region", "RegionOne"), params.get_or("interface", "public")};
    if (m_placement.interface != "public" && m_placement.interface != "internal" &&
        m_placement.interface != "admin") {
        throw ConfigError(fmt::format("{}: interface must be public, internal or admin, not {}",
                                      params.owner(), m_placement.interface));
    }
    const auto ttl = params.get_int("session_ttl", k_default_session_ttl_s);
    m_ttl = std::chrono::seconds(std::max<std::int64_t>(ttl, 1));
    m_admin_sessions = sessions(m_credentials.username);
    m_admin = std::make_unique<api::Cloud>(*m_http, m_credentials,
                                           api::Scope{{},
                                                      params.get_or("project", "admin"),
                                                      params.get_or("project_domain", "Default")},
                                           m_placement, *m_admin_sessions, context.deadline);
    const auto poll = params.get_int("task_poll_ms", k_default_poll_ms);
    m_poll = std::chrono::milliseconds(std::max<std::int64_t>(poll, 1));
}

Connection::~Connection() = default;

std::unique_ptr<SessionCache> Connection::sessions(const std::string& user_key) const {
    // One cache entry per (Keystone URL, user, scope): its name hashes both.
    return m_context.coordination.session_cache(m_credentials.auth_url, user_key, m_ttl);
}

const api::Cloud& Connection::project(const std::string& project_id) {
    auto& scoped = m_projects[project_id];
    if (!scoped) {
        const auto token = m_admin->token();
        const auto admin_role = api::find_role(*m_admin, "admin");
        if (!admin_role) {
            throw OperationError("Keystone has no role named admin");
        }
        if (!api::has_role(*m_admin, project_id, token.user_id, admin_role->id)) {
            log::info("giving {} the admin role on project {}", m_credentials.username, project_id);
            api::assign_role(*m_admin, project_id, token.user_id, admin_role->id);
        }
        scoped = std::make_unique<Scoped>();
        scoped->sessions =
            sessions(fmt::format("{} project {}", m_credentials.username, project_id));
        scoped->cloud =
            std::make_unique<api::Cloud>(*m_http, m_credentials, api::Scope{project_id, {}, {}},
                                         m_placement, *scoped->sessions, m_context.deadline);
    }
    return *scoped->cloud;
}

const std::string& Connection::vdc_domain_id() {
    if (m_domain_id.empty()) {
        const auto& params = m_context.module_params;
        const auto domain = params.get_or("vdc_domain", "Default");
        const auto found = api::find_domain(*m_admin, domain);
        if (!found) {
            throw ConfigError(
                fmt::format("{}: Keystone has no domain {} (vdc_domain)", params.owner(), domain));
        }
        m_domain_id = found->id;
    }
    return m_domain_id;
}

void Connection::wait_until(std::string_view what, const std::function<bool()>& done) const {
    poll_until(m_context.deadline, PollIntervals{m_poll, k_max_poll}, what, done);
}

std::string item_mark(ItemId item) {
    return fmt::format("pm item {}", item.value());
}

std::string object_mark(ObjectId object) {
    return fmt::format("pm object {}", object.value());
}

void save_item_param(Context& context, std::string_view name, std::string_view value) {
    context.store.set_item_param(context.item->id, name, value);
    context.item_params.set(std::string(name), std::string(value));
}

} // namespace pm::openstack
