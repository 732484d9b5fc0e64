// The console add-on's steps (pm/console.hpp) and the Zabbix JSON-RPC client (pm/zabbix.hpp)
// in process over the Zabbix simulator (support/zabbix_sim.hpp, checked against real Zabbix
// 6.0.14): each step once, its rerun after a lost reply, suspend/resume, close with one or two
// services, rotation, sessions, and no secret in the store, in what pm sends unredacted, or in
// what Zabbix gives back. The cloud side is a fake credential feed.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "pm/console.hpp"
#include "pm/coordination.hpp"
#include "pm/errors.hpp"
#include "pm/redact.hpp"
#include "pm/store.hpp"

#include "support/process.hpp"
#include "support/test_store.hpp"
#include "support/zabbix_sim.hpp"

using namespace std::chrono_literals;

namespace {

// A credential source that mints "cred-<n>" with secret "s3cret-<n>-…" and records retirements.
class FakeFeed : public pm::console::CredentialFeed {
public:
    explicit FakeFeed(std::string host) : m_host(std::move(host)) {}
    [[nodiscard]] std::string host_name() const override { return m_host; }
    [[nodiscard]] pm::console::Credential mint() const override {
        const auto n = ++minted;
        const auto id = fmt::format("cred-{}", n);
        live.push_back(id);
        return {id,
                {{"{$CLOUD.AUTH.URL}", "http://127.0.0.1:5000/v3"},
                 {"{$CLOUD.CRED.ID}", id},
                 {"{$CLOUD.CRED.SECRET}", secret(n)}}};
    }
    void retire_except(std::string_view keep) const override {
        std::vector<std::string> kept;
        for (const auto& id : live) {
            if (id == keep) {
                kept.push_back(id);
            }
        }
        live = kept;
    }
    static std::string secret(int n) { return fmt::format("s3cret-{}-Zq8vN2kLpW4xR7tY", n); }

    mutable int minted = 0;
    mutable std::vector<std::string> live;

private:
    std::string m_host;
};

// The requests pm sends, as it sends them (before any redaction), on their way to Zabbix.
class Tap : public pm::http::Transport {
public:
    pm::http::Response perform(const pm::http::Request& request,
                               std::chrono::milliseconds timeout) override {
        sent += request.body + "\n";
        last = request.body;
        return m_inner->perform(request, timeout);
    }
    std::string sent;
    std::string last;

private:
    std::unique_ptr<pm::http::Transport> m_inner = pm::http::make_curl_transport({});
};

pm::http::ClientOptions no_sleep() {
    pm::http::ClientOptions o;
    o.sleep = [](std::chrono::milliseconds) {};
    return o;
}

constexpr const char* k_customer = "ann@example.com";
constexpr const char* k_name = "pm-customer-1";

struct Fixture {
    Fixture() : url(pm::test::store_url(dir.path())), store(pm::store::Store::open(url)) {
        module = store.create_module({.name = "m", .type = "pmopenstack"});
        store.set_module_param(module, "console", "zabbix");
        account = store.create_account("customer", k_customer);
        pricelist = store.create_pricelist("vdc", "vdc");
    }

    pm::ItemId add_item(pm::store::ItemStatus status = pm::store::ItemStatus::active) {
        pm::store::NewItem item;
        item.account_id = account;
        item.module_id = module;
        item.pricelist_id = pricelist;
        item.type = "vdc";
        item.status = status;
        return store.create_item(item);
    }

    pm::console::Target target(pm::ItemId id) {
        const auto item = *store.find_item(id);
        return pm::console::Target{
            item, k_customer, store.item_params(id),
            [this, id](std::string_view n, std::string_view v) { store.set_item_param(id, n, v); },
            [this, id](std::string_view n) { store.erase_item_param(id, n); }};
    }

    std::string param(pm::ItemId id, std::string_view name) {
        return store.item_params(id).get_or(name, "");
    }

    // How many objects of the customer's kind `list` Zabbix holds.
    int count(std::string_view list) const {
        if (list == "users") {
            return zabbix.count(list, "username", k_customer);
        }
        if (list == "hosts") {
            return zabbix.count(list, "host", "Zabbix server") == 1
                       ? static_cast<int>(zabbix.state().root().at("hosts").size()) - 1
                       : -1;
        }
        return zabbix.count(list, "name", k_name);
    }

