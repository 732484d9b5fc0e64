// The store: the pool of pre-created servers (private tables pm_pool_server, pm_pool_stat).
#include <algorithm>
#include <thread>

#include <catch2/catch.hpp>

#include "pm/errors.hpp"
#include "pm/store.hpp"

#include "support/process.hpp"
#include "support/test_store.hpp"

using namespace pm;
using namespace pm::store;
using pm::test::RawDb;
using pm::test::TempDir;

namespace {

struct Fixture {
    TempDir dir;
    std::string url = pm::test::store_url(dir.path());
    Store store = Store::open(url);
    ModuleId module = store.create_module({.name = "cluster", .type = "pmvmmgr6"});
    AccountId customer = store.create_account("Customer", "c@example.com");
    AccountId pool_account = store.create_account("Pool", "pool@example.com");
    PricelistId pricelist = store.create_pricelist("VPS S", "vds");

    ItemId order(ParamMap params = {{"os", "1"}}, ItemStatus status = ItemStatus::ordered) {
        return store.create_item({.account_id = customer,
                                  .pricelist_id = pricelist,
                                  .module_id = module,
                                  .type = "vds",
                                  .status = status,
                                  .params = std::move(params)});
    }
    ItemId server(std::string_view os = "1") {
        return store.create_pool_server({.account_id = pool_account,
                                         .pricelist_id = pricelist,
                                         .module_id = module,
                                         .type = "vds",
                                         .params = {{"os", std::string(os)}}},
                                        os);
    }
};

} // namespace

TEST_CASE("store pool: a pool server is an item in status pool with a free pool row") {
    Fixture f;
    const auto id = f.server("4");
    const auto item = f.store.find_item(id);
    REQUIRE(item);
    CHECK(item->status == ItemStatus::pool);
    CHECK(item->account_id == f.pool_account);
    const auto server = f.store.find_pool_server(id);
    REQUIRE(server);
    CHECK(server->module_id == f.module);
    CHECK(server->pricelist_id == f.pricelist);
    CHECK(server->os == "4");
    CHECK(server->state == PoolState::free);
    CHECK_FALSE(server->claimed_by);
    CHECK(server->created_at == item->created_at);
    CHECK_FALSE(f.store.find_pool_server(f.order()));

    SECTION("listed oldest first with the module's other servers") {
        const auto second = f.server("1");
        RawDb(f.url).exec(fmt::format(
            "UPDATE item SET created_at = '2020-01-01T00:00:00Z' WHERE id = {}", second));
        const auto all = f.store.pool_servers(f.module);
        REQUIRE(all.size() == 2);
        CHECK(all[0].item_id == second);
        CHECK(all[1].item_id == id);
        const auto other = f.store.create_module({.name = "other", .type = "pmvmmgr6"});
        CHECK(f.store.pool_servers(other).empty());
    }
    SECTION("dropping the item drops the pool row") {
        f.store.delete_item(id);
        CHECK_FALSE(f.store.find_pool_server(id));
        CHECK(RawDb(f.url).integer("SELECT COUNT(*) FROM pm_pool_server") == 0);
    }
    SECTION("a failed pool row rolls the item back too") {
        RawDb(f.url).exec(pm::test::on_mariadb()
                              ? "CREATE TRIGGER refuse BEFORE INSERT ON pm_pool_server FOR EACH "
                                "ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused'"
                              : "CREATE TRIGGER refuse BEFORE INSERT ON pm_pool_server "
                                "BEGIN SELECT RAISE(ABORT, 'refused'); END");
        CHECK_THROWS_AS(f.server(), StoreError);
        CHECK(f.store.items({.status = ItemStatus::pool}).size() == 1);
    }
}

