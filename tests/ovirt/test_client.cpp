// pmovirt's API client at the request level, over a scripted transport (no simulator): the VM
// calls of the commands on an existing VM, and how the engine's refusals (an action fault, a
// bare CRUD fault, an empty-body 404) become an Outcome or a nullopt rather than an exception.
#include <catch2/catch.hpp>

#include "pm/errors.hpp"
#include "pm/http.hpp"
#include "pm/session_cache.hpp"

#include "pmovirt/api/client.hpp"
#include "support/process.hpp"
#include "support/scripted_transport.hpp"

using namespace std::chrono_literals;
using pm::ovirt::api::Action;
using pm::ovirt::api::FaultKind;
using pm::test::reply;
using pm::test::ScriptedTransport;

namespace {

constexpr auto k_engine = "http://127.0.0.1:9/ovirt-engine";
const std::string k_token = R"({"access_token":"tok-1","token_type":"bearer","scope":"x"})";
const std::string k_vm_id = "0b0b0000-0000-4000-8000-000000000001";

struct Fixture {
    explicit Fixture(std::vector<pm::http::Response> script) : transport(std::move(script)) {}

    pm::test::TempDir cache;
    ScriptedTransport transport;
    pm::http::Client http{transport};
    pm::SessionCache sessions{cache.path(), k_engine, "admin@internal", 3600s};
    pm::Deadline deadline = pm::Deadline::after(60s);
    pm::ovirt::api::Client client{http, k_engine, {"admin@internal", "secret"}, sessions, deadline};
};

std::string vm_json(const std::string& id, const std::string& name, const std::string& status) {
    return R"({"id":")" + id + R"(","name":")" + name + R"(","status":")" + status + R"("})";
}

} // namespace

TEST_CASE("ovirt client: a VM by id, and an empty-body 404 as no VM", "[ovirt]") {
    Fixture f({reply(200, k_token), reply(200, vm_json(k_vm_id, "pm-item-7", "up")), reply(404)});
    const auto vm = f.client.vm(k_vm_id);
    REQUIRE(vm);
    CHECK(vm->status == pm::ovirt::api::VmStatus::up);
    CHECK(f.transport.requests[1].url == std::string(k_engine) + "/api/vms/" + k_vm_id);
    CHECK(f.transport.header(1, "Authorization") == "Bearer tok-1");
    CHECK(f.transport.header(1, "Version") == "4");
    CHECK_FALSE(f.client.vm(k_vm_id).has_value());
}

TEST_CASE("ovirt client: a VM by name is searched case-sensitively and compared exactly",
          "[ovirt]") {
    Fixture f({reply(200, k_token),
               reply(200, R"({"vm":[)" + vm_json("a", "PM-ITEM-7", "up") + "," +
                              vm_json("b", "pm-item-7", "down") + "]}"),
               reply(200, "{}")});
    const auto vm = f.client.vm_named("pm-item-7");
    REQUIRE(vm);
    CHECK(vm->id == "b");
    CHECK(f.transport.requests[1].url ==
          std::string(k_engine) + "/api/vms?search=name%3D%22pm-item-7%22&case_sensitive=true");
    CHECK_FALSE(f.client.vm_named("pm-item-7").has_value()); // {}: an empty collection
}

