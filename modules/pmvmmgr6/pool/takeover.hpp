// open's first choice (DESIGN §11): a pool server of the ordered OS template and tariff,
// handed over to the order instead of a new VM.
//
// A server is claimed in the store (a conditional update, so that no two orders ever get the
// same one) before anything is changed in VMmanager; the claim copies vm_id, ip and ips to
// the order. The takeover then moves the VM to the customer's VMmanager user, sets the PTR of
// its main addresses and (not on Windows, through the recipe pool_hostname_recipe) the
// hostname to the ordered domain, resets the root password, runs the ordered recipe, grows
// the resources as setparam does, and renames the VM after the order; then, in one store
// transaction, the order becomes active and the pool item is dropped. Each step done is
// recorded on the claim, so a rerun after a kill goes on with the same server where it stopped.
//
// A candidate that fails for good (exit code 1: VMmanager refused, a task failed, the VM is
// gone) is discarded — pool_process deletes it — and the next is tried, three at most. A
// temporary failure (exit 3) ends the open with the claim kept, for the rerun. Bad pool params
// are a ConfigError before anything is claimed.
#pragma once

#include <cstdint>
#include <optional>

#include "pm/context.hpp"

#include "pmvmmgr6/vm/connection.hpp"

namespace pm::vmmgr6::pool {

// Takes a pool server for the item being opened, for VMmanager user `account`, and returns the
// pool item it was; nullopt when the VM is to be created as usual: the pool is off, the order
// already has a VM of its own, its overrides cannot be reached by growing (see mismatch()), or
// no candidate could be taken.
[[nodiscard]] std::optional<ItemId> take_from_pool(Context& context, const Connection& vm,
                                                   std::int64_t account);

} // namespace pm::vmmgr6::pool
