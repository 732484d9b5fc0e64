// The pool engine (pm/pool.hpp) over an in-memory platform: the pure rules, pool_process's
// targets, ages, always-kept templates, reviews and deletes, and the takeover's claim order,
// resume and fallback. The modules' pool tests run the same engine end to end.
#include <algorithm>
#include <map>
#include <set>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "pm/cli.hpp"
#include "pm/coordination.hpp"
#include "pm/errors.hpp"
#include "pm/item_param.hpp"
#include "pm/pool.hpp"
#include "pm/store.hpp"

#include "support/process.hpp"
#include "support/test_store.hpp"

using namespace pm;
using pm::test::RawDb;
using pm::test::TempDir;

namespace {

using std::chrono::sys_days;
using namespace std::chrono_literals;

// A platform of servers kept in memory, with the faults a test asks for.
struct Platform {
    struct Server {
        ItemId mark;           // the item it was created for
        std::string state;     // building, ready, failed, deleting
        std::string owner;     // who it belongs to
        std::set<int> applied; // takeover steps run on it
    };

    std::map<std::string, Server> servers;
    std::vector<std::string> log;                   // what was asked, in order
    bool refuse_create = false;                     // create refused for good
    std::map<int, std::function<void()>> fail_step; // takeover step -> its fault (once)
    std::set<std::string> broken; // servers whose every takeover step fails for good
    std::vector<pool::Template> templates{
        {"1", "Debian 12"}, {"2", "Ubuntu 24.04"}, {"10", "Windows 2022"}};
    int next_id = 1;
};

// The pool backend of that platform.
class FakeBackend final : public pool::Backend {
public:
    explicit FakeBackend(Platform& platform)
        : servers(platform.servers), log(platform.log), m_platform(platform) {}

    std::map<std::string, Platform::Server>& servers;
    std::vector<std::string>& log;

    [[nodiscard]] std::vector<pool::Template> templates() override {
        log.emplace_back("templates");
        return m_platform.templates;
    }
    [[nodiscard]] std::string template_scope() const override { return "the fake platform"; }
    [[nodiscard]] ParamMap new_server_params() override { return {{"owner", "pool-user"}}; }
    [[nodiscard]] std::string send_create(Context& item) override {
        log.push_back(fmt::format("create {}", item.item->id));
        if (m_platform.refuse_create) {
            throw OperationError("the platform refuses");
        }
        const auto id = fmt::format("s{}", m_platform.next_id++);
        servers[id] = {item.item->id, "building", item.item_params.get_or("owner", ""), {}};
        save_item_param(item, "server_id", id);
        return id;
    }
    [[nodiscard]] bool marked_server_exists(Context& item) override {
        return find_marked(item.item->id) != servers.end();
    }
    [[nodiscard]] pool::Inspection inspect(Context& item) override {
        const auto found = find(item);
        if (found == servers.end()) {
            return {pool::Readiness::absent, {}};
        }
        const auto& state = found->second.state;
        if (state == "ready") {
            return {pool::Readiness::ready, [&item] { save_item_param(item, "state", "ready"); }};
        }
        return {state == "building" ? pool::Readiness::building : pool::Readiness::failed, {}};
    }
    [[nodiscard]] pool::Removal start_delete(Context& item) override {
        const auto found = find(item);
        if (found == servers.end()) {
            return {pool::Removal::Kind::absent, {}, {}};
        }
        const auto id = found->first;
        if (found->second.state == "building") {
            return {pool::Removal::Kind::busy, id, {}};
        }
        log.push_back(fmt::format("delete {}", id));
        found->second.state = "deleting";
        return {pool::Removal::Kind::started, id, [this, id] { servers.erase(id); }};
    }
    [[nodiscard]] bool recorded_ready(const Params& params) const override {
        return params.get_or("state", "") == "ready";
    }
    [[nodiscard]] std::string_view server_id_param() const override { return "server_id"; }

