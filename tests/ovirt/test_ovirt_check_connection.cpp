// pmovirt's first commands end to end: the binary against the oVirt simulator (tests/sim/ovirt)
// with a scratch billing store, run the way a billing platform runs it.
#include <cstdint>
#include <string>

#include <catch2/catch.hpp>

#include "pm/json.hpp"
#include "pm/store.hpp"

#include "support/ovirt_env.hpp"

namespace {

using Catch::Matchers::Contains;
using pm::test::OvirtEnv;

constexpr const char* k_admin_password = "Engine-Secret-7"; // the shared OvirtEnv's
constexpr const char* k_cluster_id = "5a1d0000-0000-4000-8000-000000000002";

std::int64_t logins(const pm::test::OvirtEnv& env) {
    return env.control("GET", "/__sim__/state").root().at("logins").as_int64();
}

} // namespace

TEST_CASE("pmovirt check_connection: logs in, reads the engine's version, finds the cluster",
          "[ovirt][ovirt_e2e]") {
    OvirtEnv env;
    auto result = env.run_module("check_connection");
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    const auto reply = pm::json::parse(result.out, "check_connection output");
    CHECK(reply.root().at("cluster").as_string() == "Default");
    CHECK(reply.root().at("user").as_string() == "admin@internal");
    CHECK_FALSE(reply.root().at("engine").as_string().empty());
    CHECK(logins(env) == 1);

    SECTION("the token is kept: a second run does not log in again") {
        REQUIRE(env.run_module("check_connection").exit_code == 0);
        CHECK(logins(env) == 1);
    }
    SECTION("a token the engine forgot (engine restart): one new login, then success") {
        CHECK_THAT(env.sim().call("POST", "/__sim__/tokens/expire", "{}"), Contains("expired"));
        const auto again = env.run_module("check_connection");
        INFO(again.out << again.err);
        CHECK(again.exit_code == 0);
        CHECK(logins(env) == 2);
    }
    SECTION("the cluster by id") {
        env.store().set_module_param(env.module(), "cluster", k_cluster_id);
        const auto by_id = env.run_module("check_connection");
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
        env.store().set_module_param(env.module(), "password", "Wrong-Secret-9");
        const auto result = env.run_module("check_connection");
        INFO(result.out << result.err);
        CHECK(result.exit_code == 2);
        CHECK_THAT(result.out, Contains("cannot log in to oVirt as admin@internal"));
        CHECK_THAT(result.out + result.err + env.log(), !Contains("Wrong-Secret-9"));
    }
    SECTION("a cluster the engine does not have, matched exactly (not case-insensitively)") {
        env.store().set_module_param(env.module(), "cluster", "default");
        const auto result = env.run_module("check_connection");
        INFO(result.out << result.err);
        CHECK(result.exit_code == 2);
        CHECK_THAT(result.out, Contains("oVirt has no cluster 'default'"));
        CHECK_THAT(result.out, Contains("the engine has: Default"));
    }
    SECTION("an empty cluster param") {
        env.store().set_module_param(env.module(), "cluster", "");
        const auto result = env.run_module("check_connection");
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
