// pmovirt's VM layer (vm/power.hpp: what suspend, resume, reboot, close and the pool run) as
// unit tests over a scripted transport: the operation's Connection is built from the module
// params as in a command, with the transport swapped, so that each test states the engine's
// answers one by one and checks the requests the module sent in reply — no simulator, no timing.
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pm/errors.hpp"

#include "pmovirt/vm/connection.hpp"
#include "pmovirt/vm/power.hpp"
#include "support/module_context.hpp"
#include "support/scripted_transport.hpp"

using namespace std::chrono_literals;
using pm::test::reply;
using pm::test::ScriptedTransport;

namespace {

constexpr auto k_engine = "http://127.0.0.1:9/ovirt-engine";
const std::string k_token = R"({"access_token":"tok-1","token_type":"bearer","scope":"x"})";
const std::string k_vm_id = "0b0b0000-0000-4000-8000-000000000007";
const std::string k_vm_url = std::string(k_engine) + "/api/vms/" + k_vm_id;

pm::http::Response vm(const std::string& status) {
    return reply(200,
                 R"({"id":")" + k_vm_id + R"(","name":"pm-item-7","status":")" + status + R"("})");
}

pm::http::Response done() {
    return reply(200, R"({"status":"complete"})");
}

pm::http::Response action_fault(const std::string& detail) {
    return reply(409, R"({"fault":{"reason":"Operation Failed","detail":"[)" + detail +
                          R"(]"},"status":"failed"})");
}

// The engine Connection of an operation over a scripted transport, which it keeps a view of.
struct Engine {
    explicit Engine(std::vector<pm::http::Response> script)
        : module({{"url", k_engine},
                  {"username", "admin@internal"},
                  {"password", "secret-ovirt-admin"},
                  {"task_poll_ms", "1"}}) {
        auto owned = std::make_unique<ScriptedTransport>(std::move(script));
        transport = owned.get();
        connection = std::make_unique<pm::ovirt::Connection>(module.context, std::move(owned));
    }

    [[nodiscard]] pm::ovirt::PowerRequest request() const {
        return {*connection, k_vm_id, "pm-item-7", "pm-item-7-test"};
    }
    // "METHOD path" of every request after the token's.
    [[nodiscard]] std::vector<std::string> sent() const { return transport->sent(k_engine, 1); }

    pm::test::ModuleContext module;
    ScriptedTransport* transport = nullptr;
    std::unique_ptr<pm::ovirt::Connection> connection;
};

const std::string k_vm_path = "/api/vms/" + k_vm_id;

} // namespace

TEST_CASE("ovirt vm: close's remove powers a running VM off, deletes it and waits for the 404",
          "[ovirt]") {
    Engine e({reply(200, k_token), vm("up"), done(), vm("down"), done(), vm("image_locked"),
              reply(404)});
    pm::ovirt::remove(e.request());
    CHECK(e.sent() == std::vector<std::string>{"GET " + k_vm_path, "POST " + k_vm_path + "/stop",
                                               "GET " + k_vm_path, "DELETE " + k_vm_path,
                                               "GET " + k_vm_path, "GET " + k_vm_path});
    CHECK(e.transport->header(2, "Correlation-Id") == "pm-item-7-test");
    CHECK(e.transport->header(4, "Correlation-Id") == "pm-item-7-test");
}

TEST_CASE("ovirt vm: a delete refused as locked is sent again, a 404 to it is success", "[ovirt]") {
    Engine e({reply(200, k_token), vm("down"),
              reply(409, R"({"reason":"Operation Failed","detail":"[Cannot remove VM: VM is )"
                         R"(locked. Please try again in a few minutes.]"})"),
              vm("down"), reply(404)});
    pm::ovirt::remove(e.request());
    CHECK(e.sent() == std::vector<std::string>{"GET " + k_vm_path, "DELETE " + k_vm_path,
                                               "GET " + k_vm_path, "DELETE " + k_vm_path});
}