    [[nodiscard]] std::string resolve_template(Context& order) override {
        const auto list = templates();
        const auto* found = pool::find_template(list, order.item_params.require("os"));
        if (found == nullptr) {
            throw OperationError("no such template");
        }
        return found->id;
    }
    [[nodiscard]] bool has_own_server(Context& order) override {
        return order.item_params.contains("server_id") ||
               find_marked(order.item->id) != servers.end();
    }
    [[nodiscard]] pool::GrowRules grow_rules() const override { return {{"plan"}, {"cpu"}}; }
    [[nodiscard]] std::vector<std::string_view> handed_params() const override {
        return {"server_id", "ip"};
    }
    [[nodiscard]] int binding_step() const override { return 3; }
    [[nodiscard]] std::function<void()> take_over(pool::Handover& handover) override {
        auto& order = handover.order();
        const auto id = order.item_params.require("server_id");
        log.push_back(fmt::format("take {}", id));
        for (int step = 1; step <= 3; ++step) {
            handover.step(step, [&] {
                if (m_platform.broken.contains(id)) {
                    throw OperationError(fmt::format("server {} is broken", id));
                }
                auto& faults = m_platform.fail_step;
                if (const auto fault = faults.find(step); fault != faults.end()) {
                    const auto raise = fault->second;
                    faults.erase(fault);
                    raise();
                }
                auto& server = servers.at(id);
                server.applied.insert(step);
                if (step == 1) {
                    server.owner = "customer";
                }
                if (step == 3) {
                    server.mark = order.item->id;
                }
            });
        }
        return [&order] { save_item_param(order, "state", "taken"); };
    }
    void forget_takeover(Context& order) override { erase_item_param(order, "takeover_note"); }

private:
    std::map<std::string, Platform::Server>::iterator find_marked(ItemId mark) {
        return std::find_if(servers.begin(), servers.end(),
                            [&](const auto& entry) { return entry.second.mark == mark; });
    }
    std::map<std::string, Platform::Server>::iterator find(Context& item) {
        if (const auto id = item.item_params.get("server_id")) {
            return servers.find(*id);
        }
        return find_marked(item.item->id);
    }

    Platform& m_platform;
};

struct Fixture {
    TempDir dir;
    std::string url = pm::test::store_url(dir.path());
    store::Store store = store::Store::open(url);
    ModuleId module = store.create_module({.name = "pool", .type = "pmtest"});
    AccountId customer = store.create_account("Customer", "c@example.com");
    AccountId pool_account = store.create_account("Pool", "pool@example.com");
    PricelistId small = store.create_pricelist("VPS S", "vds");
    PricelistId large = store.create_pricelist("VPS L", "vds");
    ModuleSpec spec;
    Invocation invocation;
    Settings settings;
    std::unique_ptr<Coordination> coordination =
        file_coordination(dir.path() / "locks", dir.path() / "cache");
    Platform platform;
    FakeBackend backend{platform};

    Fixture() {
        spec.name = "pmtest";
        spec.itemtype = "vds";
        store.set_module_param(module, "pool_enabled", "on");
        store.set_module_param(module, "pool_account", fmt::format("{}", pool_account.value()));
        store.set_pricelist_param(small, "cpu", "1");
    }

    ItemId order(std::string os, PricelistId pricelist, ParamMap more = {}) {
        more.insert_or_assign("os", std::move(os));
        return store.create_item({.account_id = customer,
                                  .pricelist_id = pricelist,
                                  .module_id = module,
                                  .type = "vds",
                                  .params = std::move(more)});
    }
    void orders(int count, const std::string& os, PricelistId pricelist) {
        for (int i = 0; i < count; ++i) {
            (void)order(os, pricelist);
        }
    }
    Context module_context() {
        Context context(spec, invocation, settings, store, *coordination);
        context.module = store.find_module(module);
        context.module_params = store.module_params(module);
        return context;
    }
    Context item_context(ItemId item) {
        auto context = module_context();
        context.item = store.find_item(item);
        context.item_params = store.item_params(item);
        return context;
    }
    // One pool_process run; its result's summary attributes.
    std::map<std::string, std::string> process() {
        auto context = module_context();
        pool::process(context, [this] {
            return std::unique_ptr<pool::Backend>(std::make_unique<FakeBackend>(platform));
        });
        std::map<std::string, std::string> summary;
        for (const auto& node : context.result.nodes) {
            if (node.name == "summary") {
                summary.insert(node.attributes.begin(), node.attributes.end());
            }
        }
        return summary;
    }
    std::optional<ItemId> take(ItemId order) {
        auto context = item_context(order);
        return pool::take_from_pool(context, backend);
    }
    // A free pool server of `os` and `pricelist` whose platform server is in `state`.
    ItemId server(const std::string& os, PricelistId pricelist, const std::string& state) {
        const auto item = store.create_pool_server({.account_id = pool_account,
                                                    .pricelist_id = pricelist,
                                                    .module_id = module,
                                                    .type = "vds",
                                                    .params = {{"os", os}}},
                                                   os);
        auto context = item_context(item);
        (void)backend.send_create(context);
        platform.servers.at(store.item_params(item).require("server_id")).state = state;
        if (state == "ready") {
            store.set_item_param(item, "state", "ready");
        }
        return item;
    }
    void age(ItemId item, const std::string& created_at) {
        RawDb(url).exec(
            fmt::format("UPDATE item SET created_at = '{}' WHERE id = {}", created_at, item));
    }
    std::map<std::string, std::int64_t> targets() {
        std::map<std::string, std::int64_t> out;
        for (const auto& stat : store.pool_stats(module)) {
            out[fmt::format("{}/{}", stat.os, stat.pricelist_id)] = stat.target;
        }
        return out;
    }
    std::size_t pool_size() { return store.pool_servers(module).size(); }
};

std::chrono::system_clock::time_point at(std::chrono::year_month_day day) {
    return sys_days(day) + 12h;
}

} // namespace

