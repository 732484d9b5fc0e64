// pmvmmgr6 end to end: the real binary against the VMmanager 6 simulator.
#include <chrono>
#include <csignal>
#include <thread>

#include <catch2/catch.hpp>

#include "pm/store.hpp"

#include "support/vmmgr6_sim.hpp"

using namespace pm;
using pm::test::Process;
using pm::test::Vmmgr6Env;
using pm::test::Vmmgr6Sim;

namespace {

std::string host_state(const Vmmgr6Sim& sim, std::int64_t id) {
    const auto state = sim.state();
    for (const auto& host : state.root().at("hosts").items()) {
        if (host.at("id").as_int64() == id) {
            return host.at("state").as_string();
        }
    }
    return "gone";
}

store::RunningOperation operation(Vmmgr6Env& env, OperationId id) {
    return *env.store().find_operation(id);
}

} // namespace

TEST_CASE("pmvmmgr6 check_connection: logs in, checks admin rights and the cluster") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    SECTION("all good") {
        const auto r = env.run_module("check_connection");
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("KVM cluster") != std::string::npos);
    }
    SECTION("bad password") {
        env.store().set_module_param(env.module(), "password", "wrong");
        const auto r = env.run_module("check_connection");
        CHECK(r.exit_code == 2);
        CHECK(r.out.find("cannot log in") != std::string::npos);
    }
    SECTION("not an admin") {
        env.store().set_module_param(env.module(), "username", "user@example.com");
        env.store().set_module_param(env.module(), "password", "user");
        const auto r = env.run_module("check_connection");
        CHECK(r.exit_code == 2);
        CHECK(r.out.find("not an administrator") != std::string::npos);
    }
    SECTION("missing cluster") {
        env.store().set_module_param(env.module(), "cluster", "99");
        const auto r = env.run_module("check_connection");
        CHECK(r.exit_code == 2);
        CHECK(r.out.find("no cluster 99") != std::string::npos);
    }
    SECTION("unreachable VMmanager: a temporary failure within op_timeout") {
        env.store().set_module_param(env.module(), "url", "http://127.0.0.1:1");
        env.store().set_module_param(env.module(), "op_timeout", "2");
        const auto r = env.run_module("check_connection");
        CHECK(r.exit_code == 3);
    }
}

TEST_CASE("pmvmmgr6 open: creates the account and the VM, saves ids and addresses") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    const auto item = env.add_item({{"domain", "vps1.example.com"}, {"os", "debian 12"}});
    OperationId op;
    const auto r = env.run("open", item, &op);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(env.status(item) == store::ItemStatus::active);
    CHECK(operation(env, op).status == store::OperationStatus::done);
    const auto vm_id = std::stoll(env.param(item, "vm_id"));
    CHECK(host_state(sim, vm_id) == "active");
    CHECK(env.param(item, "state") == "active");
    CHECK(env.param(item, "ip").rfind("10.10.", 0) == 0);
    CHECK(env.param(item, "ips") == env.param(item, "ip"));
    CHECK(env.param(item, "domain") == "vps1.example.com");
    CHECK(env.param(item, "vm_account_id") == "11");
    const auto match = sim.post("/__sim__/check_password", R"({"host":)" + std::to_string(vm_id) +
                                                               R"(,"password":"Root-Secret-1"})");
    CHECK(match.root().at("match").as_bool());
    CHECK(sim.requests("POST /vm/v3/host") == 1);

    SECTION("open again changes nothing") {
        CHECK(env.run("open", item).exit_code == 0);
        CHECK(sim.host_count() == 1);
        CHECK(sim.requests("POST /vm/v3/host") == 1);
    }
    SECTION("a second item of the same customer reuses the VMmanager account") {
        const auto second = env.add_item();
        CHECK(env.run("open", second).exit_code == 0);
        CHECK(env.param(second, "vm_account_id") == "11");
        CHECK(sim.host_count() == 2);
        CHECK(sim.requests("POST /vm/v3/account") == 1);
    }
}

