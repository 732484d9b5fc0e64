#include "pmovirt/vm/cycle.hpp"

#include "pm/item_param.hpp"
#include "pm/log.hpp"

#include "pmovirt/api/body.hpp"
#include "pmovirt/vm/item.hpp"
#include "pmovirt/vm/power.hpp"
#include "pmovirt/vm/provision.hpp"

namespace pm::ovirt {
namespace {

constexpr std::int64_t k_default_shutdown_timeout_s = 120;

bool is_running(api::VmStatus status) {
    return status != api::VmStatus::down && status != api::VmStatus::image_locked;
}

} // namespace

std::chrono::seconds shutdown_grace(const Context& context) {
    return std::chrono::seconds(
        context.module_params.get_int("shutdown_timeout", k_default_shutdown_timeout_s));
}

api::Vm take_down(Context& context, const Connection& engine, const api::Vm& vm) {
    if (vm.status == api::VmStatus::down) {
        return vm;
    }
    if (is_running(vm.status) && context.item_params.get_or(k_restart_after, "") != "1") {
        save_item_param(context, k_restart_after, "1"); // before the shutdown: a rerun knows
    }
    log::info("VM {} is {}: shutting it down for {}", vm.name, vm.status_text,
              context.invocation.command);
    return power_off({engine, vm.id, vm.name, item_correlation_id(context)},
                     shutdown_grace(context));
}

bool init_pending(const Context& context) {
    const auto mark = context.item_params.get_or(k_init_boot, "");
    return mark == "1" || mark == k_init_sent;
}

api::Vm start_item_vm(Context& context, const Connection& engine, const api::Vm& found) {
    auto vm = found;
    const auto mark = context.item_params.get_or(k_init_boot, "");
    if (mark == "1" && is_running(vm.status)) {
        // Running, yet not by a start of ours: only a power cycle delivers the password.
        vm = take_down(context, engine, vm);
    }
    PowerRequest request{engine, vm.id, vm.name, item_correlation_id(context)};
    if (init_pending(context)) {
        if (mark != k_init_sent) {
            save_item_param(context, k_init_boot, k_init_sent); // a rerun waits, not cycles
        }
        const auto kind = guest_kind(vm.os_type);
        (kind == GuestKind::windows_sysprep ? request.start.use_sysprep
                                            : request.start.use_cloud_init) = true;
        request.start.run_once = vm_initialization(context, vm.name, lease_address(context), kind);
        log::info("VM {}: starting with {} for its new password", vm.name,
                  kind == GuestKind::windows_sysprep ? "sysprep" : "cloud-init");
    }
    auto up = power_on(request);
    erase_item_param(context, k_init_boot);
    erase_item_param(context, k_restart_after);
    return up;
}

api::Vm bring_back(Context& context, const Connection& engine, const api::Vm& vm) {
    if (context.item_params.get_or(k_restart_after, "") != "1") {
        return vm;
    }
    return start_item_vm(context, engine, vm);
}

} // namespace pm::ovirt