TEST_CASE("pool rules: targets by steps of orders") {
    const std::array<std::int64_t, 5> steps{1, 2, 3, 4, 5};
    const std::vector<std::pair<std::int64_t, std::int64_t>> expected{
        {0, 0},  {1, 1},  {3, 1},  {4, 2},  {6, 2},  {7, 3},
        {10, 3}, {11, 4}, {15, 4}, {16, 5}, {999, 5}};
    for (const auto& [orders, target] : expected) {
        INFO(orders << " orders");
        CHECK(pool::target_for(steps, orders) == target);
    }
    CHECK(pool::target_for({0, 0, 7, 0, 9}, 8) == 7);
    CHECK(pool::target_for({0, 0, 7, 0, 9}, 2) == 0);
}

TEST_CASE("pool rules: the age windows in days and calendar months") {
    using namespace std::chrono;
    CHECK(pool::months_before(at(2024y / May / 31), 3) == "2024-02-29T12:00:00Z");
    CHECK(pool::months_before(at(2023y / May / 31), 3) == "2023-02-28T12:00:00Z");
    CHECK(pool::months_before(at(2024y / January / 15), 2) == "2023-11-15T12:00:00Z");
    CHECK(pool::days_before(at(2024y / March / 1), 30) == "2024-01-31T12:00:00Z");
}

TEST_CASE("pool rules: the settings, their defaults and their errors") {
    const auto read = [](ParamMap values) {
        return pool::read_settings(Params("module 7", std::move(values)));
    };
    const auto defaults = read({});
    CHECK_FALSE(defaults.enabled);
    CHECK(defaults.stat_days == 30);
    CHECK(defaults.max_months == 3);
    CHECK(defaults.steps == pool::k_default_steps);
    const auto set = read({{"pool_enabled", "on"},
                           {"pool_account", "4"},
                           {"pool_os", "Debian 12, 10"},
                           {"pool_pricelist", "6"},
                           {"pool_steps", "0,1,2,3,9"},
                           {"pool_max_months", "0"}});
    CHECK(set.account == AccountId(4));
    CHECK(set.os == std::vector<std::string>{"Debian 12", "10"});
    CHECK(set.pricelist == PricelistId(6));
    CHECK(set.steps == std::array<std::int64_t, 5>{0, 1, 2, 3, 9});
    CHECK(set.max_months == 0);
    CHECK_THROWS_WITH(read({{"pool_enabled", "on"}}), Catch::Contains("pool_account"));
    CHECK_THROWS_WITH(read({{"pool_os", "1"}}), Catch::Contains("pool_pricelist"));
    CHECK_THROWS_WITH(read({{"pool_steps", "1,2,3"}}), Catch::Contains("'1,2,3'"));
    CHECK_THROWS_WITH(read({{"pool_steps", "1,2,-3,4,5"}}), Catch::Contains("module 7"));
    CHECK_THROWS_AS(read({{"pool_stat_days", "0"}}), ConfigError);

    const auto names = pool::param_names({{"pool_extra", "x"}});
    CHECK(names.size() == 8);
    CHECK(names.front() == "pool_enabled");
    CHECK(names[6] == "pool_extra");
    CHECK(names.back() == "pool_pricelist");
}

