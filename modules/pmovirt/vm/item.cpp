#include "pmovirt/vm/item.hpp"

#include <cstdint>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/item_param.hpp"
#include "pm/log.hpp"

#include "pmovirt/api/parse.hpp"

namespace pm::ovirt {

std::string item_vm_name(ItemId item) {
    return fmt::format("pm-item-{}", item.value());
}

std::string item_vm_short_name(ItemId item) {
    constexpr std::size_t k_max_sysprep_name = 15;
    auto name = item_vm_name(item);
    if (name.size() <= k_max_sysprep_name) {
        return name;
    }
    auto id = static_cast<std::uint64_t>(item.value());
    std::string digits;
    do {
        digits.insert(digits.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[id % 36]);
        id /= 36;
    } while (id != 0);
    return "pm" + digits;
}

std::string item_vm_name(ItemId item, GuestKind kind) {
    return kind == GuestKind::windows_sysprep ? item_vm_short_name(item) : item_vm_name(item);
}

GuestKind guest_kind(std::string_view os_type) {
    return os_type.substr(0, 7) == "windows" ? GuestKind::windows_sysprep
                                             : GuestKind::linux_cloud_init;
}

std::string item_correlation_id(const Context& context) {
    return fmt::format("pm-item-{}-{}", context.item->id.value(), context.invocation.command);
}

std::optional<api::Vm> find_item_vm(Context& context, const Connection& engine) {
    const auto item = context.item->id;
    return find_saved_or_marked<api::Vm>(
        context, "vm_id", "VM", [&](const std::string& id) { return engine.api().vm(id); },
        [&] {
            auto vm = engine.api().vm_named(item_vm_name(item));
            if (const auto short_name = item_vm_short_name(item);
                !vm && short_name != item_vm_name(item)) {
                vm = engine.api().vm_named(short_name);
            }
            return vm;
        },
        [](const api::Vm& vm) { return vm.id; });
}

api::Vm require_item_vm(Context& context, const Connection& engine) {
    auto vm = find_item_vm(context, engine);
    if (!vm) {
        const auto saved = context.item_params.get_or("vm_id", "");
        throw OperationError(fmt::format("item {} has no VM in oVirt (no VM {}{})",
                                         context.item->id.value(), item_vm_name(context.item->id),
                                         saved.empty() ? "" : ", nor VM id " + saved));
    }
    return *vm;
}

std::string_view billing_state(api::VmStatus status) {
    using api::VmStatus;
    switch (status) {
    case VmStatus::up:
    case VmStatus::powering_up:
    case VmStatus::reboot_in_progress:
    case VmStatus::migrating:
        return "active";
    case VmStatus::down:
    case VmStatus::powering_down:
        return "stopped";
    case VmStatus::suspended:
    case VmStatus::saving_state:
    case VmStatus::restoring_state:
        return "suspended";
    case VmStatus::image_locked:
    case VmStatus::wait_for_launch:
        return "busy";
    case VmStatus::unknown:
    case VmStatus::not_responding:
    case VmStatus::paused:
    case VmStatus::unassigned:
    case VmStatus::unrecognised:
        return "problem";
    }
    return "problem";
}

void record_vm(Context& context, const api::Vm& vm) {
    save_item_params(context, {{"vm_id", vm.id}, {"state", std::string(billing_state(vm.status))}});
}

} // namespace pm::ovirt
