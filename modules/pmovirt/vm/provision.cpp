// The steps of open (ops/open.cpp) that reopen, setparam, change_password and the pool share:
// vm/provision.hpp.
#include "pmovirt/vm/provision.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pm/console.hpp"
#include "pm/create.hpp"
#include "pm/errors.hpp"
#include "pm/ipv4.hpp"
#include "pm/item_param.hpp"
#include "pm/log.hpp"

#include "pmovirt/api/body.hpp"
#include "pmovirt/api/parse.hpp"
#include "pmovirt/api/search.hpp"
#include "pmovirt/vm/item.hpp"
#include "pmovirt/vm/power.hpp"

namespace pm::ovirt {
namespace {

using api::DiskStatus;
using api::FaultKind;
using api::VmStatus;

// Reads of a grown disk still `ok` at its old size before its extend counts as failed.
constexpr int k_small_reads = 3;

} // namespace

// The item's own value (an addon) over the tariff's (DESIGN §5, "resources as for vds").
Resources ordered_resources(const Context& context) {
    if (!context.store.find_pricelist(context.item->pricelist_id)) {
        throw ConfigError(fmt::format("item {}: its tariff (pricelist {}) is not in the store",
                                      context.item->id.value(), context.item->pricelist_id));
    }
    const auto tariff = context.store.pricelist_params(context.item->pricelist_id);
    const auto pick = [&](std::string_view name) -> std::optional<std::int64_t> {
        const auto& source = context.item_params.contains(name) ? context.item_params : tariff;
        const auto value = source.get_int(name);
        if (value && *value < 1) {
            throw ConfigError(fmt::format("{}: the param '{}' must be a whole number of 1 or more, "
                                          "not '{}'",
                                          source.owner(), name, *value));
        }
        return value;
    };
    return {pick("cpu_number"), pick("ram_mib"), pick("hdd_mib")};
}

// Step 1: the item's address (Store::lease_ipv4: its own lease first, else the lowest free).
std::string lease_address(Context& context) {
    const auto module = context.module->id;
    const auto what = fmt::format("module {} param 'ipv4_range'", module.value());
    const auto ranges = ipv4::parse_ranges(context.module_params.require("ipv4_range"), what);
    if (ranges.empty()) {
        throw ConfigError(fmt::format("{} holds no address", what));
    }
    const auto leased = context.store.lease_ipv4(module, context.item->id, ranges);
    if (!leased || leased->empty()) {
        throw OperationError(
            fmt::format("no free IPv4 address left in {} ('{}'): every one is leased to another "
                        "item; widen the range or close items",
                        what, context.module_params.get_or("ipv4_range", "")));
    }
    const auto& ip = leased->front();
    if (context.item_params.get_or("ip", "") != ip) {
        save_item_param(context, "ip", ip);
    }
    if (context.item_params.get_or("ips", "") != ip) {
        save_item_param(context, "ips", ip);
    }
    return ip;
}

namespace {

// A Windows computer name: the first label of the item's domain while it fits sysprep's 15
// characters, else the VM's own (short) name.
std::string computer_name(const std::string& domain, const std::string& vm_name) {
    constexpr std::size_t k_max = 15;
    const auto label = domain.substr(0, domain.find('.'));
    return !label.empty() && label.size() <= k_max ? label : vm_name;
}

} // namespace

api::Initialization vm_initialization(const Context& context, const std::string& vm_name,
                                      const std::string& ip, GuestKind kind) {
    const auto& item = context.item_params;
    const auto& module = context.module_params;
    api::Initialization init;
    init.host_name = item.get_or("domain", "");
    if (init.host_name.empty()) {
        init.host_name = vm_name;
    }
    init.root_password = item.require("password");
    if (kind == GuestKind::windows_sysprep) {
        // Sysprep has no SSH key, DNS or NIC configuration (those are cloud-init's, §5.4): the
        // leased address reaches a Windows guest by DHCP or the template's own means.
        init.host_name = computer_name(item.get_or("domain", ""), vm_name);
        init.user_name = "Administrator";
        return init;
    }
    init.authorized_ssh_keys = item.get_or("ssh_key", "");
    std::string dns;
    for (const auto& server : module.get_list("dns_servers")) {
        dns += (dns.empty() ? "" : " ") + server;
    }
    init.dns_servers = dns;
    if (const auto agent = console::agent(context)) {
        init.custom_script = console::cloud_init(*agent);
    }
    const auto prefix = module.require_int("ipv4_prefix");
    if (prefix < 1 || prefix > 32) {
        throw ConfigError(fmt::format("module {} param 'ipv4_prefix' is 1 to 32, not {}",
                                      context.module->id.value(), prefix));
    }
    api::StaticIp address;
    address.address = ip;
    address.netmask = api::netmask_of_prefix(static_cast<int>(prefix));
    address.gateway = module.get_or("ipv4_gateway", "");
    init.ip = address;
    return init;
}

namespace {

// The module's cluster by id or exact name (the engine's search is loose: §7).
std::string cluster_id(const Context& context, const Connection& engine) {
    const auto wanted = context.module_params.require("cluster");
    for (const auto& cluster : engine.api().clusters()) {
        if (cluster.id == wanted || cluster.name == wanted) {
            return cluster.id;
        }
    }
    throw ConfigError(fmt::format("oVirt has no cluster '{}' (module {} param cluster)", wanted,
                                  context.module->id.value()));
}

// The module's storage_domain (id or exact name, a data domain), else "" (the template's).
std::string storage_domain_id(const Context& context, const Connection& engine) {
    const auto wanted = context.module_params.get_or("storage_domain", "");
    if (wanted.empty()) {
        return {};
    }
    for (const auto& domain : engine.api().storage_domains()) {
        if ((domain.id == wanted || domain.name == wanted) &&
            (domain.type.empty() || domain.type == "data")) {
            return domain.id;
        }
    }
    throw ConfigError(fmt::format("oVirt has no data storage domain '{}' (module {} param "
                                  "storage_domain)",
                                  wanted, context.module->id.value()));
}

// Every disk of the template on the module's storage_domain (§5.1 `disk_attachments`); none
// when the param is unset (the disks go where the template's are).
std::vector<api::DiskPlacement> placements(const Context& context, const Connection& engine,
                                           const std::string& template_id) {
    const auto domain = storage_domain_id(context, engine);
    std::vector<api::DiskPlacement> out;
    if (domain.empty()) {
        return out;
    }
    for (const auto& attachment : engine.api().template_disk_attachments(template_id)) {
        const auto& disk = attachment.disk.id.empty() ? attachment.id : attachment.disk.id;
        out.push_back({disk, domain});
    }
    return out;
}

} // namespace

// The template of the item's VM: the newest version of the one its `os` names (§5.1); for a
// pool server, the version the pool chose (its `os` holds that version's id: pm::pool::Key).
api::Template item_template(const Context& context, const Connection& engine) {
    const auto os = context.item_params.require("os");
    if (context.item->status == store::ItemStatus::pool) {
        if (auto found = engine.api().template_by_id(os)) {
            return *found;
        }
    } else if (auto found = api::newest_template(engine.api().templates_named(os), os)) {
        return *found;
    }
    throw OperationError(fmt::format("oVirt has no template '{}' (item {} param os): no VM created",
                                     os, context.item->id.value()));
}

namespace {

// Step 2's create body: the item's template by its own id (§5.1); `vm_name` becomes the
// item's name for that template's kind of guest (sysprep: 15 characters). Without an address
// (a pool server, never started before an order takes it) the VM gets no initialization of
// its own: the takeover stores the order's.
std::string create_body(const Context& context, const Connection& engine, std::string& vm_name,
                        const std::string& ip) {
    const auto found = item_template(context, engine);
    const auto kind = guest_kind(found.os_type);
    vm_name = item_vm_name(context.item->id, kind);
    log::info("template {} version {} ({}) for VM {}", found.name, found.version.number, found.id,
              vm_name);
    const auto wanted = ordered_resources(context);
    api::VmCreate spec;
    spec.name = vm_name;
    spec.description = fmt::format("billing item {}", context.item->id.value());
    spec.comment = spec.description;
    spec.cluster.id = cluster_id(context, engine);
    spec.template_ref.id = found.id;
    if (wanted.ram_mib) {
        spec.memory = *wanted.ram_mib * k_mib; // guaranteed = memory, max = 4 × memory (§5.5)
    }
    if (wanted.cpu_number) {
        spec.cpu = api::cpu_topology_for(*wanted.cpu_number);
    }
    if (!ip.empty()) {
        spec.initialization = vm_initialization(context, vm_name, ip, kind);
    }
    spec.disks = placements(context, engine, found.id);
    return api::vm_create_body(spec);
}

} // namespace

// Step 2: the item's VM, found or created once. Each round looks the VM up first; a create
// whose reply was lost or ambiguous (pm/create.hpp), a 409 name in use (that create's VM, or
// one still being deleted) and a 409 locked (the template busy) are followed by another
// look-up at the next poll, never by a blind second create.
api::Vm find_or_create_vm(Context& context, const Connection& engine, const std::string& ip) {
    auto name = item_vm_name(context.item->id);
    const auto correlation = item_correlation_id(context);
    std::optional<std::string> body;
    api::Vm vm;
    engine.service().wait_until(fmt::format("VM {} to be created", name), [&] {
        if (auto found = find_item_vm(context, engine)) {
            vm = *found;
            return true;
        }
        if (!body) {
            body = create_body(context, engine, name, ip);
        }
        api::Client::Created created;
        try {
            created = engine.api().create_vm(*body, context.module_params.get_bool("clone", false),
                                             correlation);
        } catch (const Error& e) {
            if (!is_ambiguous(e)) {
                throw;
            }
            log::warn("create of VM {} got no clear answer ({}): looking it up", name, e.what());
            return false;
        }
        if (created.vm) {
            vm = *created.vm;
            save_item_param(context, "vm_id", vm.id); // before any waiting (§11 step 4)
            log::info("VM {} ({}) created: {}", name, vm.id, vm.status_text);
            return true;
        }
        const auto& refusal = created.refusal;
        if (refusal.refusal == FaultKind::name_in_use || refusal.refusal == FaultKind::locked) {
            log::info("create of VM {} refused for now ({}): looking again", name, refusal.message);
            return false;
        }
        throw OperationError(
            fmt::format("oVirt refused to create VM {}: {}", name, refusal.message));
    });
    return vm;
}

namespace {

[[noreturn]] void gone(const std::string& name, std::string_view doing) {
    throw OperationError(fmt::format("VM {} disappeared from oVirt while {} (see the engine's jobs "
                                     "and events): a rerun creates it again",
                                     name, doing));
}

} // namespace

// Step 3: until the VM has left image_locked and every disk is ok. An `illegal` disk fails.
api::Vm settle_vm(const Connection& engine, const api::Vm& created) {
    api::Vm vm = created;
    engine.service().wait_until(fmt::format("VM {} and its disks to be ready", created.name), [&] {
        auto read = engine.api().vm(created.id);
        if (!read) {
            gone(created.name, "its disks were being made");
        }
        vm = *read;
        if (vm.status == VmStatus::image_locked) {
            return false;
        }
        for (const auto& attachment : engine.api().disk_attachments(created.id)) {
            const auto& disk = attachment.disk;
            if (disk.status == DiskStatus::illegal) {
                throw OperationError(
                    fmt::format("disk {} of VM {} is illegal in oVirt", disk.name, created.name));
            }
            if (disk.status != DiskStatus::ok) {
                return false;
            }
        }
        return true;
    });
    return vm;
}

// Step 4: the boot disk at least `bytes` (grow only), then until it is ok at that size.
void grow_boot_disk(const Connection& engine, const api::Vm& vm, std::int64_t bytes,
                    const std::string& correlation) {
    bool sent = false;
    int small_reads = 0;
    engine.service().wait_until(fmt::format("the disk of VM {} to grow", vm.name), [&] {
        const auto attachments = engine.api().disk_attachments(vm.id);
        if (attachments.empty() && !engine.api().vm(vm.id)) {
            gone(vm.name, "its disk was being grown");
        }
        const auto boot = api::boot_attachment(attachments);
        if (!boot) {
            throw OperationError(fmt::format("VM {} has no boot disk to grow", vm.name));
        }
        const auto& disk = boot->disk;
        if (disk.status == DiskStatus::illegal) {
            throw OperationError(
                fmt::format("disk {} of VM {} is illegal in oVirt", disk.name, vm.name));
        }
        if (disk.status != DiskStatus::ok) {
            return false;
        }
        if (disk.provisioned_size.value_or(0) >= bytes) {
            return true;
        }
        // After the extend: the disk reads locked, then ok at the new size. Still small after
        // a few reads without a lock: the engine's extend failed (its job `failed`).
        if (sent && ++small_reads > k_small_reads) {
            throw OperationError(fmt::format(
                "oVirt did not grow disk {} of VM {} to {} MiB (it has {} MiB): see the engine's "
                "jobs for {}",
                disk.name, vm.name, bytes / k_mib, disk.provisioned_size.value_or(0) / k_mib,
                api::sanitized_correlation_id(correlation)));
        }
        if (sent) {
            return false;
        }
        const auto outcome = engine.api().extend_disk(vm.id, boot->id, bytes, correlation);
        if (outcome.done) {
            log::info("disk {} of VM {}: growing to {} MiB", disk.name, vm.name, bytes / k_mib);
            sent = true;
        } else if (outcome.refusal != FaultKind::locked) {
            throw OperationError(fmt::format("oVirt refused to grow disk {} of VM {}: {}",
                                             disk.name, vm.name, outcome.message));
        }
        return false;
    });
}

// The module's vnic_profile (id, else the exact name of one profile), else "" (the NICs keep
// the template's profiles).
std::string module_vnic_profile(const Context& context, const Connection& engine) {
    const auto wanted = context.module_params.get_or("vnic_profile", "");
    if (wanted.empty()) {
        return {};
    }
    std::vector<std::string> named;
    for (const auto& profile : engine.api().vnic_profiles()) {
        if (profile.id == wanted) {
            return profile.id;
        }
        if (profile.name == wanted) {
            named.push_back(profile.id);
        }
    }
    const auto module = context.module->id.value();
    if (named.size() == 1) {
        return named.front();
    }
    if (named.empty()) {
        throw ConfigError(fmt::format(
            "oVirt has no vNIC profile '{}' (module {} param vnic_profile)", wanted, module));
    }
    throw ConfigError(fmt::format("oVirt has {} vNIC profiles named '{}' (one per network): "
                                  "give module {} param vnic_profile as the profile's id",
                                  named.size(), wanted, module));
}

// Step 4b: the VM's first NIC (by name: nic1, the eth0 the static address is for) on
// `profile`: changed when the template gave it another (PUT VM/nics/{nic}), added as nic1
// when the template has no NIC (POST VM/nics, §7). Each round reads the NICs first, so an
// add whose answer was lost is not sent twice.
void place_first_nic(const Connection& engine, const api::Vm& vm, const std::string& profile,
                     const std::string& correlation) {
    engine.service().wait_until(fmt::format("the NIC of VM {} on its vNIC profile", vm.name), [&] {
        const auto nics = engine.api().vm_nics(vm.id);
        if (nics.empty() && !engine.api().vm(vm.id)) {
            gone(vm.name, "its NIC was being set");
        }
        api::Outcome outcome;
        if (nics.empty()) {
            try {
                outcome =
                    engine.api().add_nic(vm.id, api::nic_add_body("nic1", profile), correlation);
            } catch (const Error& e) {
                if (!is_ambiguous(e)) {
                    throw;
                }
                log::warn("NIC add of VM {} got no clear answer ({}): reading again", vm.name,
                          e.what());
                return false;
            }
        } else {
            const auto first = std::min_element(
                nics.begin(), nics.end(),
                [](const api::Nic& a, const api::Nic& b) { return a.name < b.name; });
            if (first->vnic_profile_id == profile) {
                return true;
            }
            outcome = engine.api().update_nic(vm.id, first->id, api::nic_profile_body(profile),
                                              correlation);
        }
        if (outcome.done) {
            log::info("NIC of VM {}: vNIC profile {}", vm.name, profile);
        } else if (outcome.refusal != FaultKind::locked &&
                   outcome.refusal != FaultKind::name_in_use) {
            throw OperationError(fmt::format("oVirt refused to set the NIC of VM {} on vNIC "
                                             "profile {}: {}",
                                             vm.name, profile, outcome.message));
        }
        return false; // read again: done when the NIC shows the profile
    });
}

namespace {

bool started_before(VmStatus status) {
    return status != VmStatus::down;
}

} // namespace

api::Vm provision(Context& context, const Connection& engine, const std::string& ip) {
    const auto correlation = item_correlation_id(context);
    const auto wanted = ordered_resources(context);
    const auto profile = module_vnic_profile(context, engine); // a config error before any VM
    console::on_open(context); // the registration token the VM's user data carries
    auto vm = settle_vm(engine, find_or_create_vm(context, engine, ip));
    // Resized only before the first boot: a VM past it (up, or on its way) is only waited for.
    if (!started_before(vm.status) && wanted.hdd_mib) {
        grow_boot_disk(engine, vm, *wanted.hdd_mib * k_mib, correlation);
    }
    if (!started_before(vm.status) && !profile.empty()) {
        place_first_nic(engine, vm, profile, correlation);
    }
    return power_on({engine, vm.id, vm.name, correlation});
}

} // namespace pm::ovirt