TEST_CASE("pool rules: an order's overrides against the tariff") {
    const pool::GrowRules rules{{"plan"}, {"cpu", "ram"}};
    const Params tariff("tariff", {{"plan", "3"}, {"cpu", "2"}, {"ram", "1024"}});
    const auto check = [&](ParamMap own) {
        return pool::mismatch(tariff, Params("item", std::move(own)), rules);
    };
    CHECK_FALSE(check({}));
    CHECK_FALSE(check({{"cpu", "4"}, {"ram", "1024"}, {"plan", "3"}}));
    CHECK(check({{"cpu", "1"}}) == "its own cpu 1 is below the tariff's 2");
    CHECK(check({{"plan", "4"}}) == "its own plan 4 differs from the tariff's");
    CHECK(check({{"disk", "9"}}) == std::nullopt); // not a rule's
    const Params bare("tariff", {});
    CHECK(pool::mismatch(bare, Params("item", {{"cpu", "2"}}), rules) ==
          "its own cpu 2 has no tariff value to grow from");
}

TEST_CASE("pool rules: templates by id or by name, numeric ids in numeric order") {
    const std::vector<pool::Template> list{
        {"10", "Windows 2022"}, {"2", "Ubuntu"}, {"abc-1", "Alma"}, {"7", "42"}};
    CHECK(pool::find_template(list, "10")->name == "Windows 2022");
    CHECK(pool::find_template(list, " 010 ")->name == "Windows 2022");
    CHECK(pool::find_template(list, "ubuntu")->id == "2");
    CHECK(pool::find_template(list, "abc-1")->name == "Alma");
    CHECK(pool::find_template(list, "42") == nullptr); // a number is an id, never a name
    CHECK(pool::find_template(list, "Plan 9") == nullptr);
    std::vector<pool::Key> keys{{"10", PricelistId(1)},
                                {"abc", PricelistId(1)},
                                {"9", PricelistId(2)},
                                {"9", PricelistId(1)}};
    std::sort(keys.begin(), keys.end());
    CHECK(keys[0].os == "9");
    CHECK(keys[0].pricelist == PricelistId(1));
    CHECK(keys[1].pricelist == PricelistId(2));
    CHECK(keys[2].os == "10");
    CHECK(keys[3].os == "abc");
}

TEST_CASE("pool_process: targets from the window's orders plus the always-kept templates") {
    Fixture f;
    f.orders(3, "1", f.small);
    f.orders(1, "debian 12", f.small); // the same template by name: 4 orders, step 2
    f.orders(1, "Plan 9", f.small);    // no such template: left out
    f.orders(2, "2", f.large);
    const auto pool = f.store.create_item({.account_id = f.pool_account,
                                           .pricelist_id = f.small,
                                           .module_id = f.module,
                                           .type = "vds",
                                           .status = store::ItemStatus::pool,
                                           .params = {{"os", "1"}}});
    (void)pool; // a pool item is no order
    f.store.set_module_param(f.module, "pool_os", "Windows 2022, Debian 12");
    f.store.set_module_param(f.module, "pool_pricelist", fmt::format("{}", f.large.value()));

    const auto summary = f.process();
    // Debian 12 has orders: no always-kept row of its own; Windows has none: step 1.
    CHECK(f.targets() == std::map<std::string, std::int64_t>{{fmt::format("1/{}", f.small), 2},
                                                             {fmt::format("2/{}", f.large), 1},
                                                             {fmt::format("10/{}", f.large), 1}});
    CHECK(summary.at("orders") == "6");
    CHECK(summary.at("target") == "4");
    CHECK(summary.at("created") == "4");
    // Each server created as a pool item of its kind, with its own password.
    std::map<std::string, int> kinds;
    for (const auto& server : f.store.pool_servers(f.module)) {
        const auto params = f.store.item_params(server.item_id);
        CHECK(params.get_or("os", "") == server.os);
        CHECK(params.get_or("owner", "") == "pool-user");
        CHECK(params.get("password").has_value());
        CHECK(params.get("server_id").has_value());
        ++kinds[fmt::format("{}/{}", server.os, server.pricelist_id)];
    }
    CHECK(kinds == std::map<std::string, int>{{fmt::format("1/{}", f.small), 2},
                                              {fmt::format("2/{}", f.large), 1},
                                              {fmt::format("10/{}", f.large), 1}});

    SECTION("a second run creates nothing more: servers being built count") {
        f.platform.log.clear();
        const auto again = f.process();
        CHECK(again.at("created") == "0");
        CHECK(again.at("building") == "4");
        CHECK(f.pool_size() == 4);
    }
    SECTION("pool_os naming no template is a config error") {
        f.store.set_module_param(f.module, "pool_os", "Plan 9");
        CHECK_THROWS_WITH(f.process(), Catch::Contains("pool_os names 'Plan 9', which is no OS "
                                                       "template of the fake platform"));
    }
}

