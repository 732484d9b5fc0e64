// The oVirt reply parsers (modules/pmovirt/api/parse.hpp) on the reply texts of
// ../shared/api/ovirt.md, each documented shape and each plausible variant of an [I] fact.
#include <catch2/catch.hpp>

#include "pm/errors.hpp"

#include "pmovirt/api/parse.hpp"

using Catch::Matchers::Contains;
using namespace pm::ovirt::api;

namespace {

template <typename Action>
std::string protocol_error_of(Action&& action) {
    try {
        action();
    } catch (const pm::ProtocolError& error) {
        return error.what();
    }
    FAIL("no ProtocolError");
    return {};
}

// §3.2 and §5.1: a VM as the engine writes it in JSON (strings for scalars, epoch-ms dates).
const char* const k_vm = R"({
  "href":"/ovirt-engine/api/vms/123","id":"123","name":"bm42","description":"billmgr item 42",
  "comment":"pm item 42","status":"image_locked","stateless":"false","run_once":"false",
  "next_run_configuration_exists":"false","memory":"4294967296",
  "memory_policy":{"guaranteed":"4294967296","max":"17179869184","ballooning":"true"},
  "cpu":{"architecture":"x86_64","topology":{"sockets":"2","cores":"1","threads":"1"}},
  "os":{"type":"other_linux","boot":{"devices":{"device":["hd"]}}},
  "template":{"href":"/ovirt-engine/api/templates/t1","id":"t1"},
  "cluster":{"href":"/ovirt-engine/api/clusters/c1","id":"c1"},
  "initialization":{"host_name":"vps1.example.com","nic_configurations":{"nic_configuration":[]}},
  "creation_time":1790000000000,"creation_status":"pending",
  "link":[{"href":"/ovirt-engine/api/vms/123/nics","rel":"nics"}],
  "actions":{"link":[{"href":"/ovirt-engine/api/vms/123/start","rel":"start"}]}
})";

} // namespace

TEST_CASE("ovirt parse: a VM with string scalars, references and epoch-ms dates", "[ovirt]") {
    const Vm vm = parse_vm(k_vm);
    CHECK(vm.id == "123");
    CHECK(vm.name == "bm42");
    CHECK(vm.status == VmStatus::image_locked);
    CHECK(vm.status_text == "image_locked");
    CHECK(vm.description == "billmgr item 42");
    CHECK(vm.comment == "pm item 42");
    CHECK(vm.memory == 4294967296);
    CHECK(vm.memory_policy.guaranteed == 4294967296);
    CHECK(vm.memory_policy.max == 17179869184);
    CHECK(vm.cpu.sockets == 2);
    CHECK(vm.cpu.cores == 1);
    CHECK(vm.cpu.threads == 1);
    CHECK(vm.cpu.vcpus() == 2);
    CHECK(vm.template_id == "t1");
    CHECK(vm.cluster_id == "c1");
    CHECK(vm.os_type == "other_linux");
    CHECK(vm.host_name == "vps1.example.com");
    CHECK_FALSE(vm.stateless);
    CHECK_FALSE(vm.next_run_configuration_exists);
    CHECK(vm.creation_status == "pending");
    REQUIRE(vm.creation_time);
    CHECK(*vm.creation_time == 1790000000000);
    CHECK_FALSE(vm.start_time);
    CHECK(vm.disk_attachments.empty());
}

TEST_CASE("ovirt parse: VM scalars as JSON numbers and booleans read the same", "[ovirt]") {
    // §3.2 [I]: the engine is known to write strings; numbers and booleans are plausible.
    const Vm vm = parse_vm(R"({"id":"1","name":"a","status":"UP","memory":1073741824,
        "stateless":true,"next_run_configuration_exists":"TRUE",
        "cpu":{"topology":{"sockets":1,"cores":"2","threads":1}},
        "start_time":"1790000000001","memory_policy":{"guaranteed":536870912}})");
    CHECK(vm.status == VmStatus::up);
    CHECK(vm.memory == 1073741824);
    CHECK(vm.stateless);
    CHECK(vm.next_run_configuration_exists);
    CHECK(vm.cpu.vcpus() == 2);
    CHECK(vm.start_time == 1790000000001);
    CHECK(vm.memory_policy.guaranteed == 536870912);
    CHECK(vm.memory_policy.max == 0);
}

