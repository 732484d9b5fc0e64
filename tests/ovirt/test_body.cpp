// The oVirt request bodies (modules/pmovirt/api/body.hpp): the shapes of
// ../shared/api/ovirt.md §5.1, §5.3, §5.5 and §6, values as strings, and the memory rules.
#include <limits>

#include <catch2/catch.hpp>

#include "pm/errors.hpp"
#include "pm/json.hpp"

#include "pmovirt/api/body.hpp"

using Catch::Matchers::Contains;
using namespace pm::ovirt::api;

namespace {

constexpr std::int64_t k_gib = std::int64_t{1} << 30;

template <typename Action>
std::string operation_error_of(Action&& action) {
    try {
        action();
    } catch (const pm::OperationError& error) {
        return error.what();
    }
    FAIL("no OperationError");
    return {};
}

VmCreate debian_order() {
    VmCreate spec;
    spec.name = "bm42";
    spec.description = "billmgr item 42";
    spec.cluster = {"cl", ""};
    spec.template_ref = {"tpl", ""};
    spec.memory = 4 * k_gib;
    spec.cpu = {2, 1, 1};
    Initialization init;
    init.host_name = "vps1.example.com";
    init.root_password = "pa\"ss\\word";
    init.authorized_ssh_keys = "ssh-ed25519 AAAA user@host";
    init.dns_servers = "8.8.8.8 1.1.1.1";
    init.ip = StaticIp{"eth0", "203.0.113.10", "255.255.255.0", "203.0.113.1"};
    spec.initialization = init;
    return spec;
}

} // namespace

TEST_CASE("ovirt body: VM create from a template, as the reference's minimal body", "[ovirt]") {
    CHECK(vm_create_body(debian_order()) ==
          R"({"name":"bm42","description":"billmgr item 42","cluster":{"id":"cl"},)"
          R"("template":{"id":"tpl"},"type":"server","memory":"4294967296",)"
          R"("memory_policy":{"guaranteed":"4294967296","max":"17179869184"},)"
          R"("cpu":{"topology":{"sockets":"2","cores":"1","threads":"1"}},)"
          R"("initialization":{"host_name":"vps1.example.com","user_name":"root",)"
          R"("root_password":"pa\"ss\\word","authorized_ssh_keys":"ssh-ed25519 AAAA user@host",)"
          R"("dns_servers":"8.8.8.8 1.1.1.1","nic_configurations":{"nic_configuration":[)"
          R"({"name":"eth0","on_boot":"true","boot_protocol":"static","ip":{)"
          R"("address":"203.0.113.10","netmask":"255.255.255.0","gateway":"203.0.113.1",)"
          R"("version":"v4"}}]}}})");
}

TEST_CASE("ovirt body: VM create with the disks placed on a storage domain", "[ovirt]") {
    VmCreate spec;
    spec.name = "bm7";
    spec.cluster = {"cl", ""};
    spec.template_ref = {"tpl", ""};
    spec.disks = {{"d1", "sd2"}, {"d2", "sd2"}};
    CHECK(vm_create_body(spec) ==
          R"({"name":"bm7","cluster":{"id":"cl"},"template":{"id":"tpl"},"type":"server",)"
          R"("disk_attachments":{"disk_attachment":[)"
          R"({"disk":{"id":"d1","storage_domains":{"storage_domain":[{"id":"sd2"}]}}},)"
          R"({"disk":{"id":"d2","storage_domains":{"storage_domain":[{"id":"sd2"}]}}}]}})");
    spec.disks = {{"d1", ""}};
    CHECK_THAT(operation_error_of([&] { (void)vm_create_body(spec); }), Contains("disk placement"));
}

TEST_CASE("ovirt body: a NIC added on a vNIC profile, and a NIC's profile changed", "[ovirt]") {
    CHECK(pm::ovirt::api::nic_add_body("nic1", "vp2") ==
          R"({"name":"nic1","interface":"virtio","vnic_profile":{"id":"vp2"}})");
    CHECK(pm::ovirt::api::nic_profile_body("vp2") == R"({"vnic_profile":{"id":"vp2"}})");
    CHECK_THAT(operation_error_of([] { (void)pm::ovirt::api::nic_add_body("nic1", ""); }),
               Contains("vNIC profile"));
    CHECK_THAT(operation_error_of([] { (void)pm::ovirt::api::nic_profile_body(""); }),
               Contains("vNIC profile"));
}

