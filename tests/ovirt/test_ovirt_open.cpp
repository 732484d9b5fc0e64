// pmovirt open end to end against the oVirt simulator (tests/sim/ovirt): the VM from the newest
// template version with the ordered CPU, RAM and disk, cloud-init applied at the first boot
// with the leased address, reruns and kills without a second VM or address, the engine's and
// the address pool's refusals, and close giving the address back.
#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "pm/json.hpp"

#include "support/ovirt_env.hpp"

namespace {

using Catch::Matchers::Contains;
using pm::store::ItemStatus;
using pm::store::OperationStatus;
using pm::test::OvirtEnv;

constexpr const char* k_password = "Root-Pass-8841";
constexpr const char* k_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOpen test@example";
constexpr std::int64_t k_gib = std::int64_t{1} << 30;

void network(OvirtEnv& env, const std::string& range = "203.0.113.10-203.0.113.20") {
    auto& store = env.store();
    store.set_module_param(env.module(), "ipv4_range", range);
    store.set_module_param(env.module(), "ipv4_prefix", "24");
    store.set_module_param(env.module(), "ipv4_gateway", "203.0.113.1");
    store.set_module_param(env.module(), "dns_servers", "192.0.2.53,192.0.2.54");
}

pm::ItemId order(OvirtEnv& env, const std::string& os = "centos7-cpanel") {
    return env.add_item({{"os", os},
                         {"password", k_password},
                         {"ssh_key", k_key},
                         {"domain", "vps1.example.com"},
                         {"cpu_number", "2"},
                         {"ram_mib", "4096"},
                         {"hdd_mib", "30720"}});
}

void require_done(const pm::test::ProcessResult& result) {
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
}

std::int64_t number(const pm::json::View& object, std::string_view key) {
    return std::stoll(object.at(key).as_string());
}

// The VMs the engine has (the simulator's state).
std::size_t vm_count(const OvirtEnv& env) {
    return env.control("GET", "/__sim__/state").root().at("vms").size();
}

} // namespace

