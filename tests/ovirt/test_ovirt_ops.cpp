// pmovirt setparam, change_password and reopen end to end against the oVirt simulator, on VMs
// made by pmovirt open: resources changed while the VM is down (the disk only grows), the new
// password delivered by cloud-init (sysprep on Windows) on a restart and stored for later first
// runs, the VM made anew under the same name and address; reruns change nothing; the error
// paths reach the running operation. Also the 15-character names of Windows VMs.
#include <cstdint>
#include <limits>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "pm/json.hpp"

#include "pmovirt/vm/item.hpp"
#include "support/ovirt_env.hpp"

namespace {

using Catch::Matchers::Contains;
using pm::store::ItemStatus;
using pm::store::OperationStatus;
using pm::test::OvirtEnv;

constexpr const char* k_password = "First-Pass-3301";
constexpr const char* k_new_password = "Second-Pass-7719";
constexpr std::int64_t k_gib = std::int64_t{1} << 30;

void network(OvirtEnv& env) {
    auto& store = env.store();
    store.set_module_param(env.module(), "ipv4_range", "203.0.113.10-203.0.113.20");
    store.set_module_param(env.module(), "ipv4_prefix", "24");
    store.set_module_param(env.module(), "ipv4_gateway", "203.0.113.1");
    store.set_module_param(env.module(), "shutdown_timeout", "5");
}

void require_done(const pm::test::ProcessResult& result) {
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
}

// An item opened from `os` (2 CPUs, 2 GiB, a 20 GiB disk): its VM up.
pm::ItemId opened(OvirtEnv& env, const std::string& os = "debian12") {
    const auto item = env.add_item({{"os", os},
                                    {"password", k_password},
                                    {"domain", "vps1.example.com"},
                                    {"cpu_number", "2"},
                                    {"ram_mib", "2048"},
                                    {"hdd_mib", "20480"}});
    require_done(env.run("open", item));
    return item;
}

std::int64_t number(const pm::json::View& object, std::string_view key) {
    return std::stoll(object.at(key).as_string());
}

std::int64_t disk_size(const OvirtEnv& env, const std::string& vm) {
    const auto doc =
        pm::json::parse(env.engine("GET", "/vms/" + vm + "/diskattachments?follow=disk"), "d");
    return number(doc.root().at("disk_attachment").at(std::size_t{0}).at("disk"),
                  "provisioned_size");
}

std::size_t vm_count(const OvirtEnv& env) {
    return env.control("GET", "/__sim__/state").root().at("vms").size();
}

bool password_is(const OvirtEnv& env, const std::string& vm, const std::string& password) {
    const auto check = env.control("POST", "/__sim__/check_password",
                                   R"({"vm":")" + vm + R"(","password":")" + password + "\"}");
    return check.root().at("match").as_bool();
}

pm::json::Document boots(const OvirtEnv& env, const std::string& vm) {
    return env.control("GET", "/__sim__/vms/" + vm + "/boots");
}

} // namespace

