// The store: typed access to modules, accounts, tariffs, items, statistics and VDC objects.
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
    AccountId account = store.create_account("Customer", "c@example.com");
    PricelistId pricelist = store.create_pricelist("VPS S", "vds");

    ItemId new_item(ItemStatus status = ItemStatus::ordered, ParamMap params = {}) {
        return store.create_item({.account_id = account,
                                  .pricelist_id = pricelist,
                                  .module_id = module,
                                  .type = "vds",
                                  .status = status,
                                  .params = std::move(params)});
    }
};

// "2024-05-01T12:00:00Z": every 'd' of the shape a digit, the rest literal. (Not std::regex:
// GCC 12 reports false maybe-uninitialized warnings in it under the sanitizers.)
bool is_utc_timestamp(const std::string& text) {
    constexpr std::string_view k_shape = "dddd-dd-ddTdd:dd:ddZ";
    if (text.size() != k_shape.size()) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool digit = text[i] >= '0' && text[i] <= '9';
        if (k_shape[i] == 'd' ? !digit : text[i] != k_shape[i]) {
            return false;
        }
    }
    return true;
}

} // namespace

TEST_CASE("store: modules and their params") {
    Fixture f;
    const auto second = f.store.create_module({.name = "cloud",
                                               .type = "pmopenstack",
                                               .sorting = -1,
                                               .datacenter = "dc1",
                                               .department = "7",
                                               .enabled = false});
    const auto third = f.store.create_module({.name = "cluster 2", .type = "pmvmmgr6"});

    const auto module = f.store.find_module(second);
    REQUIRE(module);
    CHECK(module->name == "cloud");
    CHECK(module->type == "pmopenstack");
    CHECK(module->sorting == -1);
    CHECK(module->datacenter == "dc1");
    CHECK(module->department == "7");
    CHECK_FALSE(module->enabled);
    CHECK(f.store.find_module(f.module)->enabled);
    CHECK_FALSE(f.store.find_module(ModuleId(99)));

    const auto all = f.store.modules();
    REQUIRE(all.size() == 3);
    CHECK(all[0].id == second); // by sorting, then id
    CHECK(all[1].id == f.module);
    const auto vm = f.store.modules("pmvmmgr6");
    REQUIRE(vm.size() == 2);
    CHECK(vm[1].id == third);

    f.store.set_module_param(f.module, "url", "https://vm.example.com");
    f.store.set_module_param(f.module, "max_tries", "3");
    f.store.set_module_param(f.module, "max_tries", "5");
    const auto params = f.store.module_params(f.module);
    CHECK(params.owner() == fmt::format("module {}", f.module));
    CHECK(params.values() == ParamMap{{"max_tries", "5"}, {"url", "https://vm.example.com"}});
    CHECK(params.get_int("max_tries", 10) == 5);
    CHECK(f.store.module_params(ModuleId(99)).values().empty());
    CHECK_THROWS_WITH(f.store.set_module_param(ModuleId(99), "url", "x"), "module 99 not found");
}

TEST_CASE("store: module rows a billing platform wrote are read leniently or refused") {
    Fixture f;
    RawDb raw(f.url);
    raw.exec(fmt::format("UPDATE processingmodule SET enabled = 'on', datacenter = 12, "
                         "department = NULL WHERE id = {}",
                         f.module));
    auto module = f.store.find_module(f.module);
    CHECK(module->enabled);
    CHECK(module->datacenter == "12");
    CHECK(module->department.empty());
    raw.exec(fmt::format("UPDATE processingmodule SET enabled = 'maybe' WHERE id = {}", f.module));
    CHECK_THROWS_AS(f.store.find_module(f.module), ConfigError);
    CHECK_THROWS_WITH(f.store.modules(), Catch::Contains("enabled = 'maybe'"));
}

