// The console add-on in pmvmmgr6 end to end (the real binary against the VMmanager 6
// simulator): a console that is down or slow never fails open, suspend or close; the step is
// logged, left for console_sync (console_pending), and no secret reaches the log or the output.
#include <catch2/catch.hpp>

#include "pm/store.hpp"

#include "support/fake_http.hpp"
#include "support/vmmgr6_sim.hpp"

using namespace pm;
using pm::test::Vmmgr6Env;
using pm::test::Vmmgr6Sim;

namespace {

constexpr const char* k_console_password = "Zbx-c0nsole-Pa55word";

void console_on(Vmmgr6Env& env, const std::string& url) {
    auto& store = env.store();
    store.set_module_param(env.module(), "console", "zabbix");
    store.set_module_param(env.module(), "console_url", url);
    store.set_module_param(env.module(), "console_username", "Admin");
    store.set_module_param(env.module(), "console_password", k_console_password);
    store.set_module_param(env.module(), "console_server_active", "127.0.0.1:10051");
    store.set_module_param(env.module(), "console_timeout", "1");
}

void check_no_secret(Vmmgr6Env& env, const pm::test::ProcessResult& r, ItemId item) {
    const auto log = pm::test::read_file(env.log_file());
    const auto customer = env.param(item, "console_user_password");
    for (const auto& secret : {std::string(k_console_password), customer}) {
        CHECK(log.find(secret) == std::string::npos);
        CHECK(r.out.find(secret) == std::string::npos);
        CHECK(r.err.find(secret) == std::string::npos);
    }
}

} // namespace

TEST_CASE("pmvmmgr6 console: a console down or slow never fails open, suspend or close",
          "[console]") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    pm::test::FakeHttp slow;
    SECTION("down") {
        console_on(env, "http://127.0.0.1:1/api_jsonrpc.php");
    }
    SECTION("slow") {
        console_on(env, slow.url("/slow?ms=5000"));
    }
    const auto item = env.add_item({{"domain", "vps1.example.com"}, {"os", "debian 12"}});

    auto r = env.run("open", item);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(env.status(item) == store::ItemStatus::active);
    CHECK(env.param(item, "console_pending") == "open");
    // What the agent and the customer need exists before the console answers.
    CHECK(env.param(item, "console_token").size() == 24);
    CHECK(env.param(item, "console_user_password").size() == 20);
    CHECK(env.param(item, "console_login") == "customer@example.com");
    check_no_secret(env, r, item);

    r = env.run("suspend", item);
    REQUIRE(r.exit_code == 0);
    CHECK(env.status(item) == store::ItemStatus::suspended);
    CHECK(env.param(item, "console_pending") == "suspend");

    r = env.run("close", item);
    REQUIRE(r.exit_code == 0);
    CHECK(env.status(item) == store::ItemStatus::closed);
    CHECK(env.param(item, "console_pending") == "close");
    check_no_secret(env, r, item);
    const auto log = pm::test::read_file(env.log_file());
    CHECK(log.find("console: open of item") != std::string::npos);
    CHECK(log.find("console: close of item") != std::string::npos);

    // console_sync finds the console still down: a temporary failure, retried next run.
    r = env.run_module("console_sync");
    CHECK(r.exit_code == 3);
    CHECK(r.out.find("console_sync: 1 of 1 services failed") != std::string::npos);
    CHECK(env.param(item, "console_pending") == "close");
}

TEST_CASE("pmvmmgr6 console: off by default, a bad console value is a config error", "[console]") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    const auto item = env.add_item({{"domain", "vps1.example.com"}, {"os", "debian 12"}});
    auto r = env.run_module("console_sync");
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("console is off") != std::string::npos);
    env.store().set_module_param(env.module(), "console", "nagios");
    r = env.run_module("console_sync");
    CHECK(r.exit_code == 2);
    CHECK(env.param(item, "console_token").empty());
}
