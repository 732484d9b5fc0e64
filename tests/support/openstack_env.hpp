// Test support for pmopenstack end-to-end tests. Scenarios run against an OpenStack target:
// the simulator (tests/sim/openstack, started here on a free port), or — with
// PM_OPENSTACK_TARGET=real — the real services of scripts/real-openstack, described by the
// openrc file at PM_REAL_OPENSTACK_RC. Tests that need the simulator's control endpoints
// (faults, request counts, expiring tokens) are tagged [sim] and are not run on the real
// target; the others are tagged [cloud] and run on both.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pm/deadline.hpp"
#include "pm/http.hpp"
#include "pm/ids.hpp"
#include "pm/json.hpp"
#include "pm/params.hpp"
#include "pm/session_cache.hpp"
#include "pm/store.hpp"

#include "pmopenstack/api/cloud.hpp"
#include "support/process.hpp"
#include "support/simulator.hpp"

namespace pm::test {

// Where the cloud is and how to log in as its admin.
struct CloudAccess {
    std::string auth_url;
    std::string username;
    std::string password;
    std::string user_domain = "Default";
    std::string project = "admin";
    std::string project_domain = "Default";
    std::string region = "RegionOne";
    std::string external_network = "public";
};

// The OpenStack simulator for the lifetime of the object.
class OpenStackSim {
public:
    // `args` are extra simulator options (see tests/sim/openstack/README.md), followed by
    // the words of the environment variable PM_OPENSTACK_SIM_ARGS.
    explicit OpenStackSim(std::vector<std::string> args = {});
    ~OpenStackSim();
    OpenStackSim(const OpenStackSim&) = delete;
    OpenStackSim& operator=(const OpenStackSim&) = delete;

    [[nodiscard]] std::string url() const;
    // Control calls under /__sim__/; the reply parsed. std::runtime_error on a non-2xx answer.
    json::Document get(std::string_view path) const;
    json::Document post(std::string_view path, std::string_view body = "{}") const;
    // Requests counted per "METHOD /path" since the last clear (0 when none).
    [[nodiscard]] std::int64_t requests(std::string_view key) const;
    [[nodiscard]] std::int64_t total_requests() const;
    void clear_requests() const;
    // Forgets the faults not used up yet.
    void clear_faults() const;

private:
    Simulator m_sim;
};

// The cloud of a test: the simulator, or the real tier when PM_OPENSTACK_TARGET=real.
class OpenStackTarget {
public:
    explicit OpenStackTarget(std::vector<std::string> sim_args = {});

    [[nodiscard]] bool real() const { return !m_sim.has_value(); }
    [[nodiscard]] const CloudAccess& access() const { return m_access; }
    // The simulator; std::logic_error on the real target (such tests are tagged [sim]).
    [[nodiscard]] const OpenStackSim& sim() const;

private:
    std::optional<OpenStackSim> m_sim;
    CloudAccess m_access;
};

// A scratch billing store, log, cache and lock directory with module 1 (pmopenstack)
// pointed at the target, account 1, a vdc tariff, and helpers to add VDCs and objects and to
// run the module binary the way a billing platform does. Project names get a random prefix
// so that runs on a shared real cloud never meet.
class OpenStackEnv {
public:
    explicit OpenStackEnv(const OpenStackTarget& target);
    ~OpenStackEnv();

    [[nodiscard]] store::Store& store() { return m_store; }
    [[nodiscard]] ModuleId module() const { return m_module; }
    [[nodiscard]] PricelistId pricelist() const { return m_pricelist; }
    [[nodiscard]] const std::string& store_url() const { return m_store_url; }
    [[nodiscard]] const std::filesystem::path& dir() const { return m_dir.path(); }
    [[nodiscard]] std::filesystem::path log_file() const;
    [[nodiscard]] const std::string& prefix() const { return m_prefix; }

    ItemId add_vdc(ParamMap params = {});
    ObjectId add_object(ItemId item, std::string_view type, ParamMap params = {});

    [[nodiscard]] std::map<std::string, std::string> env() const;
    // Runs `command` with a new running operation of the item (or object); returns the
    // result and the operation id.
    ProcessResult run(std::string_view command, ItemId item, OperationId* op = nullptr);
    ProcessResult run_object(std::string_view command, ObjectId object, OperationId* op = nullptr);
    ProcessResult run_module(std::string_view command);
    // Starts the command without waiting (for kill tests).
    Process spawn(std::string_view command, ItemId item,
                  std::optional<ObjectId> object = std::nullopt);

    [[nodiscard]] std::string param(ItemId item, std::string_view name);
    [[nodiscard]] std::string object_param(ObjectId object, std::string_view name);
    [[nodiscard]] store::ItemStatus status(ItemId item);
    [[nodiscard]] store::VdcObject object(ObjectId id);
    [[nodiscard]] store::RunningOperation operation(OperationId id);

    // The cloud seen as its admin, for assertions through the real API.
    [[nodiscard]] const openstack::api::Cloud& admin();

    // A pending running operation, and the command line that runs it (tests that kill a run
    // and run the same operation again).
    OperationId add_operation(ItemId item, std::optional<ObjectId> object,
                              std::string_view command);
    [[nodiscard]] std::vector<std::string> argv(std::string_view command, OperationId op) const;

private:
    const OpenStackTarget& m_target;
    TempDir m_dir;
    std::string m_store_url; // pm::test::store_url
    store::Store m_store;
    ModuleId m_module;
    AccountId m_account;
    PricelistId m_pricelist;
    std::string m_prefix;
    struct Admin;
    std::unique_ptr<Admin> m_admin;
};

} // namespace pm::test
