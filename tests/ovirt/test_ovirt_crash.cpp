// pmovirt killed while each of its requests is in flight, before and after the engine acted on
// it, then run again on the same running operation (tests/support/crash.hpp): every command on
// an existing VM ends done, with the one VM of the item in the wanted status (none after
// close) and the store agreeing with the engine. Hidden tests (tag [.crash]): ctest runs them
// with the label crash.
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pm/store.hpp"

#include "support/crash.hpp"
#include "support/ovirt_env.hpp"

namespace pm::test {
namespace {

// What a command must have done besides the VM's status.
enum class Outcome {
    none,
    resized,   // setparam: 4 CPUs, 3 GiB, a 30 GiB disk
    password,  // change_password: the new password delivered by a cloud-init boot
    recreated, // reopen: another VM than before, one first boot with cloud-init
    pooled,    // open from the pool: the pool's VM renamed, resized, the order's first boot
};

struct OvirtCrash {
    std::string command;
    bool running = true;           // the VM's status before: up, else down
    std::string status;            // the VM's status after; "" when it must be gone
    store::ItemStatus item_status; // the item's after
    bool fresh = false;            // open: no VM before, an ordered item with its params
    Outcome outcome = Outcome::none;
    bool pool = false; // open: a ready pool server of the order's template and tariff
};

constexpr const char* k_new_password = "Crash-New-6620";
constexpr std::int64_t k_gib = std::int64_t{1} << 30;

// The control dump's numbers are JSON numbers (the API's are strings): either is read.
std::int64_t number(const json::View& object, std::string_view key) {
    return object.at(key).as_int64_or_string();
}

class OvirtWorld : public CrashWorld {
public:
    explicit OvirtWorld(const OvirtCrash& crash) : m_crash(crash) {
        if (crash.pool) {
            m_env.enable_pool();
            const auto filled = m_env.fill_pool();
            REQUIRE(filled.exit_code == 0);
            const auto servers = m_env.store().pool_servers(m_env.module());
            REQUIRE(servers.size() == 1);
            m_vm = m_env.param(servers.front().item_id, "vm_id");
            m_item = m_env.add_item({{"os", "debian12"},
                                     {"password", k_new_password},
                                     {"cpu_number", "4"},
                                     {"ram_mib", "3072"},
                                     {"hdd_mib", "30720"}});
        } else if (crash.fresh) {
            auto& store = m_env.store();
            store.set_module_param(m_env.module(), "ipv4_range", "203.0.113.10-203.0.113.12");
            store.set_module_param(m_env.module(), "ipv4_prefix", "24");
            m_item = m_env.add_item({{"os", "debian12"},
                                     {"password", "Crash-Pass-5150"},
                                     {"cpu_number", "2"},
                                     {"ram_mib", "2048"},
                                     {"hdd_mib", "20480"}});
        } else {
            auto& store = m_env.store();
            store.set_module_param(m_env.module(), "ipv4_range", "203.0.113.10-203.0.113.12");
            store.set_module_param(m_env.module(), "ipv4_prefix", "24");
            store.set_module_param(m_env.module(), "shutdown_timeout", "5");
            m_item = m_env.add_item({{"os", "debian12"},
                                     {"password", k_new_password},
                                     {"cpu_number", "4"},
                                     {"ram_mib", "3072"},
                                     {"hdd_mib", "30720"}});
            const auto name = "pm-item-" + std::to_string(m_item.value());
            m_vm = crash.running ? m_env.running_vm(name) : m_env.create_vm(name);
            m_env.store().set_item_param(m_item, "vm_id", m_vm);
            m_env.store().set_item_status(m_item, store::ItemStatus::active);
        }
        m_op = m_env.add_operation(m_item, crash.command);
        (void)m_env.sim().call("DELETE", "/__sim__/requests", "");
    }

    [[nodiscard]] json::Document sim_get(std::string_view path) const override {
        return m_env.control("GET", path);
    }
    void sim_post(std::string_view path, std::string_view body) const override {
        (void)m_env.control("POST", path, body);
    }
    void clear_faults() const override { (void)m_env.sim().call("DELETE", "/__sim__/faults", ""); }
    [[nodiscard]] Process start() override {
        return Process::spawn(m_env.argv(m_crash.command, m_op), m_env.env());
    }
    ProcessResult again() override { return m_env.rerun(m_crash.command, m_op); }

