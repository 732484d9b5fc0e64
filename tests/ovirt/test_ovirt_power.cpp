// pmovirt's commands on an existing VM end to end: suspend, resume, reboot, close, sync_item
// against the oVirt simulator (tests/sim/ovirt), VMs made through the engine's own API.
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

std::string vm_name(pm::ItemId item) {
    return "pm-item-" + std::to_string(item.value());
}

// An item whose VM exists (with its id saved); `running` started.
struct Served {
    pm::ItemId item;
    std::string vm;
};

Served served_item(OvirtEnv& env, bool running) {
    const auto item = env.add_item();
    const auto vm = running ? env.running_vm(vm_name(item)) : env.create_vm(vm_name(item));
    env.store().set_item_param(item, "vm_id", vm);
    return {item, vm};
}

void require_done(const pm::test::ProcessResult& result) {
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
}

// Polls the simulator until the VM has `status` (10 s at most).
bool wait_status(const OvirtEnv& env, const std::string& vm, const std::string& status) {
    for (int i = 0; i < 200; ++i) {
        if (env.vm_status(vm) == status) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

} // namespace

TEST_CASE("pmovirt suspend, resume, reboot: each waits for the VM's state, a rerun is success",
          "[ovirt][ovirt_e2e]") {
    OvirtEnv env;
    const auto [item, vm] = served_item(env, true);

    require_done(env.run("suspend", item));
    CHECK(env.vm_status(vm) == "down");
    CHECK(env.status(item) == ItemStatus::suspended);
    CHECK(env.param(item, "state") == "stopped");
    CHECK(env.requests("POST", "/shutdown") == 1);
    CHECK(env.requests("POST", "/stop") == 0); // the guest obeyed ACPI: no power-off

    require_done(env.run("suspend", item)); // already down: nothing sent
    CHECK(env.requests("POST", "/shutdown") == 1);

    require_done(env.run("resume", item));
    CHECK(env.vm_status(vm) == "up");
    CHECK(env.status(item) == ItemStatus::active);
    CHECK(env.param(item, "state") == "active");
    require_done(env.run("resume", item));      // already up
    CHECK(env.requests("POST", "/start") == 2); // the test's own start and resume's

    require_done(env.run("reboot", item));
    CHECK(env.vm_status(vm) == "up");
    CHECK(env.requests("POST", "/reboot") == 1);

    SECTION("reboot of a VM that is down starts it") {
        env.act(vm, "stop");
        require_done(env.run("reboot", item));
        CHECK(env.vm_status(vm) == "up");
        CHECK(env.requests("POST", "/reboot") == 1);
        CHECK(env.requests("POST", "/start") == 3);
    }
    SECTION("resume of a hibernated (suspended) VM restores it") {
        env.act(vm, "suspend");
        REQUIRE(env.vm_status(vm) == "suspended");
        require_done(env.run("resume", item));
        CHECK(env.vm_status(vm) == "up");
    }
    SECTION("suspend of a hibernated VM powers it off: a shutdown needs a running guest") {
        env.act(vm, "suspend");
        require_done(env.run("suspend", item));
        CHECK(env.vm_status(vm) == "down");
        CHECK(env.requests("POST", "/stop") == 1);
    }
    SECTION("resume of a paused VM (storage trouble) resumes it") {
        env.control("POST", "/__sim__/vms/" + vm + "/status", R"({"status":"paused"})");
        require_done(env.run("resume", item));
        CHECK(env.vm_status(vm) == "up");
    }
    CHECK_THAT(env.log(), !Contains("Engine-Secret-7"));
}

TEST_CASE("pmovirt suspend: a guest that ignores ACPI is powered off after shutdown_timeout",
          "[ovirt][ovirt_e2e]") {
    OvirtEnv env;
    env.control("POST", "/__sim__/config", R"({"guest_shutdown":"ignore"})");
    const auto [item, vm] = served_item(env, true);
    SECTION("after the grace period") {
        env.store().set_module_param(env.module(), "shutdown_timeout", "1");
        require_done(env.run("suspend", item));
        CHECK(env.requests("POST", "/shutdown") == 1);
    }
    SECTION("at once with a grace of 0") {
        env.store().set_module_param(env.module(), "shutdown_timeout", "0");
        require_done(env.run("suspend", item));
        CHECK(env.requests("POST", "/shutdown") == 0);
    }
    CHECK(env.requests("POST", "/stop") == 1);
    CHECK(env.vm_status(vm) == "down");
    CHECK(env.status(item) == ItemStatus::suspended);
    CHECK_THAT(env.log(), Contains("powering it off"));
}

TEST_CASE("pmovirt close: powers off, deletes and waits until the VM is gone, reruns succeed",
          "[ovirt][ovirt_e2e]") {
    OvirtEnv env;
    const auto [item, vm] = served_item(env, true);
    pm::OperationId op;
    require_done(env.run("close", item, &op));
    CHECK_FALSE(env.vm_status(vm).has_value()); // gone, not merely deleting
    CHECK(env.status(item) == ItemStatus::closed);
    CHECK(env.param(item, "state") == "deleted");
    CHECK(env.operation(op).status == OperationStatus::done);
    CHECK(env.requests("POST", "/stop") == 1);
    CHECK(env.requests("DELETE", "/vms/" + vm) == 1);
    // the name is free again: the engine takes a new VM of that name
    CHECK_FALSE(env.create_vm(vm_name(item)).empty());

    SECTION("a rerun finds the VM of the name (a new one here) and closes it too") {
        require_done(env.run("close", item));
        const auto state = env.control("GET", "/__sim__/state");
        CHECK(state.root().at("vms").size() == 0);
    }
}

TEST_CASE("pmovirt close: a VM already gone or never made is success", "[ovirt][ovirt_e2e]") {
    OvirtEnv env;
    SECTION("gone from the engine (deleted in the portal)") {
        const auto [item, vm] = served_item(env, false);
        (void)env.sim().call("DELETE", "/__sim__/vms/" + vm, "");
        require_done(env.run("close", item));
        CHECK(env.status(item) == ItemStatus::closed);
    }
    SECTION("never made: no vm_id, no VM of the name") {
        const auto item = env.add_item();
        require_done(env.run("close", item));
        CHECK(env.status(item) == ItemStatus::closed);
        CHECK(env.requests("DELETE", "") == 0);
    }
    SECTION("a VM still being created is waited for, then deleted") {
        const auto item = env.add_item();
        env.control("POST", "/__sim__/config", R"({"seconds":{"create_thin":100}})");
        const auto created = pm::json::parse(
            env.engine("POST", "/vms",
                       R"({"name":")" + vm_name(item) +
                           R"(","cluster":{"name":"Default"},"template":{"name":"debian12"}})"),
            "VM");
        const auto vm = created.root().at("id").as_string();
        REQUIRE(env.vm_status(vm) == "image_locked");
        require_done(env.run("close", item));
        CHECK_FALSE(env.vm_status(vm).has_value());
        CHECK(env.param(item, "vm_id") == vm); // found by its name, id saved
    }
}