TEST_CASE("ovirt body: VM create variants: names, template's resources, refs", "[ovirt]") {
    SECTION("cluster and template by name; memory and CPU left to the template") {
        VmCreate spec;
        spec.name = "bm7";
        spec.cluster = {"", "Default"};
        spec.template_ref = {"", "debian12"};
        CHECK(vm_create_body(spec) == R"({"name":"bm7","cluster":{"name":"Default"},)"
                                      R"("template":{"name":"debian12"},"type":"server"})");
    }
    SECTION("a guaranteed memory above the memory is lowered to it") {
        auto spec = debian_order();
        spec.memory_guaranteed = 8 * k_gib;
        spec.initialization.reset();
        const auto doc = pm::json::parse(vm_create_body(spec), "body");
        CHECK(doc.root().at("memory_policy").at("guaranteed").as_string() == "4294967296");
    }
    SECTION("a non-ASCII name is the engine's to judge (letters of any script, §5.1)") {
        auto spec = debian_order();
        spec.name = "сервер-1";
        CHECK_NOTHROW(vm_create_body(spec));
    }
    SECTION("refused before the engine would") {
        auto spec = debian_order();
        spec.name = "";
        CHECK_THAT(operation_error_of([&] { (void)vm_create_body(spec); }),
                   Contains("1 to 64 characters"));
        spec.name = std::string(65, 'a');
        CHECK_THAT(operation_error_of([&] { (void)vm_create_body(spec); }),
                   Contains("1 to 64 characters"));
        spec.name = "bm 42";
        CHECK_THAT(operation_error_of([&] { (void)vm_create_body(spec); }),
                   Contains("may hold only"));
        spec.name = "bm42";
        spec.cluster = {};
        CHECK_THAT(operation_error_of([&] { (void)vm_create_body(spec); }), Contains("no cluster"));
        spec = debian_order();
        spec.template_ref = {};
        CHECK_THAT(operation_error_of([&] { (void)vm_create_body(spec); }),
                   Contains("no template"));
        spec = debian_order();
        spec.cpu = {2, 0, 1};
        CHECK_THAT(operation_error_of([&] { (void)vm_create_body(spec); }),
                   Contains("CPU topology"));
        spec = debian_order();
        spec.memory = 0;
        spec.memory_guaranteed = k_gib;
        CHECK_THAT(operation_error_of([&] { (void)vm_create_body(spec); }),
                   Contains("without the memory"));
        spec = debian_order();
        spec.initialization->ip->netmask = "";
        CHECK_THAT(operation_error_of([&] { (void)vm_create_body(spec); }), Contains("netmask"));
    }
}

TEST_CASE("ovirt body: memory policy keeps guaranteed <= memory <= max", "[ovirt]") {
    SECTION("at create: guaranteed is the memory, max four times it") {
        const auto policy = memory_policy_for(2 * k_gib, std::nullopt);
        CHECK(policy.guaranteed == 2 * k_gib);
        CHECK(policy.max == 8 * k_gib);
    }
    SECTION("growing past the current max raises it") {
        const auto policy = memory_policy_for(16 * k_gib, 16 * k_gib, {4 * k_gib, 8 * k_gib});
        CHECK(policy.guaranteed == 16 * k_gib);
        CHECK(policy.max == 64 * k_gib);
    }
    SECTION("a max that still covers the memory is kept") {
        const auto policy = memory_policy_for(4 * k_gib, std::nullopt, {2 * k_gib, 8 * k_gib});
        CHECK(policy.max == 8 * k_gib);
    }
    SECTION("shrinking lowers a guaranteed above the memory") {
        const auto policy = memory_policy_for(k_gib, 4 * k_gib, {4 * k_gib, 16 * k_gib});
        CHECK(policy.guaranteed == k_gib);
        CHECK(policy.max == 16 * k_gib);
    }
    SECTION("max is capped at 1 TiB but never below the memory") {
        CHECK(memory_max_for(512 * k_gib) == 1024 * k_gib);
        CHECK(memory_max_for(2048 * k_gib) == 2048 * k_gib);
        CHECK(memory_max_for(std::numeric_limits<std::int64_t>::max()) ==
              std::numeric_limits<std::int64_t>::max());
    }
    CHECK_THROWS_AS(memory_policy_for(0, std::nullopt), pm::OperationError);
    CHECK_THROWS_AS(memory_policy_for(k_gib, -1), pm::OperationError);
}