TEST_CASE("pool_process: orders before the window do not count") {
    Fixture f;
    f.store.set_module_param(f.module, "pool_stat_days", "10");
    const auto old = f.order("1", f.small);
    f.age(old, "2000-01-01T00:00:00Z");
    const auto summary = f.process();
    CHECK(summary.at("orders") == "0");
    CHECK(f.pool_size() == 0);
    f.orders(1, "1", f.small);
    CHECK(f.process().at("orders") == "1");
    CHECK(f.pool_size() == 1);
}

TEST_CASE("pool_process: ready, failed, expired and abandoned servers") {
    Fixture f;
    f.orders(4, "1", f.small); // target 2
    const auto ready = f.server("1", f.small, "ready");
    const auto built = f.server("1", f.small, "ready");
    f.store.erase_item_param(built, "state"); // ready on the platform, not yet recorded
    const auto failed = f.server("1", f.small, "failed");
    const auto old = f.server("1", f.small, "ready");
    f.age(old, "2000-01-01T00:00:00Z");
    const auto claimed = f.server("1", f.small, "ready");
    const auto gone_order = f.order("1", f.small);
    REQUIRE(f.store.claim_pool_server(claimed, gone_order));
    f.store.set_item_status(gone_order, store::ItemStatus::closed);
    const auto old_id = f.store.item_params(old).require("server_id");
    const auto failed_id = f.store.item_params(failed).require("server_id");

    const auto summary = f.process();
    CHECK(summary.at("ready") == "2");
    CHECK(summary.at("deleted") == "3");
    CHECK(summary.at("created") == "0"); // two of the kind are ready: the target is met
    CHECK(f.store.item_params(built).get_or("state", "") == "ready");
    CHECK_FALSE(f.store.find_item(failed));
    CHECK_FALSE(f.store.find_item(old));
    CHECK_FALSE(f.store.find_item(claimed));
    CHECK(f.store.find_item(ready));
    CHECK_FALSE(f.platform.servers.contains(old_id));
    CHECK_FALSE(f.platform.servers.contains(failed_id));

    SECTION("pool_max_months 0 keeps old servers") {
        Fixture g;
        g.store.set_module_param(g.module, "pool_max_months", "0");
        const auto kept = g.server("1", g.small, "ready");
        g.age(kept, "2000-01-01T00:00:00Z");
        CHECK(g.process().at("deleted") == "0");
        CHECK(g.store.find_item(kept));
    }
}

TEST_CASE("pool_process: servers of a template the platform no longer lists are deleted") {
    Fixture f;
    f.orders(2, "1", f.small); // target 1 of template 1
    const auto kept = f.server("1", f.small, "ready");
    const auto replaced = f.server("2", f.small, "ready");
    const auto replaced_id = f.store.item_params(replaced).require("server_id");
    // Template 2 replaced by a newer version, 3, of the same name.
    f.platform.templates = {{"1", "Debian 12"}, {"3", "Ubuntu 24.04"}, {"10", "Windows 2022"}};

    SECTION("a dry run only reports it") {
        f.invocation.dry_run = true;
        CHECK(f.process().at("to_delete") == "1");
        CHECK(f.store.find_item(replaced));
    }
    SECTION("a run deletes it; the templates are asked for once") {
        const auto summary = f.process();
        CHECK(summary.at("deleted") == "1");
        CHECK(summary.at("ready") == "1");
        CHECK_FALSE(f.store.find_item(replaced));
        CHECK_FALSE(f.platform.servers.contains(replaced_id));
        CHECK(f.store.find_item(kept));
        CHECK(std::count(f.platform.log.begin(), f.platform.log.end(), "templates") == 1);
    }
}