TEST_CASE("pmovirt setparam: CPUs and memory both ways, the disk grown, while the VM is down, "
          "then up again, a rerun sends nothing",
          "[ovirt][ovirt_e2e]") {
    OvirtEnv env;
    network(env);
    const auto item = opened(env);
    const auto vm = env.param(item, "vm_id");
    auto& store = env.store();
    store.set_item_param(item, "cpu_number", "4");
    store.set_item_param(item, "ram_mib", "1024"); // a downgrade: guaranteed follows it down
    store.set_item_param(item, "hdd_mib", "30720");
    pm::OperationId op;
    require_done(env.run("setparam", item, &op));
    CHECK(env.operation(op).status == OperationStatus::done);
    CHECK(env.vm_status(vm) == "up");
    const auto doc = pm::json::parse(env.engine("GET", "/vms/" + vm), "vm");
    const auto root = doc.root();
    CHECK(number(root, "memory") == k_gib);
    CHECK(number(root.at("memory_policy"), "guaranteed") <= k_gib);
    CHECK(number(root.at("memory_policy"), "max") >= k_gib);
    const auto topology = root.at("cpu").at("topology");
    CHECK(number(topology, "sockets") * number(topology, "cores") * number(topology, "threads") ==
          4);
    CHECK(disk_size(env, vm) == 30 * k_gib);
    CHECK(env.requests("POST", "/shutdown") == 1);
    CHECK(env.requests("PUT", "/vms/" + vm) == 1);
    CHECK(env.requests("POST", "/start") == 2); // open's and setparam's
    CHECK(env.param(item, "restart_after").empty());
    CHECK(env.param(item, "state") == "active");

    SECTION("a rerun and a second setparam: nothing sent, no restart") {
        require_done(env.rerun("setparam", op));
        require_done(env.run("setparam", item));
        CHECK(env.requests("POST", "/shutdown") == 1);
        CHECK(env.requests("PUT", "/vms/" + vm) == 1);
    }
    SECTION("memory beyond the VM's max: max raised with it (guaranteed <= memory <= max)") {
        store.set_item_param(item, "ram_mib", "16384");
        require_done(env.run("setparam", item));
        const auto grown = pm::json::parse(env.engine("GET", "/vms/" + vm), "vm");
        CHECK(number(grown.root(), "memory") == 16 * k_gib);
        CHECK(number(grown.root().at("memory_policy"), "max") >= 16 * k_gib);
        CHECK(env.vm_status(vm) == "up");
    }
    SECTION("a smaller disk: an error before anything changes") {
        store.set_item_param(item, "hdd_mib", "10240");
        store.set_item_param(item, "cpu_number", "1");
        const auto result = env.run("setparam", item, &op);
        INFO(result.out << result.err);
        CHECK(result.exit_code == 1);
        CHECK(env.operation(op).status == OperationStatus::error);
        CHECK_THAT(env.operation(op).error, Contains("only grow"));
        CHECK(env.requests("POST", "/shutdown") == 1);
        CHECK(env.vm_status(vm) == "up");
    }
    SECTION("a suspended item: applied to the VM that stays down") {
        require_done(env.run("suspend", item));
        store.set_item_param(item, "cpu_number", "1");
        require_done(env.run("setparam", item));
        CHECK(env.vm_status(vm) == "down");
        CHECK(env.status(item) == ItemStatus::suspended);
        const auto down = pm::json::parse(env.engine("GET", "/vms/" + vm), "vm");
        const auto cpu = down.root().at("cpu").at("topology");
        CHECK(number(cpu, "sockets") * number(cpu, "cores") * number(cpu, "threads") == 1);
    }
    SECTION("an order past the CPU limit: a clear error before anything is sent") {
        store.set_item_param(item, "cpu_number", "5000");
        const auto result = env.run("setparam", item, &op);
        INFO(result.out << result.err);
        CHECK(result.exit_code == 1);
        CHECK_THAT(env.operation(op).error, Contains("CPUs"));
        CHECK(env.requests("POST", "/shutdown") == 1);
    }
    SECTION("the engine refuses the change: its words, the VM left down, a fixed order's "
            "setparam starts it again") {
        store.set_item_param(item, "ram_mib", "8388608"); // 8 TiB: above the engine's 6 TiB
        const auto result = env.run("setparam", item, &op);
        INFO(result.out << result.err);
        CHECK(result.exit_code == 1);
        CHECK(env.operation(op).status == OperationStatus::error);
        CHECK_THAT(env.operation(op).error, Contains("oVirt refused to give VM"));
        CHECK(env.vm_status(vm) == "down");
        CHECK(env.param(item, "restart_after") == "1");
        store.set_item_param(item, "ram_mib", "2048");
        require_done(env.run("setparam", item));
        CHECK(env.vm_status(vm) == "up");
        CHECK(env.param(item, "restart_after").empty());
    }
}

TEST_CASE("pmovirt setparam: no VM is an error (exit 1)", "[ovirt][ovirt_e2e]") {
    OvirtEnv env;
    const auto item = env.add_item({{"cpu_number", "2"}});
    pm::OperationId op;
    const auto result = env.run("setparam", item, &op);
    CHECK(result.exit_code == 1);
    CHECK_THAT(env.operation(op).error, Contains("has no VM in oVirt"));
}