TEST_CASE("store: accounts and pricelists") {
    Fixture f;
    const auto account = f.store.find_account(f.account);
    REQUIRE(account);
    CHECK(account->name == "Customer");
    CHECK(account->email == "c@example.com");
    CHECK_FALSE(f.store.find_account(AccountId(99)));

    const auto pricelist = f.store.find_pricelist(f.pricelist);
    REQUIRE(pricelist);
    CHECK(pricelist->name == "VPS S");
    CHECK(pricelist->type == "vds");
    CHECK_FALSE(f.store.find_pricelist(PricelistId(99)));

    f.store.set_pricelist_param(f.pricelist, "cpu_number", "2");
    f.store.set_pricelist_param(f.pricelist, "ram_mib", "2048");
    const auto params = f.store.pricelist_params(f.pricelist);
    CHECK(params.get_int("cpu_number", 1) == 2);
    CHECK(params.require_int("ram_mib") == 2048);
    CHECK_FALSE(params.get("hdd_mib"));
    CHECK_THROWS_WITH(f.store.set_pricelist_param(PricelistId(99), "x", "y"),
                      "pricelist 99 not found");
}

TEST_CASE("store: items, their status and params") {
    Fixture f;
    const auto id = f.new_item(ItemStatus::ordered, {{"os", "debian-12"}, {"domain", "a.test"}});
    auto item = f.store.find_item(id);
    REQUIRE(item);
    CHECK(item->account_id == f.account);
    CHECK(item->pricelist_id == f.pricelist);
    CHECK(item->module_id == f.module);
    CHECK(item->type == "vds");
    CHECK(item->status == ItemStatus::ordered);
    CHECK(is_utc_timestamp(item->created_at));
    CHECK(item->updated_at == item->created_at);
    CHECK_FALSE(f.store.find_item(ItemId(99)));

    f.store.set_item_status(id, ItemStatus::active);
    CHECK(f.store.find_item(id)->status == ItemStatus::active);

    f.store.set_item_param(id, "vm_id", "17");
    f.store.set_item_param(id, "os", "ubuntu-22.04");
    f.store.set_item_params(id, {{"ip", "10.0.0.5"}, {"ips", "10.0.0.5,10.0.0.6"}});
    f.store.erase_item_param(id, "domain");
    f.store.erase_item_param(id, "never-set");
    const auto params = f.store.item_params(id);
    CHECK(params.owner() == fmt::format("item {}", id));
    CHECK(params.values() == ParamMap{{"ip", "10.0.0.5"},
                                      {"ips", "10.0.0.5,10.0.0.6"},
                                      {"os", "ubuntu-22.04"},
                                      {"vm_id", "17"}});
    CHECK(params.get_list("ips") == std::vector<std::string>{"10.0.0.5", "10.0.0.6"});

    const ItemId missing(99);
    CHECK_THROWS_WITH(f.store.set_item_param(missing, "a", "b"), "item 99 not found");
    CHECK_THROWS_WITH(f.store.set_item_params(missing, {{"a", "b"}}), "item 99 not found");
    CHECK_THROWS_WITH(f.store.erase_item_param(missing, "a"), "item 99 not found");
    CHECK_THROWS_WITH(f.store.set_item_status(missing, ItemStatus::closed), "item 99 not found");
    CHECK_THROWS_WITH(f.store.delete_item(missing), "item 99 not found");
}

TEST_CASE("store: items are listed by module, account, status and type") {
    Fixture f;
    const auto other_module = f.store.create_module({.name = "b", .type = "pmvmmgr6"});
    const auto pool_account = f.store.create_account("pool", "");
    const auto a = f.new_item(ItemStatus::active);
    const auto b = f.new_item(ItemStatus::ordered);
    const auto c = f.store.create_item({.account_id = pool_account,
                                        .pricelist_id = f.pricelist,
                                        .module_id = other_module,
                                        .type = "vds",
                                        .status = ItemStatus::pool});
    const auto ids = [](const std::vector<Item>& items) {
        std::vector<ItemId> out;
        for (const auto& item : items) {
            out.push_back(item.id);
        }
        return out;
    };
    CHECK(ids(f.store.items()) == std::vector{a, b, c});
    CHECK(ids(f.store.items({.module_id = f.module})) == std::vector{a, b});
    CHECK(ids(f.store.items({.account_id = pool_account})) == std::vector{c});
    CHECK(ids(f.store.items({.status = ItemStatus::pool})) == std::vector{c});
    CHECK(ids(f.store.items({.module_id = f.module, .status = ItemStatus::active})) ==
          std::vector{a});
    CHECK(f.store.items({.type = "vdc"}).empty());
}