TEST_CASE("pmovirt open: the VM from the newest template version, resized, cloud-init at its "
          "first boot, a rerun changes nothing",
          "[ovirt][ovirt_e2e]") {
    OvirtEnv env;
    network(env);
    const auto item = order(env);
    pm::OperationId op;
    const auto result = env.run("open", item, &op);
    require_done(result);

    const auto vm_id = env.param(item, "vm_id");
    REQUIRE_FALSE(vm_id.empty());
    CHECK(env.status(item) == ItemStatus::active);
    CHECK(env.param(item, "state") == "active");
    CHECK(env.param(item, "ip") == "203.0.113.10");
    CHECK(env.param(item, "ips") == "203.0.113.10");
    CHECK(env.operation(op).status == OperationStatus::done);

    const auto vm_doc = pm::json::parse(env.engine("GET", "/vms/" + vm_id), "VM");
    const auto vm = vm_doc.root();
    CHECK(vm.at("name").as_string() == "pm-item-" + std::to_string(item.value()));
    CHECK(vm.at("status").as_string() == "up");
    // centos7-cpanel has versions 1 and 2: the newest, v2, is the one ordered from.
    CHECK(vm.at("template").at("id").as_string() == "7e3a0000-0000-4000-8000-000000000003");
    CHECK(number(vm, "memory") == 4 * k_gib);
    CHECK(number(vm.at("memory_policy"), "guaranteed") == 4 * k_gib);
    CHECK(number(vm.at("memory_policy"), "max") >= 4 * k_gib);
    const auto topology = vm.at("cpu").at("topology");
    CHECK(number(topology, "sockets") * number(topology, "cores") * number(topology, "threads") ==
          2);

    const auto disks_doc =
        pm::json::parse(env.engine("GET", "/vms/" + vm_id + "/diskattachments?follow=disk"), "d");
    const auto disks = disks_doc.root().at("disk_attachment");
    REQUIRE(disks.size() == 1);
    CHECK(number(disks.at(std::size_t{0}).at("disk"), "provisioned_size") == 30 * k_gib);
    CHECK(env.requests("PUT",
                       "/diskattachments/" + disks.at(std::size_t{0}).at("id").as_string()) == 1);

    // One boot, the first run, with the stored initialization applied as cloud-init.
    const auto boots_doc = env.control("GET", "/__sim__/vms/" + vm_id + "/boots");
    const auto boots = boots_doc.root().at("boots");
    REQUIRE(boots.size() == 1);
    const auto boot = boots.at(std::size_t{0});
    CHECK(boot.at("applied").as_string() == "cloud_init");
    const auto init = boot.at("initialization");
    CHECK(init.at("host_name").as_string() == "vps1.example.com");
    CHECK(init.at("authorized_ssh_keys").as_string() == k_key);
    CHECK(init.at("dns_servers").as_string() == "192.0.2.53 192.0.2.54");
    const auto nic = init.at("nic_configurations").at(std::size_t{0});
    CHECK(nic.at("boot_protocol").as_string() == "static");
    CHECK(nic.at("ip").at("address").as_string() == "203.0.113.10");
    CHECK(nic.at("ip").at("netmask").as_string() == "255.255.255.0");
    CHECK(nic.at("ip").at("gateway").as_string() == "203.0.113.1");
    const auto check = env.control("POST", "/__sim__/check_password",
                                   R"({"vm":")" + vm_id + R"(","password":")" + k_password + "\"}");
    CHECK(check.root().at("match").as_bool());

    // The password never leaves the process as text.
    CHECK_THAT(result.out + result.err + env.log(), !Contains(k_password));

    SECTION("a rerun after done: success, nothing sent again") {
        require_done(env.rerun("open", op));
        require_done(env.run("open", item));
        CHECK(env.requests("POST", "/vms") == 1);
        CHECK(env.requests("POST", "/start") == 1);
        CHECK(vm_count(env) == 1);
        CHECK(env.param(item, "ip") == "203.0.113.10");
        CHECK(env.param(item, "vm_id") == vm_id);
    }
    SECTION("close releases the address: the next item gets it") {
        require_done(env.run("close", item));
        CHECK(env.store().ipv4_leases(item).empty());
        CHECK(env.status(item) == ItemStatus::closed);
        const auto next = order(env, "debian12");
        require_done(env.run("open", next));
        CHECK(env.param(next, "ip") == "203.0.113.10");
    }
}

