// pmovirt's pool backend (pool/backend.hpp): what pool_process and an order's takeover ask of
// the oVirt engine.
#include "pmovirt/pool/backend.hpp"

#include <map>
#include <memory>

#include <fmt/format.h>

#include "pm/console.hpp"
#include "pm/errors.hpp"
#include "pm/item_param.hpp"
#include "pm/log.hpp"

#include "pmovirt/api/body.hpp"
#include "pmovirt/api/parse.hpp"
#include "pmovirt/vm/cycle.hpp"
#include "pmovirt/vm/item.hpp"
#include "pmovirt/vm/power.hpp"
#include "pmovirt/vm/provision.hpp"

namespace pm::ovirt {
namespace pool {
namespace {

using api::DiskStatus;
using api::VmStatus;

// The takeover's steps, as the claim records them (pm::pool::Handover): never renumber.
enum class Stage : int {
    identity = 1, // renamed, the order's resources and initialization stored (binding)
    disk = 2,     // the boot disk at the order's size
    nic = 3,      // the first NIC on the module's vNIC profile
};

int number(Stage stage) {
    return static_cast<int>(stage);
}

// Where a pool VM's disks stand: every one ok, one still locked, or one illegal.
enum class Disks { ok, locked, illegal };

Disks disks_of(const std::vector<api::DiskAttachment>& attachments) {
    auto state = Disks::ok;
    for (const auto& attachment : attachments) {
        if (attachment.disk.status == DiskStatus::illegal) {
            return Disks::illegal;
        }
        if (attachment.disk.status != DiskStatus::ok) {
            state = Disks::locked;
        }
    }
    return state;
}

class Steps {
public:
    Steps(pm::pool::Handover& handover, const Connection& engine)
        : m_handover(handover), m_order(handover.order()), m_engine(engine),
          m_correlation(item_correlation_id(m_order)) {}

    std::function<void()> run();

private:
    [[nodiscard]] api::Vm read() const;
    void take_identity(const api::Vm& vm, const std::string& ip);