TEST_CASE("pmvmmgr6 open: tariff, item overrides, preset, recipe and second interface") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    SECTION("item params override the tariff") {
        const auto item = env.add_item({{"cpu_number", "2"}, {"ipv4_number", "2"}});
        REQUIRE(env.run("open", item).exit_code == 0);
        const auto state = sim.state();
        const auto host = state.root().at("hosts").at(std::size_t{0});
        CHECK(host.at("cpu_number").as_int64() == 2);
        CHECK(host.at("ram_mib").as_int64() == 1024);
        CHECK(host.at("disk").at("disk_mib").as_int64() == 10240);
        CHECK(env.param(item, "ips").find(',') != std::string::npos);
    }
    SECTION("preset") {
        const auto item = env.add_item({{"preset", "2"}});
        REQUIRE(env.run("open", item).exit_code == 0);
        const auto state = sim.state();
        CHECK(state.root().at("hosts").at(std::size_t{0}).at("cpu_number").as_int64() == 2);
    }
    SECTION("recipe and second interface") {
        env.store().set_module_param(env.module(), "use_recipes", "on");
        env.store().set_module_param(env.module(), "second_iface", "on");
        const auto item = env.add_item({{"recipe", "2"}});
        const auto r = env.run("open", item);
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(env.param(item, "ips").find("10.10.3.") != std::string::npos);
        const auto state = sim.state();
        CHECK(state.root().at("hosts").at(std::size_t{0}).at("recipes_run").size() == 1);
    }
}

TEST_CASE("pmvmmgr6 open: errors are clear and recorded on the running operation") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    SECTION("unknown OS") {
        const auto item = env.add_item({{"os", "Plan 9"}});
        OperationId op;
        const auto r = env.run("open", item, &op);
        CHECK(r.exit_code == 1);
        CHECK(operation(env, op).status == store::OperationStatus::error);
        CHECK(operation(env, op).error.find("'Plan 9' not found") != std::string::npos);
        CHECK(sim.host_count() == 0);
    }
    SECTION("OS not on the cluster") {
        const auto item = env.add_item({{"os", "5"}});
        const auto r = env.run("open", item);
        CHECK(r.exit_code == 1);
        CHECK(r.out.find("not available on cluster 1") != std::string::npos);
    }
    SECTION("a failing host_create task reports VMmanager's message") {
        sim.post("/__sim__/tasks/fail", R"({"name":"host_create","msg":"no space left on node"})");
        const auto item = env.add_item();
        OperationId op;
        const auto r = env.run("open", item, &op);
        CHECK(r.exit_code == 1);
        CHECK(operation(env, op).status == store::OperationStatus::error);
        CHECK(operation(env, op).error.find("no space left on node") != std::string::npos);
        CHECK(env.status(item) == store::ItemStatus::ordered);
        // The next attempt deletes the failed VM and creates a new one.
        const auto again = test::run(env.argv("open", item, op), env.env());
        INFO(again.out << again.err);
        CHECK(again.exit_code == 0);
        CHECK(operation(env, op).status == store::OperationStatus::done);
        CHECK(sim.host_count() == 1);
        CHECK(env.param(item, "vm_id") == "102");
    }
}

TEST_CASE("pmvmmgr6 suspend, resume, reboot and close wait for their tasks") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    const auto item = env.add_item();
    REQUIRE(env.run("open", item).exit_code == 0);
    const auto vm_id = std::stoll(env.param(item, "vm_id"));

    REQUIRE(env.run("suspend", item).exit_code == 0);
    CHECK(host_state(sim, vm_id) == "stopped");
    CHECK(env.status(item) == store::ItemStatus::suspended);
    CHECK(env.run("suspend", item).exit_code == 0); // already stopped
    CHECK(sim.requests("POST /vm/v3/host/{id:int}/stop") == 1);

    REQUIRE(env.run("resume", item).exit_code == 0);
    CHECK(host_state(sim, vm_id) == "active");
    CHECK(env.status(item) == store::ItemStatus::active);
    CHECK(env.run("resume", item).exit_code == 0);

    REQUIRE(env.run("reboot", item).exit_code == 0);
    CHECK(host_state(sim, vm_id) == "active");

    OperationId op;
    REQUIRE(env.run("close", item, &op).exit_code == 0);
    CHECK(host_state(sim, vm_id) == "gone");
    CHECK(env.status(item) == store::ItemStatus::closed);
    CHECK(operation(env, op).status == store::OperationStatus::done);
    CHECK(env.run("close", item).exit_code == 0); // already gone
}

TEST_CASE("pmvmmgr6 close waits for a create under way and finds a VM whose id was lost") {
    Vmmgr6Sim sim({"--task-seconds", "0.1", "--task-seconds", "host_create=3"});
    Vmmgr6Env env(sim);
    const auto item = env.add_item();
    // open killed between the create and the save of the VM's id.
    auto process =
        Process::spawn(env.argv("open", item, env.add_operation(item, "open")), env.env());
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (sim.host_count() == 0 && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    process.kill(SIGKILL);
    (void)process.wait(std::chrono::seconds(10));
    env.store().erase_item_param(item, "vm_id");
    REQUIRE(sim.host_count() == 1);
    const auto r = env.run("close", item);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(sim.host_count() == 0);
    CHECK(env.status(item) == store::ItemStatus::closed);
}
