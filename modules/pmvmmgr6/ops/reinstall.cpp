// reopen (reinstall with the item's OS and root password) and change_password.
#include <fmt/format.h>

#include "pmvmmgr6/ops/commands.hpp"
#include "pmvmmgr6/vm/item.hpp"

namespace pm::vmmgr6 {

void reopen(Context& context) {
    const Connection vm(context);
    const auto host = require_item_host(context, vm);
    const auto os = resolve_os(vm, context.item_params.require("os"));
    vm.wait_or_verify(
        vm.api().reinstall(host.id, os, context.item_params.require("password")),
        fmt::format("VM {} to be reinstalled", host.id),
        [&] {
            const auto now = vm.api().host(host.id);
            return now && now->state != host_states::reinstalling;
        },
        true);
    if (const auto after = vm.api().host(host.id)) {
        record_host(context, *after);
    }
}

void change_password(Context& context) {
    const Connection vm(context);
    const auto host = require_item_host(context, vm);
    set_password(vm, host.id, context.item_params.require("password"));
}

} // namespace pm::vmmgr6
