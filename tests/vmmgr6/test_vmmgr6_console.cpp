// The console add-on in pmvmmgr6 end to end (the real binary against the VMmanager 6
// simulator): a console that is down or slow never fails open, suspend or close; the step is
// logged, left for console_sync (console_pending), and no secret reaches the log or the output.
// The [zabbix] scenario also runs on real Zabbix 6.0 (label real_zabbix): its checks go through
// the Zabbix API, the agent's registration only on the simulator.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "pm/json.hpp"
#include "pm/store.hpp"

#include "support/fake_http.hpp"
#include "support/simulator.hpp"
#include "support/vmmgr6_sim.hpp"
#include "support/zabbix_target.hpp"

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

// `field` of the `kind` object named `name` (the API's view), "absent" when there is none.
std::string field(const pm::test::ZabbixTarget& zabbix, std::string_view kind,
                  std::string_view name, std::string_view key) {
    const auto reply =
        zabbix.call(fmt::format("{}.get", kind),
                    fmt::format(R"({{"output":["{}"],"filter":{{"name":["{}"]}}}})", key, name));
    const auto list = reply.root().at("result");
    return list.size() == 0 ? "absent" : list.at(std::size_t{0}).at(key).as_string();
}

// The Zabbix simulator's state (GET /__sim__/state).
json::Document zabbix_state(const pm::test::Simulator& zabbix) {
    return json::parse(zabbix.call("GET", "/__sim__/state", ""), "zabbix state");
}

// How many of `list` (users, usergroups, hostgroups, actions, hosts) carry `key` = `value`.
int count(const pm::test::Simulator& zabbix, std::string_view list, std::string_view key,
          std::string_view value) {
    const auto state = zabbix_state(zabbix);
    int n = 0;
    for (const auto& entry : state.root().at(list).items()) {
        n += entry.at(key).as_string() == value ? 1 : 0;
    }
    return n;
}

bool password_matches(const pm::test::Simulator& zabbix, const std::string& user,
                      const std::string& password) {
    json::Writer body;
    body.begin_object().member("username", user).member("password", password).end_object();
    const auto reply =
        json::parse(zabbix.call("POST", "/__sim__/check_password", body.str()), "check_password");
    return reply.root().at("match").as_bool();
}

json::Document register_agent(const pm::test::Simulator& zabbix, const std::string& host,
                              const std::string& metadata) {
    (void)zabbix.call("POST", "/__sim__/cache/sync", "{}");
    json::Writer body;
    body.begin_object().member("host", host).member("metadata", metadata).end_object();
    return json::parse(zabbix.call("POST", "/__sim__/agent/register", body.str()), "register");
}

} // namespace

TEST_CASE("pmvmmgr6 console: open, agent registration, suspend, resume and close on Zabbix",
          "[console][zabbix]") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    const pm::test::ZabbixTarget zabbix(k_console_password);
    zabbix.forget_customer("pm-customer-1", "customer@example.com");
    console_on(env, zabbix.api_url());
    env.store().set_module_param(env.module(), "console_username", zabbix.username());
    env.store().set_module_param(env.module(), "console_password", zabbix.password());
    env.store().set_module_param(env.module(), "console_timeout", "60");
    const auto one = env.add_item({{"domain", "vps1.example.com"}, {"os", "debian 12"}});
    auto r = env.run("open", one);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(env.param(one, "console_pending").empty());
    CHECK(zabbix.login_ok("customer@example.com", env.param(one, "console_user_password")));
    CHECK(field(zabbix, "usergroup", "pm-customer-1", "users_status") == "0");
    check_no_secret(env, r, one);
    CHECK(r.out.find(zabbix.password()) == std::string::npos);

    if (!zabbix.real()) {
        // An agent with the customer's metadata joins their group; another token does not.
        const auto& z = zabbix.sim();
        const auto joined =
            register_agent(z, "vps-agent", "cust=" + env.param(one, "console_token"));
        CHECK(joined.root().at("registered").as_bool());
        CHECK(z.call("GET", "/__sim__/state", "").find("pm-customer-1") != std::string::npos);
        const auto stranger = register_agent(z, "vps-stranger", "cust=somebody-else-entirely-00");
        CHECK_FALSE(stranger.root().at("registered").as_bool());
    }

    r = env.run("suspend", one);
    REQUIRE(r.exit_code == 0);
    CHECK(field(zabbix, "usergroup", "pm-customer-1", "users_status") == "1");
    CHECK(field(zabbix, "action", "pm-customer-1", "status") == "1");
    CHECK_FALSE(zabbix.login_ok("customer@example.com", env.param(one, "console_user_password")));
    r = env.run("resume", one);
    REQUIRE(r.exit_code == 0);
    CHECK(field(zabbix, "usergroup", "pm-customer-1", "users_status") == "0");
    CHECK(field(zabbix, "action", "pm-customer-1", "status") == "0");

    // A second service of the customer shares the console account.
    const auto two = env.add_item({{"domain", "vps2.example.com"}, {"os", "debian 12"}});
    REQUIRE(env.run("open", two).exit_code == 0);
    CHECK(zabbix.count("user", "username", "customer@example.com") == 1);
    CHECK(env.param(two, "console_user_password") == env.param(one, "console_user_password"));

    const auto password = env.param(one, "console_user_password");
    REQUIRE(env.run("close", one).exit_code == 0);
    CHECK(zabbix.count("user", "username", "customer@example.com") == 1);
    CHECK(zabbix.count("hostgroup", "name", "pm-customer-1") == 1);
    r = env.run("close", two);
    REQUIRE(r.exit_code == 0);
    CHECK(zabbix.count("user", "username", "customer@example.com") == 0);
    CHECK(zabbix.count("usergroup", "name", "pm-customer-1") == 0);
    CHECK(zabbix.count("hostgroup", "name", "pm-customer-1") == 0);
    CHECK(zabbix.count("action", "name", "pm-customer-1") == 0);
    CHECK(zabbix.count("host", "host", "vps-agent") == 0);
    check_no_secret(env, r, two, password);
}

TEST_CASE("pmvmmgr6 console: a create whose reply was lost creates nothing twice on rerun",
          "[console]") {
    const auto method = GENERATE(as<std::string>{}, "hostgroup.create", "usergroup.create",
                                 "user.create", "action.create");
    CAPTURE(method);
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    const pm::test::Simulator zabbix("zabbix", {"--admin-password", k_console_password});
    console_on(env, zabbix.url() + "/api_jsonrpc.php");
    env.store().set_module_param(env.module(), "console_timeout", "60");
    (void)zabbix.call("POST", "/__sim__/fault/act_then",
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
    CHECK(count(zabbix, "users", "username", "customer@example.com") == 1);
    CHECK(count(zabbix, "usergroups", "name", "pm-customer-1") == 1);
    CHECK(count(zabbix, "hostgroups", "name", "pm-customer-1") == 1);
    CHECK(count(zabbix, "actions", "name", "pm-customer-1") == 1);
    CHECK(
        password_matches(zabbix, "customer@example.com", env.param(item, "console_user_password")));
    const auto joined =
        register_agent(zabbix, "vps-agent", "cust=" + env.param(item, "console_token"));
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