TEST_CASE("pmovirt finds the VM by its name when vm_id is missing or unknown",
          "[ovirt][ovirt_e2e]") {
    OvirtEnv env;
    const auto item = env.add_item();
    const auto vm = env.running_vm(vm_name(item));
    SECTION("no vm_id") {}
    SECTION("a vm_id the engine does not know") {
        env.store().set_item_param(item, "vm_id", "0b0b0000-0000-4000-8000-000000000009");
    }
    require_done(env.run("sync_item", item));
    CHECK(env.param(item, "vm_id") == vm);
    CHECK(env.param(item, "state") == "active");
}

TEST_CASE("pmovirt sync_item: the engine's status as the item's state, a VM gone marks deleted",
          "[ovirt][ovirt_e2e]") {
    OvirtEnv env;
    const auto [item, vm] = served_item(env, true);
    const auto state_after_sync = [&]() {
        const auto result = env.run("sync_item", item);
        INFO(result.out << result.err);
        REQUIRE(result.exit_code == 0);
        return env.param(item, "state");
    };
    CHECK(state_after_sync() == "active");
    env.act(vm, "stop");
    CHECK(state_after_sync() == "stopped");
    CHECK(env.status(item) == ItemStatus::ordered); // billing's status is billing's
    env.control("POST", "/__sim__/vms/" + vm + "/status", R"({"status":"not_responding"})");
    CHECK(state_after_sync() == "problem");
    (void)env.sim().call("DELETE", "/__sim__/vms/" + vm, "");
    const auto gone = env.run("sync_item", item);
    INFO(gone.out << gone.err);
    CHECK(gone.exit_code == 0);
    CHECK_THAT(gone.out, Contains("\"gone\":true"));
    CHECK(env.status(item) == ItemStatus::deleted);
    CHECK(env.param(item, "state") == "deleted");
}