TEST_CASE("ovirt parse: every VM status of the model, and one it does not know", "[ovirt]") {
    for (const char* name :
         {"unassigned", "down", "up", "powering_up", "paused", "migrating", "unknown",
          "not_responding", "wait_for_launch", "reboot_in_progress", "saving_state",
          "restoring_state", "suspended", "image_locked", "powering_down"}) {
        DYNAMIC_SECTION(name) {
            const auto status = vm_status_of(name);
            CHECK(status != VmStatus::unrecognised);
            CHECK(std::string(to_string(status)) == name);
        }
    }
    const Vm vm = parse_vm(R"({"id":"1","status":"hibernating_on_mars"})");
    CHECK(vm.status == VmStatus::unrecognised);
    CHECK(vm.status_text == "hibernating_on_mars");
}

TEST_CASE("ovirt parse: a VM with followed disk attachments and NICs, wrapped twice", "[ovirt]") {
    const Vm vm = parse_vm(R"({"id":"1","status":"down",
        "disk_attachments":{"disk_attachment":[{"id":"d1","bootable":"true","active":"true",
            "interface":"virtio_scsi","disk":{"id":"d1","status":"locked",
            "provisioned_size":"10737418240"}}]},
        "nics":{"nic":[{"id":"n1","name":"nic1","mac":{"address":"56:6f:00:00:00:01"}}]}})");
    REQUIRE(vm.disk_attachments.size() == 1);
    CHECK(vm.disk_attachments[0].bootable);
    CHECK(vm.disk_attachments[0].disk.status == DiskStatus::locked);
    REQUIRE(vm.nics.size() == 1);
    CHECK(vm.nics[0].mac == "56:6f:00:00:00:01");
    SECTION("an empty wrapper is an empty list") {
        const Vm bare = parse_vm(R"({"id":"1","status":"down","disk_attachments":{},"nics":{}})");
        CHECK(bare.disk_attachments.empty());
        CHECK(bare.nics.empty());
    }
}

TEST_CASE("ovirt parse: VM lists, with each shape of an empty collection", "[ovirt]") {
    const auto vms = parse_vms(R"({"vm":[{"id":"1","name":"bm42","status":"up"},
                                          {"id":"2","name":"BM42","status":"down"},
                                          {"id":"3","name":"bm420","status":"down"}]})");
    REQUIRE(vms.size() == 3);
    CHECK(vms[1].status == VmStatus::down);
    SECTION("the search's loose matches are filtered out by exact name") {
        const auto found = find_vm_named(vms, "bm42");
        REQUIRE(found);
        CHECK(found->id == "1");
        CHECK_FALSE(find_vm_named(vms, "bm4"));
    }
    // §3.2 [I]: an empty collection is probably `{}`; `{"vm":[]}` and null are plausible.
    for (const char* empty : {"{}", R"({"vm":[]})", R"({"vm":null})"}) {
        DYNAMIC_SECTION(empty) {
            CHECK(parse_vms(empty).empty());
        }
    }
    SECTION("a single object where a list was due is a list of one") {
        CHECK(parse_vms(R"({"vm":{"id":"9","status":"up"}})").size() == 1);
    }
}

