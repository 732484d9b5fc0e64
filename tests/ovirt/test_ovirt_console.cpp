// The console add-on in pmovirt end to end (the real binary against the oVirt and Zabbix
// simulators): open makes the customer's console account and gives the VM cloud-init user data
// (custom_script) with which its agent registers itself into the customer's host group;
// suspend, resume and close set and remove the customer's access; a console that is down or
// slow never fails an operation, and console_sync later makes the account the VM's agent
// registers with. No secret reaches the log or the output.
#include <string>

#include <catch2/catch.hpp>

#include "pm/console.hpp"
#include "pm/json.hpp"

#include "support/fake_http.hpp"
#include "support/ovirt_env.hpp"
#include "support/zabbix_sim.hpp"

namespace {

using Catch::Matchers::Contains;
using pm::store::ItemStatus;
using pm::test::OvirtEnv;
using pm::test::ZabbixSim;

constexpr const char* k_root_password = "Root-Pass-5512";
constexpr const char* k_server_active = "127.0.0.1:10051";
constexpr const char* k_customer = "customer@example.com";
constexpr const char* k_group = "pm-customer-1";

void console_on(OvirtEnv& env, const std::string& url, const std::string& timeout) {
    auto& store = env.store();
    const pm::ParamMap params{{"ipv4_range", "203.0.113.10-203.0.113.20"},
                              {"ipv4_prefix", "24"},
                              {"console", "zabbix"},
                              {"console_url", url},
                              {"console_username", "Admin"},
                              {"console_password", ZabbixSim::k_admin_password},
                              {"console_server_active", k_server_active},
                              {"console_timeout", timeout}};
    for (const auto& [name, value] : params) {
        store.set_module_param(env.module(), name, value);
    }
}

pm::ItemId order(OvirtEnv& env, const std::string& domain) {
    return env.add_item({{"os", "debian12"}, {"password", k_root_password}, {"domain", domain}});
}

void require_done(const pm::test::ProcessResult& result) {
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
}

// The custom_script the VM's first boot applied (its cloud-init user data).
std::string first_boot_script(const OvirtEnv& env, const std::string& vm_id) {
    const auto boots = env.control("GET", "/__sim__/vms/" + vm_id + "/boots");
    const auto list = boots.root().at("boots");
    REQUIRE(list.size() == 1);
    const auto init = list.at(std::size_t{0}).at("initialization");
    const auto script = init.find("custom_script");
    return script ? script->as_string() : std::string{};
}

// The HostMetadata line of an agent configured by `script`.
std::string metadata_of(const std::string& script) {
    const std::string key = "HostMetadata=";
    const auto at = script.find(key);
    REQUIRE(at != std::string::npos);
    return script.substr(at + key.size(), script.find('\n', at) - at - key.size());
}

// Neither the console's password, the customer's nor the VM's root password is in the log
// or in what the module printed.
void check_no_secret(const OvirtEnv& env, const pm::test::ProcessResult& r,
                     const std::string& customer_password) {
    REQUIRE(customer_password.size() >= 12);
    const auto all = r.out + r.err + env.log();
    for (const auto& secret : {std::string(ZabbixSim::k_admin_password), customer_password,
                               std::string(k_root_password)}) {
        CHECK_THAT(all, !Contains(secret));
    }
}

} // namespace

TEST_CASE("pmovirt console: open makes the customer's account and a VM whose agent registers "
          "itself, suspend and resume set access, close removes it",
          "[ovirt][ovirt_e2e][console]") {
    OvirtEnv env;
    const ZabbixSim zabbix;
    console_on(env, zabbix.api_url(), "60");
    const auto one = order(env, "vps1.example.com");
    auto r = env.run("open", one);
    require_done(r);
    CHECK(env.status(one) == ItemStatus::active);
    CHECK(env.param(one, "console_pending").empty());
    CHECK(env.param(one, "console_login") == k_customer);
    const auto password = env.param(one, "console_user_password");
    CHECK(zabbix.password_matches(k_customer, password));
    CHECK(zabbix.field("usergroups", "pm-customer-1", "users_status") == "0");
    CHECK(zabbix.count("hostgroups", "name", "pm-customer-1") == 1);
    check_no_secret(env, r, password);

    // The VM's user data is the add-on's one cloud-init, with the customer's token.
    const auto token = env.param(one, "console_token");
    REQUIRE(token.size() == 24);
    const auto script = first_boot_script(env, env.param(one, "vm_id"));
    CHECK(script == pm::console::cloud_init({k_server_active, "cust=" + token}));
    CHECK_THAT(script, Contains(std::string("ServerActive=") + k_server_active + "\n"));

    // Its agent joins the customer's group; an agent with another token does not.
    const auto joined = zabbix.register_agent("vps1", metadata_of(script));
    CHECK(joined.root().at("registered").as_bool());
    CHECK_THAT(zabbix.host_groups("vps1"), Catch::Matchers::VectorContains(std::string(k_group)));
    const auto stranger = zabbix.register_agent("stranger", "cust=somebody-else-entirely-00");
    CHECK_FALSE(stranger.root().at("registered").as_bool());

    r = env.run("suspend", one);
    require_done(r);
    CHECK(env.status(one) == ItemStatus::suspended);
    CHECK(zabbix.field("usergroups", "pm-customer-1", "users_status") == "1");
    CHECK(zabbix.field("actions", "pm-customer-1", "status") == "1");
    r = env.run("resume", one);
    require_done(r);
    CHECK(zabbix.field("usergroups", "pm-customer-1", "users_status") == "0");
    CHECK(zabbix.field("actions", "pm-customer-1", "status") == "0");
    CHECK(env.param(one, "console_pending").empty());

    // A second VPS of the customer shares the account and the token; closing one keeps both.
    const auto two = order(env, "vps2.example.com");
    require_done(env.run("open", two));
    CHECK(env.param(two, "console_token") == token);
    CHECK(zabbix.count("users", "username", k_customer) == 1);
    require_done(env.run("close", one));
    CHECK(zabbix.count("users", "username", k_customer) == 1);
    CHECK(zabbix.count("actions", "name", "pm-customer-1") == 1);

    r = env.run("close", two);
    require_done(r);
    CHECK(env.status(two) == ItemStatus::closed);
    CHECK(zabbix.count("users", "username", k_customer) == 0);
    CHECK(zabbix.count("usergroups", "name", "pm-customer-1") == 0);
    CHECK(zabbix.count("hostgroups", "name", "pm-customer-1") == 0);
    CHECK(zabbix.count("actions", "name", "pm-customer-1") == 0);
    CHECK(zabbix.count("hosts", "host", "vps1") == 0);
    check_no_secret(env, r, password);
}

