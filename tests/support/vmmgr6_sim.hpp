// Test support for pmvmmgr6 end-to-end tests: the VMmanager 6 simulator (tests/sim/vmmgr6)
// on a free port for the lifetime of the object, with its /__sim__/ control endpoints, and a
// billing store seeded with one pmvmmgr6 module pointed at it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pm/ids.hpp"
#include "pm/json.hpp"
#include "pm/params.hpp"
#include "pm/store.hpp"

#include "support/process.hpp"
#include "support/simulator.hpp"

namespace pm::test {

class Vmmgr6Sim {
public:
    // `args` are extra simulator options, e.g. {"--task-seconds", "0.1"}.
    explicit Vmmgr6Sim(std::vector<std::string> args = {"--task-seconds", "0.1", "--task-lag",
                                                        "0.05"});
    ~Vmmgr6Sim();
    Vmmgr6Sim(const Vmmgr6Sim&) = delete;
    Vmmgr6Sim& operator=(const Vmmgr6Sim&) = delete;

    [[nodiscard]] int port() const { return m_sim.port(); }
    [[nodiscard]] std::string url() const { return m_sim.url(); }

    // Control calls; the reply body parsed. Throw std::runtime_error on a non-2xx answer.
    json::Document get(std::string_view path) const;
    json::Document post(std::string_view path, std::string_view body = "{}") const;
    void del(std::string_view path) const;

    [[nodiscard]] json::Document state() const { return get("/__sim__/state"); }
    [[nodiscard]] json::Document counters() const { return get("/__sim__/counters"); }
    // Requests counted per "METHOD /path" since the last clear (0 when none).
    [[nodiscard]] std::int64_t requests(std::string_view key) const;
    [[nodiscard]] std::int64_t logins() const;
    [[nodiscard]] std::size_t host_count() const;

private:
    Simulator m_sim;
};

// A scratch billing store, log, cache and lock directory, with module 1 (pmvmmgr6) pointed at
// a simulator, account 1 (customer@example.com), tariff 1 and helpers to add items and run
// the module binary the way a billing platform does.
class Vmmgr6Env {
public:
    explicit Vmmgr6Env(const Vmmgr6Sim& sim);

    [[nodiscard]] store::Store& store() { return m_store; }
    [[nodiscard]] ModuleId module() const { return m_module; }
    [[nodiscard]] AccountId account() const { return m_account; }
    [[nodiscard]] PricelistId pricelist() const { return m_pricelist; }
    [[nodiscard]] const std::string& store_url() const { return m_store_url; }
    [[nodiscard]] const std::filesystem::path& dir() const { return m_dir.path(); }
    [[nodiscard]] std::filesystem::path log_file() const;

    // A vds item on the module with tariff 1 and these params (os 1, password added unless
    // given).
    ItemId add_item(ParamMap params = {});
    // The same on another module.
    ItemId add_item(ModuleId module, ParamMap params = {});
    // A pending running operation of `item` (on the item's module).
    OperationId add_operation(ItemId item, std::string_view command);

    [[nodiscard]] std::map<std::string, std::string> env() const;
    [[nodiscard]] std::vector<std::string> argv(std::string_view command, ItemId item,
                                                std::optional<OperationId> op = {}) const;
    // Runs `command` for `item` with a new running operation; returns the result and the op.
    ProcessResult run(std::string_view command, ItemId item, OperationId* op = nullptr);
    ProcessResult run_module(std::string_view command, std::vector<std::string> extra = {});
    [[nodiscard]] std::vector<std::string> module_argv(std::string_view command,
                                                       std::vector<std::string> extra = {}) const;

    // Turns the pool on: account "Pool" (pool@example.com) owns its servers; `params` are
    // further module params (pool_steps, pool_os…). Returns the pool account.
    AccountId enable_pool(const ParamMap& params = {});

    [[nodiscard]] std::string param(ItemId item, std::string_view name);
    [[nodiscard]] store::ItemStatus status(ItemId item);

private:
    TempDir m_dir;
    std::string m_store_url; // pm::test::store_url
    store::Store m_store;
    ModuleId m_module;
    AccountId m_account;
    PricelistId m_pricelist;
};

} // namespace pm::test