    void check(const std::string& where) override {
        INFO(where);
        CHECK(m_env.operation(m_op).status == store::OperationStatus::done);
        CHECK(m_env.status(m_item) == m_crash.item_status);
        const auto state = m_env.control("GET", "/__sim__/state");
        const auto vms = state.root().at("vms");
        if (m_crash.status.empty()) {
            CHECK(vms.size() == 0);
            return;
        }
        REQUIRE(vms.size() == 1);
        const auto vm = vms.at(std::size_t{0});
        CHECK(vm.at("id").as_string() == m_env.param(m_item, "vm_id"));
        CHECK(vm.at("status").as_string() == m_crash.status);
        check_outcome(vm);
        if (m_crash.fresh) { // one address, one first boot with cloud-init
            CHECK(m_env.store().ipv4_leases(m_item) == std::vector<std::string>{"203.0.113.10"});
            CHECK(m_env.param(m_item, "ip") == "203.0.113.10");
            const auto boots = vm.at("boots");
            REQUIRE(boots.size() == 1);
            CHECK(boots.at(std::size_t{0}).at("applied").as_string() == "cloud_init");
        }
    }

private:
    void check_outcome(const json::View& vm) {
        const auto boots = vm.at("boots");
        switch (m_crash.outcome) {
        case Outcome::none:
            return;
        case Outcome::resized: {
            CHECK(number(vm, "memory") == 3 * k_gib);
            const auto cpu = vm.at("cpu").at("topology");
            CHECK(number(cpu, "sockets") * number(cpu, "cores") * number(cpu, "threads") == 4);
            const auto disk = vm.at("disk_attachments").at("disk_attachment").at(std::size_t{0});
            CHECK(number(disk.at("disk"), "provisioned_size") == 30 * k_gib);
            CHECK(m_env.param(m_item, "restart_after").empty());
            return;
        }
        case Outcome::password: {
            const auto check =
                m_env.control("POST", "/__sim__/check_password",
                              R"({"vm":")" + m_vm + R"(","password":")" + k_new_password + "\"}");
            CHECK(check.root().at("match").as_bool());
            CHECK(boots.at(boots.size() - 1).at("applied").as_string() == "cloud_init");
            CHECK(m_env.param(m_item, "init_boot").empty());
            return;
        }
        case Outcome::pooled: {
            CHECK(vm.at("id").as_string() == m_vm);
            CHECK(vm.at("name").as_string() == "pm-item-" + std::to_string(m_item.value()));
            CHECK(number(vm, "memory") == 3 * k_gib);
            const auto disk = vm.at("disk_attachments").at("disk_attachment").at(std::size_t{0});
            CHECK(number(disk.at("disk"), "provisioned_size") == 30 * k_gib);
            REQUIRE(boots.size() == 1);
            CHECK(boots.at(std::size_t{0}).at("applied").as_string() == "cloud_init");
            const auto check =
                m_env.control("POST", "/__sim__/check_password",
                              R"({"vm":")" + m_vm + R"(","password":")" + k_new_password + "\"}");
            CHECK(check.root().at("match").as_bool());
            CHECK(m_env.store().pool_servers(m_env.module()).empty());
            CHECK(m_env.store().ipv4_leases(m_item) == std::vector<std::string>{"203.0.113.10"});
            CHECK(m_env.param(m_item, "init_boot").empty());
            return;
        }
        case Outcome::recreated:
            CHECK(vm.at("id").as_string() != m_vm);
            REQUIRE(boots.size() == 1);
            CHECK(boots.at(std::size_t{0}).at("applied").as_string() == "cloud_init");
            CHECK(m_env.store().ipv4_leases(m_item) == std::vector<std::string>{"203.0.113.10"});
            return;
        }
    }

    const OvirtCrash& m_crash;
    OvirtEnv m_env;
    ItemId m_item;
    std::string m_vm;
    OperationId m_op;
};

