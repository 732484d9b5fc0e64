#include "module.hpp"

#include "ops/commands.hpp"
#include "ops/sync.hpp"

namespace pm::openstack {
namespace {

CommandSpec object_command(std::string name, std::string help,
                           std::function<void(Context&)> handler) {
    return {std::move(name), Scope::object, Mutation::mutating, std::move(help),
            std::move(handler)};
}

} // namespace

ModuleSpec module_spec() {
    ModuleSpec spec;
    spec.name = "pmopenstack";
    spec.itemtype = "vdc";
    spec.summary = "pmopenstack: Virtual Data Centers on OpenStack, for hosting billing platforms";
    spec.params = {
        {"url", "Keystone v3 URL, e.g. https://cloud.example.com:5000/v3", false,
         ParamKind::http_url},
        {"username", "admin user name", false},
        {"password", "admin user password", true},
        {"user_domain", "domain of the admin user (default Default)", false},
        {"project", "admin project (default admin)", false},
        {"project_domain", "domain of the admin project (default Default)", false},
        {"region", "region (default RegionOne)", false},
        {"interface", "endpoint interface: public, internal or admin", false},
        {"external_network", "external network for routers", false},
        {"member_role", "role given to the VDC user (default member)", false},
        {"vdc_domain", "domain of VDC projects and users, name or id (default Default)", false},
        {"project_name_template",
         "project name when the item has none; __IID__ item id, __ACCID__ account id "
         "(default vdc-__ACCID__-__IID__)",
         false},
        {"sync_threads", "vdc_sync_all: parallel requests (1-32, default 4)", false},
        {"sync_page_size", "vdc_sync_all: objects per listing page (default 1000)", false},
        {"sync_grace",
         "vdc_sync_all: seconds before an object without external id and operation is removed "
         "(default 600)",
         false},
        {"task_poll_ms",
         "first interval between polls of an asynchronous state, ms (default 1000; grows to "
         "5 s)",
         false, ParamKind::positive},
    };
    const auto shared = common_params();
    spec.params.insert(spec.params.end(), shared.begin(), shared.end());
    spec.commands = {
        {"features", Scope::none, Mutation::read_only, "print item types, params, commands", {}},
        {"check_connection", Scope::module, Mutation::read_only,
         "get a token, check the catalog and the admin role", check_connection},
        {"open", Scope::item, Mutation::mutating, "create the VDC: project, user, quotas", open},
        {"close", Scope::item, Mutation::mutating, "delete the VDC and everything in it", close},
        {"suspend", Scope::item, Mutation::mutating, "disable the VDC, stop its servers", suspend},
        {"resume", Scope::item, Mutation::mutating, "enable the VDC, start its servers", resume},
        {"setparam", Scope::item, Mutation::mutating, "apply changed quotas", setparam},
        object_command("vdc_volume_open", "create a volume", vdc_volume_open),
        object_command("vdc_volume_close", "delete a volume", vdc_volume_close),
        object_command("vdc_vm_open", "create a server", vdc_vm_open),
        object_command("vdc_vm_close", "delete a server", vdc_vm_close),
        object_command("vdc_network_open", "create a network and its subnet", vdc_network_open),
        object_command("vdc_network_close", "delete a network", vdc_network_close),
        object_command("vdc_router_open", "create a router", vdc_router_open),
        object_command("vdc_router_close", "delete a router", vdc_router_close),
        object_command("vdc_router_interface_open", "attach a network to a router",
                       vdc_router_interface_open),
        object_command("vdc_router_interface_close", "detach a network from a router",
                       vdc_router_interface_close),
        object_command("vdc_loadbalancer_open", "create a load balancer", vdc_loadbalancer_open),
        object_command("vdc_loadbalancer_close", "delete a load balancer", vdc_loadbalancer_close),
        {"vdc_stat", Scope::module, Mutation::read_only, "collect usage statistics", vdc_stat},
        {"vdc_sync_all", Scope::none, Mutation::read_only,
         "reconcile billing with OpenStack (every module, or --module N; --dry-run)", vdc_sync_all},
    };
    return spec;
}

} // namespace pm::openstack
