// Growing a VM already found to the tariff: setparam, and the takeover of a pool server.
#pragma once

#include "pm/context.hpp"

#include "pmvmmgr6/api/types.hpp"
#include "pmvmmgr6/vm/connection.hpp"

namespace pm::vmmgr6 {

// Grows `host` (the item's VM, settled) to what the tariff and the item ask for: any shrink is
// refused with an OperationError before anything changes; the disk and the IPv4 count grow
// hot; CPU/RAM change hot when VMmanager allows it, else deferred plus a restart. Records the
// VM in the item params afterwards.
void grow_to_wanted(Context& context, const Connection& vm, const api::Host& host);

} // namespace pm::vmmgr6
