// check_connection: log in with an SSO token, read the engine's version (GET /api) and find
// the module's cluster by id or exact name (ovirt.md §1; names compared exactly, not through
// the engine's case-insensitive search).
#include <algorithm>

#include <fmt/format.h>

#include "pm/errors.hpp"

#include "pmovirt/ops/commands.hpp"
#include "pmovirt/vm/connection.hpp"

namespace pm::ovirt {

void check_connection(Context& context) {
    const Connection engine(context);
    const auto wanted = context.module_params.require("cluster");
    api::ProductInfo product;
    try {
        product = engine.api().product_info();
    } catch (const AuthError& e) {
        throw ConfigError(
            fmt::format("cannot log in to oVirt as {}: {}", engine.service().username(),
                        e.service_message().empty() ? e.what() : e.service_message()));
    }
    const auto clusters = engine.api().clusters();
    const auto found = std::find_if(clusters.begin(), clusters.end(), [&](const api::Cluster& c) {
        return c.id == wanted || c.name == wanted;
    });
    if (found == clusters.end()) {
        std::string known;
        for (const auto& cluster : clusters) {
            known += (known.empty() ? "" : ", ") + cluster.name;
        }
        throw ConfigError(
            fmt::format("oVirt has no cluster '{}' (param cluster; the engine has: {})", wanted,
                        known.empty() ? "none" : known));
    }
    context.result.add("engine", product.version);
    context.result.add("user", engine.service().username());
    context.result.add("cluster", found->name);
}

} // namespace pm::ovirt
