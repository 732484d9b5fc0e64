// Test support for the common runner's tests: a scratch store (pm::test::store_url) seeded
// with module "test module" (type pmtest), account Jane, tariff "small" and one vds item, and
// the PM_* environment under which the pm_test_module helper (tests/helpers) runs against
// it, with its log, cache and lock directories in the scratch directory.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "pm/ids.hpp"
#include "pm/store.hpp"

#include "support/process.hpp"

namespace pm::test {

struct PmtestEnv {
    PmtestEnv();

    TempDir dir;
    std::string store_url;
    store::Store store;
    ModuleId module;
    ItemId item;
    // PM_STORE, PM_LOG_DIR, PM_CACHE_DIR, PM_LOCK_DIR, PM_CONFIG (empty), PM_LOG_LEVEL=debug;
    // a test may change or add entries before it runs the module.
    std::map<std::string, std::string> env;

    // A pending running operation of the item for `command`.
    OperationId operation(const std::string& command);
    [[nodiscard]] store::RunningOperation op(OperationId id) const;

    // pm_test_module with `rest` as its arguments, under `env`.
    [[nodiscard]] std::vector<std::string> args(std::vector<std::string> rest) const;
    ProcessResult run(std::vector<std::string> rest) const;
    Process spawn(std::vector<std::string> rest) const;

    [[nodiscard]] std::filesystem::path log_path() const {
        return dir.path() / "log" / "pmtest.log";
    }
    // The module's log; empty while it has none.
    [[nodiscard]] std::string log() const;
};

} // namespace pm::test
