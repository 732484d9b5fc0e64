// close: power the VM off, delete it and wait until the engine no longer has it (ovirt.md
// §5.7: it stays visible, its name taken, until its disks are removed), then release the
// item's leased address. A VM already gone, or never created, is success; a delete or a create
// under way (a rerun after a kill) is waited for.
#include "pm/console.hpp"
#include "pm/item_param.hpp"
#include "pm/log.hpp"

#include "pmovirt/ops/commands.hpp"
#include "pmovirt/vm/item.hpp"
#include "pmovirt/vm/power.hpp"

namespace pm::ovirt {

void close(Context& context) {
    const Connection engine(context);
    if (const auto vm = find_item_vm(context, engine)) {
        remove({engine, vm->id, vm->name, item_correlation_id(context)});
    } else {
        log::info("item {} has no VM in oVirt: nothing to delete", context.item->id.value());
    }
    // The VM is gone: its address can go to another item (a kill before this line leaves the
    // lease to the rerun, which finds no VM and releases it).
    if (const auto released = context.store.release_ipv4(context.item->id); released > 0) {
        log::info("item {}: {} IPv4 address(es) released", context.item->id.value(), released);
    }
    save_item_param(context, "state", "deleted");
    context.store.set_item_status(context.item->id, store::ItemStatus::closed);
    console::on_close(context);
}

} // namespace pm::ovirt
