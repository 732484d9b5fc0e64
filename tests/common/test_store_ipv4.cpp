// Addresses from a module's ipv4_range: the range parser (pm::ipv4) and the store's leases
// (pm_ipv4_lease): the lowest free address, never one address twice in a module, the same
// address on a rerun, released when the VM is gone. The store cases run on MariaDB too.
#include <set>
#include <thread>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/ipv4.hpp"
#include "pm/store.hpp"

#include "support/process.hpp"
#include "support/test_store.hpp"

using namespace pm;
using namespace pm::store;
using Catch::Matchers::Contains;
using pm::test::RawDb;
using pm::test::TempDir;

namespace {

std::vector<ipv4::Range> ranges(std::string_view text) {
    return ipv4::parse_ranges(text, "module 1 param 'ipv4_range'");
}

struct Fixture {
    TempDir dir;
    std::string url = pm::test::store_url(dir.path());
    Store store = Store::open(url);
    ModuleId module = store.create_module({.name = "engine", .type = "pmovirt"});
    AccountId customer = store.create_account("Customer", "c@example.com");
    PricelistId pricelist = store.create_pricelist("VPS S", "vds");

    ItemId order(ModuleId in) {
        return store.create_item(
            {.account_id = customer, .pricelist_id = pricelist, .module_id = in, .type = "vds"});
    }
    ItemId order() { return order(module); }
    std::optional<std::vector<std::string>> lease(ItemId item, std::string_view range,
                                                  std::int64_t count = 1) {
        return store.lease_ipv4(module, item, ranges(range), count);
    }
};

using Addresses = std::optional<std::vector<std::string>>;

} // namespace

TEST_CASE("ipv4 ranges: addresses and ranges, sorted and merged") {
    CHECK(ranges("").empty());
    CHECK(ranges(" , ").empty());
    const auto one = ranges(" 203.0.113.10 - 203.0.113.200 ");
    REQUIRE(one.size() == 1);
    CHECK(ipv4::format(one[0].first) == "203.0.113.10");
    CHECK(ipv4::format(one[0].last) == "203.0.113.200");
    CHECK(one[0].size() == 191);
    // Out of order, overlapping, adjacent and single addresses.
    const auto many = ranges("10.0.0.20-10.0.0.30,10.0.0.5, 10.0.0.25-10.0.0.40,10.0.0.41,"
                             "10.0.0.6-10.0.0.7,0.0.0.0,255.255.255.255");
    std::vector<std::string> shown;
    for (const auto& range : many) {
        shown.push_back(ipv4::format(range.first) + "-" + ipv4::format(range.last));
    }
    CHECK(shown == std::vector<std::string>{"0.0.0.0-0.0.0.0", "10.0.0.5-10.0.0.7",
                                            "10.0.0.20-10.0.0.41",
                                            "255.255.255.255-255.255.255.255"});
}

TEST_CASE("ipv4 ranges: a bad part is named with the param and what is expected") {
    for (const char* bad :
         {"10.0.0.256", "10.0.0", "10.0.0.1.2", "10.0.0.01", "a.b.c.d", "10.0.0.1-", "-10.0.0.1",
          "10.0.0.9-10.0.0.1", "10.0.0.1/24", "10.0.0.1--10.0.0.2", "１０.0.0.1",
          "10.0.0.1; DROP TABLE item", "+1.2.3.4", " 1 .2.3.4"}) {
        CAPTURE(bad);
        try {
            (void)ranges(fmt::format("192.0.2.1, {}", bad));
            FAIL("accepted");
        } catch (const ConfigError& e) {
            CHECK_THAT(e.what(), Contains("module 1 param 'ipv4_range'"));
            CHECK_THAT(e.what(), Contains("expected addresses and ranges such as"));
        }
    }
    CHECK_THROWS_WITH(ranges("10.0.0.9-10.0.0.1"), Contains("'10.0.0.9-10.0.0.1' ends before"));
    CHECK_THROWS_WITH(ranges(std::string(5000, '1')), Contains("(5000 characters)"));
}

TEST_CASE("store ipv4: the lowest free address, the same one again for the same item") {
    Fixture f;
    const auto a = f.order();
    const auto b = f.order();
    CHECK(f.lease(a, "192.0.2.10-192.0.2.12") == Addresses({{"192.0.2.10"}}));
    // A rerun of the same open: the same address, nothing more leased.
    CHECK(f.lease(a, "192.0.2.10-192.0.2.12") == Addresses({{"192.0.2.10"}}));
    CHECK(f.lease(b, "192.0.2.10-192.0.2.12") == Addresses({{"192.0.2.11"}}));
    CHECK(f.store.ipv4_leases(a) == std::vector<std::string>{"192.0.2.10"});
    CHECK(RawDb(f.url).integer("SELECT COUNT(*) FROM pm_ipv4_lease") == 2);
    // Released with its VM: the address is the lowest free one again.
    CHECK(f.store.release_ipv4(a) == 1);
    CHECK(f.store.release_ipv4(a) == 0);
    CHECK(f.store.ipv4_leases(a).empty());
    const auto c = f.order();
    CHECK(f.lease(c, "192.0.2.10-192.0.2.12") == Addresses({{"192.0.2.10"}}));
}