    pm::pool::Handover& m_handover;
    Context& m_order;
    const Connection& m_engine;
    std::string m_correlation;
    std::string m_id;
};

api::Vm Steps::read() const {
    auto vm = m_engine.api().vm(m_id);
    if (!vm) {
        throw OperationError(fmt::format("VM {} of pool server {} is gone from oVirt", m_id,
                                         m_handover.server().item_id));
    }
    return *vm;
}

std::function<void()> Steps::run() {
    m_id = m_order.item_params.get_or("vm_id", "");
    if (m_id.empty()) {
        throw OperationError(
            fmt::format("pool server {} has no VM id", m_handover.server().item_id));
    }
    log::info("taking over pool server {} (VM {}) for item {}", m_handover.server().item_id, m_id,
              m_order.item->id);
    const auto ip = lease_address(m_order);
    // A server still being made (claimed while building) is waited for: it ends sooner than a
    // new VM would.
    auto vm = settle_vm(m_engine, read());
    m_handover.step(number(Stage::identity), [&] { take_identity(vm, ip); });
    vm = read();
    m_handover.step(number(Stage::disk), [&] {
        if (const auto hdd = ordered_resources(m_order).hdd_mib) {
            grow_boot_disk(m_engine, vm, *hdd * k_mib, m_correlation);
        }
    });
    m_handover.step(number(Stage::nic), [&] {
        const auto profile = module_vnic_profile(m_order, m_engine);
        if (!profile.empty()) {
            place_first_nic(m_engine, vm, profile, m_correlation);
        }
    });
    vm = start_item_vm(m_order, m_engine, read());
    log::info("VM {} ({}) is up for item {} with address {}", vm.name, vm.id, m_order.item->id, ip);
    return [&order = m_order, vm] { record_vm(order, vm); };
}

// One `PUT VM`: the order's name, CPUs, memory and initialization; then `init_boot`, so that
// the start (now or in a rerun) forces a run of that initialization.
void Steps::take_identity(const api::Vm& vm, const std::string& ip) {
    const auto kind = guest_kind(vm.os_type);
    const auto name = item_vm_name(m_order.item->id, kind);
    console::on_open(m_order); // the registration token the initialization carries
    const auto wanted = ordered_resources(m_order);
    api::VmUpdate update;
    update.name = name;
    update.description = fmt::format("billing item {}", m_order.item->id.value());
    update.comment = update.description;
    if (wanted.ram_mib && *wanted.ram_mib * k_mib != vm.memory) {
        update.memory = *wanted.ram_mib * k_mib;
        update.current_policy = vm.memory_policy;
    }
    if (wanted.cpu_number && *wanted.cpu_number != vm.cpu.vcpus()) {
        update.cpu = api::cpu_topology_for(*wanted.cpu_number);
    }
    update.initialization = vm_initialization(m_order, name, ip, kind);
    ovirt::update({m_engine, vm.id, vm.name, m_correlation}, update,
                  fmt::format("the name {} and the order's resources", name));
    save_item_param(m_order, k_init_boot, "1");
    log::info("VM {} renamed {} for item {}", vm.name, name, m_order.item->id);
}

} // namespace

// The newest version of every template, by name (§5.1: versions share a name).
std::vector<pm::pool::Template> Backend::templates() {
    std::map<std::string, api::Template> newest;
    for (auto& found : m_engine.api().templates()) {
        auto [at, added] = newest.try_emplace(found.name, found);
        if (!added && found.version.number > at->second.version.number) {
            at->second = std::move(found);
        }
    }
    std::vector<pm::pool::Template> list;
    list.reserve(newest.size());
    for (auto& [name, found] : newest) {
        list.push_back({found.id, name});
    }
    return list;
}

std::string Backend::send_create(Context& item) {
    return find_or_create_vm(item, m_engine, "").id;
}

bool Backend::marked_server_exists(Context& item) {
    return find_item_vm(item, m_engine).has_value();
}

// Ready once made, settled and its boot disk at the tariff's size; the disk is grown here
// when the copy is done (one extend per review while it is smaller).
pm::pool::Inspection Backend::inspect(Context& item) {
    using pm::pool::Readiness;
    const auto vm = find_item_vm(item, m_engine);
    if (!vm) {
        return {Readiness::absent, {}};
    }
    if (vm->status == VmStatus::image_locked) {
        return {Readiness::building, {}};
    }
    const auto attachments = m_engine.api().disk_attachments(vm->id);
    switch (disks_of(attachments)) {
    case Disks::illegal:
        return {Readiness::failed, {}};
    case Disks::locked:
        return {Readiness::building, {}};
    case Disks::ok:
        break;
    }
    if (const auto hdd = ordered_resources(item).hdd_mib) {
        const auto boot = api::boot_attachment(attachments);
        if (!boot) {
            log::warn("pool VM {} has no boot disk", vm->name);
            return {Readiness::failed, {}};
        }
        const auto bytes = *hdd * k_mib;
        if (boot->disk.provisioned_size.value_or(0) < bytes) {
            const auto outcome =
                m_engine.api().extend_disk(vm->id, boot->id, bytes, item_correlation_id(item));
            if (!outcome.done && outcome.refusal != api::FaultKind::locked) {
                log::warn("pool VM {}: oVirt refused to grow its disk: {}", vm->name,
                          outcome.message);
                return {Readiness::failed, {}};
            }
            log::info("pool VM {}: growing its disk to {} MiB", vm->name, *hdd);
            return {Readiness::building, {}};
        }
    }
    return {Readiness::ready, [&item, vm = *vm] { record_vm(item, vm); }};
}

// A VM being made or deleted (image_locked) is left for the next run; else it is powered off
// if it runs, deleted and waited for until the engine no longer has it.
pm::pool::Removal Backend::start_delete(Context& item) {
    using Kind = pm::pool::Removal::Kind;
    const auto vm = find_item_vm(item, m_engine);
    if (!vm) {
        return {Kind::absent, {}, {}};
    }
    if (vm->status == VmStatus::image_locked) {
        return {Kind::busy, vm->id, {}};
    }
    return {Kind::started, vm->id,
            [request = PowerRequest{m_engine, vm->id, vm->name, item_correlation_id(item)}] {
                remove(request);
            }};
}

bool Backend::recorded_ready(const Params& params) const {
    const auto state = params.get_or("state", "");
    return state == "stopped" || state == "active";
}

std::string Backend::resolve_template(Context& order) {
    (void)order.item_params.require("password");
    return item_template(order, m_engine).id;
}

// The order has a VM of its own: saved, or made by an earlier attempt (found by its name).
bool Backend::has_own_server(Context& order) {
    return order.item_params.contains("vm_id") || find_item_vm(order, m_engine).has_value();
}

// CPUs and memory are set both ways while the VM is down; a disk only grows (§6).
pm::pool::GrowRules Backend::grow_rules() const {
    return {{}, {"hdd_mib"}};
}

std::vector<std::string_view> Backend::handed_params() const {
    return {"vm_id"};
}

int Backend::binding_step() const {
    // Once renamed, the VM carries the order's name: it is the order's VM for every lookup.
    return number(Stage::identity);
}

std::function<void()> Backend::take_over(pm::pool::Handover& handover) {
    return Steps(handover, m_engine).run();
}

void Backend::forget_takeover(Context& order) {
    erase_item_param(order, k_init_boot);
}

std::optional<ItemId> take_from_pool(Context& context, const Connection& engine) {
    Backend backend(engine);
    return pm::pool::take_from_pool(context, backend);
}

} // namespace pool

void pool_process(Context& context) {
    std::unique_ptr<Connection> engine;
    pm::pool::process(context, [&]() -> std::unique_ptr<pm::pool::Backend> {
        engine = std::make_unique<Connection>(context);
        return std::make_unique<pool::Backend>(*engine);
    });
}

} // namespace pm::ovirt
