// What a command handler gets from the runner: the invocation, the store, the coordination
// with other processes (queue, locks, session cache: files on one host, or the database
// server for several), the rows it works on, the operation deadline, and the result it fills in.
#pragma once

#include <memory>
#include <optional>

#include "pm/cli.hpp"
#include "pm/deadline.hpp"
#include "pm/metrics.hpp"
#include "pm/module.hpp"
#include "pm/output.hpp"
#include "pm/params.hpp"
#include "pm/store.hpp"

namespace pm {

class Coordination; // pm/coordination.hpp

struct Context {
    Context(const ModuleSpec& spec_, const Invocation& invocation_, const Settings& settings_,
            store::Store& store_, Coordination& coordination_)
        : spec(spec_), invocation(invocation_), settings(settings_), store(store_),
          coordination(coordination_) {}

    const ModuleSpec& spec;
    const Invocation& invocation;
    const Settings& settings;
    store::Store& store;
    Coordination& coordination;

    std::optional<store::Module> module; // set for every scope but none
    Params module_params;
    std::optional<store::Item> item; // set for item and object scope
    Params item_params;
    std::optional<store::VdcObject> object; // set for object scope
    std::optional<store::RunningOperation> operation;

    Deadline deadline = Deadline::never();
    Result result;
    // The job's own counts for metrics_dir (module-wide commands; DESIGN §15).
    std::shared_ptr<metrics::Counts> metrics = std::make_shared<metrics::Counts>();
};

} // namespace pm