TEST_CASE("store ipv4: an exhausted range leases nothing, and several addresses all or none") {
    Fixture f;
    const auto a = f.order();
    const auto b = f.order();
    const auto c = f.order();
    CHECK(f.lease(a, "192.0.2.1-192.0.2.2, 192.0.2.9", 2) ==
          Addresses({{"192.0.2.1", "192.0.2.2"}}));
    // Two wanted, one free: none leased.
    CHECK(f.lease(b, "192.0.2.1-192.0.2.2, 192.0.2.9", 2) == std::nullopt);
    CHECK(f.store.ipv4_leases(b).empty());
    CHECK(f.lease(b, "192.0.2.1-192.0.2.2, 192.0.2.9") == Addresses({{"192.0.2.9"}}));
    CHECK(f.lease(c, "192.0.2.1-192.0.2.2, 192.0.2.9") == std::nullopt);
    CHECK(f.lease(c, "") == std::nullopt);
    // An item that holds one and wants two gets one more, its own kept.
    CHECK(f.lease(b, "192.0.2.1-192.0.2.20", 2) == Addresses({{"192.0.2.3", "192.0.2.9"}}));
}

TEST_CASE("store ipv4: leases are per module, a changed range keeps the item's address") {
    Fixture f;
    const auto other = f.store.create_module({.name = "engine 2", .type = "pmovirt"});
    const auto a = f.order();
    const auto b = f.order(other);
    CHECK(f.lease(a, "198.51.100.7") == Addresses({{"198.51.100.7"}}));
    CHECK(f.store.lease_ipv4(other, b, ranges("198.51.100.7")) == Addresses({{"198.51.100.7"}}));
    // The operator moved the range: a rerun of a's open keeps the address its VM has.
    CHECK(f.lease(a, "198.51.100.100-198.51.100.110") == Addresses({{"198.51.100.7"}}));
    // An item the billing platform deleted (its connection may not enforce foreign keys)
    // leaves its address free for the next lease.
    RawDb(f.url).exec(fmt::format("DELETE FROM item WHERE id = {}", a));
    CHECK(f.lease(f.order(), "198.51.100.7") == Addresses({{"198.51.100.7"}}));
    CHECK(RawDb(f.url).integer("SELECT COUNT(*) FROM pm_ipv4_lease") == 2);
    CHECK_THROWS_AS(f.lease(ItemId(999999), "198.51.100.8"), ConfigError);
}

TEST_CASE("store ipv4: the whole address space at its ends") {
    Fixture f;
    const auto a = f.order();
    CHECK(f.lease(a, "255.255.255.254-255.255.255.255", 2) ==
          Addresses({{"255.255.255.254", "255.255.255.255"}}));
    CHECK(f.lease(f.order(), "255.255.255.255") == std::nullopt);
    CHECK(f.lease(f.order(), "0.0.0.0-255.255.255.255") == Addresses({{"0.0.0.0"}}));
}

TEST_CASE("store ipv4: opens at once on separate connections never share an address") {
    Fixture f;
    constexpr std::size_t k_threads = 6;
    constexpr std::size_t k_each = 8;
    std::vector<ItemId> items;
    for (std::size_t i = 0; i < k_threads * k_each; ++i) {
        items.push_back(f.order());
    }
    std::vector<std::vector<std::string>> got(k_threads);
    std::vector<std::string> failures(k_threads);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < k_threads; ++t) {
        threads.emplace_back([&, t] {
            try {
                auto store = Store::open(f.url);
                for (std::size_t i = 0; i < k_each; ++i) {
                    // Each item twice, as an open and its rerun would.
                    for (int again = 0; again < 2; ++again) {
                        const auto leased = store.lease_ipv4(f.module, items[t * k_each + i],
                                                             ranges("10.1.0.0-10.1.0.255"));
                        if (!leased || leased->size() != 1) {
                            failures[t] = "no address";
                            return;
                        }
                        if (again == 1) {
                            got[t].push_back(leased->front());
                        }
                    }
                }
            } catch (const std::exception& e) {
                failures[t] = e.what();
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    std::set<std::string> distinct;
    for (std::size_t t = 0; t < k_threads; ++t) {
        CHECK(failures[t].empty());
        distinct.insert(got[t].begin(), got[t].end());
    }
    CHECK(distinct.size() == k_threads * k_each);
    const auto total = static_cast<std::int64_t>(k_threads * k_each);
    CHECK(RawDb(f.url).integer("SELECT COUNT(*) FROM pm_ipv4_lease") == total);
    CHECK(RawDb(f.url).integer("SELECT MAX(address) - MIN(address) FROM pm_ipv4_lease") ==
          total - 1);
}