void crash(const OvirtCrash& crash) {
    const auto figures = crash_at_every_request(
        "pmovirt " + crash.command, [&crash] { return std::make_unique<OvirtWorld>(crash); });
    CHECK(figures.killed > 0);
}

} // namespace

TEST_CASE("pmovirt crash at every request: open", "[.crash]") {
    crash({"open", false, "up", store::ItemStatus::active, true});
}

TEST_CASE("pmovirt crash at every request: open from the pool", "[.crash]") {
    OvirtCrash open{"open", false, "up", store::ItemStatus::active, false, Outcome::pooled};
    open.pool = true;
    crash(open);
}

TEST_CASE("pmovirt crash at every request: suspend", "[.crash]") {
    crash({"suspend", true, "down", store::ItemStatus::suspended});
}

TEST_CASE("pmovirt crash at every request: resume", "[.crash]") {
    crash({"resume", false, "up", store::ItemStatus::active});
}

TEST_CASE("pmovirt crash at every request: reboot", "[.crash]") {
    crash({"reboot", true, "up", store::ItemStatus::active});
}

TEST_CASE("pmovirt crash at every request: setparam", "[.crash]") {
    crash({"setparam", true, "up", store::ItemStatus::active, false, Outcome::resized});
}

TEST_CASE("pmovirt crash at every request: change_password", "[.crash]") {
    crash({"change_password", true, "up", store::ItemStatus::active, false, Outcome::password});
}

TEST_CASE("pmovirt crash at every request: reopen", "[.crash]") {
    crash({"reopen", true, "up", store::ItemStatus::active, false, Outcome::recreated});
}

TEST_CASE("pmovirt crash at every request: close", "[.crash]") {
    crash({"close", true, "", store::ItemStatus::closed});
}

namespace {

// pool_process, the module-wide job that makes the pool's VMs: killed at each request and run
// again (by cron, here at once), it ends with the pool at its target, every VM a pool
// server's, none twice.
class PoolWorld : public CrashWorld {
public:
    PoolWorld() {
        m_env.enable_pool({{"pool_steps", "2,2,2,2,2"}});
        (void)m_env.add_item({{"os", "debian12"}}); // an order: the pool's target counts it
        (void)m_env.sim().call("DELETE", "/__sim__/requests", "");
    }

    [[nodiscard]] json::Document sim_get(std::string_view path) const override {
        return m_env.control("GET", path);
    }
    void sim_post(std::string_view path, std::string_view body) const override {
        (void)m_env.control("POST", path, body);
    }
    void clear_faults() const override { (void)m_env.sim().call("DELETE", "/__sim__/faults", ""); }
    [[nodiscard]] Process start() override {
        return Process::spawn(m_env.module_argv("pool_process"), m_env.env());
    }
    ProcessResult again() override { return run(m_env.module_argv("pool_process"), m_env.env()); }

    void check(const std::string& where) override {
        INFO(where);
        // What is still being made finishes, and the next cron runs settle the pool.
        const auto last = m_env.fill_pool();
        INFO(last.out << last.err);
        REQUIRE(last.exit_code == 0);
        const auto servers = m_env.store().pool_servers(m_env.module());
        CHECK(servers.size() == 2);
        std::set<std::string> vms;
        for (const auto& server : servers) {
            CHECK(server.state == store::PoolState::free);
            CHECK(m_env.param(server.item_id, "state") == "stopped");
            vms.insert(m_env.param(server.item_id, "vm_id"));
        }
        const auto state = m_env.control("GET", "/__sim__/state");
        CHECK(state.root().at("vms").size() == vms.size());
        for (const auto& vm : state.root().at("vms").items()) {
            INFO("VM " << vm.at("id").as_string());
            CHECK(vms.count(vm.at("id").as_string()) == 1);
            CHECK(vm.at("status").as_string() == "down");
        }
    }

private:
    OvirtEnv m_env;
};

} // namespace

TEST_CASE("pmovirt crash at every request: pool_process", "[.crash]") {
    const auto figures = crash_at_every_request("pmovirt pool_process",
                                                [] { return std::make_unique<PoolWorld>(); });
    CHECK(figures.killed > 0);
}

} // namespace pm::test
