// sync_item: what VMmanager says about the item's VM, into the store.
#include "pm/log.hpp"

#include "pmvmmgr6/ops/commands.hpp"
#include "pmvmmgr6/vm/item.hpp"

namespace pm::vmmgr6 {

void sync_item(Context& context) {
    const Connection vm(context);
    const auto host = find_item_host(context, vm);
    if (!host) {
        log::warn("the VM of item {} is gone from VMmanager: item marked deleted",
                  context.item->id);
        save_item_param(context, "state", "deleted");
        context.store.set_item_status(context.item->id, store::ItemStatus::deleted);
        context.result.add_flag("gone");
        return;
    }
    record_host(context, *host);
    context.result.add("state", host->state);
    context.result.add("ips", context.item_params.get_or("ips", ""));
}

} // namespace pm::vmmgr6