TEST_CASE("store pool: a server is claimed by one order only") {
    Fixture f;
    const auto server = f.server();
    const auto first = f.order();
    const auto second = f.order();
    CHECK_FALSE(f.store.pool_claim(first));
    REQUIRE(f.store.claim_pool_server(server, first));
    CHECK_FALSE(f.store.claim_pool_server(server, second));
    const auto claim = f.store.pool_claim(first);
    REQUIRE(claim);
    CHECK(claim->item_id == server);
    CHECK(claim->state == PoolState::claimed);
    CHECK(claim->claimed_by == first);
    CHECK(claim->stage == 0);
    CHECK_FALSE(f.store.pool_claim(second));

    SECTION("an order holding a claim cannot claim a second server") {
        const auto another = f.server();
        CHECK_THROWS_AS(f.store.claim_pool_server(another, first), ConfigError);
        CHECK(f.store.find_pool_server(another)->state == PoolState::free);
    }
    SECTION("the claimant must exist") {
        CHECK_THROWS_AS(f.store.claim_pool_server(f.server(), ItemId(999)), ConfigError);
    }
    SECTION("the stage records progress") {
        f.store.set_pool_stage(server, 3);
        CHECK(f.store.pool_claim(first)->stage == 3);
        CHECK_THROWS_AS(f.store.set_pool_stage(ItemId(999), 1), ConfigError);
    }
    SECTION("a discarded claim is no claim any more, and never free again") {
        CHECK_FALSE(f.store.discard_pool_server(server, PoolState::free));
        CHECK(f.store.discard_pool_server(server, PoolState::claimed));
        CHECK_FALSE(f.store.pool_claim(first));
        const auto row = f.store.find_pool_server(server);
        CHECK(row->state == PoolState::discarded);
        CHECK(row->claimed_by == first);
        CHECK_FALSE(f.store.claim_pool_server(server, second));
        // The order may claim another server now.
        CHECK(f.store.claim_pool_server(f.server(), first));
    }
    SECTION("the claim outlives its order's item") {
        f.store.delete_item(first);
        const auto row = f.store.find_pool_server(server);
        REQUIRE(row);
        CHECK(row->state == PoolState::claimed);
        CHECK(row->claimed_by == first);
    }
}

