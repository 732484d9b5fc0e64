// check_connection: a project-scoped token, the admin role, an endpoint of each service for
// the module's region and interface, the member role and the external network.
#include <fmt/format.h>

#include "pm/errors.hpp"

#include "pmopenstack/api/services.hpp"
#include "pmopenstack/ops/commands.hpp"
#include "pmopenstack/ops/connection.hpp"

namespace pm::openstack {

void check_connection(Context& context) {
    Connection os(context);
    api::TokenInfo token;
    try {
        token = os.admin().fresh_token();
    } catch (const AuthError& e) {
        throw ConfigError(fmt::format(
            "cannot log in to Keystone as {}: {}", context.module_params.require("username"),
            e.service_message().empty() ? e.what() : e.service_message()));
    }
    if (!token.has_role("admin")) {
        throw ConfigError(fmt::format("Keystone user {} has no admin role on project {}",
                                      context.module_params.require("username"),
                                      token.project_name));
    }
    context.result.add("project", token.project_name);
    for (const auto& [service, name] :
         {std::pair{api::Service::compute, "compute"}, std::pair{api::Service::volume, "volume"},
          std::pair{api::Service::network, "network"},
          std::pair{api::Service::load_balancer, "load_balancer"}}) {
        context.result.add(name, os.admin().endpoint(service));
    }
    const auto member = context.module_params.get_or("member_role", "member");
    if (!api::find_role(os.admin(), member)) {
        throw ConfigError(fmt::format("Keystone has no role {} (member_role)", member));
    }
    if (auto external = context.module_params.get("external_network")) {
        const auto network = api::find_external_network(os.admin(), *external);
        if (!network) {
            throw ConfigError(fmt::format("Neutron has no external network {}", *external));
        }
        context.result.add("external_network", network->id);
    }
}

} // namespace pm::openstack
