#include "pmopenstack/module.hpp"

#include "pm/console.hpp"
#include "pm/service.hpp"

#include "pmopenstack/ops/commands.hpp"
#include "pmopenstack/ops/console.hpp"
#include "pmopenstack/ops/quotas.hpp"
#include "pmopenstack/sync/sync.hpp"

namespace pm::openstack {
namespace {

// The connection's module params (ops/connection.cpp): every command but features reads them.
const std::vector<std::string> k_connection{
    "url",    "username",  "password",   "user_domain", "project", "project_domain",
    "region", "interface", "vdc_domain", "task_poll_ms"};

std::vector<std::string> with(std::vector<std::string> names,
                              const std::vector<std::string>& more) {
    names.insert(names.end(), more.begin(), more.end());
    return names;
}

CommandSpec object_command(std::string name, std::string help,
                           std::function<void(Context&)> handler,
                           std::vector<std::string> object_params = {},
                           const std::vector<std::string>& module_params = {}) {
    return {std::move(name),         Scope::object,      Mutation::mutating,
            std::move(help),         std::move(handler), with(k_connection, module_params),
            std::move(object_params)};
}

} // namespace

ModuleSpec module_spec() {
    ModuleSpec spec;
    spec.name = "pmopenstack";
    spec.itemtype = "vdc";
    spec.summary = "pmopenstack: Virtual Data Centers on OpenStack, for hosting billing platforms";
    spec.params = {
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
        {"parallel_requests",
         "open, setparam: independent requests at once (on/off, default on; off for a cloud "
         "that limits bursts)",
         false},
        {"sync_threads", "vdc_sync_all: parallel requests (1-32, default 4)", false},
        {"sync_page_size", "vdc_sync_all: objects per listing page (default 1000)", false},
        {"sync_grace",
         "vdc_sync_all: seconds before an object without external id and operation is removed "
         "(default 600)",
         false},
    };
    const auto connection = connection_params(
        {"Keystone v3 URL, e.g. https://cloud.example.com:5000/v3", "admin user name"});
    spec.params.insert(spec.params.begin(), connection.begin(), connection.end());
    const auto shared = common_params();
    spec.params.insert(spec.params.end(), shared.begin(), shared.end());
    const auto addon = console::params();
    spec.params.insert(spec.params.end(), addon.begin(), addon.end());
    const auto console_names = with(k_connection, console::param_names());
    spec.item_params = {
        {"project_name", "VDC project name (optional: project_name_template)"},
        {"username", "VDC user name"},
        {"password", "VDC user password", true},
        {"project_id", "the VDC's project (written by open)"},
        {"user_id", "the VDC's user (written by open)"},
        {"console_login", "the customer's console user (written by open; console add-on)"},
        {"console_user_password", "the customer's console password (written by open)", true},
    };
    std::vector<std::string> quotas;
    for (const auto& quota : k_quota_names) {
        spec.item_params.push_back(
            {std::string(quota.billing), "quota limit (overrides the tariff)", false});
        quotas.emplace_back(quota.billing);
    }
    spec.item_params.insert(
        spec.item_params.end(),
        {{"name", "object name"},
         {"flavor", "VM flavor, name or id"},
         {"image", "VM image, name or id"},
         {"network", "the network object (vdcobject id) to attach to"},
         {"size_gb", "volume size, GB"},
         {"volume_type", "volume type (optional)"},
         {"cidr", "network subnet CIDR (default 10.0.0.0/24)"},
         {"external", "router gateway on the external network (on/off, default on)"},
         {"router", "the router object (vdcobject id)"},
         {"router_id", "the router (written by vdc_router_interface_open)"},
         {"subnet_id", "the subnet (written by vdc_network_open)"}});
    const std::vector<std::string> vdc{"project_id", "user_id"};
    spec.commands = {
        {"features", Scope::none, Mutation::read_only, "print item types, params, commands", {}},
        {"check_connection", Scope::module, Mutation::read_only,
         "get a token, check the catalog and the admin role", check_connection,
         with(k_connection, {"external_network", "member_role"})},
        {"open", Scope::item, Mutation::mutating, "create the VDC: project, user, quotas", open,
         with(console_names, {"member_role", "project_name_template", "parallel_requests"}),
         with({"project_name", "username", "password", "project_id", "user_id"}, quotas)},
        {"close", Scope::item, Mutation::mutating, "delete the VDC and everything in it", close,
         console_names, vdc},
        {"suspend", Scope::item, Mutation::mutating, "disable the VDC, stop its servers", suspend,
         console_names, vdc},
        {"resume", Scope::item, Mutation::mutating, "enable the VDC, start its servers", resume,
         console_names, vdc},
        {"setparam", Scope::item, Mutation::mutating, "apply changed quotas", setparam,
         with(k_connection, {"parallel_requests"}), with({"project_id"}, quotas)},
        object_command("vdc_volume_open", "create a volume", vdc_volume_open,
                       {"name", "size_gb", "volume_type"}),
        object_command("vdc_volume_close", "delete a volume", vdc_volume_close),
        object_command("vdc_vm_open", "create a server", vdc_vm_open,
                       {"name", "flavor", "image", "network"},
                       {"console", "console_server_active"}),
        object_command("vdc_vm_close", "delete a server", vdc_vm_close),
        object_command("vdc_network_open", "create a network and its subnet", vdc_network_open,
                       {"name", "cidr"}),
        object_command("vdc_network_close", "delete a network", vdc_network_close),
        object_command("vdc_router_open", "create a router", vdc_router_open, {"name", "external"},
                       {"external_network"}),
        object_command("vdc_router_close", "delete a router", vdc_router_close),
        object_command("vdc_router_interface_open", "attach a network to a router",
                       vdc_router_interface_open, {"router", "network"}),
        object_command("vdc_router_interface_close", "detach a network from a router",
                       vdc_router_interface_close, {"router_id", "subnet_id"}),
        object_command("vdc_loadbalancer_open", "create a load balancer", vdc_loadbalancer_open,
                       {"name", "network"}),
        object_command("vdc_loadbalancer_close", "delete a load balancer", vdc_loadbalancer_close),
        {"vdc_stat",
         Scope::module,
         Mutation::read_only,
         "collect usage statistics",
         vdc_stat,
         k_connection,
         {"project_id"}},
        {"vdc_sync_all", Scope::none, Mutation::read_only,
         "reconcile billing with OpenStack (every module, or --module N; --dry-run)", vdc_sync_all,
         with(k_connection, {"sync_threads", "sync_page_size", "sync_grace"}),
         with({"project_id"}, quotas)},
        {"console_sync", Scope::module, Mutation::mutating,
         "console add-on: rotate VDC credentials, recreate what is missing (cron)", console_sync,
         console_names, vdc},
    };
    return spec;
}

} // namespace pm::openstack