TEST_CASE("pmovirt console: the add-on off gives the VM no agent user data", "[ovirt][console]") {
    OvirtEnv env;
    console_on(env, "http://127.0.0.1:1/api_jsonrpc.php", "1");
    env.store().set_module_param(env.module(), "console", "off");
    const auto item = order(env, "vps1.example.com");
    require_done(env.run("open", item));
    CHECK(first_boot_script(env, env.param(item, "vm_id")).empty());
    CHECK(env.param(item, "console_token").empty());
    CHECK(env.param(item, "console_pending").empty());
}

TEST_CASE("pmovirt console: a console down or slow never fails open, suspend, resume or close, "
          "console_sync makes the account the VM's agent registers with",
          "[ovirt][console]") {
    const auto mode = GENERATE(as<std::string>{}, "down", "slow");
    CAPTURE(mode);
    OvirtEnv env;
    pm::test::FakeHttp slow;
    console_on(env,
               mode == "down" ? "http://127.0.0.1:1/api_jsonrpc.php" : slow.url("/slow?ms=5000"),
               "1");
    const auto item = order(env, "vps1.example.com");
    auto r = env.run("open", item);
    require_done(r);
    CHECK(env.status(item) == ItemStatus::active);
    CHECK(env.param(item, "console_pending") == "open");
    CHECK_THAT(env.log(), Contains("console: open of item"));
    // The VM still carries the agent's settings: the token was saved before the console.
    const auto token = env.param(item, "console_token");
    REQUIRE(token.size() == 24);
    const auto script = first_boot_script(env, env.param(item, "vm_id"));
    CHECK(metadata_of(script) == "cust=" + token);
    const auto password = env.param(item, "console_user_password");
    check_no_secret(env, r, password);

    require_done(env.run("suspend", item));
    CHECK(env.status(item) == ItemStatus::suspended);
    CHECK(env.param(item, "console_pending") == "suspend");
    require_done(env.run("resume", item));
    CHECK(env.status(item) == ItemStatus::active);
    CHECK(env.param(item, "console_pending") == "resume");

    // Still down: console_sync is a temporary failure (exit 3), retried next run.
    r = env.run_module("console_sync");
    CHECK(r.exit_code == 3);
    CHECK(env.param(item, "console_pending") == "resume");

    SECTION("the console back: console_sync makes the account, the agent registers") {
        const ZabbixSim zabbix;
        env.store().set_module_param(env.module(), "console_url", zabbix.api_url());
        r = env.run_module("console_sync");
        require_done(r);
        CHECK(env.param(item, "console_pending").empty());
        CHECK(zabbix.password_matches(k_customer, password));
        CHECK(zabbix.field("usergroups", "pm-customer-1", "users_status") == "0");
        const auto joined = zabbix.register_agent("vps1", metadata_of(script));
        CHECK(joined.root().at("registered").as_bool());
        CHECK_THAT(zabbix.host_groups("vps1"),
                   Catch::Matchers::VectorContains(std::string(k_group)));
        check_no_secret(env, r, password);
    }
    SECTION("closed while down: the close is left for console_sync") {
        r = env.run("close", item);
        require_done(r);
        CHECK(env.status(item) == ItemStatus::closed);
        CHECK(env.param(item, "console_pending") == "close");
        CHECK_THAT(env.log(), Contains("console: close of item"));
        check_no_secret(env, r, password);
    }
}