TEST_CASE("ovirt parse: disk attachments and disks: status and provisioned size", "[ovirt]") {
    // §6: the attachment id equals the disk id; without follow the disk is only a reference.
    const auto plain = parse_disk_attachments(R"({"disk_attachment":[{"id":"d1",
        "bootable":"true","interface":"virtio_scsi","active":"true","pass_discard":"false",
        "read_only":"false","disk":{"href":"/ovirt-engine/api/disks/d1","id":"d1"},
        "vm":{"href":"/ovirt-engine/api/vms/1","id":"1"}}]})");
    REQUIRE(plain.size() == 1);
    CHECK(plain[0].id == "d1");
    CHECK(plain[0].disk.id == "d1");
    CHECK_FALSE(plain[0].disk.status);
    CHECK_FALSE(plain[0].disk.provisioned_size);

    const auto followed = parse_disk_attachments(R"({"disk_attachment":[
        {"id":"d1","bootable":"false","disk":{"id":"d1","status":"ok"}},
        {"id":"d2","bootable":"true","disk":{"id":"d2","alias":"bm42_Disk1","status":"illegal",
         "provisioned_size":"21474836480","actual_size":1073741824,"format":"cow",
         "storage_domains":{"storage_domain":[{"id":"sd1"}]}}}]})");
    REQUIRE(followed.size() == 2);
    CHECK(followed[0].disk.status == DiskStatus::ok);
    const auto& disk = followed[1].disk;
    CHECK(disk.status == DiskStatus::illegal);
    CHECK(disk.name == "bm42_Disk1");
    CHECK(disk.provisioned_size == 21474836480);
    CHECK(disk.actual_size == 1073741824);
    CHECK(disk.format == "cow");
    CHECK(disk.storage_domain_ids == std::vector<std::string>{"sd1"});
    SECTION("the boot disk is the bootable attachment") {
        const auto boot = boot_attachment(followed);
        REQUIRE(boot);
        CHECK(boot->id == "d2");
    }
    SECTION("else the only one; none of several non-bootable ones") {
        CHECK(boot_attachment({followed[0]})->id == "d1");
        CHECK_FALSE(boot_attachment({followed[0], followed[0]}));
        CHECK_FALSE(boot_attachment({}));
    }
    CHECK(parse_disk_attachments("{}").empty());
    CHECK(parse_disk(R"({"id":"d1","status":"locked","provisioned_size":"5"})").status ==
          DiskStatus::locked);
    CHECK(parse_disk_attachment(R"({"id":"d1","disk":{"id":"d1"}})").disk.id == "d1");
}

TEST_CASE("ovirt parse: template versions: the newest of a name wins", "[ovirt]") {
    const auto templates = parse_templates(R"({"template":[
        {"id":"t1","name":"debian12","status":"ok","version":{"version_number":"1",
         "version_name":"base"},"memory":"1073741824",
         "cpu":{"topology":{"sockets":"1","cores":"1","threads":"1"}}},
        {"id":"t3","name":"debian12","status":"locked","version":{"version_number":"3",
         "version_name":"2026-11","base_template":{"id":"t1"}}},
        {"id":"t2","name":"debian12","status":"ok","version":{"version_number":2,
         "base_template":{"id":"t1"}}},
        {"id":"t9","name":"Debian12","status":"ok","version":{"version_number":"9"}},
        {"id":"b","name":"Blank","status":"ok"}]})");
    REQUIRE(templates.size() == 5);
    CHECK(templates[0].memory == 1073741824);
    CHECK(templates[1].version.base_template_id == "t1");
    CHECK(templates[1].status == TemplateStatus::locked);
    CHECK(templates[4].version.number == 0);
    const auto newest = newest_template(templates, "debian12");
    REQUIRE(newest);
    CHECK(newest->id == "t3"); // locked: the caller decides to wait (§5.1, §3.5)
    CHECK(newest->version.name == "2026-11");
    CHECK(newest_template(templates, "Blank")->id == "b");
    CHECK_FALSE(newest_template(templates, "centos7"));
    CHECK(parse_templates("{}").empty());
    CHECK(parse_template(R"({"id":"t1","name":"x","status":"illegal"})").status ==
          TemplateStatus::illegal);
}

TEST_CASE("ovirt parse: jobs by correlation id", "[ovirt]") {
    const auto jobs = parse_jobs(R"({"job":[
        {"id":"j1","description":"Creating VM bm42","status":"finished","auto_cleared":"true",
         "external":"false","start_time":1790000000000,"end_time":1790000005000},
        {"id":"j2","description":"Extending disk","status":"started",
         "start_time":1790000006000}]})");
    REQUIRE(jobs.size() == 2);
    CHECK(jobs[0].status == JobStatus::finished);
    CHECK(jobs[0].end_time == 1790000005000);
    CHECK(jobs_state(jobs) == JobsState::running);
    CHECK(jobs_state({jobs[0]}) == JobsState::finished);
    CHECK(jobs_state({}) == JobsState::finished);
    const auto failed = parse_jobs(R"({"job":[{"id":"j3","status":"failed"},
                                              {"id":"j4","status":"finished"}]})");
    CHECK(jobs_state(failed) == JobsState::failed);
    CHECK(jobs_state({parse_job(R"({"id":"j5","status":"aborted"})")}) == JobsState::failed);
    CHECK(parse_jobs("{}").empty());
}