TEST_CASE("ovirt body: CPU topology and netmask helpers", "[ovirt]") {
    CHECK(cpu_topology_for(1).sockets == 1);
    const auto eight = cpu_topology_for(8);
    CHECK((eight.sockets == 8 && eight.cores == 1 && eight.threads == 1));
    const auto thirty_two = cpu_topology_for(32);
    CHECK((thirty_two.sockets == 16 && thirty_two.cores == 2));
    const auto prime = cpu_topology_for(17);
    CHECK((prime.sockets == 1 && prime.cores == 17));
    CHECK(cpu_topology_for(710).vcpus() == 710);
    CHECK_THROWS_AS(cpu_topology_for(0), pm::OperationError);
    CHECK_THROWS_AS(cpu_topology_for(711), pm::OperationError);
    CHECK_THROWS_AS(cpu_topology_for(std::numeric_limits<std::int64_t>::max()), pm::OperationError);
    CHECK(netmask_of_prefix(24) == "255.255.255.0");
    CHECK(netmask_of_prefix(32) == "255.255.255.255");
    CHECK(netmask_of_prefix(0) == "0.0.0.0");
    CHECK(netmask_of_prefix(19) == "255.255.224.0");
    CHECK_THROWS_AS(netmask_of_prefix(33), pm::OperationError);
    CHECK_THROWS_AS(netmask_of_prefix(-1), pm::OperationError);
}

TEST_CASE("ovirt body: VM update sends only what changes", "[ovirt]") {
    VmUpdate update;
    update.cpu = CpuTopology{4, 1, 1};
    CHECK(vm_update_body(update) ==
          R"({"cpu":{"topology":{"sockets":"4","cores":"1","threads":"1"}}})");
    update = {};
    update.memory = 8 * k_gib;
    update.current_policy = {4 * k_gib, 16 * k_gib};
    CHECK(
        vm_update_body(update) ==
        R"({"memory":"8589934592","memory_policy":{"guaranteed":"8589934592","max":"17179869184"}})");
    update = {};
    Initialization init;
    init.root_password = "new";
    update.initialization = init;
    CHECK(vm_update_body(update) ==
          R"({"initialization":{"user_name":"root","root_password":"new"}})");
    init = {};
    init.authorized_ssh_keys = "ssh-ed25519 AAAA";
    update.initialization = init;
    CHECK(vm_update_body(update) ==
          R"({"initialization":{"user_name":"root","authorized_ssh_keys":"ssh-ed25519 AAAA"}})");
    CHECK(vm_update_body({}) == "{}");
    update = {};
    update.memory_guaranteed = k_gib;
    CHECK_THROWS_AS(vm_update_body(update), pm::OperationError);
}

TEST_CASE("ovirt body: disk extend", "[ovirt]") {
    CHECK(disk_extend_body(20 * k_gib) == R"({"disk":{"provisioned_size":"21474836480"}})");
    CHECK_THROWS_AS(disk_extend_body(0), pm::OperationError);
}

TEST_CASE("ovirt body: actions", "[ovirt]") {
    CHECK(start_body() == "{}");
    CHECK(start_body({true, std::nullopt, std::nullopt}) == R"({"use_cloud_init":"true"})");
    CHECK(start_body({false, true, std::nullopt}) ==
          R"({"use_cloud_init":"false","volatile":"true"})");
    Initialization init;
    init.root_password = "pw";
    CHECK(
        start_body({true, std::nullopt, init}) ==
        R"({"use_cloud_init":"true","vm":{"initialization":{"user_name":"root","root_password":"pw"}}})");
    init.user_name = "Administrator";
    StartOptions sysprep;
    sysprep.use_sysprep = true;
    sysprep.run_once = init;
    CHECK(start_body(sysprep) == R"({"use_sysprep":"true","vm":{"initialization":{"user_name":)"
                                 R"("Administrator","root_password":"pw"}}})");
    CHECK(action_body() == "{}");
    CHECK(action_body(Force::yes) == R"({"force":"true"})");
}