TEST_CASE("pmovirt change_password: delivered by cloud-init on a restart, stored for later "
          "first runs, never in the log",
          "[ovirt][ovirt_e2e]") {
    OvirtEnv env;
    network(env);
    const auto item = opened(env);
    const auto vm = env.param(item, "vm_id");
    REQUIRE(password_is(env, vm, k_password));
    env.store().set_item_param(item, "password", k_new_password);

    SECTION("a running VM: shut down, initialization stored, a cloud-init run, up again") {
        pm::OperationId op;
        const auto result = env.run("change_password", item, &op);
        require_done(result);
        CHECK(env.vm_status(vm) == "up");
        CHECK(password_is(env, vm, k_new_password));
        const auto doc = boots(env, vm);
        const auto list = doc.root().at("boots");
        REQUIRE(list.size() == 2);
        const auto boot = list.at(std::size_t{1});
        CHECK(boot.at("applied").as_string() == "cloud_init");
        CHECK_FALSE(boot.at("first_run").as_bool());
        // The whole initialization, not only the password: the static address stays.
        CHECK(boot.at("initialization")
                  .at("nic_configurations")
                  .at(std::size_t{0})
                  .at("ip")
                  .at("address")
                  .as_string() == "203.0.113.10");
        // Persisted: the VM's stored initialization carries a password (masked in the dump).
        const auto state = env.control("GET", "/__sim__/state");
        CHECK(state.root().at("vms").at(std::size_t{0}).at("initialization").find("root_password"));
        CHECK(env.requests("PUT", "/vms/" + vm) == 1);
        CHECK(env.param(item, "init_boot").empty());
        CHECK(env.param(item, "restart_after").empty());
        CHECK_THAT(result.out + result.err + env.log(), !Contains(k_new_password));

        require_done(env.rerun("change_password", op)); // a rerun: one more delivery, no harm
        CHECK(env.vm_status(vm) == "up");
        CHECK(password_is(env, vm, k_new_password));
    }
    SECTION("a stopped VM stays down; resume delivers the password") {
        require_done(env.run("suspend", item));
        const auto result = env.run("change_password", item);
        require_done(result);
        CHECK_THAT(result.out, Contains("next_start"));
        CHECK(env.vm_status(vm) == "down");
        CHECK(env.param(item, "init_boot") == "1");
        CHECK(password_is(env, vm, k_password));
        require_done(env.run("resume", item));
        CHECK(env.vm_status(vm) == "up");
        CHECK(password_is(env, vm, k_new_password));
        CHECK(env.param(item, "init_boot").empty());
    }
    SECTION("no password param: a configuration error, the VM untouched") {
        env.store().erase_item_param(item, "password");
        const auto result = env.run("change_password", item);
        CHECK(result.exit_code == 2);
        CHECK(env.requests("POST", "/shutdown") == 0);
    }
}

TEST_CASE("pmovirt reopen: the VM made anew from its template, same name and address, one VM",
          "[ovirt][ovirt_e2e]") {
    OvirtEnv env;
    network(env);
    const auto item = opened(env);
    const auto old_vm = env.param(item, "vm_id");
    env.store().set_item_param(item, "os", "centos7-cpanel");
    env.store().set_item_param(item, "password", k_new_password);
    pm::OperationId op;
    const auto result = env.run("reopen", item, &op);
    require_done(result);
    const auto vm = env.param(item, "vm_id");
    CHECK(vm != old_vm);
    CHECK_FALSE(env.vm_status(old_vm));
    CHECK(env.vm_status(vm) == "up");
    CHECK(vm_count(env) == 1);
    CHECK(env.param(item, "ip") == "203.0.113.10");
    CHECK(env.status(item) == ItemStatus::active);
    const auto doc = pm::json::parse(env.engine("GET", "/vms/" + vm), "vm");
    CHECK(doc.root().at("name").as_string() == "pm-item-" + std::to_string(item.value()));
    CHECK(doc.root().at("template").at("id").as_string() == "7e3a0000-0000-4000-8000-000000000003");
    CHECK(disk_size(env, vm) == 20 * k_gib);
    CHECK(password_is(env, vm, k_new_password));
    const auto first = boots(env, vm);
    REQUIRE(first.root().at("boots").size() == 1);
    CHECK(first.root().at("boots").at(std::size_t{0}).at("applied").as_string() == "cloud_init");
    CHECK_THAT(result.out + result.err + env.log(), !Contains(k_new_password));

    SECTION("a rerun of the done operation: nothing deleted or made") {
        require_done(env.rerun("reopen", op));
        CHECK(env.param(item, "vm_id") == vm);
        CHECK(env.requests("DELETE", "/vms/" + vm) == 0);
        CHECK(env.requests("POST", "/vms") == 2);
    }
    SECTION("a second reopen: a new VM again") {
        require_done(env.run("reopen", item));
        CHECK(env.param(item, "vm_id") != vm);
        CHECK(vm_count(env) == 1);
        CHECK(env.requests("POST", "/vms") == 3);
    }
    SECTION("the VM gone meanwhile: made anew") {
        (void)env.control("DELETE", "/__sim__/vms/" + vm);
        require_done(env.run("reopen", item));
        CHECK(vm_count(env) == 1);
        CHECK(env.vm_status(env.param(item, "vm_id")) == "up");
    }
    SECTION("an unknown template: an error, the old VM already gone, the rerun makes it") {
        env.store().set_item_param(item, "os", "no-such-os");
        const auto failed = env.run("reopen", item, &op);
        CHECK(failed.exit_code == 1);
        CHECK_THAT(env.operation(op).error, Contains("no template 'no-such-os'"));
        CHECK(vm_count(env) == 0);
        env.store().set_item_param(item, "os", "debian12");
        require_done(env.rerun("reopen", op));
        CHECK(vm_count(env) == 1);
        CHECK(env.param(item, "ip") == "203.0.113.10");
    }
}