TEST_CASE("pool_process: a refused create drops its item and stops that kind") {
    Fixture f;
    f.orders(8, "1", f.small); // target 3
    f.platform.refuse_create = true;
    CHECK_THROWS_WITH(f.process(), Catch::Contains("the platform refuses"));
    CHECK(std::count_if(f.platform.log.begin(), f.platform.log.end(),
                        [](const auto& line) { return line.starts_with("create"); }) == 1);
    CHECK(f.pool_size() == 0);
}

TEST_CASE("pool_process: a busy server is deleted by a later run, a dry run changes nothing") {
    Fixture f;
    const auto busy = f.server("2", f.small, "building");
    REQUIRE(f.store.discard_pool_server(busy, store::PoolState::free));
    f.invocation.dry_run = true;
    const auto dry = f.process();
    CHECK(dry.at("to_delete") == "1");
    CHECK(f.store.find_item(busy));
    f.invocation.dry_run = false;
    CHECK(f.process().at("to_delete") == "1");
    CHECK(f.store.find_item(busy));
    f.platform.servers.begin()->second.state = "ready";
    CHECK(f.process().at("deleted") == "1");
    CHECK_FALSE(f.store.find_item(busy));
    CHECK(f.platform.servers.empty());
}

TEST_CASE("pool_process: a run that finds the module's lock held does nothing") {
    Fixture f;
    f.orders(1, "1", f.small);
    const auto held = f.coordination->try_lock(fmt::format("pmtest-pool-{}", f.module.value()));
    REQUIRE(held != nullptr);
    auto context = f.module_context();
    bool connected = false;
    pool::process(context, [&] {
        connected = true;
        return std::unique_ptr<pool::Backend>();
    });
    CHECK_FALSE(connected);
    REQUIRE(context.result.nodes.size() == 1);
    CHECK(context.result.nodes.front().name == "skipped");
    CHECK(f.pool_size() == 0);
}

TEST_CASE("pool takeover: ready servers first, oldest first, of the order's kind only") {
    Fixture f;
    const auto other_kind = f.server("2", f.small, "ready");
    const auto other_tariff = f.server("1", f.large, "ready");
    const auto building_old = f.server("1", f.small, "building");
    f.age(building_old, "2020-01-01T00:00:00Z");
    const auto ready_new = f.server("1", f.small, "ready");
    const auto ready_old = f.server("1", f.small, "ready");
    f.age(ready_old, "2021-01-01T00:00:00Z");
    const auto order = f.order("Debian 12", f.small, {{"password", "secret"}});

    CHECK(f.take(order) == ready_old);
    const auto params = f.store.item_params(order);
    const auto server = params.require("server_id");
    CHECK(f.platform.servers.at(server).owner == "customer");
    CHECK(f.platform.servers.at(server).mark == order);
    CHECK(params.get_or("state", "") == "taken");
    CHECK(f.store.find_item(order)->status == store::ItemStatus::active);
    CHECK_FALSE(f.store.find_item(ready_old));
    CHECK(f.store.count_served(f.module, "2000-01-01T00:00:00Z").at(store::Served::pool) == 1);

    const auto second = f.order("1", f.small, {{"password", "x"}});
    CHECK(f.take(second) == ready_new);
    const auto third = f.order("1", f.small, {{"password", "x"}});
    CHECK(f.take(third) == building_old);
    const auto fourth = f.order("1", f.small, {{"password", "x"}});
    CHECK_FALSE(f.take(fourth));
    CHECK(f.store.find_item(other_kind));
    CHECK(f.store.find_item(other_tariff));
}