TEST_CASE("pmovirt open: killed while it waits, the rerun finishes with one VM and one address",
          "[ovirt][ovirt_e2e]") {
    // A thin copy of 100 s at time scale 0.01: one second to kill pmovirt in.
    OvirtEnv env({"--time-scale", "0.01", "--seconds", "create_thin=100"});
    network(env);
    const auto item = order(env, "debian12");
    const auto op = env.add_operation(item, "open");
    auto process = pm::test::Process::spawn(env.argv("open", op), env.env());
    for (int i = 0; i < 400 && env.requests("POST", "/vms") == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(env.requests("POST", "/vms") == 1);
    process.kill(SIGKILL);
    (void)process.wait();
    CHECK(env.status(item) == ItemStatus::ordered);

    require_done(env.rerun("open", op));
    CHECK(env.requests("POST", "/vms") == 1);
    CHECK(vm_count(env) == 1);
    CHECK(env.store().ipv4_leases(item) == std::vector<std::string>{"203.0.113.10"});
    CHECK(env.status(item) == ItemStatus::active);
    const auto vm_id = env.param(item, "vm_id");
    CHECK(env.vm_status(vm_id) == "up");
    const auto boots_doc = env.control("GET", "/__sim__/vms/" + vm_id + "/boots");
    CHECK(boots_doc.root().at("boots").size() == 1);
    // debian12's 10 GiB disk grown to the ordered 30 GiB.
    const auto disks_doc =
        pm::json::parse(env.engine("GET", "/vms/" + vm_id + "/diskattachments?follow=disk"), "d");
    CHECK(number(disks_doc.root().at("disk_attachment").at(std::size_t{0}).at("disk"),
                 "provisioned_size") == 30 * k_gib);
}

TEST_CASE("pmovirt open: two items get two addresses, an exhausted range, an unknown template "
          "and an engine refusal are clear errors without a VM",
          "[ovirt][ovirt_e2e]") {
    OvirtEnv env;
    pm::OperationId op;
    SECTION("two items, two addresses") {
        network(env);
        const auto first = order(env, "debian12");
        const auto second = order(env, "debian12");
        require_done(env.run("open", first));
        require_done(env.run("open", second));
        CHECK(env.param(first, "ip") == "203.0.113.10");
        CHECK(env.param(second, "ip") == "203.0.113.11");
        CHECK(env.param(first, "vm_id") != env.param(second, "vm_id"));
        CHECK(vm_count(env) == 2);
    }
    SECTION("no free address: an error naming ipv4_range, no VM") {
        network(env, "203.0.113.10");
        const auto first = order(env, "debian12");
        require_done(env.run("open", first));
        const auto second = order(env, "debian12");
        const auto result = env.run("open", second, &op);
        INFO(result.out << result.err);
        CHECK(result.exit_code == 1);
        CHECK_THAT(env.operation(op).error, Contains("ipv4_range"));
        CHECK_THAT(env.operation(op).error, Contains("no free IPv4 address"));
        CHECK(env.requests("POST", "/vms") == 1);
        CHECK(vm_count(env) == 1);
        CHECK(env.param(second, "ip").empty());
    }
    SECTION("an unknown template: an error naming it, no VM") {
        network(env);
        const auto item = order(env, "no-such-os");
        const auto result = env.run("open", item, &op);
        INFO(result.out << result.err);
        CHECK(result.exit_code == 1);
        CHECK_THAT(env.operation(op).error, Contains("no template 'no-such-os'"));
        CHECK(env.requests("POST", "/vms") == 0);
        CHECK(vm_count(env) == 0);
    }
    SECTION("the engine refuses the create (storage low): the error on the operation") {
        network(env);
        (void)env.control("POST", "/__sim__/config", R"({"storage_available":1073741824})");
        const auto item = order(env, "debian12");
        const auto result = env.run("open", item, &op);
        INFO(result.out << result.err);
        CHECK(result.exit_code == 1);
        CHECK(env.operation(op).status == OperationStatus::error);
        CHECK_THAT(env.operation(op).error, Contains("oVirt refused to create VM"));
        CHECK_THAT(env.operation(op).error, Contains("Low disk space"));
        CHECK(vm_count(env) == 0);
        CHECK(env.status(item) == ItemStatus::ordered);
    }
}

TEST_CASE("pmovirt open: storage_domain places the new VM's disks there, an unknown one is a "
          "config error before any VM",
          "[ovirt][ovirt_e2e]") {
    OvirtEnv env;
    network(env);
    pm::OperationId op;
    const auto domains_doc = pm::json::parse(env.engine("GET", "/storagedomains"), "domains");
    const auto domains = domains_doc.root().at("storage_domain");
    std::string data1;
    std::string data2;
    for (std::size_t i = 0; i < domains.size(); ++i) {
        const auto name = domains.at(i).at("name").as_string();
        (name == "data1" ? data1 : data2) = domains.at(i).at("id").as_string();
    }
    REQUIRE_FALSE(data2.empty());
    const auto disk_domain = [&](pm::ItemId item) {
        const auto doc = pm::json::parse(
            env.engine("GET", "/vms/" + env.param(item, "vm_id") + "/diskattachments?follow=disk"),
            "disks");
        const auto attachments = doc.root().at("disk_attachment");
        REQUIRE(attachments.size() == 1);
        return attachments.at(std::size_t{0})
            .at("disk")
            .at("storage_domains")
            .at("storage_domain")
            .at(std::size_t{0})
            .at("id")
            .as_string();
    };
    SECTION("unset: the disks stay with the template's (data1)") {
        const auto item = order(env, "debian12");
        require_done(env.run("open", item));
        CHECK(disk_domain(item) == data1);
    }
    SECTION("by name") {
        env.store().set_module_param(env.module(), "storage_domain", "data2");
        const auto item = order(env, "centos7-cpanel");
        require_done(env.run("open", item));
        CHECK(disk_domain(item) == data2);
        CHECK(env.vm_status(env.param(item, "vm_id")) == "up");
    }
    SECTION("by id, with clone on") {
        env.store().set_module_param(env.module(), "storage_domain", data2);
        env.store().set_module_param(env.module(), "clone", "on");
        const auto item = order(env, "debian12");
        require_done(env.run("open", item));
        CHECK(disk_domain(item) == data2);
    }
    SECTION("unknown: exit 2 naming it, no VM") {
        env.store().set_module_param(env.module(), "storage_domain", "data9");
        const auto item = order(env, "debian12");
        const auto result = env.run("open", item, &op);
        INFO(result.out << result.err);
        CHECK(result.exit_code == 2);
        CHECK_THAT(env.operation(op).error, Contains("storage domain 'data9'"));
        CHECK(env.requests("POST", "/vms") == 0);
        CHECK(vm_count(env) == 0);
    }
}

TEST_CASE("pmovirt open: vnic_profile puts the new VM's NIC on that profile before its first "
          "boot, an unknown one is a config error before any VM",
          "[ovirt][ovirt_e2e]") {
    OvirtEnv env;
    network(env);
    pm::OperationId op;
    const auto profiles_doc = pm::json::parse(env.engine("GET", "/vnicprofiles"), "profiles");
    const auto profiles = profiles_doc.root().at("vnic_profile");
    std::string management;
    std::string vps;
    for (std::size_t i = 0; i < profiles.size(); ++i) {
        const auto name = profiles.at(i).at("name").as_string();
        (name == "vps" ? vps : management) = profiles.at(i).at("id").as_string();
    }
    REQUIRE_FALSE(vps.empty());
    const auto nic_profile = [&](pm::ItemId item) {
        const auto doc =
            pm::json::parse(env.engine("GET", "/vms/" + env.param(item, "vm_id") + "/nics"), "n");
        const auto nics = doc.root().at("nic");
        REQUIRE(nics.size() == 1);
        return nics.at(std::size_t{0}).at("vnic_profile").at("id").as_string();
    };
    SECTION("unset: the template's profile, nothing sent") {
        const auto item = order(env, "debian12");
        require_done(env.run("open", item));
        CHECK(env.requests("GET", "/nics") == 0);
        CHECK(nic_profile(item) == management);
    }
    SECTION("by name: changed once; a rerun sends nothing") {
        env.store().set_module_param(env.module(), "vnic_profile", "vps");
        const auto item = order(env, "debian12");
        require_done(env.run("open", item, &op));
        CHECK(nic_profile(item) == vps);
        CHECK(env.vm_status(env.param(item, "vm_id")) == "up");
        const auto vm_id = env.param(item, "vm_id");
        const auto boots_doc = env.control("GET", "/__sim__/vms/" + vm_id + "/boots");
        CHECK(boots_doc.root().at("boots").size() == 1);
        const auto nics_doc = pm::json::parse(env.engine("GET", "/vms/" + vm_id + "/nics"), "n");
        const auto nic_id = nics_doc.root().at("nic").at(std::size_t{0}).at("id").as_string();
        CHECK(env.requests("PUT", "/nics/" + nic_id) == 1);
        require_done(env.rerun("open", op));
        CHECK(env.requests("PUT", "/nics/" + nic_id) == 1);
        CHECK(env.requests("POST", "/nics") == 0);
    }
    SECTION("by id") {
        env.store().set_module_param(env.module(), "vnic_profile", vps);
        const auto item = order(env, "centos7-cpanel");
        require_done(env.run("open", item));
        CHECK(nic_profile(item) == vps);
    }
    SECTION("unknown: exit 2 naming it, no VM") {
        env.store().set_module_param(env.module(), "vnic_profile", "nope");
        const auto item = order(env, "debian12");
        const auto result = env.run("open", item, &op);
        INFO(result.out << result.err);
        CHECK(result.exit_code == 2);
        CHECK_THAT(env.operation(op).error, Contains("vNIC profile 'nope'"));
        CHECK(env.requests("POST", "/vms") == 0);
        CHECK(vm_count(env) == 0);
    }
}