TEST_CASE("store pool: threads with their own stores racing for servers each get another") {
    Fixture f;
    constexpr int k_servers = 3;
    constexpr int k_orders = 8;
    std::vector<ItemId> servers;
    for (int i = 0; i < k_servers; ++i) {
        servers.push_back(f.server());
    }
    std::vector<ItemId> orders;
    for (int i = 0; i < k_orders; ++i) {
        orders.push_back(f.order());
    }
    std::vector<std::thread> threads;
    for (const auto order : orders) {
        threads.emplace_back([&, order] {
            auto store = Store::open(f.url);
            for (const auto server : servers) {
                if (store.claim_pool_server(server, order)) {
                    return;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    std::vector<std::int64_t> holders;
    for (const auto server : servers) {
        const auto row = f.store.find_pool_server(server);
        REQUIRE(row->state == PoolState::claimed);
        holders.push_back(row->claimed_by->value());
    }
    std::sort(holders.begin(), holders.end());
    CHECK(std::adjacent_find(holders.begin(), holders.end()) == holders.end());
}

TEST_CASE("store pool: orders are counted per OS and tariff in the window, pool excluded") {
    Fixture f;
    const auto other_tariff = f.store.create_pricelist("VPS M", "vds");
    const auto other_module = f.store.create_module({.name = "other", .type = "pmvmmgr6"});
    f.order({{"os", "1"}});
    f.order({{"os", "1"}}, ItemStatus::closed);
    f.order({{"os", "Debian 12"}}, ItemStatus::active);
    f.order({});
    const auto old = f.order({{"os", "1"}});
    RawDb(f.url).exec(
        fmt::format("UPDATE item SET created_at = '2020-01-01T00:00:00Z' WHERE id = {}", old));
    f.store.create_item({.account_id = f.customer,
                         .pricelist_id = other_tariff,
                         .module_id = f.module,
                         .type = "vds",
                         .params = {{"os", "1"}}});
    f.store.create_item({.account_id = f.customer,
                         .pricelist_id = f.pricelist,
                         .module_id = other_module,
                         .type = "vds",
                         .params = {{"os", "1"}}});
    f.store.create_item({.account_id = f.customer,
                         .pricelist_id = f.pricelist,
                         .module_id = f.module,
                         .type = "vdc",
                         .params = {{"os", "1"}}});
    f.server("1");
    // A billing platform's own timestamp format counts the same.
    const auto spaced = f.order({{"os", "Debian 12"}});
    RawDb(f.url).exec(
        fmt::format("UPDATE item SET created_at = '2024-06-01 10:00:00' WHERE id = {}", spaced));

    const auto counts = f.store.count_orders(f.module, "vds", "os", "2024-01-01T00:00:00Z");
    REQUIRE(counts.size() == 4);
    CHECK(counts[0].os == "");
    CHECK(counts[0].orders == 1);
    CHECK((counts[1].os == "1" && counts[1].pricelist_id == f.pricelist));
    CHECK(counts[1].orders == 2);
    CHECK((counts[2].os == "1" && counts[2].pricelist_id == other_tariff));
    CHECK(counts[2].orders == 1);
    CHECK(counts[3].os == "Debian 12");
    CHECK(counts[3].orders == 2);
    CHECK(f.store.count_orders(f.module, "vds", "os", "2024-06-01T10:00:00Z")[3].orders == 2);
    CHECK(f.store.count_orders(f.module, "vds", "os", "2024-06-01T10:00:01Z")[3].orders == 1);
    CHECK(f.store.count_orders(f.module, "vds", "os", "2019-01-01T00:00:00Z")[1].orders == 3);
    CHECK(f.store.count_orders(f.module, "vds", "os", "2999-01-01T00:00:00Z").empty());
}

TEST_CASE("store pool: statistics are replaced per module") {
    Fixture f;
    const auto other = f.store.create_module({.name = "other", .type = "pmvmmgr6"});
    f.store.replace_pool_stats(f.module, {{.os = "1",
                                           .pricelist_id = f.pricelist,
                                           .orders = 4,
                                           .target = 2,
                                           .since = "2024-01-01T00:00:00Z"},
                                          {.os = "2",
                                           .pricelist_id = f.pricelist,
                                           .orders = 1,
                                           .target = 1,
                                           .since = "2024-01-01T00:00:00Z"}});
    f.store.replace_pool_stats(other, {{.os = "1",
                                        .pricelist_id = f.pricelist,
                                        .orders = 9,
                                        .target = 3,
                                        .since = "2024-01-01T00:00:00Z"}});
    auto stats = f.store.pool_stats(f.module);
    REQUIRE(stats.size() == 2);
    CHECK(stats[0].orders == 4);
    CHECK(stats[0].target == 2);
    CHECK(!stats[0].updated_at.empty());

    f.store.replace_pool_stats(f.module, {{.os = "3",
                                           .pricelist_id = f.pricelist,
                                           .orders = 16,
                                           .target = 5,
                                           .since = "2024-02-01T00:00:00Z"}});
    stats = f.store.pool_stats(f.module);
    REQUIRE(stats.size() == 1);
    CHECK(stats[0].os == "3");
    CHECK(stats[0].since == "2024-02-01T00:00:00Z");
    CHECK(f.store.pool_stats(other).size() == 1);
    CHECK_THROWS_AS(f.store.replace_pool_stats(ModuleId(999), {}), ConfigError);
}

TEST_CASE("store pool: a pool row with an unknown state is a configuration error") {
    Fixture f;
    const auto id = f.server();
    RawDb(f.url).exec("UPDATE pm_pool_server SET state = 'lost'");
    try {
        (void)f.store.find_pool_server(id);
        FAIL("read a pool row with an unknown state");
    } catch (const ConfigError& e) {
        CHECK_THAT(e.what(), Catch::Contains("unknown status 'lost'"));
    }
}
