// The console add-on in pmopenstack end to end (the real binary against the OpenStack
// simulator): with the console down, the VDC's open, suspend, resume and close succeed and
// leave the step to console_sync; vdc_vm_open gives the server cloud-init user data that
// registers zabbix-agent2 with the customer's token; no secret reaches the log or the output.
// The [zabbix] scenario also runs on real Zabbix 6.0 and real Keystone (label real_zabbix):
// the application credential minted on Keystone, pushed into the console's secret macros,
// working, rotated by console_sync and gone after close, its secret nowhere else.
#include <filesystem>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "pm/console.hpp"
#include "pm/http.hpp"
#include "pm/text.hpp"

#include "openstack_checks.hpp"
#include "pmopenstack/api/services.hpp"
#include "support/zabbix_target.hpp"

namespace pm::test {
namespace {

constexpr const char* k_console_password = "Zbx-c0nsole-Pa55word";

void check_no_secret(OpenStackEnv& env, const ProcessResult& r, ItemId item) {
    const auto log = read_file(env.log_file());
    for (const auto& secret : {std::string(k_console_password), std::string("Vdc-Secret-1"),
                               env.param(item, "console_user_password")}) {
        CHECK(log.find(secret) == std::string::npos);
        CHECK(r.out.find(secret) == std::string::npos);
    }
}

// The status of a Keystone login with an application credential.
long appcred_login(const OpenStackTarget& target, const std::string& id,
                   const std::string& secret) {
    json::Writer body;
    body.begin_object().key("auth").begin_object().key("identity").begin_object();
    body.key("methods").begin_array().value("application_credential").end_array();
    body.key("application_credential").begin_object().member("id", id).member("secret", secret);
    body.end_object().end_object().end_object().end_object();
    auto transport = http::make_curl_transport({});
    http::Request request;
    request.method = http::Method::post;
    request.url = target.access().auth_url + "/auth/tokens";
    request.body = body.str();
    request.headers.push_back({"Content-Type", "application/json"});
    return transport->perform(request, std::chrono::seconds(60)).status;
}

// `anywhere`: in no file the test's runs wrote (store, log, session cache) nor their output;
// `unlogged` (kept in the store by design: the console's and the customer's passwords): in no
// log nor output.
void check_nowhere(OpenStackEnv& env, const std::vector<std::string>& anywhere,
                   const std::vector<std::string>& unlogged,
                   const std::vector<ProcessResult>& runs) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(env.dir())) {
        if (!entry.is_regular_file()) {
            continue;
        }
        const auto content = read_file(entry.path());
        for (const auto& secret : anywhere) {
            INFO(entry.path());
            CHECK(content.find(secret) == std::string::npos);
        }
    }
    auto all = anywhere;
    all.insert(all.end(), unlogged.begin(), unlogged.end());
    const auto log = read_file(env.log_file());
    for (const auto& secret : all) {
        CHECK(log.find(secret) == std::string::npos);
        for (const auto& r : runs) {
            CHECK(r.out.find(secret) == std::string::npos);
            CHECK(r.err.find(secret) == std::string::npos);
        }
    }
}

// The application credentials of the VDC's user, by id.
std::vector<std::string> credentials(OpenStackEnv& env, ItemId item) {
    std::vector<std::string> ids;
    for (const auto& cred :
         openstack::api::app_credentials(env.admin(), env.param(item, "user_id"))) {
        ids.push_back(cred.id);
    }
    return ids;
}

} // namespace