    pm::test::TempDir dir;
    std::string url;
    pm::store::Store store;
    pm::ModuleId module;
    pm::AccountId account;
    pm::PricelistId pricelist;
    pm::test::ZabbixSim zabbix;
    Tap tap;
    pm::http::Client http{tap, no_sleep()};
    pm::SessionCache sessions{dir.path() / "cache", zabbix.api_url(), "Admin", 3600s};
    pm::Deadline deadline = pm::Deadline::after(60s);
    pm::zabbix::Client api{
        http, zabbix.api_url(),
        pm::zabbix::Credentials{"Admin", pm::test::ZabbixSim::k_admin_password, ""}, &sessions,
        deadline};
    pm::console::Steps steps{api, store, ""};
};

} // namespace

TEST_CASE("console: open creates the customer's groups, user and registration action once",
          "[console]") {
    Fixture f;
    const auto item = f.add_item();
    auto t = f.target(item);
    const auto report = f.steps.open(t, nullptr);
    CHECK(report.created.size() == 4);

    const auto group = f.zabbix.id_of("hostgroups", "name", k_name, "groupid");
    REQUIRE_FALSE(group.empty());
    CHECK(f.count("usergroups") == 1);
    CHECK(f.count("users") == 1);
    CHECK(f.zabbix.password_matches(k_customer, f.param(item, "console_user_password")));
    CHECK(f.param(item, "console_user_password").size() == 20);
    CHECK(f.param(item, "console_login") == k_customer);
    CHECK(f.zabbix.action_conditions(k_name) == "cust=" + f.param(item, "console_token"));
    CHECK(f.zabbix.id_of("actions", "name", k_name, "eventsource") == "2");
    // The rights and the add-to-group operation name the customer's host group.
    CHECK(f.zabbix.rights(k_name) == group + ":3");
    CHECK(f.zabbix.operations(k_name) == "2,4:" + group);

    const auto before = f.zabbix.creates();
    auto again = f.target(item);
    CHECK(f.steps.open(again, nullptr).created.empty());
    CHECK(f.zabbix.creates() == before);
    CHECK(f.count("users") == 1);
}

TEST_CASE("console: a template named by console_template is linked by the action", "[console]") {
    Fixture f;
    const pm::console::Steps steps{f.api, f.store, "Linux by Zabbix agent"};
    const auto item = f.add_item();
    auto t = f.target(item);
    (void)steps.open(t, nullptr);
    const auto group = f.zabbix.id_of("hostgroups", "name", k_name, "groupid");
    CHECK(f.zabbix.operations(k_name) == "2,4:" + group + ",6:10001");

    auto other = f.target(f.add_item());
    const pm::console::Steps bad{f.api, f.store, "No such template"};
    f.zabbix.remove("action", f.zabbix.id_of("actions", "name", k_name, "actionid"));
    CHECK_THROWS_AS(bad.open(other, nullptr), pm::ConfigError);
}

TEST_CASE("console: each create rerun after a lost reply creates nothing twice", "[console]") {
    const auto method = GENERATE(as<std::string>{}, "hostgroup.create", "usergroup.create",
                                 "user.create", "action.create", "host.create");
    CAPTURE(method);
    Fixture f;
    const auto item = f.add_item();
    const FakeFeed feed("pm-vdc-1");
    f.zabbix.drop_reply(method);
    auto first = f.target(item);
    CHECK_THROWS_AS(f.steps.open(first, &feed), pm::TransportError);
    auto rerun = f.target(item);
    (void)f.steps.open(rerun, &feed);

    for (const auto* list : {"hostgroups", "usergroups", "users", "actions", "hosts"}) {
        CHECK(f.count(list) == 1);
    }
    CHECK(f.zabbix.macros() == 3);
    // What the customer is shown is what the console holds.
    CHECK(f.zabbix.password_matches(k_customer, f.param(item, "console_user_password")));
    CHECK(f.zabbix.action_conditions(k_name) == "cust=" + f.param(item, "console_token"));
    // One credential lives, the one the host carries.
    REQUIRE(feed.live.size() == 1);
    CHECK(f.param(item, "console_cred_id") == feed.live.front());
    CHECK(f.zabbix.macro_value("{$CLOUD.CRED.ID}") == feed.live.front());
}

