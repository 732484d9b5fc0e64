// sync_item: what the engine says about the item's VM, into the store (the contract of
// pmvmmgr6's sync_item): the billing meaning of its status as the item's `state`; a VM gone
// from the engine is not an error: the item becomes deleted and the result says <gone/>. The
// item's own status (active, suspended) is billing's and stays: a VM the customer powered off
// reads `stopped` on an active item.
#include "pm/item_param.hpp"
#include "pm/log.hpp"

#include "pmovirt/api/parse.hpp"
#include "pmovirt/ops/commands.hpp"
#include "pmovirt/vm/item.hpp"

namespace pm::ovirt {

void sync_item(Context& context) {
    const Connection engine(context);
    const auto vm = find_item_vm(context, engine);
    if (!vm) {
        log::warn("the VM of item {} is gone from oVirt: item marked deleted",
                  context.item->id.value());
        save_item_param(context, "state", "deleted");
        context.store.set_item_status(context.item->id, store::ItemStatus::deleted);
        context.result.add_flag("gone");
        return;
    }
    record_vm(context, *vm);
    context.result.add("state", context.item_params.get_or("state", ""));
    context.result.add("status",
                       vm->status_text.empty() ? api::to_string(vm->status) : vm->status_text);
    context.result.add("ips", context.item_params.get_or("ips", ""));
}

} // namespace pm::ovirt
