#include "pmovirt/module.hpp"

#include "pm/service.hpp"

#include "pmovirt/ops/commands.hpp"

namespace pm::ovirt {

ModuleSpec module_spec() {
    ModuleSpec spec;
    spec.name = "pmovirt";
    spec.itemtype = "vds";
    spec.summary = "pmovirt: VPS on oVirt from templates, for hosting billing platforms";
    spec.params =
        connection_params({"oVirt engine URL, e.g. https://engine.example.com/ovirt-engine",
                           "user, e.g. admin@internal"});
    spec.params.push_back({"cluster", "cluster, name or id"});
    const auto shared = common_params();
    spec.params.insert(spec.params.end(), shared.begin(), shared.end());
    const std::vector<std::string> connection{"url", "username", "password", "cluster"};
    spec.commands = {
        {"features", Scope::none, Mutation::read_only, "print item types, params, commands", {}},
        {"check_connection", Scope::module, Mutation::read_only,
         "log in, read the engine's version, find the cluster", check_connection, connection},
    };
    return spec;
}

} // namespace pm::ovirt