TEST_CASE("ovirt vm: suspend's power_off, ACPI first, a power-off only after the grace",
          "[ovirt]") {
    SECTION("a guest that shuts down: one shutdown, no stop") {
        Engine e({reply(200, k_token), vm("up"), done(), vm("powering_down"), vm("down")});
        const auto last = pm::ovirt::power_off(e.request(), 3600s);
        CHECK(last.status == pm::ovirt::api::VmStatus::down);
        CHECK(e.sent() == std::vector<std::string>{"GET " + k_vm_path,
                                                   "POST " + k_vm_path + "/shutdown",
                                                   "GET " + k_vm_path, "GET " + k_vm_path});
    }
    SECTION("a grace of 0: a power-off at once") {
        Engine e({reply(200, k_token), vm("up"), done(), vm("down")});
        (void)pm::ovirt::power_off(e.request(), 0s);
        CHECK(e.sent() == std::vector<std::string>{"GET " + k_vm_path,
                                                   "POST " + k_vm_path + "/stop",
                                                   "GET " + k_vm_path});
    }
    SECTION("a suspended VM cannot take a shutdown: stopped once, however long it takes") {
        Engine e({reply(200, k_token), vm("suspended"), done(), vm("suspended"), vm("down")});
        (void)pm::ovirt::power_off(e.request(), 3600s);
        CHECK(e.sent() == std::vector<std::string>{"GET " + k_vm_path,
                                                   "POST " + k_vm_path + "/stop",
                                                   "GET " + k_vm_path, "GET " + k_vm_path});
    }
    SECTION("an unassigned VM: an error at once, nothing sent") {
        Engine e({reply(200, k_token), vm("unassigned")});
        CHECK_THROWS_AS(pm::ovirt::power_off(e.request(), 3600s), pm::OperationError);
        CHECK(e.sent() == std::vector<std::string>{"GET " + k_vm_path});
    }
}

TEST_CASE("ovirt vm: resume's power_on", "[ovirt]") {
    SECTION("\"VM is running\" to a start is success, not a second start") {
        Engine e({reply(200, k_token), vm("down"), action_fault("Cannot run VM. VM is running."),
                  vm("up")});
        const auto last = pm::ovirt::power_on(e.request());
        CHECK(last.status == pm::ovirt::api::VmStatus::up);
        CHECK(e.sent() == std::vector<std::string>{"GET " + k_vm_path,
                                                   "POST " + k_vm_path + "/start",
                                                   "GET " + k_vm_path});
    }
    SECTION("a VM that falls back to down is given up on after three starts, with a reason") {
        Engine e({reply(200, k_token), vm("down"), done(), vm("down"), done(), vm("down"), done(),
                  vm("down")});
        REQUIRE_THROWS_WITH(pm::ovirt::power_on(e.request()),
                            Catch::Contains("again after 3 starts"));
        CHECK(e.transport->requests.size() == 8);
    }
    SECTION("a VM gone while starting: an error naming it, not a wait") {
        Engine e({reply(200, k_token), vm("down"), done(), reply(404)});
        REQUIRE_THROWS_WITH(pm::ovirt::power_on(e.request()),
                            Catch::Contains("pm-item-7") && Catch::Contains("disappeared"));
    }
    SECTION("any other refusal: an error with the engine's words") {
        Engine e({reply(200, k_token), vm("down"),
                  action_fault("Cannot run VM. There is no host that satisfies current scheduling "
                               "constraints.")});
        REQUIRE_THROWS_WITH(pm::ovirt::power_on(e.request()),
                            Catch::Contains("no host that satisfies"));
    }
}

TEST_CASE("ovirt vm: reboot's restart", "[ovirt]") {
    SECTION("up: one reboot, then up again") {
        Engine e({reply(200, k_token), vm("up"), done(), vm("reboot_in_progress"), vm("up")});
        (void)pm::ovirt::restart(e.request());
        CHECK(e.sent() == std::vector<std::string>{"GET " + k_vm_path,
                                                   "POST " + k_vm_path + "/reboot",
                                                   "GET " + k_vm_path, "GET " + k_vm_path});
    }
    SECTION("a reboot under way (a rerun after a kill) is waited for, not repeated") {
        Engine e({reply(200, k_token), vm("reboot_in_progress"), vm("up")});
        (void)pm::ovirt::restart(e.request());
        CHECK(e.sent() == std::vector<std::string>{"GET " + k_vm_path, "GET " + k_vm_path});
    }
    SECTION("down: a start is the boot") {
        Engine e({reply(200, k_token), vm("down"), done(), vm("powering_up"), vm("up")});
        (void)pm::ovirt::restart(e.request());
        CHECK(e.sent() == std::vector<std::string>{"GET " + k_vm_path,
                                                   "POST " + k_vm_path + "/start",
                                                   "GET " + k_vm_path, "GET " + k_vm_path});
    }
}
