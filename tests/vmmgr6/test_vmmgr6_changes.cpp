// pmvmmgr6 setparam, reopen, change_password and sync_item against the simulator.
#include <catch2/catch.hpp>

#include "pm/store.hpp"

#include "support/vmmgr6_sim.hpp"

using namespace pm;
using pm::test::Vmmgr6Env;
using pm::test::Vmmgr6Sim;

namespace {

json::View first_host(const json::Document& state) {
    return state.root().at("hosts").at(std::size_t{0});
}

bool password_matches(const Vmmgr6Sim& sim, const std::string& vm_id, const std::string& pw) {
    return sim
        .post("/__sim__/check_password", R"({"host":)" + vm_id + R"(,"password":")" + pw + "\"}")
        .root()
        .at("match")
        .as_bool();
}

} // namespace

TEST_CASE("pmvmmgr6 setparam: grows CPU, RAM, disk and IPv4 count and refuses to shrink") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    const auto item = env.add_item();
    REQUIRE(env.run("open", item).exit_code == 0);

    SECTION("hot RAM step, disk and one more address") {
        env.store().set_item_params(
            item, {{"ram_mib", "2048"}, {"hdd_mib", "20480"}, {"ipv4_number", "2"}});
        const auto r = env.run("setparam", item);
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        const auto state = sim.state();
        CHECK(first_host(state).at("ram_mib").as_int64() == 2048);
        CHECK(first_host(state).at("disk").at("disk_mib").as_int64() == 20480);
        CHECK(first_host(state).at("ip4").size() == 2);
        CHECK(env.param(item, "ips").find(',') != std::string::npos);
        CHECK(sim.requests("POST /vm/v3/host/{id:int}/restart") == 0);
    }
    SECTION("CPU on a running VM: deferred, then a restart") {
        env.store().set_item_param(item, "cpu_number", "4");
        const auto r = env.run("setparam", item);
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        const auto state = sim.state();
        CHECK(first_host(state).at("cpu_number").as_int64() == 4);
        CHECK(first_host(state).at("state").as_string() == "active");
        CHECK(sim.requests("POST /vm/v3/host/{id:int}/restart") == 1);
    }
    SECTION("CPU on a stopped VM: applied without a restart") {
        REQUIRE(env.run("suspend", item).exit_code == 0);
        env.store().set_item_param(item, "cpu_number", "2");
        REQUIRE(env.run("setparam", item).exit_code == 0);
        const auto state = sim.state();
        CHECK(first_host(state).at("cpu_number").as_int64() == 2);
        CHECK(first_host(state).at("state").as_string() == "stopped");
    }
    SECTION("nothing changed: nothing sent") {
        REQUIRE(env.run("setparam", item).exit_code == 0);
        CHECK(sim.requests("POST /vm/v3/host/{id:int}/resource") == 0);
    }
    SECTION("shrinking is refused before anything changes") {
        env.store().set_item_params(item, {{"hdd_mib", "5120"}, {"cpu_number", "3"}});
        OperationId op;
        const auto r = env.run("setparam", item, &op);
        CHECK(r.exit_code == 1);
        const auto error = env.store().find_operation(op)->error;
        CHECK(error.find("cannot shrink disk") != std::string::npos);
        CHECK(first_host(sim.state()).at("cpu_number").as_int64() == 1);
    }
}

TEST_CASE("pmvmmgr6 setparam counts only the main network's addresses") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    env.store().set_module_param(env.module(), "second_iface", "on");
    const auto item = env.add_item();
    REQUIRE(env.run("open", item).exit_code == 0);
    const auto same = env.run("setparam", item);
    INFO(same.out << same.err);
    CHECK(same.exit_code == 0);
    env.store().set_item_param(item, "ipv4_number", "2");
    REQUIRE(env.run("setparam", item).exit_code == 0);
    CHECK(first_host(sim.state()).at("ip4").size() == 3);
}

TEST_CASE("pmvmmgr6 reopen and change_password") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    const auto item = env.add_item();
    REQUIRE(env.run("open", item).exit_code == 0);
    const auto vm_id = env.param(item, "vm_id");

    SECTION("reopen reinstalls with the item's OS and password") {
        env.store().set_item_params(item, {{"os", "Ubuntu 22.04"}, {"password", "New-Root-2"}});
        const auto r = env.run("reopen", item);
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        const auto state = sim.state();
        CHECK(first_host(state).at("os").at("id").as_int64() == 2);
        CHECK(first_host(state).at("state").as_string() == "active");
        CHECK(password_matches(sim, vm_id, "New-Root-2"));
        CHECK(sim.host_count() == 1);
    }
    SECTION("change_password") {
        env.store().set_item_param(item, "password", "Changed-Root-3");
        REQUIRE(env.run("change_password", item).exit_code == 0);
        CHECK(password_matches(sim, vm_id, "Changed-Root-3"));
    }
    SECTION("a VM gone from VMmanager is reported") {
        sim.del("/__sim__/requests");
        REQUIRE(env.run("close", item).exit_code == 0);
        env.store().set_item_status(item, store::ItemStatus::active);
        const auto r = env.run("change_password", item);
        CHECK(r.exit_code == 1);
        CHECK(r.out.find("is gone") != std::string::npos);
    }
}

TEST_CASE("pmvmmgr6 sync_item: refreshes state and addresses and records a gone VM") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    const auto item = env.add_item();
    REQUIRE(env.run("open", item).exit_code == 0);
    env.store().set_item_params(item, {{"state", "stale"}, {"ip", ""}, {"ips", ""}});
    REQUIRE(env.run("sync_item", item).exit_code == 0);
    CHECK(env.param(item, "state") == "active");
    CHECK(!env.param(item, "ip").empty());

    const auto vm_id = env.param(item, "vm_id");
    sim.post("/__sim__/tasks/finish");
    // Deleted behind the billing platform's back.
    env.store().set_item_param(item, "vm_id", vm_id);
    auto other = env.add_item();
    env.store().set_item_param(other, "vm_id", vm_id);
    REQUIRE(env.run("close", other).exit_code == 0);
    const auto r = env.run("sync_item", item);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("gone") != std::string::npos);
    CHECK(env.status(item) == store::ItemStatus::deleted);
    CHECK(env.param(item, "state") == "deleted");
}