TEST_CASE("console: rotation pushes a new credential and retires the old one", "[console]") {
    Fixture f;
    const auto item = f.add_item();
    const FakeFeed feed("pm-vdc-1");
    auto t = f.target(item);
    (void)f.steps.open(t, &feed);
    CHECK(f.param(item, "console_cred_id") == "cred-1");

    auto again = f.target(item);
    f.steps.rotate(again, feed);
    CHECK(f.param(item, "console_cred_id") == "cred-2");
    CHECK(feed.live == std::vector<std::string>{"cred-2"});
    CHECK(f.zabbix.macros() == 3);
    CHECK(f.zabbix.macro_value("{$CLOUD.CRED.SECRET}") == FakeFeed::secret(2));
    CHECK(f.zabbix.calls("usermacro.update") == 3);

    SECTION("the secret is in no store row and never comes back from Zabbix") {
        pm::test::RawDb db(f.url);
        const auto rows = db.rows("SELECT item_id, name, value FROM itemparam");
        CHECK(rows.size() >= 4);
        for (const auto& row : rows) {
            CHECK(row.find("s3cret-") == std::string::npos);
        }
        const auto reply = f.api.call("usermacro.get", [](pm::json::Writer& w) {
            w.begin_object().member("output", "extend").end_object();
        });
        CHECK(reply.view().size() == 3);
        for (const auto& macro : reply.view().items()) {
            CHECK_FALSE(macro.find("value").has_value());
        }
        // The secrets went to Zabbix, and a log of what was sent would mask them.
        CHECK(f.tap.sent.find(FakeFeed::secret(2)) != std::string::npos);
        CHECK(pm::redact(f.tap.sent).find("s3cret-") == std::string::npos);
    }
}

TEST_CASE("console: suspend disables access unless another service is active", "[console]") {
    Fixture f;
    const auto first = f.add_item();
    auto t = f.target(first);
    (void)f.steps.open(t, nullptr);
    const auto usergroup = [&] { return f.zabbix.field("usergroups", k_name, "users_status"); };
    const auto action = [&] { return f.zabbix.field("actions", k_name, "status"); };

    SECTION("the only service") {
        f.steps.suspend(f.target(first));
        CHECK(usergroup() == "1");
        CHECK(action() == "1");
        f.steps.resume(f.target(first));
        CHECK(usergroup() == "0");
        CHECK(action() == "0");
    }
    SECTION("another active service of the customer keeps the console open") {
        (void)f.add_item(pm::store::ItemStatus::active);
        f.steps.suspend(f.target(first));
        CHECK(usergroup() == "0");
        CHECK(action() == "0");
    }
    SECTION("a suspended sibling does not keep it open") {
        (void)f.add_item(pm::store::ItemStatus::suspended);
        f.steps.suspend(f.target(first));
        CHECK(usergroup() == "1");
    }
}

TEST_CASE("console: a customer with two services closing one keeps the account", "[console]") {
    Fixture f;
    const auto one = f.add_item();
    const auto two = f.add_item();
    const FakeFeed feed_one("pm-vdc-1");
    const FakeFeed feed_two("pm-vdc-2");
    auto t1 = f.target(one);
    (void)f.steps.open(t1, &feed_one);
    auto t2 = f.target(two);
    (void)f.steps.open(t2, &feed_two);
    // One customer, one account: the second service shares the user and its password.
    CHECK(f.count("users") == 1);
    CHECK(f.param(two, "console_user_password") == f.param(one, "console_user_password"));
    CHECK(f.param(two, "console_token") == f.param(one, "console_token"));
    CHECK(f.count("hosts") == 2);
    // An agent registers itself into the customer's group.
    const auto joined =
        f.zabbix.register_agent("vm-of-ann", "cust=" + f.param(one, "console_token"));
    CHECK(joined.root().at("registered").as_bool());
    CHECK(f.count("hosts") == 3);

    f.store.set_item_status(one, pm::store::ItemStatus::closed);
    auto c1 = f.target(one);
    f.steps.close(c1, &feed_one);
    CHECK(f.zabbix.count("hosts", "host", "pm-vdc-1") == 0);
    CHECK(feed_one.live.empty());
    CHECK(f.count("users") == 1);
    CHECK(f.count("hosts") == 2);
    CHECK(f.zabbix.macros() == 3);

    f.store.set_item_status(two, pm::store::ItemStatus::closed);
    auto c2 = f.target(two);
    f.steps.close(c2, &feed_two);
    for (const auto* list : {"hostgroups", "usergroups", "users", "actions", "hosts"}) {
        CHECK(f.count(list) == 0);
    }
    CHECK(f.zabbix.macros() == 0);
    CHECK(f.param(two, "console_user_password").empty());
    // A second close of what is gone succeeds.
    auto c3 = f.target(two);
    f.steps.close(c3, &feed_two);
}