TEST_CASE("pmovirt: a kill during the wait, then a rerun of the operation, finishes",
          "[ovirt][ovirt_e2e]") {
    // Slow transitions: a shutdown or a delete takes 3 s (300 s at a time scale of 0.01).
    OvirtEnv env({"--time-scale", "0.01", "--seconds", "shutdown=300,delete=300"});
    const auto [item, vm] = served_item(env, true);
    const auto kill_when = [&](const char* command, const char* status) {
        const auto op = env.add_operation(item, command);
        auto process = pm::test::Process::spawn(env.argv(command, op), env.env());
        const bool reached = wait_status(env, vm, status);
        process.kill(SIGKILL);
        (void)process.wait(std::chrono::seconds(10));
        REQUIRE(reached);
        return op;
    };
    SECTION("suspend killed while the VM powers down") {
        const auto op = kill_when("suspend", "powering_down");
        require_done(env.rerun("suspend", op));
        CHECK(env.vm_status(vm) == "down");
        CHECK(env.operation(op).status == OperationStatus::done);
        CHECK(env.status(item) == ItemStatus::suspended);
    }
    SECTION("close killed while the engine deletes the VM (visible, image_locked)") {
        env.act(vm, "stop");
        const auto op = kill_when("close", "image_locked");
        require_done(env.rerun("close", op));
        CHECK_FALSE(env.vm_status(vm).has_value());
        CHECK(env.requests("DELETE", "/vms/" + vm) == 1); // the delete under way was waited for
        CHECK(env.status(item) == ItemStatus::closed);
    }
}

TEST_CASE("pmovirt: errors reach the running operation with the exit code of DESIGN §3",
          "[ovirt][ovirt_e2e]") {
    OvirtEnv env;
    pm::OperationId op;
    SECTION("no VM at all: suspend, resume, reboot fail (exit 1)") {
        const auto item = env.add_item();
        for (const char* command : {"suspend", "resume", "reboot"}) {
            const auto result = env.run(command, item, &op);
            INFO(command << ": " << result.out << result.err);
            CHECK(result.exit_code == 1);
            CHECK_THAT(result.out, Contains("has no VM in oVirt"));
            CHECK(env.operation(op).status == OperationStatus::error);
            CHECK_THAT(env.operation(op).error, Contains("pm-item-"));
        }
    }
    SECTION("a status from which the VM cannot start: a clear error at once, not a wait") {
        const auto [item, vm] = served_item(env, true);
        env.control("POST", "/__sim__/vms/" + vm + "/status", R"({"status":"not_responding"})");
        const auto result = env.run("resume", item, &op);
        CHECK(result.exit_code == 1);
        CHECK_THAT(env.operation(op).error, Contains("not_responding"));
        CHECK_THAT(env.operation(op).error, Contains("cannot be started"));
        CHECK(env.requests("POST", "/start") == 1); // the test's own only
    }
    SECTION("an action fault of the engine: a VM without a bootable disk") {
        const auto item = env.add_item();
        env.create_vm(vm_name(item), "Blank");
        const auto result = env.run("resume", item, &op);
        CHECK(result.exit_code == 1);
        CHECK_THAT(env.operation(op).error, Contains("oVirt refused to start VM"));
        CHECK_THAT(env.operation(op).error, Contains("bootable disk"));
    }
    SECTION("a CRUD fault of the engine: a delete-protected VM") {
        const auto item = env.add_item();
        const auto vm = env.create_vm(vm_name(item), "debian12", R"("delete_protected":"true")");
        const auto result = env.run("close", item, &op);
        CHECK(result.exit_code == 1);
        CHECK_THAT(env.operation(op).error, Contains("oVirt refused to delete VM"));
        CHECK(env.vm_status(vm) == "down");
        CHECK(env.status(item) != ItemStatus::closed);
    }
    SECTION("the engine answering 503 on every try: temporary (exit 3)") {
        const auto [item, vm] = served_item(env, true);
        env.control("POST", "/__sim__/fault/503", R"({"count":50,"prefix":"/api/vms"})");
        const auto result = env.run("suspend", item, &op);
        INFO(result.out << result.err);
        CHECK(result.exit_code == 3);
        CHECK(env.operation(op).status != OperationStatus::running);
        (void)env.sim().call("DELETE", "/__sim__/faults", "");
        CHECK(env.vm_status(vm) == "up");
    }
}

