#include "support/pmtest_env.hpp"

#include "support/test_store.hpp"

namespace pm::test {

PmtestEnv::PmtestEnv()
    : store_url(test::store_url(dir.path())),
      store(store::Store::open(store_url)), env{{"PM_STORE", store_url},
                                                {"PM_LOG_DIR", (dir.path() / "log").string()},
                                                {"PM_CACHE_DIR", (dir.path() / "cache").string()},
                                                {"PM_LOCK_DIR", (dir.path() / "locks").string()},
                                                {"PM_CONFIG", ""},
                                                {"PM_LOG_LEVEL", "debug"}} {
    module = store.create_module({.name = "test module", .type = "pmtest"});
    const auto account = store.create_account("Jane", "jane@example.com");
    const auto tariff = store.create_pricelist("small", "vds");
    item = store.create_item(
        {.account_id = account, .pricelist_id = tariff, .module_id = module, .type = "vds"});
}

OperationId PmtestEnv::operation(const std::string& command) {
    return store.create_operation({.item_id = item, .module_id = module, .command = command});
}

store::RunningOperation PmtestEnv::op(OperationId id) const {
    return *store.find_operation(id);
}

std::vector<std::string> PmtestEnv::args(std::vector<std::string> rest) const {
    rest.insert(rest.begin(), helper_path("pm_test_module"));
    return rest;
}

ProcessResult PmtestEnv::run(std::vector<std::string> rest) const {
    return test::run(args(std::move(rest)), env);
}

Process PmtestEnv::spawn(std::vector<std::string> rest) const {
    return Process::spawn(args(std::move(rest)), env);
}

std::string PmtestEnv::log() const {
    return std::filesystem::exists(log_path()) ? read_file(log_path()) : std::string();
}

} // namespace pm::test
