// The store: how each order's open was served, pool or cold (private table pm_pool_order), the
// source of the pool's hit rate.
#include <catch2/catch.hpp>
#include <fmt/format.h>

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
    PricelistId pricelist = store.create_pricelist("VPS S", "vds");

    ItemId order(ModuleId in) {
        return store.create_item({.account_id = customer,
                                  .pricelist_id = pricelist,
                                  .module_id = in,
                                  .type = "vds",
                                  .params = {{"os", "1"}}});
    }
    ItemId order() { return order(module); }
};

} // namespace

TEST_CASE("store served: opens are counted per way served, in the module and the window") {
    Fixture f;
    const auto other_module = f.store.create_module({.name = "other", .type = "pmvmmgr6"});
    f.store.record_served(f.order(), Served::pool);
    f.store.record_served(f.order(), Served::pool);
    f.store.record_served(f.order(), Served::cold);
    f.order(); // not opened yet: counts in neither
    f.store.record_served(f.order(other_module), Served::pool);
    const auto old = f.order();
    f.store.record_served(old, Served::cold);
    RawDb(f.url).exec(
        fmt::format("UPDATE item SET created_at = '2020-01-01 00:00:00' WHERE id = {}", old));

    auto counts = f.store.count_served(f.module, "2024-01-01T00:00:00Z");
    CHECK(counts[Served::pool] == 2);
    CHECK(counts[Served::cold] == 1);
    counts = f.store.count_served(f.module, "2019-01-01T00:00:00Z");
    CHECK(counts[Served::cold] == 2);
    counts = f.store.count_served(f.store.create_module({.name = "x", .type = "pmvmmgr6"}),
                                  "2019-01-01T00:00:00Z");
    CHECK(counts[Served::pool] == 0);
    CHECK(counts[Served::cold] == 0);
}

TEST_CASE("store served: a later record of the same order replaces the first") {
    Fixture f;
    const auto item = f.order();
    f.store.record_served(item, Served::pool);
    f.store.record_served(item, Served::cold);
    RawDb raw(f.url);
    CHECK(raw.integer("SELECT COUNT(*) FROM pm_pool_order") == 1);
    CHECK(raw.text(fmt::format("SELECT served FROM pm_pool_order WHERE item_id = {}", item)) ==
          "cold");
    CHECK(f.store.count_served(f.module, "2000-01-01T00:00:00Z")[Served::pool] == 0);
}

TEST_CASE("store served: the record joins a transaction and rolls back with it") {
    Fixture f;
    const auto item = f.order();
    CHECK_THROWS(f.store.transaction([&] {
        f.store.set_item_status(item, ItemStatus::active);
        f.store.record_served(item, Served::cold);
        throw OperationError("later step failed");
    }));
    CHECK(RawDb(f.url).integer("SELECT COUNT(*) FROM pm_pool_order") == 0);
    CHECK_THROWS_AS(f.store.record_served(ItemId(999999), Served::pool), ConfigError);
}

TEST_CASE("store served: the record goes with its order") {
    Fixture f;
    const auto item = f.order();
    f.store.record_served(item, Served::pool);
    f.store.delete_item(item);
    CHECK(RawDb(f.url).integer("SELECT COUNT(*) FROM pm_pool_order") == 0);
}
