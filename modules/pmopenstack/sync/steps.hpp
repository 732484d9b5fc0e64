// The steps of vdc_sync_all for one module (modules/pmopenstack/SYNC.md): read the store
// (before listing, so that whatever the listing misses was made after it), list OpenStack,
// plan, apply. Only apply() writes, and only to the store.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <vector>

#include "pm/context.hpp"
#include "pm/store.hpp"

#include "pmopenstack/sync/model.hpp"

namespace pm::openstack::sync {

// The operations that hold objects (pending/running: busy; error/manual: kept), and the
// items with an item operation pending or running.
[[nodiscard]] Holds load_holds(const store::Store& store, std::set<ItemId>& busy_items);

// The VDCs the sync covers — the module's vdc items, active or suspended, with a project_id;
// of items sharing a project only the first — with their objects, limits and holds.
// `grace`: how old an object without external id must be before rule 2 removes it.
[[nodiscard]] Snapshot load_snapshot(const store::Store& store, ModuleId module,
                                     std::chrono::seconds grace);
// The objects of one item as they are now (for the re-checks of apply).
[[nodiscard]] std::vector<StoreObject> load_objects(const store::Store& store, ItemId item);

// Counters the progress line reads while the listing runs.
struct Progress {
    std::atomic<std::int64_t> objects{0};     // OpenStack objects listed
    std::atomic<std::int64_t> quotas_done{0}; // per-project quota requests answered
    std::int64_t quotas_total = 0;
};

struct CollectOptions {
    int threads = 4;      // parallel requests, each thread with its own connection
    int page_size = 1000; // `limit` of every listing
};

// Lists every kind across all projects, the VDC projects Keystone no longer has, and the
// quota limits of every VDC project, on `threads` threads, each with its own Connection
// built from `module` (its params, settings and deadline). Calls `tick` on this thread
// every quarter second while the threads run. The first error of any request stops the
// others and is thrown once they have ended: nothing partial comes back.
[[nodiscard]] Inventory collect(Context& module, const Snapshot& snapshot,
                                const CollectOptions& options, Progress& progress,
                                const std::function<void()>& tick);

// The changes that bring the store in line with `inventory` (rules 1–7 of SYNC.md).
// `exists_elsewhere` says whether a store object outside the snapshot has the id a mark
// names (such OpenStack objects are never added).
[[nodiscard]] Plan make_plan(const Snapshot& snapshot, const Inventory& inventory,
                             const std::function<bool(ObjectId)>& exists_elsewhere);

struct ApplyOptions {
    std::size_t batch = 500; // changes per store transaction (whole VDCs)
    std::string young_since; // as Snapshot::young_since
};

// Applies `plan` in transactions of whole VDCs, checking each change against the store as it
// is at that moment: a change whose object has since got an operation, another external id
// or another status is left for the next run (Tally::deferred). `done` gets the number of
// VDCs applied so far after each transaction. Returns what was done; a store error stops it
// with the committed transactions kept (each leaves the store consistent).
Tally apply(store::Store& store, const Plan& plan, const ApplyOptions& options,
            const std::function<void(std::size_t)>& done);

} // namespace pm::openstack::sync
