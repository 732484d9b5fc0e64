// check_connection: log in, check the user is an admin and the cluster exists.
#include <fmt/format.h>

#include "pm/errors.hpp"

#include "pmvmmgr6/ops/commands.hpp"
#include "pmvmmgr6/vm/connection.hpp"

namespace pm::vmmgr6 {

void check_connection(Context& context) {
    const Connection vm(context);
    const auto cluster_id = vm.cluster();
    api::User user;
    try {
        user = vm.api().whoami();
    } catch (const AuthError& e) {
        throw ConfigError(fmt::format(
            "cannot log in to VMmanager as {}: {}", context.module_params.require("username"),
            e.service_message().empty() ? e.what() : e.service_message()));
    }
    if (!user.is_admin()) {
        throw ConfigError(
            fmt::format("VMmanager user {} is not an administrator (@admin)", user.email));
    }
    const auto cluster = vm.api().cluster(cluster_id);
    if (!cluster) {
        throw ConfigError(fmt::format("VMmanager has no cluster {}", cluster_id));
    }
    context.result.add("user", user.email);
    context.result.add("cluster", cluster->name);
}

} // namespace pm::vmmgr6
