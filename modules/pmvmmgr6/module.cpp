#include "pmvmmgr6/module.hpp"

#include "pm/console.hpp"
#include "pm/pool.hpp"
#include "pm/service.hpp"

#include "pmvmmgr6/ops/commands.hpp"
#include "pmvmmgr6/pool/backend.hpp"

namespace pm::vmmgr6 {

ModuleSpec module_spec() {
    ModuleSpec spec;
    spec.name = "pmvmmgr6";
    spec.itemtype = "vds";
    spec.summary = "pmvmmgr6: VPS on ISPsystem VMmanager 6, for hosting billing platforms";
    spec.params = {
        {"cluster", "cluster id", false, ParamKind::positive},
        {"use_recipes", "run the ordered recipe (on/off)", false, ParamKind::on_off},
        {"second_iface", "add a second network interface (on/off)", false, ParamKind::on_off},
        {"ipv4_pool", "IPv4 pool ids, comma list (optional)", false, ParamKind::id_list},
        {"task_appear_s",
         "seconds a VMmanager task may stay missing from the task list before the operation "
         "fails (default 120)",
         false, ParamKind::positive},
    };
    const auto pool_params = pm::pool::params(pool::own_params());
    spec.params.insert(spec.params.end(), pool_params.begin(), pool_params.end());
    const auto service =
        connection_params({"VMmanager URL, e.g. https://vm.example.com", "admin user email"});
    spec.params.insert(spec.params.begin(), service.begin(), service.end());
    const auto shared = common_params();
    spec.params.insert(spec.params.end(), shared.begin(), shared.end());
    const auto addon = console::params();
    spec.params.insert(spec.params.end(), addon.begin(), addon.end());
    spec.item_params = {
        {"os", "OS template, id or name"},
        {"recipe", "recipe (id) run after the OS install (optional; use_recipes)"},
        {"domain", "domain name of the VPS"},
        {"password", "root password", true},
        {"cpu_number", "CPU cores (overrides the tariff)"},
        {"ram_mib", "RAM, MiB (overrides the tariff)"},
        {"hdd_mib", "disk, MiB (overrides the tariff)"},
        {"ipv4_number", "IPv4 addresses (overrides the tariff)"},
        {"net_bandwidth_mbitps", "bandwidth, Mbit/s (overrides the tariff)"},
        {"preset", "VMmanager preset (overrides the tariff)"},
        {"vm_id", "the VM (written by open)"},
        {"vm_account_id", "the customer's VMmanager account (written by open)"},
        {"console_login", "the customer's console user (written by open; console add-on)"},
        {"console_user_password", "the customer's console password (written by open)", true},
    };
    // What the commands read, for --command C --help: the connection's params, the create's,
    // the pool's, and the item's resources.
    const std::vector<std::string> connection{"url",     "username",     "password",
                                              "cluster", "task_poll_ms", "task_appear_s"};
    const auto with = [](std::vector<std::string> names, std::vector<std::string> more) {
        names.insert(names.end(), more.begin(), more.end());
        return names;
    };
    const auto create = with(connection, {"use_recipes", "second_iface", "ipv4_pool"});
    const auto pool = with(create, pm::pool::param_names(pool::own_params()));
    const std::vector<std::string> resources{
        "cpu_number", "ram_mib", "hdd_mib", "ipv4_number", "net_bandwidth_mbitps", "preset"};
    const std::vector<std::string> vm{"vm_id"};
    const auto addon_names = console::param_names();
    spec.commands = {
        {"features", Scope::none, Mutation::read_only, "print item types, params, commands", {}},
        {"check_connection", Scope::module, Mutation::read_only,
         "log in, check admin rights and the cluster", check_connection, connection},
        {"open", Scope::item, Mutation::mutating, "create the VPS", open, with(pool, addon_names),
         with(with({"os", "recipe", "domain", "password"}, resources), {"vm_id", "vm_account_id"})},
        {"close", Scope::item, Mutation::mutating, "delete the VPS", close,
         with(connection, addon_names), vm},
        {"suspend", Scope::item, Mutation::mutating, "stop the VPS", suspend,
         with(connection, addon_names), vm},
        {"resume", Scope::item, Mutation::mutating, "start the VPS", resume,
         with(connection, addon_names), vm},
        {"reboot", Scope::item, Mutation::mutating, "restart the VPS", reboot, connection, vm},
        {"setparam", Scope::item, Mutation::mutating, "apply changed CPU, RAM, disk, IPv4",
         setparam, connection, with(vm, resources)},
        {"reopen",
         Scope::item,
         Mutation::mutating,
         "reinstall the OS",
         reopen,
         connection,
         {"vm_id", "os", "password"}},
        {"change_password",
         Scope::item,
         Mutation::mutating,
         "set the root password",
         change_password,
         connection,
         {"vm_id", "password"}},
        {"sync_item", Scope::item, Mutation::mutating, "refresh state and IPs", sync_item,
         connection, vm},
        {"pool_process", Scope::module, Mutation::mutating, "keep the pool of servers filled",
         pool_process, pool},
        {"console_sync", Scope::module, Mutation::mutating,
         "console add-on: recreate what is missing, finish what was left (cron)",
         [](Context& context) { console::sync(context); }, addon_names},
    };
    return spec;
}

} // namespace pm::vmmgr6
