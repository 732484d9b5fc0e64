// A module command's Context for unit tests of a module's operations: a fresh store, file
// coordination and the module params a test sets, without the runner (no module row, no
// item), so that an operation's Connection can be built over a scripted transport.
#pragma once

#include <memory>

#include "pm/cli.hpp"
#include "pm/context.hpp"
#include "pm/coordination.hpp"
#include "pm/store.hpp"

#include "support/process.hpp"
#include "support/test_store.hpp"

namespace pm::test {

struct ModuleContext {
    explicit ModuleContext(const ParamMap& module_params) {
        for (const auto& [name, value] : module_params) {
            context.module_params.set(name, value);
        }
        context.deadline = Deadline::after(std::chrono::seconds(60));
    }

    TempDir dir;
    store::Store store = store::Store::open(store_url(dir.path()));
    ModuleSpec spec;
    Invocation invocation;
    Settings settings;
    std::unique_ptr<Coordination> coordination =
        file_coordination(dir.path() / "locks", dir.path() / "cache");
    Context context{spec, invocation, settings, store, *coordination};
};

} // namespace pm::test
