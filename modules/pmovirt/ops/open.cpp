// open: the item's VPS from the pool (pool/backend.hpp: a pool server taken over, or one
// claimed by an earlier attempt finished), else from a template (DESIGN §5, §13; ovirt.md §11
// "recommended create flow"). Every step reads where the engine stands first, so a rerun after a
// kill at any point, or after the open was done, goes on from there without a second VM or address:
//  1. an address leased from the module's ipv4_range in the store (the item's own lease
//     first: a rerun gets the same one), saved as `ip` and `ips`;
//  2. the VM pm-item-<id> found (saved vm_id, else the name), else created from the newest
//     version of the template named by `os` (§5.1) with the ordered CPUs and memory
//     (guaranteed = memory ≤ max, §5.5) and a persistent cloud-init `initialization`
//     (hostname, root password, SSH key, the static address, DNS: §5.4); its id saved the
//     moment the create reply comes. The engine's unique names are the idempotency key: a 409
//     "name in use" (a create whose reply was lost) means the VM is there to be looked up;
//  3. until the VM has left image_locked and every disk is `ok` (§12 pitfall 1);
//  4. the boot disk grown to hdd_mib before the first boot (grow only, §6), until `ok`;
//  5. a plain start, which applies the stored initialization on the first run (§5.3), until
//     `up`; the item is then active.
// With the console add-on (DESIGN §14) its open step runs before step 2, so that the VM's
// initialization carries the agent's settings (custom_script, console::cloud_init) with the
// customer's registration token; a console that is down only leaves the step to console_sync.
#include <fmt/format.h>

#include "pm/errors.hpp"

#include "pmovirt/ops/commands.hpp"
#include "pmovirt/pool/backend.hpp"
#include "pmovirt/vm/item.hpp"
#include "pmovirt/vm/provision.hpp"

namespace pm::ovirt {

void open(Context& context) {
    if (context.item->status == store::ItemStatus::pool) {
        throw OperationError(fmt::format("item {} is a server of the pool: pool_process builds it, "
                                         "and an order's open takes it over",
                                         context.item->id));
    }
    const Connection engine(context);
    if (const auto server = pool::take_from_pool(context, engine)) {
        context.result.add("pool_server", fmt::format("{}", *server));
    } else {
        const auto vm = provision(context, engine, lease_address(context));
        record_vm(context, vm);
        context.store.set_item_status(context.item->id, store::ItemStatus::active);
    }
    context.result.add("vm_id", context.item_params.get_or("vm_id", ""));
    context.result.add("ip", context.item_params.get_or("ip", ""));
    context.result.add("state", context.item_params.get_or("state", ""));
}

} // namespace pm::ovirt
