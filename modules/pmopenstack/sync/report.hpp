// What vdc_sync_all shows: the result document (counts per module, and with --dry-run every
// planned change) and the progress line on a terminal.
#pragma once

#include <string>
#include <string_view>

#include "pm/metrics.hpp"
#include "pm/output.hpp"
#include "pm/store.hpp"

#include "pmopenstack/sync/model.hpp"

namespace pm::openstack::sync {

// <module id=… name=… status=… vdcs=… added=… …/>: status done, planned (dry run) or
// skipped (another sync holds the module).
[[nodiscard]] ResultNode module_summary(const store::Module& module, std::string_view status,
                                        const Tally& tally);
// One <change action=… module=… item=… …/> per change of `plan`, appended to `out`.
void add_changes(ResultNode& out, const store::Module& module, const Plan& plan);
// The summary as one log line.
[[nodiscard]] std::string summary_line(const Tally& tally);

// How many modules ended how, for the metrics of a run.
struct ModuleOutcomes {
    std::int64_t done = 0;
    std::int64_t skipped = 0; // another sync held the module
    std::int64_t failed = 0;
};

// Adds `one` to `total`, count by count.
void add(Tally& total, const Tally& one);

// The run's counts (every module's tallies summed) as metrics (DESIGN §15).
void add_metrics(metrics::Counts& counts, const Tally& total, const ModuleOutcomes& modules);

} // namespace pm::openstack::sync
