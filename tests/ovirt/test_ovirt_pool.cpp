// pmovirt's pool (modules/pmovirt/pool/backend.hpp) end to end against the oVirt simulator:
// pool_process makes VMs from the newest template version with the tariff's resources, grows
// their disks and keeps them down; an order's open takes one over (renamed, resized, the
// order's cloud-init at its first boot, the order's address), without a create; what cannot
// come from the pool is created as usual; a newer template version replaces the pool's VMs;
// concurrent opens never share a VM.
#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "pm/json.hpp"

#include "support/ovirt_env.hpp"

namespace {

using Catch::Matchers::Contains;
using pm::store::ItemStatus;
using pm::store::PoolState;
using pm::test::OvirtEnv;

constexpr const char* k_password = "Pool-Order-4471";
constexpr const char* k_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPool test@example";
constexpr std::int64_t k_gib = std::int64_t{1} << 30;

void require_done(const pm::test::ProcessResult& result) {
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
}

std::int64_t number(const pm::json::View& object, std::string_view key) {
    return std::stoll(object.at(key).as_string());
}

pm::ItemId order(OvirtEnv& env, pm::ParamMap extra = {}) {
    pm::ParamMap params{{"os", "debian12"},
                        {"password", k_password},
                        {"ssh_key", k_key},
                        {"domain", "vps1.example.com"}};
    for (auto& [name, value] : extra) {
        params.insert_or_assign(name, value);
    }
    return env.add_item(std::move(params));
}

std::vector<pm::store::PoolServer> servers(OvirtEnv& env) {
    return env.store().pool_servers(env.module());
}

std::size_t free_servers(OvirtEnv& env) {
    const auto all = servers(env);
    return static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [](const auto& server) {
        return server.state == PoolState::free;
    }));
}

pm::json::Document vm_doc(const OvirtEnv& env, const std::string& id) {
    return pm::json::parse(env.engine("GET", "/vms/" + id), "VM");
}

std::int64_t disk_bytes(const OvirtEnv& env, const std::string& id) {
    const auto doc =
        pm::json::parse(env.engine("GET", "/vms/" + id + "/diskattachments?follow=disk"), "d");
    return number(doc.root().at("disk_attachment").at(std::size_t{0}).at("disk"),
                  "provisioned_size");
}

std::size_t boots(const OvirtEnv& env, const std::string& id) {
    return env.control("GET", "/__sim__/vms/" + id + "/boots").root().at("boots").size();
}

std::size_t vm_count(const OvirtEnv& env) {
    return env.control("GET", "/__sim__/state").root().at("vms").size();
}

} // namespace