TEST_CASE("pmovirt features and --help list the commands on existing VMs", "[ovirt]") {
    const auto features =
        pm::test::run({pm::test::module_path("pmovirt"), "--command", "features"}, {});
    REQUIRE(features.exit_code == 0);
    for (const char* name :
         {"suspend", "resume", "reboot", "close", "sync_item", "shutdown_timeout"}) {
        CHECK_THAT(features.out, Contains(std::string("name=\"") + name + "\""));
    }
    const auto help =
        pm::test::run({pm::test::module_path("pmovirt"), "--command", "suspend", "--help"}, {});
    CHECK(help.exit_code == 0);
    CHECK_THAT(help.out, Contains("shutdown_timeout"));
    CHECK_THAT(help.out, Contains("vm_id"));
}

TEST_CASE("pmovirt: statuses of host trouble and transitions of the engine's own",
          "[ovirt][ovirt_e2e]") {
    OvirtEnv env;
    const auto [item, vm] = served_item(env, true);
    const auto trouble = [&](const char* status) {
        env.control("POST", "/__sim__/vms/" + vm + "/status",
                    std::string(R"({"status":")") + status + "\"}");
    };
    SECTION("suspend of a VM not responding powers it off (no ACPI shutdown)") {
        trouble("not_responding");
        require_done(env.run("suspend", item));
        CHECK(env.vm_status(vm) == "down");
        CHECK(env.requests("POST", "/shutdown") == 0);
        CHECK(env.requests("POST", "/stop") == 1);
    }
    SECTION("close of a VM in an unknown status powers it off and deletes it") {
        trouble("unknown");
        require_done(env.run("close", item));
        CHECK_FALSE(env.vm_status(vm).has_value());
    }
    SECTION("an unassigned VM cannot be shut down: a clear error at once") {
        trouble("unassigned");
        pm::OperationId op;
        CHECK(env.run("suspend", item, &op).exit_code == 1);
        CHECK_THAT(env.operation(op).error, Contains("unassigned"));
        CHECK(env.requests("POST", "/shutdown") + env.requests("POST", "/stop") == 0);
    }
    SECTION("reboot of a VM that is rebooting waits for it, without a second reboot") {
        env.control("POST", "/__sim__/config", R"({"seconds":{"reboot":100}})");
        (void)env.engine("POST", "/vms/" + vm + "/reboot", "{}");
        REQUIRE(env.vm_status(vm) == "reboot_in_progress");
        require_done(env.run("reboot", item));
        CHECK(env.vm_status(vm) == "up");
        CHECK(env.requests("POST", "/reboot") == 1); // the test's own
    }
    SECTION("resume of a VM on its way down waits for down, then starts it") {
        env.control("POST", "/__sim__/config", R"({"seconds":{"power_down":100}})");
        (void)env.engine("POST", "/vms/" + vm + "/stop", "{}");
        REQUIRE(env.vm_status(vm) == "powering_down");
        require_done(env.run("resume", item));
        CHECK(env.vm_status(vm) == "up");
        CHECK(env.requests("POST", "/start") == 2);
    }
}
