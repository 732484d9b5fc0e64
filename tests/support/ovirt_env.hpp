// Test support for pmovirt end-to-end tests: the oVirt simulator (tests/sim/ovirt) on a free
// port, a scratch billing store with module "oVirt" (pmovirt) pointed at it, account 1 and a
// vds tariff, helpers to add items and run the binary the way a billing platform does, and
// the engine's own REST API (SSO token, Bearer) to make and inspect VMs the way an admin would.
#pragma once

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

class OvirtEnv {
public:
    // `sim_args` are the simulator's options (its admin password is set here).
    explicit OvirtEnv(std::vector<std::string> sim_args = {"--time-scale", "0.01"});

    [[nodiscard]] store::Store& store() { return m_store; }
    [[nodiscard]] ModuleId module() const { return m_module; }
    [[nodiscard]] const Simulator& sim() const { return m_sim; }
    [[nodiscard]] AccountId account() const { return m_account; }
    [[nodiscard]] PricelistId pricelist() const { return m_pricelist; }

    // The pool on (pool_enabled, pool_account = the customer's account, pool_os debian12,
    // pool_pricelist = the tariff), with an address range, the tariff's resources (2 CPUs,
    // 2 GiB, 20 GiB) and `extra` module params over those.
    void enable_pool(const ParamMap& extra = {});
    // pool_process, then every pending state change of the engine happen now, until a run
    // finds every free server ready (at most `runs` runs); the last run's result.
    ProcessResult fill_pool(int runs = 4);

    // A vds item on the module with `params`.
    ItemId add_item(ParamMap params = {});
    // A pending running operation of `item`.
    OperationId add_operation(ItemId item, std::string_view command);
    [[nodiscard]] std::vector<std::string> argv(std::string_view command, OperationId op) const;
    [[nodiscard]] std::map<std::string, std::string> env() const;
    // Runs `command` for `item` with a new running operation (returned through `op`).
    ProcessResult run(std::string_view command, ItemId item, OperationId* op = nullptr);
    // Runs `command` again for the running operation `op`.
    ProcessResult rerun(std::string_view command, OperationId op) const;
    // Runs a module-wide `command` (check_connection, sync…) with --module.
    ProcessResult run_module(std::string_view command) const;
    [[nodiscard]] std::vector<std::string> module_argv(std::string_view command) const;

    [[nodiscard]] std::string param(ItemId item, std::string_view name);
    [[nodiscard]] store::ItemStatus status(ItemId item);
    [[nodiscard]] store::RunningOperation operation(OperationId op);
    [[nodiscard]] std::string log() const;

    // The engine's API (`/ovirt-engine/api…`) with a token of admin@internal; the reply's
    // status through `status` (else a non-2xx throws std::runtime_error).
    std::string engine(std::string_view method, std::string_view path, std::string_view body = {},
                       long* status = nullptr) const;
    // A VM made from `template_name` and settled (down); `extra` are further JSON members of
    // the create body, e.g. R"("delete_protected":"true")". Returns its id.
    std::string create_vm(const std::string& name, const std::string& template_name = "debian12",
                          const std::string& extra = {}) const;
    // A VM made and started (up).
    std::string running_vm(const std::string& name) const;
    // Sends an action and lets every pending state change happen at once.
    void act(const std::string& id, std::string_view action) const;
    // The VM's status; nullopt once the engine answers 404.
    [[nodiscard]] std::optional<std::string> vm_status(const std::string& id) const;
    // Control endpoints (`/__sim__/…`), the reply parsed.
    json::Document control(std::string_view method, std::string_view path,
                           std::string_view body = "{}") const;
    // Requests `METHOD …suffix` in the simulator's log.
    [[nodiscard]] std::int64_t requests(std::string_view method, std::string_view suffix) const;

private:
    Simulator m_sim;
    TempDir m_dir;
    std::string m_store_url;
    store::Store m_store;
    ModuleId m_module;
    AccountId m_account;
    PricelistId m_pricelist;
    mutable std::string m_token;
};

} // namespace pm::test
