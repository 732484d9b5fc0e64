// The console add-on in pmvmmgr6 end to end (the real binary against the VMmanager 6
// simulator): a console that is down or slow never fails open, suspend or close; the step is
// logged, left for console_sync (console_pending), and no secret reaches the log or the output.
#include <catch2/catch.hpp>

#include "pm/json.hpp"
#include "pm/store.hpp"

#include "support/fake_http.hpp"
#include "support/simulator.hpp"
#include "support/vmmgr6_sim.hpp"
#include "support/zabbix_sim.hpp"

using namespace pm;
using pm::test::Vmmgr6Env;
using pm::test::Vmmgr6Sim;

namespace {

constexpr const char* k_console_password = pm::test::ZabbixSim::k_admin_password;

void console_on(Vmmgr6Env& env, const std::string& url) {
    auto& store = env.store();
    store.set_module_param(env.module(), "console", "zabbix");
    store.set_module_param(env.module(), "console_url", url);
    store.set_module_param(env.module(), "console_username", "Admin");
    store.set_module_param(env.module(), "console_password", k_console_password);
    store.set_module_param(env.module(), "console_server_active", "127.0.0.1:10051");
    store.set_module_param(env.module(), "console_timeout", "1");
}

// `customer`: the customer's console password (the item's, unless given: close erases it).
void check_no_secret(Vmmgr6Env& env, const pm::test::ProcessResult& r, ItemId item,
                     std::string customer = {}) {
    const auto log = pm::test::read_file(env.log_file());
    if (customer.empty()) {
        customer = env.param(item, "console_user_password");
    }
    REQUIRE_FALSE(customer.empty());
    for (const auto& secret : {std::string(k_console_password), customer}) {
        CHECK(log.find(secret) == std::string::npos);
        CHECK(r.out.find(secret) == std::string::npos);
        CHECK(r.err.find(secret) == std::string::npos);
    }
}

} // namespace

TEST_CASE("pmvmmgr6 console: open, agent registration, suspend, resume and close on the "
          "Zabbix simulator",
          "[console]") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    const pm::test::ZabbixSim zabbix;
    console_on(env, zabbix.api_url());
    env.store().set_module_param(env.module(), "console_timeout", "60");
    const auto one = env.add_item({{"domain", "vps1.example.com"}, {"os", "debian 12"}});
    auto r = env.run("open", one);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(env.param(one, "console_pending").empty());
    CHECK(zabbix.password_matches("customer@example.com", env.param(one, "console_user_password")));
    CHECK(zabbix.field("usergroups", "pm-customer-1", "users_status") == "0");
    check_no_secret(env, r, one);

    // An agent with the customer's metadata joins their group; another token does not.
    const auto joined =
        zabbix.register_agent("vps-agent", "cust=" + env.param(one, "console_token"));
    CHECK(joined.root().at("registered").as_bool());
    CHECK(zabbix.sim().call("GET", "/__sim__/state", "").find("pm-customer-1") !=
          std::string::npos);
    const auto stranger = zabbix.register_agent("vps-stranger", "cust=somebody-else-entirely-00");
    CHECK_FALSE(stranger.root().at("registered").as_bool());

    r = env.run("suspend", one);
    REQUIRE(r.exit_code == 0);
    CHECK(zabbix.field("usergroups", "pm-customer-1", "users_status") == "1");
    CHECK(zabbix.field("actions", "pm-customer-1", "status") == "1");
    r = env.run("resume", one);
    REQUIRE(r.exit_code == 0);
    CHECK(zabbix.field("usergroups", "pm-customer-1", "users_status") == "0");
    CHECK(zabbix.field("actions", "pm-customer-1", "status") == "0");

    // A second service of the customer shares the console account.
    const auto two = env.add_item({{"domain", "vps2.example.com"}, {"os", "debian 12"}});
    REQUIRE(env.run("open", two).exit_code == 0);
    CHECK(zabbix.count("users", "username", "customer@example.com") == 1);
    CHECK(env.param(two, "console_user_password") == env.param(one, "console_user_password"));

    const auto password = env.param(one, "console_user_password");
    REQUIRE(env.run("close", one).exit_code == 0);
    CHECK(zabbix.count("users", "username", "customer@example.com") == 1);
    CHECK(zabbix.count("hostgroups", "name", "pm-customer-1") == 1);
    r = env.run("close", two);
    REQUIRE(r.exit_code == 0);
    CHECK(zabbix.count("users", "username", "customer@example.com") == 0);
    CHECK(zabbix.count("usergroups", "name", "pm-customer-1") == 0);
    CHECK(zabbix.count("hostgroups", "name", "pm-customer-1") == 0);
    CHECK(zabbix.count("actions", "name", "pm-customer-1") == 0);
    CHECK(zabbix.count("hosts", "host", "vps-agent") == 0);
    check_no_secret(env, r, two, password);
}

TEST_CASE("pmvmmgr6 console: a create whose reply was lost creates nothing twice on rerun",
          "[console]") {
    const auto method = GENERATE(as<std::string>{}, "hostgroup.create", "usergroup.create",
                                 "user.create", "action.create");
    CAPTURE(method);
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    const pm::test::ZabbixSim zabbix;
    console_on(env, zabbix.api_url());
    env.store().set_module_param(env.module(), "console_timeout", "60");
    (void)zabbix.sim().call("POST", "/__sim__/fault/act_then",
                            R"({"status":"drop","count":1,"prefix":"/api_jsonrpc.php/)" + method +
                                R"("})");
    const auto item = env.add_item({{"domain", "vps1.example.com"}, {"os", "debian 12"}});
    auto r = env.run("open", item);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(env.param(item, "console_pending") == "open");

    r = env.run_module("console_sync");
    REQUIRE(r.exit_code == 0);
    CHECK(env.param(item, "console_pending").empty());
    CHECK(zabbix.count("users", "username", "customer@example.com") == 1);
    CHECK(zabbix.count("usergroups", "name", "pm-customer-1") == 1);
    CHECK(zabbix.count("hostgroups", "name", "pm-customer-1") == 1);
    CHECK(zabbix.count("actions", "name", "pm-customer-1") == 1);
    CHECK(
        zabbix.password_matches("customer@example.com", env.param(item, "console_user_password")));
    const auto joined =
        zabbix.register_agent("vps-agent", "cust=" + env.param(item, "console_token"));
    CHECK(joined.root().at("registered").as_bool());
}

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
