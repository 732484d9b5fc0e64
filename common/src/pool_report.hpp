// What one pool_process run found and did, and its summary in the command's result (json, xml
// or text through the common output machinery).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pm/ids.hpp"
#include "pm/metrics.hpp"
#include "pm/output.hpp"
#include "pm/pool.hpp"
#include "pm/store.hpp"

namespace pm::pool {

struct Target {
    Key key;
    std::string os_name;
    std::int64_t orders = 0;
    std::int64_t target = 0;
};

struct Creation {
    std::optional<ItemId> item; // nullopt: planned by a dry run
    std::string vm_id;          // the platform's id of the server
    Key key;
};

struct Deletion {
    ItemId item;
    std::string reason; // expired, failed, abandoned, discarded
    bool done = false;  // VM gone and pool item dropped; else planned, or left for the next run
};

struct Tally {
    ModuleId module;
    bool enabled = false;
    bool dry_run = false;
    std::string since; // start of the statistics window ("" when the pool is off)
    std::vector<Target> targets;
    std::map<Key, std::int64_t> have; // free servers per kind, those being built included
    std::int64_t ready = 0;
    std::int64_t building = 0;
    std::int64_t claimed = 0;
    std::vector<Creation> created;
    std::vector<Deletion> deleted;
    // Orders of the window opened from the pool and cold (empty when the pool is off).
    std::map<store::Served, std::int64_t> served;
};

// Adds `summary` (the counts), then `targets`, `created` and `deleted` when not empty.
void report(const Tally& tally, Result& result);

// The run's counts as metrics (DESIGN §15): servers by state, creates and deletes, targets,
// the window's opens by how they were served and the pool's hit rate.
void add_metrics(const Tally& tally, metrics::Counts& counts);

} // namespace pm::pool