TEST_CASE("ovirt parse: storage domains' available space", "[ovirt]") {
    const auto domains = parse_storage_domains(R"({"storage_domain":[
        {"id":"sd1","name":"data","type":"data","available":"107374182400",
         "used":"53687091200","committed":"0","warning_low_space_indicator":"10"},
        {"id":"sd2","name":"iso","type":"iso"}]})");
    REQUIRE(domains.size() == 2);
    CHECK(domains[0].available == 107374182400);
    CHECK(domains[0].used == 53687091200);
    CHECK(domains[0].committed == 0);
    CHECK_FALSE(domains[1].available);
    CHECK(parse_storage_domain(R"({"id":"sd1","available":5})").available == 5);
    CHECK(parse_storage_domains("{}").empty());
}

TEST_CASE("ovirt parse: NICs and the addresses the guest agent reports", "[ovirt]") {
    const auto devices = parse_reported_devices(R"({"reported_device":[
        {"name":"eth0","type":"network","mac":{"address":"56:6f:00:00:00:01"},
         "ips":{"ip":[{"address":"203.0.113.10","version":"v4"},
                      {"address":"fe80::123","version":"v6"}]}},
        {"name":"lo","type":"network","ips":{}}]})");
    REQUIRE(devices.size() == 2);
    CHECK(devices[0].mac == "56:6f:00:00:00:01");
    REQUIRE(devices[0].ips.size() == 2);
    CHECK(devices[0].ips[0].address == "203.0.113.10");
    CHECK(devices[0].ips[1].version == "v6");
    CHECK(devices[1].ips.empty());
    CHECK(parse_reported_devices("{}").empty());

    const auto nics = parse_nics(R"({"nic":[{"id":"n1","name":"nic1","interface":"virtio",
        "plugged":"true","mac":{"address":"56:6f:00:00:00:01"},
        "vnic_profile":{"id":"p1"},
        "reported_devices":{"reported_device":[{"name":"eth0",
            "ips":{"ip":[{"address":"203.0.113.10","version":"v4"}]}}]}}]})");
    REQUIRE(nics.size() == 1);
    CHECK(nics[0].plugged);
    CHECK(nics[0].vnic_profile_id == "p1");
    REQUIRE(nics[0].reported_devices.size() == 1);
    CHECK(nics[0].reported_devices[0].ips[0].address == "203.0.113.10");
    CHECK(parse_nics(R"({"nic":[]})").empty());
}

TEST_CASE("ovirt parse: clusters and the API root", "[ovirt]") {
    const auto clusters =
        parse_clusters(R"({"cluster":[{"id":"c1","name":"Default","data_center":{"id":"dc1"}}]})");
    REQUIRE(clusters.size() == 1);
    CHECK(clusters[0].data_center_id == "dc1");
    const auto root = parse_api_root(R"({"product_info":{"name":"oVirt Engine",
        "vendor":"ovirt.org","version":{"major":"4","minor":"5","build":"4",
        "revision":"0","full_version":"4.5.4-1.el8"}},"special_objects":{},"time":1790000000000})");
    CHECK(root.name == "oVirt Engine");
    CHECK(root.version == "4.5.4-1.el8");
    CHECK(parse_api_root(R"({"product_info":{"version":{"major":4,"minor":"5"}}})").version ==
          "4.5");
}

TEST_CASE("ovirt parse: the SSO token reply, and an error in its place", "[ovirt]") {
    // §2.1 [C-code]: exp is a decimal string, possibly Long.MAX_VALUE; it is not kept.
    const auto token = parse_token(R"({"access_token":"tok-1","scope":"ovirt-app-api",
        "exp":"9223372036854775807","token_type":"bearer"})");
    CHECK(token.access_token == "tok-1");
    CHECK(token.token_type == "bearer");
    CHECK(parse_token(R"([{"access_token":"tok-2"}])").access_token == "tok-2");
    SECTION("both SSO error shapes are auth errors, whatever the status") {
        for (const char* body :
             {R"({"error_code":"access_denied","error":"Cannot authenticate user admin"})",
              R"({"error":"access_denied","error_description":"Cannot authenticate user"})"}) {
            DYNAMIC_SECTION(body) {
                CHECK_THROWS_AS(parse_token(body), pm::AuthError);
                CHECK_THROWS_WITH(parse_token(body), Contains("Cannot authenticate user"));
            }
        }
    }
    CHECK_THAT(protocol_error_of([] { (void)parse_token(R"({"token_type":"bearer"})"); }),
               Contains("missing key \"access_token\""));
    CHECK_THAT(protocol_error_of([] { (void)parse_token(R"({"access_token":""})"); }),
               Contains("empty"));
}

