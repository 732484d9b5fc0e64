// setparam: the item's VM brought to the ordered CPUs, memory and boot disk (DESIGN §13:
// while the VM is down; ovirt.md §5.5 "for a later upgrade/downgrade, stop → PUT → start",
// which avoids hot-plug rules and next-run state). CPUs and memory go both ways; the disk only
// grows (§6: a smaller size is refused by the engine), so an order for a smaller disk fails
// before anything changes. Nothing to change: nothing is sent (no restart). Otherwise the VM
// is shut down (restart_after saved when it ran, ops/cycle.hpp), `PUT VM` with memory,
// memory_policy (guaranteed = memory, max kept while it covers the memory, else 4 × memory
// up to 1 TiB: §5.5) and cpu.topology, the boot disk grown, then started again if it ran. A
// rerun after a kill reads what is still different and goes on from there.
#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/log.hpp"

#include "pmovirt/api/body.hpp"
#include "pmovirt/api/parse.hpp"
#include "pmovirt/ops/commands.hpp"
#include "pmovirt/vm/cycle.hpp"
#include "pmovirt/vm/item.hpp"
#include "pmovirt/vm/power.hpp"
#include "pmovirt/vm/provision.hpp"

namespace pm::ovirt {
namespace {

struct Plan {
    std::optional<std::int64_t> memory; // bytes, when it differs
    std::optional<api::CpuTopology> cpu;
    std::optional<std::int64_t> disk; // bytes, when the boot disk is smaller
    [[nodiscard]] bool vm_update() const { return memory || cpu; }
    [[nodiscard]] bool any() const { return memory || cpu || disk; }
};

Plan plan_for(const Context& context, const Connection& engine, const api::Vm& vm) {
    const auto wanted = ordered_resources(context);
    Plan plan;
    if (wanted.ram_mib && vm.memory != *wanted.ram_mib * k_mib) {
        plan.memory = *wanted.ram_mib * k_mib;
    }
    if (wanted.cpu_number && vm.cpu.vcpus() != *wanted.cpu_number) {
        plan.cpu = api::cpu_topology_for(*wanted.cpu_number);
    }
    if (wanted.hdd_mib) {
        const auto boot = api::boot_attachment(engine.api().disk_attachments(vm.id));
        if (!boot) {
            throw OperationError(fmt::format("VM {} has no boot disk to grow", vm.name));
        }
        const auto size = boot->disk.provisioned_size.value_or(0);
        const auto bytes = *wanted.hdd_mib * k_mib;
        if (size > bytes) {
            throw OperationError(fmt::format(
                "VM {}: its disk has {} MiB, the order asks for {} MiB; oVirt disks only grow: "
                "nothing changed",
                vm.name, size / k_mib, *wanted.hdd_mib));
        }
        if (size < bytes) {
            plan.disk = bytes;
        }
    }
    return plan;
}

// `PUT VM` until the engine has the memory and CPUs of the plan.
void update_vm(const Context& context, const Connection& engine, const api::Vm& down,
               const Plan& plan) {
    api::VmUpdate update;
    update.memory = plan.memory;
    update.current_policy = down.memory_policy;
    update.cpu = plan.cpu;
    ovirt::update({engine, down.id, down.name, item_correlation_id(context)}, update,
                  "its new memory and CPUs");
    log::info("VM {}: memory {} MiB, {} CPUs", down.name,
              plan.memory ? *plan.memory / k_mib : down.memory / k_mib,
              plan.cpu ? plan.cpu->vcpus() : down.cpu.vcpus());
}

} // namespace

void setparam(Context& context) {
    const Connection engine(context);
    auto vm = require_item_vm(context, engine);
    const auto plan = plan_for(context, engine, vm);
    if (plan.any()) {
        vm = take_down(context, engine, vm);
        if (plan.vm_update()) {
            update_vm(context, engine, vm, plan);
        }
        if (plan.disk) {
            grow_boot_disk(engine, vm, *plan.disk, item_correlation_id(context));
        }
    } else {
        log::info("VM {} already has the ordered resources", vm.name);
    }
    vm = bring_back(context, engine, vm);
    record_vm(context, vm);
    context.result.add("state", context.item_params.get_or("state", ""));
}

} // namespace pm::ovirt