TEST_CASE("pool takeover: when the pool does not serve an order") {
    Fixture f;
    const auto server = f.server("1", f.small, "ready");
    SECTION("the pool is off") {
        f.store.set_module_param(f.module, "pool_enabled", "off");
        CHECK_FALSE(f.take(f.order("1", f.small)));
    }
    SECTION("the order's own values cannot be reached by growing") {
        CHECK_FALSE(f.take(f.order("1", f.small, {{"cpu", "0"}})));
    }
    SECTION("the order has a server of its own") {
        CHECK_FALSE(f.take(f.order("1", f.small, {{"server_id", "elsewhere"}})));
    }
    CHECK(f.store.find_pool_server(server)->state == store::PoolState::free);
    CHECK(f.platform.log.end() ==
          std::find_if(f.platform.log.begin(), f.platform.log.end(),
                       [](const auto& l) { return l.starts_with("take"); }));
}

TEST_CASE("pool takeover: a server failing for good is discarded and the next one tried") {
    Fixture f;
    std::vector<ItemId> servers;
    for (int i = 0; i < 5; ++i) {
        servers.push_back(f.server("1", f.small, "ready"));
        f.age(servers.back(), fmt::format("2020-01-0{}T00:00:00Z", i + 1));
    }
    const auto order = f.order("1", f.small, {{"password", "x"}, {"takeover_note", "n"}});
    f.platform.broken.insert(f.store.item_params(servers[0]).require("server_id"));

    SECTION("the second one serves") {
        CHECK(f.take(order) == servers[1]);
        CHECK(f.store.find_pool_server(servers[0])->state == store::PoolState::discarded);
    }
    SECTION("three failures at most, then a server of its own") {
        for (const std::size_t i : {1U, 2U, 3U}) {
            f.platform.broken.insert(f.store.item_params(servers[i]).require("server_id"));
        }
        CHECK_FALSE(f.take(order));
        for (const std::size_t i : {0U, 1U, 2U}) {
            CHECK(f.store.find_pool_server(servers[i])->state == store::PoolState::discarded);
        }
        CHECK(f.store.find_pool_server(servers[3])->state == store::PoolState::free);
        CHECK(f.store.find_pool_server(servers[4])->state == store::PoolState::free);
        const auto params = f.store.item_params(order);
        CHECK_FALSE(params.contains("server_id"));
        CHECK_FALSE(params.contains("takeover_note"));
        CHECK(f.store.find_item(order)->status == store::ItemStatus::ordered);
    }
}

TEST_CASE(
    "pool takeover: a temporary failure keeps the claim, the rerun goes on where it stopped") {
    Fixture f;
    const auto server = f.server("1", f.small, "ready");
    const auto spare = f.server("1", f.small, "ready");
    f.age(server, "2020-01-01T00:00:00Z");
    const auto order = f.order("1", f.small, {{"password", "x"}});
    const auto id = f.store.item_params(server).require("server_id");
    f.platform.fail_step[2] = [] { throw TransportError("connection reset"); };
    CHECK_THROWS_AS(f.take(order), TransportError);
    CHECK(f.store.pool_claim(order)->item_id == server);
    CHECK(f.platform.servers.at(id).applied == std::set<int>{1});
    f.platform.servers.at(id).applied.clear();

    CHECK(f.take(order) == server);
    CHECK(f.platform.servers.at(id).applied == std::set<int>{2, 3}); // step 1 not again
    CHECK(f.store.find_pool_server(spare)->state == store::PoolState::free);
}

TEST_CASE("pool takeover: past the binding step a failure never discards the server") {
    Fixture f;
    const auto server = f.server("1", f.small, "ready");
    (void)f.server("1", f.small, "ready");
    f.age(server, "2020-01-01T00:00:00Z");
    const auto order = f.order("1", f.small, {{"password", "x"}});
    // The binding step done by an earlier attempt (as the store keeps it), then a refusal.
    REQUIRE(f.store.claim_pool_server(server, order));
    f.store.set_item_param(order, "server_id", f.store.item_params(server).require("server_id"));
    f.store.set_pool_stage(server, (1 << 10) | (1 << 3));
    f.platform.fail_step[1] = [] { throw OperationError("refused"); };
    CHECK_THROWS_AS(f.take(order), OperationError);
    CHECK(f.store.find_pool_server(server)->state == store::PoolState::claimed);

    SECTION("a stage written as a count means the first steps done") {
        f.store.set_pool_stage(server, 2);
        CHECK(f.take(order) == server);
        const auto& applied =
            f.platform.servers.at(f.store.item_params(order).require("server_id")).applied;
        CHECK(applied == std::set<int>{3});
    }
}