TEST_CASE("ovirt client: actions and deletes, done or refused", "[ovirt]") {
    SECTION("done: the action's reply, with the Correlation-Id sent") {
        Fixture f({reply(200, k_token), reply(200, R"({"status":"complete","job":{"id":"j"}})")});
        const auto outcome = f.client.act(k_vm_id, Action::shutdown, "{}", "pm-item-7-suspend");
        CHECK(outcome.done);
        CHECK(f.transport.requests[1].url ==
              std::string(k_engine) + "/api/vms/" + k_vm_id + "/shutdown");
        CHECK(f.transport.requests[1].body == "{}");
        CHECK(f.transport.header(1, "Correlation-Id") == "pm-item-7-suspend");
        CHECK(f.transport.header(1, "Content-Type") == "application/json");
    }
    SECTION("an action fault (409): its kind and the engine's words") {
        Fixture f({reply(200, k_token),
                   reply(409, R"({"fault":{"reason":"Operation Failed","detail":"[Cannot run )"
                              R"(VM. VM is running.]"},"status":"failed"})")});
        const auto outcome = f.client.act(k_vm_id, Action::start, "{}", "c");
        CHECK_FALSE(outcome.done);
        CHECK(outcome.refusal == FaultKind::vm_running);
        CHECK(outcome.status == 409);
        CHECK(outcome.message == "Operation Failed: Cannot run VM. VM is running.");
    }
    SECTION("a bare CRUD fault to a delete (409 locked)") {
        Fixture f({reply(200, k_token),
                   reply(409, R"({"reason":"Operation Failed","detail":"[Cannot remove VM: VM )"
                              R"(is locked. Please try again in a few minutes.]"})")});
        const auto outcome = f.client.remove_vm(k_vm_id, "c");
        CHECK_FALSE(outcome.done);
        CHECK(outcome.refusal == FaultKind::locked);
        CHECK(f.transport.requests[1].method == pm::http::Method::del);
    }
    SECTION("an empty-body 404 to a delete: the VM is gone") {
        Fixture f({reply(200, k_token), reply(404)});
        const auto outcome = f.client.remove_vm(k_vm_id, "c");
        CHECK_FALSE(outcome.done);
        CHECK(outcome.refusal == FaultKind::not_found);
        CHECK(outcome.message == "HTTP 404");
    }
    SECTION("any other status throws: 400 an ApiError, 401 twice an AuthError") {
        Fixture bad({reply(200, k_token), reply(400, R"({"reason":"Bad","detail":"x"})")});
        CHECK_THROWS_AS(bad.client.act(k_vm_id, Action::stop, "{}", "c"), pm::ApiError);
        Fixture auth({reply(200, k_token), reply(401, "<html><body>invalid_grant</body></html>"),
                      reply(200, k_token), reply(401, "")});
        CHECK_THROWS_AS(auth.client.act(k_vm_id, Action::stop, "{}", "c"), pm::AuthError);
        CHECK(auth.transport.requests.size() == 4);
    }
}

TEST_CASE("ovirt client: a VM's NICs read, one added and one's profile changed", "[ovirt]") {
    SECTION("NICs of a VM; an empty-body 404: none (the VM gone)") {
        Fixture f({reply(200, k_token),
                   reply(200, R"({"nic":[{"id":"n1","name":"nic1","vnic_profile":{"id":"vp"}}]})"),
                   reply(404)});
        const auto nics = f.client.vm_nics(k_vm_id);
        REQUIRE(nics.size() == 1);
        CHECK(nics[0].vnic_profile_id == "vp");
        CHECK(f.client.vm_nics(k_vm_id).empty());
    }
    SECTION("an add: POST VM/nics with its body and Correlation-Id; a 409 name in use") {
        Fixture f({reply(200, k_token), reply(201, R"({"id":"n2","name":"nic1"})"),
                   reply(409, R"({"reason":"Operation Failed","detail":"[Cannot add Network )"
                              R"(Interface. The Network Interface name is already in use.]"})")});
        CHECK(f.client.add_nic(k_vm_id, R"({"name":"nic1"})", "pm-item-7-open").done);
        CHECK(f.transport.requests[1].url ==
              std::string(k_engine) + "/api/vms/" + k_vm_id + "/nics");
        CHECK(f.transport.requests[1].method == pm::http::Method::post);
        CHECK(f.transport.header(1, "Correlation-Id") == "pm-item-7-open");
        const auto again = f.client.add_nic(k_vm_id, R"({"name":"nic1"})", "c");
        CHECK_FALSE(again.done);
        CHECK(again.refusal == FaultKind::name_in_use);
    }
    SECTION("a profile change: PUT VM/nics/{nic}; an empty-body 404 as a refusal") {
        Fixture f({reply(200, k_token), reply(200, R"({"id":"n1"})"), reply(404)});
        CHECK(f.client.update_nic(k_vm_id, "n1", R"({"vnic_profile":{"id":"vp"}})", "c").done);
        CHECK(f.transport.requests[1].url ==
              std::string(k_engine) + "/api/vms/" + k_vm_id + "/nics/n1");
        CHECK(f.transport.requests[1].method == pm::http::Method::put);
        const auto gone = f.client.update_nic(k_vm_id, "n1", "{}", "c");
        CHECK_FALSE(gone.done);
        CHECK(gone.refusal == FaultKind::not_found);
    }
}