TEST_CASE("console: zabbix client logs in once, again on an expired session", "[console]") {
    Fixture f;
    const auto item = f.add_item();
    auto t = f.target(item);
    (void)f.steps.open(t, nullptr);
    CHECK(f.zabbix.calls("user.login") == 1);
    f.zabbix.expire_sessions();
    f.steps.resume(f.target(item));
    CHECK(f.zabbix.calls("user.login") == 2);
    // The console password and the session never reach a log line.
    CHECK(f.tap.sent.find(pm::test::ZabbixSim::k_admin_password) != std::string::npos);
    CHECK(pm::redact(f.tap.sent).find(pm::test::ZabbixSim::k_admin_password) == std::string::npos);
}

TEST_CASE("console: zabbix client errors carry Zabbix's message, tokens skip the login",
          "[console]") {
    Fixture f;
    SECTION("a wrong password is an ApiError, not a loop of logins") {
        pm::zabbix::Client bad{f.http, f.zabbix.api_url(),
                               pm::zabbix::Credentials{"Admin", "wrong-pass", ""}, &f.sessions,
                               f.deadline};
        try {
            (void)bad.call("hostgroup.get",
                           [](pm::json::Writer& w) { w.begin_object().end_object(); });
            FAIL("no error");
        } catch (const pm::ApiError& e) {
            CHECK(std::string(e.what()).find("Incorrect user name or password") !=
                  std::string::npos);
            CHECK(std::string(e.what()).find("wrong-pass") == std::string::npos);
        }
        CHECK(f.zabbix.calls("user.login") == 1);
    }
    SECTION("a duplicate name is recognised") {
        const auto make = [&] {
            (void)f.api.call("hostgroup.create", [](pm::json::Writer& w) {
                w.begin_object().member("name", "x").end_object();
            });
        };
        make();
        try {
            make();
            FAIL("no error");
        } catch (const pm::ApiError& e) {
            CHECK(pm::zabbix::is_duplicate(e));
            CHECK(std::string(e.what()).find("code -32602") != std::string::npos);
        }
    }
    SECTION("an API token goes in auth, no login") {
        pm::zabbix::Client token{f.http, f.zabbix.api_url(),
                                 pm::zabbix::Credentials{"", "", "tok-abcdef-123456"}, nullptr,
                                 f.deadline};
        CHECK_THROWS_AS(
            token.call("hostgroup.get", [](pm::json::Writer& w) { w.begin_object().end_object(); }),
            pm::AuthError);
        CHECK(f.zabbix.calls("user.login") == 0);
        CHECK(f.tap.last.find(R"("auth":"tok-abcdef-123456")") != std::string::npos);
    }
    SECTION("a console that is down is a TransportError") {
        pm::zabbix::Client down{f.http, "http://127.0.0.1:1/api_jsonrpc.php",
                                pm::zabbix::Credentials{"Admin", "zabbix", ""}, &f.sessions,
                                f.deadline};
        CHECK_THROWS_AS(
            down.call("hostgroup.get", [](pm::json::Writer& w) { w.begin_object().end_object(); }),
            pm::TransportError);
    }
}

TEST_CASE("console: settings are checked and the agent's cloud-init carries its metadata",
          "[console]") {
    pm::Params off("module 1", {});
    CHECK_FALSE(pm::console::enabled(off));
    pm::Params bad("module 1", {{"console", "nagios"}});
    CHECK_THROWS_AS(pm::console::enabled(bad), pm::ConfigError);
    pm::Params partial("module 1", {{"console", "zabbix"}, {"console_url", "http://127.0.0.1/"}});
    CHECK_THROWS_AS(pm::console::enabled(partial), pm::ConfigError);
    pm::Params token("module 1", {{"console", "zabbix"},
                                  {"console_url", "http://127.0.0.1/api_jsonrpc.php"},
                                  {"console_api_token", "t0ken-t0ken"},
                                  {"console_server_active", "127.0.0.1:10051"}});
    CHECK(pm::console::enabled(token));

    const auto text = pm::console::cloud_init({"zbx.example:10051", "cust=abc"});
    CHECK(text.rfind("#cloud-config\n", 0) == 0);
    CHECK(text.find("ServerActive=zbx.example:10051\n") != std::string::npos);
    CHECK(text.find("HostMetadata=cust=abc\n") != std::string::npos);
    CHECK(text.find("\n      Hostname=\n      HostnameItem=system.hostname\n") !=
          std::string::npos);
    CHECK(text.find("/var/lib/cloud/scripts/per-instance/pm-console-agent") != std::string::npos);
    CHECK(text.find("systemctl restart zabbix-agent2\n") != std::string::npos);
    // Composable with a platform's own user data (oVirt appends a custom_script to its YAML,
    // which has runcmd, user, password, chpasswd, …): write_files is its one top-level key.
    std::size_t top_level = 0;
    for (std::size_t at = 0; at != std::string::npos; at = text.find('\n', at + 1)) {
        const auto line = at == 0 ? 0 : at + 1;
        if (line < text.size() && text[line] != ' ' && text[line] != '#') {
            CHECK(text.compare(line, 12, "write_files:") == 0);
            ++top_level;
        }
    }
    CHECK(top_level == 1);
}