TEST_CASE("pmovirt pool: pool_process keeps VMs made from the newest template, grown and down, "
          "an open takes one over with the order's identity",
          "[ovirt][ovirt_e2e][pool]") {
    OvirtEnv env;
    env.enable_pool();
    require_done(env.fill_pool());
    REQUIRE(servers(env).size() == 1);
    const auto pooled = servers(env).front();
    CHECK(pooled.state == PoolState::free);
    CHECK(pooled.os == "7e3a0000-0000-4000-8000-000000000001"); // debian12's (one version)
    const auto pool_vm = env.param(pooled.item_id, "vm_id");
    REQUIRE_FALSE(pool_vm.empty());
    CHECK(env.param(pooled.item_id, "state") == "stopped");
    {
        const auto doc = vm_doc(env, pool_vm);
        CHECK(doc.root().at("status").as_string() == "down");
        CHECK(doc.root().at("name").as_string() ==
              "pm-item-" + std::to_string(pooled.item_id.value()));
        CHECK(number(doc.root(), "memory") == 2 * k_gib);
    }
    CHECK(disk_bytes(env, pool_vm) == 20 * k_gib); // the tariff's, grown before any boot
    CHECK(boots(env, pool_vm) == 0);
    // A run with the pool full sends no create.
    (void)env.control("DELETE", "/__sim__/requests");
    require_done(env.run_module("pool_process"));
    CHECK(env.requests("POST", "/vms") == 0);

    SECTION("the open takes the pool's VM: renamed, resized, the order's cloud-init at its "
            "first boot, the order's address; no create") {
        (void)env.control("DELETE", "/__sim__/requests");
        const auto item =
            order(env, {{"cpu_number", "4"}, {"ram_mib", "4096"}, {"hdd_mib", "30720"}});
        const auto result = env.run("open", item);
        require_done(result);
        CHECK_THAT(result.out, Contains("pool_server"));
        CHECK(env.requests("POST", "/vms") == 0);
        CHECK(env.param(item, "vm_id") == pool_vm);
        CHECK(env.status(item) == ItemStatus::active);
        CHECK(env.param(item, "state") == "active");
        CHECK(env.param(item, "ip") == "203.0.113.10");
        CHECK(env.store().ipv4_leases(item) == std::vector<std::string>{"203.0.113.10"});
        CHECK(servers(env).empty());
        CHECK_FALSE(env.store().find_item(pooled.item_id).has_value());
        CHECK(env.param(item, "init_boot").empty());

        const auto doc = vm_doc(env, pool_vm);
        const auto vm = doc.root();
        CHECK(vm.at("name").as_string() == "pm-item-" + std::to_string(item.value()));
        CHECK(vm.at("status").as_string() == "up");
        CHECK(number(vm, "memory") == 4 * k_gib);
        const auto topology = vm.at("cpu").at("topology");
        CHECK(number(topology, "sockets") * number(topology, "cores") *
                  number(topology, "threads") ==
              4);
        CHECK(disk_bytes(env, pool_vm) == 30 * k_gib);

        const auto boots_doc = env.control("GET", "/__sim__/vms/" + pool_vm + "/boots");
        const auto list = boots_doc.root().at("boots");
        REQUIRE(list.size() == 1);
        const auto boot = list.at(std::size_t{0});
        CHECK(boot.at("first_run").as_bool());
        CHECK(boot.at("applied").as_string() == "cloud_init");
        const auto init = boot.at("initialization");
        CHECK(init.at("host_name").as_string() == "vps1.example.com");
        CHECK(init.at("authorized_ssh_keys").as_string() == k_key);
        CHECK(init.at("nic_configurations").at(std::size_t{0}).at("ip").at("address").as_string() ==
              "203.0.113.10");
        const auto check =
            env.control("POST", "/__sim__/check_password",
                        R"({"vm":")" + pool_vm + R"(","password":")" + k_password + "\"}");
        CHECK(check.root().at("match").as_bool());
        CHECK_THAT(result.out + result.err + env.log(), !Contains(k_password));

        // The next pool_process makes a new server for the pool's target.
        require_done(env.fill_pool());
        CHECK(free_servers(env) == 1);
        CHECK(servers(env).front().item_id != pooled.item_id);
        CHECK(vm_count(env) == 2);
    }
    SECTION("an order for a disk smaller than the tariff's is made from the template; the pool "
            "keeps its VM") {
        (void)env.control("DELETE", "/__sim__/requests");
        const auto item = order(env, {{"hdd_mib", "10240"}});
        require_done(env.run("open", item));
        CHECK(env.requests("POST", "/vms") == 1);
        CHECK(env.param(item, "vm_id") != pool_vm);
        CHECK(free_servers(env) == 1);
        CHECK(vm_doc(env, pool_vm).root().at("status").as_string() == "down");
    }
    SECTION("an order of another template is made from that template") {
        const auto item = order(env, {{"os", "centos7-cpanel"}});
        require_done(env.run("open", item));
        CHECK(env.param(item, "vm_id") != pool_vm);
        CHECK(free_servers(env) == 1);
    }
    SECTION("a pool VM someone started still boots with the order's identity") {
        env.act(pool_vm, "start");
        REQUIRE(boots(env, pool_vm) == 1);
        const auto item = order(env);
        require_done(env.run("open", item));
        CHECK(env.param(item, "vm_id") == pool_vm);
        const auto check =
            env.control("POST", "/__sim__/check_password",
                        R"({"vm":")" + pool_vm + R"(","password":")" + k_password + "\"}");
        CHECK(check.root().at("match").as_bool());
        CHECK(vm_doc(env, pool_vm).root().at("status").as_string() == "up");
    }
    SECTION("a pool VM deleted in the portal: the open makes a VM from the template, "
            "pool_process drops the server") {
        (void)env.control("DELETE", "/__sim__/vms/" + pool_vm);
        const auto item = order(env);
        const auto result = env.run("open", item);
        require_done(result);
        CHECK(env.param(item, "vm_id") != pool_vm);
        CHECK(env.status(item) == ItemStatus::active);
        require_done(env.fill_pool());
        CHECK(free_servers(env) == 1);
        CHECK(vm_count(env) == 2);
    }
}

