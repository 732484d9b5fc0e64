// suspend = shutdown with a power-off fallback, resume = start, reboot (DESIGN §13, ovirt.md
// §5.6: for billing suspension, shut down rather than hibernate). A VM already in the wanted
// state is success; each command waits until the VM is there (vm/power.hpp).
#include "pmovirt/vm/power.hpp"

#include <chrono>

#include "pm/console.hpp"
#include "pm/log.hpp"

#include "pmovirt/ops/commands.hpp"
#include "pmovirt/vm/cycle.hpp"
#include "pmovirt/vm/item.hpp"

namespace pm::ovirt {
namespace {

PowerRequest power_request(const Context& context, const Connection& engine, const api::Vm& vm) {
    return {engine, vm.id, vm.name, item_correlation_id(context)};
}

} // namespace

void suspend(Context& context) {
    const Connection engine(context);
    const auto vm = require_item_vm(context, engine);
    const auto grace = shutdown_grace(context);
    record_vm(context, power_off(power_request(context, engine, vm), grace));
    context.store.set_item_status(context.item->id, store::ItemStatus::suspended);
    console::on_suspend(context);
    context.result.add("state", context.item_params.get_or("state", ""));
}

void resume(Context& context) {
    const Connection engine(context);
    const auto vm = require_item_vm(context, engine);
    record_vm(context, start_item_vm(context, engine, vm)); // a pending password goes along
    context.store.set_item_status(context.item->id, store::ItemStatus::active);
    console::on_resume(context);
    context.result.add("state", context.item_params.get_or("state", ""));
}

void reboot(Context& context) {
    const Connection engine(context);
    const auto vm = require_item_vm(context, engine);
    if (init_pending(context)) {
        // A new password waits for a boot with initialization: start_item_vm power-cycles a
        // running VM to deliver it.
        record_vm(context, start_item_vm(context, engine, vm));
    } else {
        record_vm(context, restart(power_request(context, engine, vm)));
    }
    context.result.add("state", context.item_params.get_or("state", ""));
}

} // namespace pm::ovirt
