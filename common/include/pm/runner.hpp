// The common runner: every invocation of a module binary goes through run(), which parses
// the command line, loads configuration and store rows, takes the queue slot, calls the
// command, and catches every error in one place to record it, print it and pick the exit code.
#pragma once

#include <vector>

#include "pm/context.hpp"
#include "pm/ids.hpp"
#include "pm/module.hpp"
#include "pm/store.hpp"

namespace pm {

// Runs one invocation of `spec`'s binary and returns the process exit code (DESIGN §3).
[[nodiscard]] int run(const ModuleSpec& spec, int argc, char** argv);

// The module scope of a command, as the runner loads it for --module (or an item's module);
// also for a module-wide job that runs over several modules (vdc_sync_all), one Context each.
// load_module: the row of module `id` (UsageError when absent; ConfigError when of another
// type than the spec's, or disabled and `mutating`) and its params, every secret among them
// registered for masking.
void load_module(Context& context, ModuleId id, bool mutating);
// The loaded module's params checked (the common ones and those the spec declares) and the
// context's deadline set from op_timeout (ConfigError when not positive; above a year taken
// as a year).
void check_module(Context& context);
// The scope of `module` for a job that runs over several modules (its Context: the job's
// invocation, settings, store and coordination; load_module and check_module done).
[[nodiscard]] Context job_scope(const Context& job, ModuleId module);
// The modules a module-wide job runs over: the one given with --module (checked as
// load_module does for a mutating command), else every enabled module of the spec's type (a
// disabled one logged and left out).
[[nodiscard]] std::vector<store::Module> job_modules(const Context& context);

} // namespace pm
