#include "module.hpp"

#include "ops/commands.hpp"

namespace pm::vmmgr6 {

ModuleSpec module_spec() {
    ModuleSpec spec;
    spec.name = "pmvmmgr6";
    spec.itemtype = "vds";
    spec.summary = "pmvmmgr6: VPS on ISPsystem VMmanager 6, for hosting billing platforms";
    spec.params = {
        {"url", "VMmanager URL, e.g. https://vm.example.com", false, ParamKind::http_url},
        {"username", "admin user email", false},
        {"password", "admin user password", true},
        {"cluster", "cluster id", false, ParamKind::positive},
        {"use_recipes", "run the ordered recipe (on/off)", false, ParamKind::on_off},
        {"second_iface", "add a second network interface (on/off)", false, ParamKind::on_off},
        {"ipv4_pool", "IPv4 pool ids, comma list (optional)", false, ParamKind::id_list},
        {"task_poll_ms",
         "first interval between polls of a VMmanager task, ms (default 1000; grows to 5 s)", false,
         ParamKind::positive},
        {"task_appear_s",
         "seconds a VMmanager task may stay missing from the task list before the operation "
         "fails (default 120)",
         false, ParamKind::positive},
        {"pool_enabled", "keep a pool of pre-created servers (on/off)", false, ParamKind::on_off},
        {"pool_account", "account id owning pool servers", false, ParamKind::positive},
        {"pool_os", "OS templates always kept in the pool, comma list", false},
        {"pool_max_months", "pool servers older than this are deleted (default 3, 0: never)", false,
         ParamKind::count},
        {"pool_stat_days", "days of orders counted for pool targets (default 30)", false,
         ParamKind::positive},
        {"pool_steps",
         "five pool targets for 1-3, 4-6, 7-10, 11-15, >15 orders (default 1,2,3,4,5)", false},
        {"pool_hostname_recipe",
         "recipe (id) that sets the hostname inside a VM; takes parameter HOSTNAME", false,
         ParamKind::positive},
        {"pool_pricelist", "tariff of pool servers kept for pool_os templates", false,
         ParamKind::positive},
    };
    const auto shared = common_params();
    spec.params.insert(spec.params.end(), shared.begin(), shared.end());
    spec.commands = {
        {"features", Scope::none, Mutation::read_only, "print item types, params, commands", {}},
        {"check_connection", Scope::module, Mutation::read_only,
         "log in, check admin rights and the cluster", check_connection},
        {"open", Scope::item, Mutation::mutating, "create the VPS", open},
        {"close", Scope::item, Mutation::mutating, "delete the VPS", close},
        {"suspend", Scope::item, Mutation::mutating, "stop the VPS", suspend},
        {"resume", Scope::item, Mutation::mutating, "start the VPS", resume},
        {"reboot", Scope::item, Mutation::mutating, "restart the VPS", reboot},
        {"setparam", Scope::item, Mutation::mutating, "apply changed CPU, RAM, disk, IPv4",
         setparam},
        {"reopen", Scope::item, Mutation::mutating, "reinstall the OS", reopen},
        {"change_password", Scope::item, Mutation::mutating, "set the root password",
         change_password},
        {"sync_item", Scope::item, Mutation::mutating, "refresh state and IPs", sync_item},
        {"pool_process", Scope::module, Mutation::mutating, "keep the pool of servers filled",
         pool_process},
    };
    return spec;
}

} // namespace pm::vmmgr6
