// pmovirt's first commands end to end: the binary against the oVirt simulator (tests/sim/ovirt)
// with a scratch billing store, run the way a billing platform runs it.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pm/json.hpp"
#include "pm/store.hpp"

#include "support/process.hpp"
#include "support/simulator.hpp"
#include "support/test_store.hpp"

namespace {

using Catch::Matchers::Contains;

constexpr const char* k_admin_password = "Engine-Secret-7";
constexpr const char* k_cluster_id = "5a1d0000-0000-4000-8000-000000000002";

// A scratch store with module "oVirt" (pmovirt) pointed at the simulator.
struct OvirtEnv {
    pm::test::Simulator sim{"ovirt",
                            {"--time-scale", "0.01", "--admin-password", k_admin_password}};
    pm::test::TempDir dir;
    std::string store_url = pm::test::store_url(dir.path());
    pm::store::Store store = pm::store::Store::open(store_url);
    pm::ModuleId module = store.create_module({"oVirt", "pmovirt"});

    OvirtEnv() {
        const std::map<std::string, std::string> params{{"url", sim.url() + "/ovirt-engine"},
                                                        {"username", "admin@internal"},
                                                        {"password", k_admin_password},
                                                        {"cluster", "Default"},
                                                        {"task_poll_ms", "50"},
                                                        {"op_timeout", "60"}};
        for (const auto& [name, value] : params) {
            store.set_module_param(module, name, value);
        }
    }

    pm::test::ProcessResult run(std::string_view command) const {
        return pm::test::run({pm::test::module_path("pmovirt"), "--command", std::string(command),
                              "--module", std::to_string(module.value()), "--output", "json"},
                             {{"PM_STORE", store_url},
                              {"PM_LOG_DIR", (dir.path() / "log").string()},
                              {"PM_CACHE_DIR", (dir.path() / "cache").string()},
                              {"PM_LOCK_DIR", (dir.path() / "locks").string()},
                              {"PM_CONFIG", "/dev/null"},
                              {"PM_LOG_LEVEL", "debug"}});
    }

    [[nodiscard]] std::int64_t logins() const {
        const auto state = pm::json::parse(sim.call("GET", "/__sim__/state", ""), "sim state");
        return state.root().at("logins").as_int64();
    }

    [[nodiscard]] std::string log() const {
        std::ifstream in(dir.path() / "log" / "pmovirt.log");
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }
};

} // namespace

TEST_CASE("pmovirt check_connection: logs in, reads the engine's version, finds the cluster",
          "[ovirt][ovirt_e2e]") {
    OvirtEnv env;
    auto result = env.run("check_connection");
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    const auto reply = pm::json::parse(result.out, "check_connection output");
    CHECK(reply.root().at("cluster").as_string() == "Default");
    CHECK(reply.root().at("user").as_string() == "admin@internal");
    CHECK_FALSE(reply.root().at("engine").as_string().empty());
    CHECK(env.logins() == 1);

    SECTION("the token is kept: a second run does not log in again") {
        REQUIRE(env.run("check_connection").exit_code == 0);
        CHECK(env.logins() == 1);
    }
    SECTION("a token the engine forgot (engine restart): one new login, then success") {
        CHECK_THAT(env.sim.call("POST", "/__sim__/tokens/expire", "{}"), Contains("expired"));
        const auto again = env.run("check_connection");
        INFO(again.out << again.err);
        CHECK(again.exit_code == 0);
        CHECK(env.logins() == 2);
    }
    SECTION("the cluster by id") {
        env.store.set_module_param(env.module, "cluster", k_cluster_id);
        const auto by_id = env.run("check_connection");
        INFO(by_id.out << by_id.err);
        CHECK(by_id.exit_code == 0);
        CHECK_THAT(by_id.out, Contains("\"Default\""));
    }
    CHECK_THAT(env.log(), !Contains(k_admin_password));
}

TEST_CASE("pmovirt check_connection: a wrong password or cluster is a config error (exit 2)",
          "[ovirt][ovirt_e2e]") {
    OvirtEnv env;
    SECTION("wrong password") {
        env.store.set_module_param(env.module, "password", "Wrong-Secret-9");
        const auto result = env.run("check_connection");
        INFO(result.out << result.err);
        CHECK(result.exit_code == 2);
        CHECK_THAT(result.out, Contains("cannot log in to oVirt as admin@internal"));
        CHECK_THAT(result.out + result.err + env.log(), !Contains("Wrong-Secret-9"));
    }
    SECTION("a cluster the engine does not have, matched exactly (not case-insensitively)") {
        env.store.set_module_param(env.module, "cluster", "default");
        const auto result = env.run("check_connection");
        INFO(result.out << result.err);
        CHECK(result.exit_code == 2);
        CHECK_THAT(result.out, Contains("oVirt has no cluster 'default'"));
        CHECK_THAT(result.out, Contains("the engine has: Default"));
    }
    SECTION("an empty cluster param") {
        env.store.set_module_param(env.module, "cluster", "");
        const auto result = env.run("check_connection");
        CHECK(result.exit_code == 2);
        CHECK_THAT(result.out, Contains("cluster"));
    }
}

TEST_CASE("pmovirt features lists its commands and params", "[ovirt]") {
    const auto result =
        pm::test::run({pm::test::module_path("pmovirt"), "--command", "features"}, {});
    REQUIRE(result.exit_code == 0);
    for (const char* name : {"check_connection", "features", "url", "username", "cluster"}) {
        CHECK_THAT(result.out, Contains(std::string("name=\"") + name + "\""));
    }
    CHECK_THAT(result.out, Contains("<param name=\"password\" crypted=\"yes\"/>"));
}