TEST_CASE("store: creating an item names the row that is missing") {
    Fixture f;
    NewItem item{
        .account_id = f.account, .pricelist_id = f.pricelist, .module_id = f.module, .type = "vds"};
    SECTION("account") {
        item.account_id = AccountId(99);
        CHECK_THROWS_WITH(f.store.create_item(item), "account 99 not found");
    }
    SECTION("pricelist") {
        item.pricelist_id = PricelistId(98);
        CHECK_THROWS_WITH(f.store.create_item(item), "pricelist 98 not found");
    }
    SECTION("module") {
        item.module_id = ModuleId(97);
        CHECK_THROWS_WITH(f.store.create_item(item), "module 97 not found");
    }
    CHECK(f.store.items().empty());
}

TEST_CASE("store: an item with an unknown status is a configuration error") {
    Fixture f;
    const auto id = f.new_item();
    RawDb(f.url).exec(fmt::format("UPDATE item SET status = 'gone fishing' WHERE id = {}", id));
    CHECK_THROWS_AS(f.store.find_item(id), ConfigError);
    CHECK_THROWS_WITH(f.store.items(),
                      fmt::format("item {} has an unknown status 'gone fishing'", id));
}

TEST_CASE("store: deleting an item removes its params, statistics and objects") {
    Fixture f;
    const auto id = f.new_item(ItemStatus::pool, {{"vm_id", "1"}});
    const auto keep = f.new_item(ItemStatus::active, {{"vm_id", "2"}});
    f.store.set_item_stat({.item_id = id, .date = "2024-05-01", .name = "cpu", .value = 1});
    const auto object = f.store.create_object({.item_id = id, .type = "vm"});
    const auto operation = f.store.create_operation({.item_id = id, .command = "open"});
    f.store.delete_item(id);
    CHECK_FALSE(f.store.find_item(id));
    CHECK_FALSE(f.store.find_object(object));
    CHECK(f.store.item_params(id).values().empty());
    CHECK(f.store.item_stats(id).empty());
    // Operations stay as history.
    REQUIRE(f.store.find_operation(operation));
    CHECK_FALSE(f.store.find_operation(operation)->item_id);
    CHECK(f.store.item_params(keep).require("vm_id") == "2");
}

TEST_CASE("store: item statistics") {
    Fixture f;
    const auto id = f.new_item();
    f.store.set_item_stat({.item_id = id, .date = "2024-05-01", .name = "cpu", .value = 1.5});
    f.store.set_item_stat({.item_id = id, .date = "2024-05-02", .name = "cpu", .value = 2});
    f.store.set_item_stat({.item_id = id, .date = "2024-05-02", .name = "cpu", .value = 3.25});
    const auto all = f.store.item_stats(id);
    REQUIRE(all.size() == 2);
    CHECK(all[1].date == "2024-05-02");
    CHECK(all[1].value == Approx(3.25));
    CHECK(f.store.item_stats(id, "2024-05-02").size() == 1);
    CHECK_THROWS_WITH(f.store.set_item_stat({.item_id = ItemId(99), .date = "d", .name = "n"}),
                      "item 99 not found");
}

