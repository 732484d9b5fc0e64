#include "module.hpp"

namespace pm::openstack {
namespace {

CommandSpec object_command(std::string name, std::string help) {
    return {std::move(name), Scope::object, Mutation::mutating, std::move(help), {}};
}

} // namespace

ModuleSpec module_spec() {
    ModuleSpec spec;
    spec.name = "pmopenstack";
    spec.itemtype = "vdc";
    spec.summary = "pmopenstack: Virtual Data Centers on OpenStack, for hosting billing platforms";
    spec.params = {
        {"url", "Keystone v3 URL, e.g. https://cloud.example.com:5000/v3", false},
        {"username", "admin user name", false},
        {"password", "admin user password", true},
        {"user_domain", "domain of the admin user (default Default)", false},
        {"project", "admin project (default admin)", false},
        {"project_domain", "domain of the admin project (default Default)", false},
        {"region", "region (default RegionOne)", false},
        {"interface", "endpoint interface: public, internal or admin", false},
        {"external_network", "external network for routers", false},
        {"member_role", "role given to the VDC user (default member)", false},
    };
    const auto shared = common_params();
    spec.params.insert(spec.params.end(), shared.begin(), shared.end());
    spec.commands = {
        {"features", Scope::none, Mutation::read_only, "print item types, params, commands", {}},
        {"check_connection",
         Scope::module,
         Mutation::read_only,
         "get a token, check the catalog and the admin role",
         {}},
        {"open", Scope::item, Mutation::mutating, "create the VDC: project, user, quotas", {}},
        {"close", Scope::item, Mutation::mutating, "delete the VDC and everything in it", {}},
        {"suspend", Scope::item, Mutation::mutating, "disable the VDC, stop its servers", {}},
        {"resume", Scope::item, Mutation::mutating, "enable the VDC, start its servers", {}},
        {"setparam", Scope::item, Mutation::mutating, "apply changed quotas", {}},
        object_command("vdc_volume_open", "create a volume"),
        object_command("vdc_volume_close", "delete a volume"),
        object_command("vdc_vm_open", "create a server"),
        object_command("vdc_vm_close", "delete a server"),
        object_command("vdc_network_open", "create a network and its subnet"),
        object_command("vdc_network_close", "delete a network"),
        object_command("vdc_router_open", "create a router"),
        object_command("vdc_router_close", "delete a router"),
        object_command("vdc_router_interface_open", "attach a network to a router"),
        object_command("vdc_router_interface_close", "detach a network from a router"),
        object_command("vdc_loadbalancer_open", "create a load balancer"),
        object_command("vdc_loadbalancer_close", "delete a load balancer"),
        {"vdc_stat", Scope::module, Mutation::read_only, "collect usage statistics", {}},
        {"vdc_sync_all",
         Scope::none,
         Mutation::read_only,
         "reconcile billing with OpenStack (all modules)",
         {}},
    };
    return spec;
}

} // namespace pm::openstack