TEST_CASE("pmovirt Windows template: sysprep, a name of at most 15 characters, change_password "
          "by sysprep",
          "[ovirt][ovirt_e2e]") {
    OvirtEnv env;
    network(env);
    const auto item = env.add_item({{"os", "win2022-plesk"},
                                    {"password", k_password},
                                    {"domain", "winbox-long-name-1.example.com"},
                                    {"hdd_mib", "51200"}});
    require_done(env.run("open", item));
    const auto vm = env.param(item, "vm_id");
    const auto doc = pm::json::parse(env.engine("GET", "/vms/" + vm), "vm");
    const auto name = doc.root().at("name").as_string();
    CHECK(name == "pm-item-" + std::to_string(item.value()));
    CHECK(name.size() <= 15);
    const auto first = boots(env, vm);
    const auto boot = first.root().at("boots").at(std::size_t{0});
    CHECK(boot.at("applied").as_string() == "sysprep");
    const auto init = boot.at("initialization");
    CHECK(init.at("host_name").as_string() == name); // "winbox-long-name-1" is over 15
    CHECK_FALSE(init.find("nic_configurations"));
    CHECK_FALSE(init.find("authorized_ssh_keys"));
    CHECK(password_is(env, vm, k_password));

    env.store().set_item_param(item, "password", k_new_password);
    require_done(env.run("change_password", item));
    const auto after = boots(env, vm);
    REQUIRE(after.root().at("boots").size() == 2);
    CHECK(after.root().at("boots").at(std::size_t{1}).at("applied").as_string() == "sysprep");
    CHECK(password_is(env, vm, k_new_password));
}

TEST_CASE("pmovirt Windows VM names: pm-item-<id> up to 9,999,999, else pm + base 36, at most "
          "15 characters and one per item",
          "[ovirt]") {
    using pm::ovirt::item_vm_short_name;
    CHECK(item_vm_short_name(pm::ItemId{7}) == "pm-item-7");
    CHECK(item_vm_short_name(pm::ItemId{9'999'999}) == "pm-item-9999999");
    CHECK(item_vm_short_name(pm::ItemId{10'000'000}) == "pm5yc1s");
    CHECK(item_vm_short_name(pm::ItemId{std::numeric_limits<std::int64_t>::max()}) ==
          "pm1y2p0ij32e8e7");
    std::set<std::string> names;
    for (std::int64_t id = 9'999'000; id < 10'001'000; ++id) {
        const auto name = item_vm_short_name(pm::ItemId{id});
        CHECK(name.size() <= 15);
        names.insert(name);
    }
    CHECK(names.size() == 2000);
    CHECK(pm::ovirt::item_vm_name(pm::ItemId{12'345'678}, pm::ovirt::GuestKind::linux_cloud_init) ==
          "pm-item-12345678");
    CHECK(pm::ovirt::guest_kind("windows_2022") == pm::ovirt::GuestKind::windows_sysprep);
    CHECK(pm::ovirt::guest_kind("debian_12") == pm::ovirt::GuestKind::linux_cloud_init);
}

TEST_CASE("pmovirt features lists every command it implements, --help of each new one its params",
          "[ovirt]") {
    const auto features =
        pm::test::run({pm::test::module_path("pmovirt"), "--command", "features"}, {});
    REQUIRE(features.exit_code == 0);
    for (const char* name : {"check_connection", "open", "close", "suspend", "resume", "reboot",
                             "setparam", "reopen", "change_password", "sync_item"}) {
        CHECK_THAT(features.out, Contains(std::string("name=\"") + name + "\""));
    }
    for (const char* command : {"setparam", "change_password", "reopen"}) {
        const auto help =
            pm::test::run({pm::test::module_path("pmovirt"), "--command", command, "--help"}, {});
        INFO(command);
        CHECK(help.exit_code == 0);
        CHECK_THAT(help.out, Contains("vm_id"));
    }
}
