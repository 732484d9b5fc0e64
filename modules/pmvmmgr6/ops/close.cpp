// close: delete the VM and wait until VMmanager no longer lists it. A VM already gone (or
// never created) is success; a delete already under way (a rerun after a kill) is waited for,
// and so is a create or reinstall under way (VMmanager refuses to delete a busy VM).
#include "pm/console.hpp"
#include "pm/log.hpp"

#include "pmvmmgr6/ops/commands.hpp"
#include "pmvmmgr6/vm/item.hpp"

namespace pm::vmmgr6 {

void close(Context& context) {
    const Connection vm(context);
    const auto host = find_item_host(context, vm);
    if (host) {
        delete_and_wait(vm, host->id);
    } else {
        log::info("item {} has no VM in VMmanager: nothing to delete", context.item->id);
    }
    save_item_param(context, "state", "deleted");
    context.store.set_item_status(context.item->id, store::ItemStatus::closed);
    console::on_close(context);
}

} // namespace pm::vmmgr6