TEST_CASE("console: console_sync finishes pending steps, recreates drift and rotates",
          "[console]") {
    Fixture f;
    const auto active = f.add_item();
    const auto suspended = f.add_item();
    const auto closed = f.add_item();
    std::map<std::int64_t, std::unique_ptr<FakeFeed>> feeds;
    for (const auto id : {active, suspended, closed}) {
        feeds[id.value()] = std::make_unique<FakeFeed>(fmt::format("pm-vdc-{}", id.value()));
        auto t = f.target(id);
        (void)f.steps.open(t, feeds.at(id.value()).get());
    }
    f.store.set_item_status(suspended, pm::store::ItemStatus::suspended);
    f.store.set_item_status(closed, pm::store::ItemStatus::closed);
    f.store.set_item_param(closed, "console_pending", "close");
    // Drift: somebody deleted the customer's action in Zabbix.
    f.zabbix.remove("action", f.zabbix.id_of("actions", "name", k_name, "actionid"));

    pm::ModuleSpec spec;
    spec.name = "pmtest";
    pm::Invocation invocation;
    pm::Settings settings;
    auto coordination = pm::file_coordination(f.dir.path() / "locks", f.dir.path() / "cache");
    pm::Context context(spec, invocation, settings, f.store, *coordination);
    context.module = f.store.find_module(f.module);
    context.module_params = f.store.module_params(f.module);
    // The feed of each item is the test's, so that what it minted can be checked.
    struct Borrowed : pm::console::CredentialFeed {
        explicit Borrowed(const FakeFeed& feed) : m_feed(feed) {}
        [[nodiscard]] std::string host_name() const override { return m_feed.host_name(); }
        [[nodiscard]] pm::console::Credential mint() const override { return m_feed.mint(); }
        void retire_except(std::string_view keep) const override { m_feed.retire_except(keep); }
        const FakeFeed& m_feed;
    };
    const auto factory = [&](const pm::store::Item& item, const pm::Params&) {
        return std::unique_ptr<pm::console::CredentialFeed>(
            std::make_unique<Borrowed>(*feeds.at(item.id.value())));
    };
    pm::console::sync_services(context, f.steps, factory);

    // The action is back with the customer's token.
    CHECK(f.zabbix.action_conditions(k_name) == "cust=" + f.param(active, "console_token"));
    // The active VDC's credential rotated, the suspended one's kept.
    CHECK(f.param(active, "console_cred_id") == "cred-2");
    CHECK(feeds.at(active.value())->live == std::vector<std::string>{"cred-2"});
    CHECK(f.param(suspended, "console_cred_id") == "cred-1");
    // The pending close is done and its service's host gone; the customer keeps the rest.
    CHECK(f.zabbix.count("hosts", "host", fmt::format("pm-vdc-{}", closed.value())) == 0);
    CHECK(f.param(closed, "console_pending").empty());
    CHECK(f.count("hosts") == 2);
    // The customer still has an active service: access stays on.
    CHECK(f.zabbix.field("usergroups", k_name, "users_status") == "0");

    std::map<std::string, std::string> counts;
    for (const auto& sample : context.metrics->samples()) {
        counts[sample.name] = std::to_string(static_cast<int>(sample.value));
    }
    CHECK(counts["pm_console_services"] == "3");
    CHECK(counts["pm_console_recreated"] == "1");
    CHECK(counts["pm_console_rotated"] == "1");
    CHECK(counts["pm_console_closed"] == "1");
    CHECK(counts["pm_console_failed"] == "0");

    SECTION("a console that is down fails the run as temporary, the services untouched") {
        f.zabbix.go_down();
        CHECK_THROWS_AS(pm::console::sync_services(context, f.steps, factory), pm::TransportError);
        CHECK(f.param(active, "console_cred_id") == "cred-2");
    }
}
