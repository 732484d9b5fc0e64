#include "pmopenstack/ops/connection.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/log.hpp"

#include "pmopenstack/api/services.hpp"

namespace pm::openstack {
struct Connection::Scoped {
    std::unique_ptr<SessionCache> sessions;
    std::unique_ptr<api::Cloud> cloud;
};

Connection::Connection(Context& context)
    : m_context(context), m_service(context.module_params, context.coordination, context.deadline) {
    const auto& params = context.module_params;
    m_credentials = api::Credentials{m_service.url(), m_service.username(), m_service.password(),
                                     params.get_or("user_domain", "Default")};
    m_placement =
        api::Placement{params.get_or("region", "RegionOne"), params.get_or("interface", "public")};
    if (m_placement.interface != "public" && m_placement.interface != "internal" &&
        m_placement.interface != "admin") {
        throw ConfigError(fmt::format("{}: interface must be public, internal or admin, not {}",
                                      params.owner(), m_placement.interface));
    }
    m_admin = std::make_unique<api::Cloud>(m_service.http(), m_credentials,
                                           api::Scope{{},
                                                      params.get_or("project", "admin"),
                                                      params.get_or("project_domain", "Default")},
                                           m_placement, m_service.sessions(), context.deadline);
}

Connection::~Connection() = default;

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
        // One cache entry per (Keystone URL, user, scope): its name hashes both.
        scoped->sessions = m_service.session_cache(
            fmt::format("{} project {}", m_credentials.username, project_id));
        scoped->cloud = std::make_unique<api::Cloud>(m_service.http(), m_credentials,
                                                     api::Scope{project_id, {}, {}}, m_placement,
                                                     *scoped->sessions, m_context.deadline);
    }
    return *scoped->cloud;
}

const api::Cloud& Connection::as_user(const std::string& username, const std::string& password,
                                      const std::string& project_id) {
    auto& scoped = m_projects[fmt::format("{} as {}", project_id, username)];
    if (!scoped) {
        scoped = std::make_unique<Scoped>();
        const api::Credentials credentials{m_credentials.auth_url, username, password,
                                           m_context.module_params.get_or("vdc_domain", "Default")};
        scoped->sessions =
            m_service.session_cache(fmt::format("{} project {}", username, project_id));
        scoped->cloud = std::make_unique<api::Cloud>(m_service.http(), credentials,
                                                     api::Scope{project_id, {}, {}}, m_placement,
                                                     *scoped->sessions, m_context.deadline);
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
    m_service.wait_until(what, done);
}

std::string item_mark(ItemId item) {
    return fmt::format("pm item {}", item.value());
}

std::string object_mark(ObjectId object) {
    return fmt::format("pm object {}", object.value());
}

} // namespace pm::openstack
