// reopen (reinstall with the item's OS and root password) and change_password.
#include "ops/commands.hpp"
#include "ops/item_vm.hpp"

namespace pm::vmmgr6 {

void reopen(Context& context) {
    const Connection vm(context);
    const auto host = require_item_host(context, vm);
    const auto os = resolve_os(vm, context.item_params.require("os"));
    vm.wait(vm.api().reinstall(host.id, os, context.item_params.require("password")));
    if (const auto after = vm.api().host(host.id)) {
        record_host(context, *after);
    }
}

void change_password(Context& context) {
    const Connection vm(context);
    const auto host = require_item_host(context, vm);
    vm.wait(vm.api().change_password(host.id, context.item_params.require("password")));
}

} // namespace pm::vmmgr6
