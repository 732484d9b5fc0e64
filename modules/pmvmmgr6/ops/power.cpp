// suspend = stop, resume = start, reboot = restart; each waits for its task (or, when the reply
// names none, for the VM's state). A VM already in the wanted state is success.
#include <fmt/format.h>

#include "pm/console.hpp"
#include "pm/log.hpp"

#include "pmvmmgr6/ops/commands.hpp"
#include "pmvmmgr6/vm/item.hpp"

namespace pm::vmmgr6 {
namespace {

void refresh(Context& context, const Connection& vm, std::int64_t id) {
    if (const auto host = vm.api().host(id)) {
        record_host(context, *host);
    }
}

} // namespace

void suspend(Context& context) {
    const Connection vm(context);
    const auto host = require_item_host(context, vm);
    if (host.state == host_states::stopped) {
        log::info("VM {} is already stopped", host.id);
    } else {
        stop_and_wait(vm, host.id);
    }
    refresh(context, vm, host.id);
    context.store.set_item_status(context.item->id, store::ItemStatus::suspended);
    console::on_suspend(context);
}

void resume(Context& context) {
    const Connection vm(context);
    const auto host = require_item_host(context, vm);
    if (host.state == host_states::active) {
        log::info("VM {} is already running", host.id);
    } else {
        start_and_wait(vm, host.id);
    }
    refresh(context, vm, host.id);
    context.store.set_item_status(context.item->id, store::ItemStatus::active);
    console::on_resume(context);
}

void reboot(Context& context) {
    const Connection vm(context);
    const auto host = require_item_host(context, vm);
    if (host.state == host_states::stopped) {
        start_and_wait(vm, host.id);
    } else {
        restart_and_wait(vm, host.id);
    }
    refresh(context, vm, host.id);
}

} // namespace pm::vmmgr6