TEST_CASE("pmovirt pool: a newer template version replaces the pool's VMs of the older one",
          "[ovirt][ovirt_e2e][pool]") {
    OvirtEnv env;
    env.enable_pool({{"pool_os", "centos7-cpanel"}});
    require_done(env.fill_pool());
    REQUIRE(servers(env).size() == 1);
    const auto old_server = servers(env).front();
    CHECK(old_server.os == "7e3a0000-0000-4000-8000-000000000003"); // version 2, the newest
    const auto old_vm = env.param(old_server.item_id, "vm_id");

    (void)env.control("POST", "/__sim__/templates", R"({"name":"centos7-cpanel"})");
    require_done(env.fill_pool());
    require_done(env.fill_pool());
    const auto now = servers(env);
    REQUIRE(now.size() == 1);
    CHECK(now.front().os != old_server.os);
    const auto new_vm = env.param(now.front().item_id, "vm_id");
    CHECK(new_vm != old_vm);
    CHECK_FALSE(env.vm_status(old_vm).has_value());
    CHECK(vm_count(env) == 1);
    CHECK(vm_doc(env, new_vm).root().at("template").at("id").as_string() == now.front().os);

    const auto item = order(env, {{"os", "centos7-cpanel"}});
    require_done(env.run("open", item));
    CHECK(env.param(item, "vm_id") == new_vm);
}

TEST_CASE("pmovirt pool: concurrent opens never share a VM", "[ovirt][ovirt_e2e][pool]") {
    OvirtEnv env;
    env.enable_pool({{"pool_steps", "3,3,3,3,3"}});
    for (int i = 0; i < 3; ++i) {
        (void)order(env); // orders of the window: the target is steps[0] = 3
    }
    require_done(env.fill_pool());
    REQUIRE(free_servers(env) == 3);
    std::vector<pm::ItemId> items;
    std::vector<pm::OperationId> ops;
    for (int i = 0; i < 4; ++i) {
        items.push_back(order(env));
        ops.push_back(env.add_operation(items.back(), "open"));
    }
    std::vector<pm::test::ProcessResult> results(items.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < items.size(); ++i) {
        threads.emplace_back([&, i] { results[i] = env.rerun("open", ops[i]); });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    std::set<std::string> vms;
    std::set<std::string> addresses;
    for (std::size_t i = 0; i < items.size(); ++i) {
        require_done(results[i]);
        CHECK(env.status(items[i]) == ItemStatus::active);
        vms.insert(env.param(items[i], "vm_id"));
        addresses.insert(env.param(items[i], "ip"));
    }
    CHECK(vms.size() == 4);
    CHECK(addresses.size() == 4);
    CHECK(servers(env).empty()); // three taken over, the fourth made from the template
    CHECK(vm_count(env) == 4);
}