TEST_CASE("ovirt parse: action replies", "[ovirt]") {
    const auto done =
        parse_action(R"({"status":"complete","job":{"href":"/ovirt-engine/api/jobs/j1",
        "id":"j1"},"use_cloud_init":"true"})");
    CHECK(done.status == "complete");
    CHECK(done.job_id == "j1");
    CHECK_FALSE(done.fault);
    CHECK(parse_action(R"({"status":"pending","async":"true"})").async);
    CHECK(parse_action("{}").status == "complete");
    CHECK(parse_action("").status == "complete");
    const auto failed = parse_action(R"({"fault":{"reason":"Operation Failed",
        "detail":"[Cannot run VM. VM is running.]"},"status":"failed"})");
    CHECK(failed.status == "failed");
    REQUIRE(failed.fault);
    CHECK(*failed.fault == "Operation Failed: Cannot run VM. VM is running.");
}

TEST_CASE("ovirt parse: malformed JSON and wrong types are protocol errors", "[ovirt]") {
    CHECK_THAT(protocol_error_of([] { (void)parse_vm("{\"id\":"); }), Contains("reply of vm"));
    CHECK_THAT(protocol_error_of([] { (void)parse_vm("<html>oops</html>"); }),
               Contains("reply of vm"));
    CHECK_THAT(protocol_error_of([] { (void)parse_vm("[]"); }), Contains("expected object"));
    CHECK_THAT(protocol_error_of([] { (void)parse_vm(R"({"name":"x","status":"up"})"); }),
               Contains("missing key \"id\""));
    CHECK_THAT(protocol_error_of([] { (void)parse_vm(R"({"id":"","status":"up"})"); }),
               Contains("empty id"));
    CHECK_THAT(protocol_error_of([] { (void)parse_vm(R"({"id":7,"status":"up"})"); }),
               Contains("$.id: expected string, got number"));
    CHECK_THAT(
        protocol_error_of([] { (void)parse_vm(R"({"id":"1","status":"up","memory":"4G"})"); }),
        Contains("$.memory"));
    CHECK_THAT(protocol_error_of(
                   [] { (void)parse_vm(R"({"id":"1","status":"up","stateless":"maybe"})"); }),
               Contains("$.stateless: expected boolean or boolean string"));
    CHECK_THAT(protocol_error_of([] { (void)parse_vms(R"({"vm":"none"})"); }),
               Contains("$.vm: expected array"));
    CHECK_THAT(protocol_error_of([] { (void)parse_vms(R"([{"id":"1"}])"); }),
               Contains("expected object, got array"));
    CHECK_THAT(protocol_error_of(
                   [] { (void)parse_disk_attachments(R"({"disk_attachment":[{"id":"d1"}]})"); }),
               Contains("missing key \"disk\""));
    CHECK_THAT(protocol_error_of([] { (void)parse_jobs(R"({"job":[{"id":"j1"}]})"); }),
               Contains("missing key \"status\""));
    CHECK_THAT(protocol_error_of([] {
                   (void)parse_reported_devices(
                       R"({"reported_device":[{"ips":{"ip":[{"version":"v4"}]}}]})");
               }),
               Contains("missing key \"address\""));
    CHECK_THAT(protocol_error_of([] { (void)parse_storage_domains(R"({"storage_domain":[1]})"); }),
               Contains("expected object, got number"));
    CHECK_THAT(protocol_error_of([] { (void)parse_action("[1]"); }), Contains("expected object"));
    CHECK_THAT(protocol_error_of([] { (void)parse_api_root("{}"); }),
               Contains("missing key \"product_info\""));
}
