// vdc_sync_all [--module N] [--dry-run] (DESIGN §10, modules/pmopenstack/SYNC.md): billing
// and OpenStack reconciled for every pmopenstack module of the store, or for module N.
#pragma once

#include "pm/context.hpp"

namespace pm::openstack {

// Syncs each module in turn, each with its own connection and lock; a module that fails is
// reported (stderr, log) and the others still run. Throws the module's own error when only
// one module was asked for; when several fail, an error whose exit code is 3 only if every
// failure was temporary. A module another sync holds is skipped (status "skipped").
void vdc_sync_all(Context& context);

} // namespace pm::openstack
