#include "pmovirt/module.hpp"

#include "pm/console.hpp"
#include "pm/pool.hpp"
#include "pm/service.hpp"

#include "pmovirt/ops/commands.hpp"
#include "pmovirt/pool/backend.hpp"

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
    spec.params.push_back({"clone",
                           "on: the VM's disks are full copies of the template's (slow); off "
                           "(default): thin copy-on-write",
                           false, ParamKind::on_off});
    spec.params.push_back({"storage_domain",
                           "storage domain (name or id) for the new VMs' disks (default: the "
                           "template's)",
                           false});
    spec.params.push_back({"vnic_profile",
                           "vNIC profile (id, or a name unique among the profiles) of the new "
                           "VMs' first NIC (default: the template's)",
                           false});
    spec.params.push_back({"ipv4_range", "addresses handed out to the VMs, e.g. "
                                         "203.0.113.10-203.0.113.200,198.51.100.7"});
    spec.params.push_back(
        {"ipv4_prefix", "prefix length of the VMs' network, e.g. 24", false, ParamKind::positive});
    spec.params.push_back({"ipv4_gateway", "the VMs' IPv4 gateway", false});
    spec.params.push_back({"dns_servers", "DNS servers given to the VMs, comma list", false});
    spec.params.push_back({"shutdown_timeout",
                           "seconds a guest gets to shut down on ACPI before suspend powers it "
                           "off (default 120; 0: power off at once)",
                           false, ParamKind::count});
    const auto pool_params = pm::pool::params();
    spec.params.insert(spec.params.end(), pool_params.begin(), pool_params.end());
    const auto shared = common_params();
    spec.params.insert(spec.params.end(), shared.begin(), shared.end());
    const auto addon = console::params();
    spec.params.insert(spec.params.end(), addon.begin(), addon.end());
    const auto addon_names = console::param_names();
    const auto with_addon = [&](std::vector<std::string> names) {
        names.insert(names.end(), addon_names.begin(), addon_names.end());
        return names;
    };
    spec.item_params = {
        {"os", "template name (the newest version of it), e.g. debian12"},
        {"password", "root password, set by cloud-init at the first boot"},
        {"ssh_key", "SSH public key for root (optional)"},
        {"domain", "host name (default: the VM name)"},
        {"cpu_number", "CPUs (overrides the tariff)"},
        {"ram_mib", "RAM, MiB (overrides the tariff)"},
        {"hdd_mib", "boot disk, MiB, grown before the first boot (overrides the tariff)"},
        {"ip", "written: the address leased from ipv4_range"},
        {"ips", "written: the item's addresses"},
        {"vm_id", "the VM's engine id (written when the VM is found); else the VM is found by "
                  "its name, pm-item-<item id> (Windows: at most 15 characters, README)"},
        {"restart_after", "written while setparam or change_password has the VM down: start it "
                          "again"},
        {"init_boot", "written: a new password waits for the VM's next start by pm"},
        {"reopen", "written: how far reopen got (<operation>:<old VM id>|gone|done)"},
        {"state", "written: active, stopped, suspended, busy, problem (the engine's status for "
                  "billing), deleted"},
    };
    const std::vector<std::string> connection{"url", "username", "password", "task_poll_ms"};
    const std::vector<std::string> vm{"vm_id"};
    auto shutdown = connection;
    shutdown.push_back("shutdown_timeout");
    const std::vector<std::string> create{
        "url",   "username",     "password",   "task_poll_ms", "cluster",      "storage_domain",
        "clone", "vnic_profile", "ipv4_range", "ipv4_prefix",  "ipv4_gateway", "dns_servers"};
    const std::vector<std::string> ordered{"os",         "password", "ssh_key", "domain",
                                           "cpu_number", "ram_mib",  "hdd_mib", "vm_id"};
    auto pool = create;
    const auto pool_names = pm::pool::param_names();
    pool.insert(pool.end(), pool_names.begin(), pool_names.end());
    auto with_init = shutdown;
    with_init.insert(with_init.end(), {"ipv4_range", "ipv4_prefix", "ipv4_gateway", "dns_servers"});
    spec.commands = {
        {"features", Scope::none, Mutation::read_only, "print item types, params, commands", {}},
        {"check_connection",
         Scope::module,
         Mutation::read_only,
         "log in, read the engine's version, find the cluster",
         check_connection,
         {"url", "username", "password", "cluster"}},
        {"open", Scope::item, Mutation::mutating,
         "take a VM from the pool, else: lease an address, create the VM from the template, grow "
         "its disk, start it with cloud-init, wait until up",
         open, with_addon(pool), ordered},
        {"suspend", Scope::item, Mutation::mutating,
         "shut the VM down (powered off after shutdown_timeout), wait until down", suspend,
         with_addon(shutdown), vm},
        {"resume", Scope::item, Mutation::mutating,
         "start the VM (with a pending new password), wait until up", resume, with_addon(with_init),
         vm},
        {"reboot", Scope::item, Mutation::mutating,
         "reboot the VM (start it when down; a power cycle for a pending new password), wait "
         "until up",
         reboot, with_init, vm},
        {"setparam",
         Scope::item,
         Mutation::mutating,
         "shut the VM down, set the ordered CPUs and memory, grow its disk, start it again when "
         "it ran",
         setparam,
         shutdown,
         {"cpu_number", "ram_mib", "hdd_mib", "vm_id"}},
        {"change_password",
         Scope::item,
         Mutation::mutating,
         "store the new password in the VM's cloud-init (sysprep), deliver it on a restart",
         change_password,
         with_init,
         {"password", "ssh_key", "domain", "vm_id"}},
        {"reopen", Scope::item, Mutation::mutating,
         "delete the VM and make it anew from its template, same name and address, until up",
         reopen, create, ordered},
        {"close", Scope::item, Mutation::mutating,
         "power the VM off, delete it, wait until the engine no longer has it", close,
         with_addon(connection), vm},
        {"sync_item", Scope::item, Mutation::mutating,
         "the VM's engine status as the item's state; a VM gone marks the item deleted", sync_item,
         connection, vm},
        {"pool_process", Scope::module, Mutation::mutating,
         "keep the pool of VMs made from the templates, down until an order takes one (cron)",
         pool_process, pool},
        {"console_sync", Scope::module, Mutation::mutating,
         "console add-on: recreate what is missing, finish what was left (cron)",
         [](Context& context) { console::sync(context); }, addon_names},
    };
    return spec;
}

} // namespace pm::ovirt