TEST_CASE("pmopenstack console: a VDC's application credential reaches the console, rotates "
          "and goes with close",
          "[console][zabbix]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    const ZabbixTarget zabbix(k_console_password);
    zabbix.forget_customer("pm-customer-1", "customer@example.com");
    auto& store = env.store();
    store.set_module_param(env.module(), "console", "zabbix");
    store.set_module_param(env.module(), "console_url", zabbix.api_url());
    store.set_module_param(env.module(), "console_username", zabbix.username());
    store.set_module_param(env.module(), "console_password", zabbix.password());
    store.set_module_param(env.module(), "console_server_active", "127.0.0.1:10051");
    store.set_module_param(env.module(), "console_timeout", "120");
    const auto item = env.add_vdc();
    std::vector<ProcessResult> runs;
    runs.push_back(env.run("open", item));
    require_ok(runs.back());
    CHECK(env.param(item, "console_pending").empty());
    const auto first = env.param(item, "console_cred_id");
    REQUIRE_FALSE(first.empty());
    CHECK(credentials(env, item) == std::vector<std::string>{first});

    // The host sits in the customer's group; its macros are secret: Zabbix never shows them.
    const auto host = fmt::format("pm-vdc-{}", item.value());
    const auto hosts = zabbix.call("host.get", fmt::format(R"({{"output":["hostid"],)"
                                                           R"("selectGroups":["name"],)"
                                                           R"("filter":{{"host":["{}"]}}}})",
                                                           host));
    REQUIRE(hosts.root().at("result").size() == 1);
    const auto hostid = hosts.root().at("result").at(std::size_t{0}).at("hostid").as_string();
    CHECK(hosts.root()
              .at("result")
              .at(std::size_t{0})
              .at("groups")
              .at(std::size_t{0})
              .at("name")
              .as_string() == "pm-customer-1");
    const auto macros = zabbix.call(
        "usermacro.get", fmt::format(R"({{"output":"extend","hostids":["{}"]}})", hostid));
    REQUIRE(macros.root().at("result").size() == 3);
    for (const auto& macro : macros.root().at("result").items()) {
        CHECK(macro.at("type").as_string() == "1");
        CHECK_FALSE(macro.find("value").has_value());
    }
    CHECK(zabbix.secret_macro(host, "{$OPENSTACK.APP.CRED.ID}") == first);
    CHECK(zabbix.secret_macro(host, "{$OPENSTACK.AUTH.URL}") == target.access().auth_url);
    const auto secret = zabbix.secret_macro(host, "{$OPENSTACK.APP.CRED.SECRET}");
    CHECK(secret.size() == 86);
    // What the console holds logs in to Keystone.
    CHECK(appcred_login(target, first, secret) == 201);
    CHECK(zabbix.login_ok("customer@example.com", env.param(item, "console_user_password")));

    // console_sync: a new credential in the macros, the old one deleted in Keystone.
    runs.push_back(env.run_module("console_sync"));
    require_ok(runs.back());
    const auto second = env.param(item, "console_cred_id");
    CHECK(second != first);
    CHECK(credentials(env, item) == std::vector<std::string>{second});
    CHECK(zabbix.secret_macro(host, "{$OPENSTACK.APP.CRED.ID}") == second);
    const auto rotated = zabbix.secret_macro(host, "{$OPENSTACK.APP.CRED.SECRET}");
    CHECK(rotated != secret);
    CHECK(appcred_login(target, second, rotated) == 201);
    CHECK(appcred_login(target, first, secret) == 404);

    const auto password = env.param(item, "console_user_password");
    runs.push_back(env.run("close", item));
    require_ok(runs.back());
    CHECK(env.param(item, "console_pending").empty());
    CHECK(zabbix.count("host", "host", host) == 0);
    CHECK(zabbix.count("usergroup", "name", "pm-customer-1") == 0);
    CHECK(zabbix.count("user", "username", "customer@example.com") == 0);
    CHECK(appcred_login(target, second, rotated) == 404);
    check_nowhere(env, {secret, rotated}, {password, zabbix.password()}, runs);
    // Zabbix's own audit log of those calls masks them too.
    const auto audit = zabbix.recent_audit();
    for (const auto& value : {secret, rotated, password}) {
        CHECK(audit.find(value) == std::string::npos);
    }
}

TEST_CASE("pmopenstack console: a console that is down never fails the VDC's operations",
          "[console]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    auto& store = env.store();
    store.set_module_param(env.module(), "console", "zabbix");
    store.set_module_param(env.module(), "console_url", "http://127.0.0.1:1/api_jsonrpc.php");
    store.set_module_param(env.module(), "console_username", "Admin");
    store.set_module_param(env.module(), "console_password", k_console_password);
    store.set_module_param(env.module(), "console_server_active", "127.0.0.1:10051");
    const auto item = env.add_vdc();
    (void)open_vdc(env, item);
    CHECK(env.param(item, "console_pending") == "open");
    CHECK(env.param(item, "console_token").size() == 24);

    const auto network = open_object(env, item, "network", {{"cidr", "10.1.0.0/24"}});
    const auto vm = env.add_object(
        item, "vm",
        {{"flavor", "m1.tiny"}, {"image", "cirros"}, {"network", std::to_string(network.value())}});
    const auto r = env.run_object("vdc_vm_open", vm);
    require_ok(r);
    // The agent's settings travel base64-encoded in the server's user_data.
    const auto expected = base64(
        console::cloud_init({"127.0.0.1:10051", "cust=" + env.param(item, "console_token")}));
    CHECK(read_file(env.log_file()).find(expected) != std::string::npos);
    check_no_secret(env, r, item);

    require_ok(env.run("suspend", item));
    CHECK(env.param(item, "console_pending") == "suspend");
    require_ok(env.run("resume", item));
    CHECK(env.param(item, "console_pending") == "resume");
    const auto closed = env.run("close", item);
    require_ok(closed);
    CHECK(env.status(item) == store::ItemStatus::closed);
    CHECK(env.param(item, "console_pending") == "close");
    check_no_secret(env, closed, item);
}

} // namespace pm::test