TEST_CASE("store: VDC objects and their params") {
    Fixture f;
    const auto vdc = f.new_item(ItemStatus::active);
    const auto net = f.store.create_object(
        {.item_id = vdc, .type = "network", .name = "net", .params = {{"cidr", "10.0.0.0/24"}}});
    const auto vm = f.store.create_object({.item_id = vdc, .type = "vm", .name = "web"});
    auto object = f.store.find_object(net);
    REQUIRE(object);
    CHECK(object->item_id == vdc);
    CHECK(object->type == "network");
    CHECK(object->name == "net");
    CHECK(object->external_id.empty());
    CHECK(object->status == ObjectStatus::ordered);
    CHECK(is_utc_timestamp(object->created_at));
    CHECK(RawDb(f.url).text(fmt::format("SELECT external_id FROM vdcobject WHERE id = {}", net)) ==
          "NULL");
    CHECK_FALSE(f.store.find_object(ObjectId(99)));

    f.store.set_object_external_id(net, "6f1c0a55-net");
    f.store.set_object_status(net, ObjectStatus::active);
    f.store.set_object_param(vm, "network", std::to_string(net.value()));
    f.store.set_object_param(vm, "flavor", "m1.small");
    f.store.erase_object_param(vm, "flavor");
    object = f.store.find_object(net);
    CHECK(object->external_id == "6f1c0a55-net");
    CHECK(object->status == ObjectStatus::active);
    CHECK(f.store.object_params(net).require("cidr") == "10.0.0.0/24");
    CHECK(f.store.object_params(vm).values() == ParamMap{{"network", std::to_string(net.value())}});

    const auto listed = f.store.objects(vdc);
    REQUIRE(listed.size() == 2);
    CHECK(listed[0].id == net);
    CHECK(listed[1].id == vm);
    CHECK(f.store.objects_of_module(f.module).size() == 2);
    CHECK(f.store.objects_of_module(ModuleId(99)).empty());
    CHECK(f.store.count_objects_of_module(f.module) == 2);
    CHECK(f.store.count_objects_of_module(ModuleId(99)) == 0);
    std::vector<std::string> each; // one row at a time, in id order
    f.store.each_object_of_module(
        f.module, [&](VdcObject&& row) { each.push_back(row.type + " " + row.external_id); });
    CHECK(each == std::vector<std::string>{"network 6f1c0a55-net", "vm "});

    f.store.delete_object(vm);
    CHECK_FALSE(f.store.find_object(vm));
    CHECK(f.store.object_params(vm).values().empty());
    CHECK(f.store.objects(vdc).size() == 1);
}

TEST_CASE("store: VDC object errors") {
    Fixture f;
    const ObjectId missing(99);
    CHECK_THROWS_WITH(f.store.create_object({.item_id = ItemId(98), .type = "vm"}),
                      "item 98 not found");
    CHECK_THROWS_WITH(f.store.set_object_external_id(missing, "x"), "vdc object 99 not found");
    CHECK_THROWS_WITH(f.store.set_object_status(missing, ObjectStatus::deleted),
                      "vdc object 99 not found");
    CHECK_THROWS_WITH(f.store.set_object_param(missing, "a", "b"), "vdc object 99 not found");
    CHECK_THROWS_WITH(f.store.erase_object_param(missing, "a"), "vdc object 99 not found");
    CHECK_THROWS_WITH(f.store.delete_object(missing), "vdc object 99 not found");

    const auto object = f.store.create_object({.item_id = f.new_item(), .type = "vm"});
    RawDb(f.url).exec(fmt::format("UPDATE vdcobject SET status = '' WHERE id = {}", object));
    CHECK_THROWS_WITH(f.store.find_object(object),
                      fmt::format("vdc object {} has an unknown status ''", object));
}

TEST_CASE("store: status names") {
    for (const auto status : {ItemStatus::ordered, ItemStatus::active, ItemStatus::suspended,
                              ItemStatus::closed, ItemStatus::deleted, ItemStatus::pool}) {
        CHECK(parse_item_status(to_string(status)) == status);
    }
    for (const auto status : {ObjectStatus::ordered, ObjectStatus::active, ObjectStatus::closed,
                              ObjectStatus::deleted, ObjectStatus::error}) {
        CHECK(parse_object_status(to_string(status)) == status);
    }
    for (const auto status :
         {OperationStatus::pending, OperationStatus::running, OperationStatus::done,
          OperationStatus::error, OperationStatus::manual}) {
        CHECK(parse_operation_status(to_string(status)) == status);
    }
    CHECK(to_string(ItemStatus::suspended) == "suspended");
    CHECK_FALSE(parse_item_status("Active"));
    CHECK_FALSE(parse_operation_status(""));
}
