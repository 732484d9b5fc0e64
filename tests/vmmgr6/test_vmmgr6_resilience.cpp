// pmvmmgr6 under trouble: kills, dropped answers, 503 bursts, expired sessions, queues, and
// what reaches the log.
#include <csignal>
#include <regex>
#include <thread>

#include <catch2/catch.hpp>

#include "pm/store.hpp"

#include "support/vmmgr6_sim.hpp"

using namespace pm;
using pm::test::Process;
using pm::test::Vmmgr6Env;
using pm::test::Vmmgr6Sim;

namespace {

bool create_requested(const Vmmgr6Sim& sim) {
    const auto log = sim.get("/__sim__/requests");
    for (const auto& entry : log.root().at("list").items()) {
        if (entry.at("method").as_string() == "POST" &&
            entry.at("path").as_string() == "/vm/v3/host") {
            return true;
        }
    }
    return false;
}

void open_all_at_once(Vmmgr6Env& env, int count) {
    std::vector<Process> processes;
    for (int i = 0; i < count; ++i) {
        const auto item = env.add_item();
        processes.push_back(
            Process::spawn(env.argv("open", item, env.add_operation(item, "open")), env.env()));
    }
    for (auto& process : processes) {
        const auto r = process.wait(std::chrono::seconds(60));
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
    }
}

} // namespace

TEST_CASE("pmvmmgr6 open: killed after the create request and run again gives one VM") {
    SECTION("the create's answer is lost: the VM is found by its comment, not created again") {
        Vmmgr6Sim sim;
        Vmmgr6Env env(sim);
        const auto item = env.add_item();
        sim.post("/__sim__/fault/drop",
                 R"({"count":1,"after":true,"prefix":"/vm/v3/host","method":"POST"})");
        const auto first = env.run("open", item);
        INFO(first.out << first.err);
        CHECK(first.exit_code == 0);
        CHECK(!env.param(item, "vm_id").empty());
        CHECK(sim.host_count() == 1);
        CHECK(sim.requests("POST /vm/v3/host") == 1);
        CHECK(env.status(item) == store::ItemStatus::active);
        CHECK(!env.param(item, "ip").empty());
    }
    SECTION("SIGKILL while the VM is being created") {
        Vmmgr6Sim sim(
            {"--task-seconds", "0.1", "--task-seconds", "host_create=2", "--task-lag", "0.05"});
        Vmmgr6Env env(sim);
        const auto item = env.add_item();
        const auto op = env.add_operation(item, "open");
        auto process = Process::spawn(env.argv("open", item, op), env.env());
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!create_requested(sim) && std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        process.kill(SIGKILL);
        process.wait();
        CHECK(env.store().find_operation(op)->status == store::OperationStatus::running);
        const auto again = test::run(env.argv("open", item, op), env.env());
        INFO(again.out << again.err);
        CHECK(again.exit_code == 0);
        CHECK(sim.host_count() == 1);
        CHECK(env.store().find_operation(op)->status == store::OperationStatus::done);
        CHECK(env.status(item) == store::ItemStatus::active);
    }
}

TEST_CASE("pmvmmgr6 survives 503 bursts and expired sessions") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    const auto item = env.add_item();
    SECTION("503 on login and on the create") {
        sim.post("/__sim__/fault/503", R"({"count":2,"prefix":"/auth"})");
        sim.post("/__sim__/fault/503", R"({"count":2,"prefix":"/vm/v3/host","method":"POST"})");
        const auto r = env.run("open", item);
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        CHECK(sim.host_count() == 1);
    }
    SECTION("sessions expired between commands (401 and 403)") {
        REQUIRE(env.run("open", item).exit_code == 0);
        sim.post("/__sim__/sessions/expire");
        CHECK(env.run("suspend", item).exit_code == 0);
        sim.post("/__sim__/config", R"({"auth_error":"403"})");
        sim.post("/__sim__/sessions/expire");
        CHECK(env.run("resume", item).exit_code == 0);
        CHECK(sim.logins() == 3);
    }
}

TEST_CASE("pmvmmgr6 logs in again once when the session dies in the middle of an open") {
    Vmmgr6Sim sim({"--task-seconds", "0.1", "--task-seconds", "host_create=1"});
    Vmmgr6Env env(sim);
    const auto item = env.add_item();
    const auto op = env.add_operation(item, "open");
    auto process = Process::spawn(env.argv("open", item, op), env.env());
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!create_requested(sim) && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    sim.post("/__sim__/sessions/expire");
    const auto r = process.wait();
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(sim.logins() == 2);
    CHECK(sim.host_count() == 1);
}

TEST_CASE("pmvmmgr6 with a module user who is not an admin fails clearly after one login") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    env.store().set_module_param(env.module(), "username", "user@example.com");
    env.store().set_module_param(env.module(), "password", "user");
    const auto item = env.add_item();
    OperationId op;
    const auto r = env.run("open", item, &op);
    CHECK(r.exit_code == 1);
    CHECK(env.store().find_operation(op)->error.find("HTTP 403") != std::string::npos);
    CHECK(sim.logins() == 1);
    CHECK(sim.host_count() == 0);
}

TEST_CASE("pmvmmgr6 runs many commands in a row on one login") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    const auto item = env.add_item();
    for (const auto* command : {"open", "suspend", "resume", "reboot", "sync_item", "setparam"}) {
        const auto r = env.run(command, item);
        INFO(command << ": " << r.out << r.err);
        CHECK(r.exit_code == 0);
    }
    CHECK(sim.logins() == 1);
}

TEST_CASE("pmvmmgr6 writes no password or token to its log") {
    Vmmgr6Sim sim({"--admin-password", "Adm1n-Pass-42", "--task-seconds", "0.1"});
    Vmmgr6Env env(sim);
    env.store().set_module_param(env.module(), "password", "Adm1n-Pass-42");
    const auto item = env.add_item({{"password", "Root-Secret-77"}});
    for (const auto* command : {"open", "change_password", "reopen", "close"}) {
        CHECK(env.run(command, item).exit_code == 0);
    }
    const auto log = test::read_file(env.log_file());
    CHECK(log.find("POST") != std::string::npos);
    CHECK(log.find("Adm1n-Pass-42") == std::string::npos);
    CHECK(log.find("Root-Secret-77") == std::string::npos);
    CHECK(!std::regex_search(log, std::regex("4-[0-9a-f]{8}-[0-9a-f]{4}")));
}

TEST_CASE("pmvmmgr6 queue limits the tasks VMmanager runs at once") {
    Vmmgr6Sim sim(
        {"--task-seconds", "0.1", "--task-seconds", "host_create=0.6", "--task-lag", "0.05"});
    Vmmgr6Env env(sim);
    const auto peak = [&] { return sim.state().root().at("peak_active_tasks").as_int64(); };
    SECTION("queue off: all at once") {
        open_all_at_once(env, 4);
        CHECK(peak() >= 3);
    }
    SECTION("queue on with two slots") {
        env.store().set_module_param(env.module(), "queue_enabled", "on");
        env.store().set_module_param(env.module(), "queue_count", "2");
        open_all_at_once(env, 4);
        CHECK(peak() == 2);
    }
    SECTION("two modules sharing the slots of key queueVM with count 2") {
        const auto other = env.store().create_module({"VMmanager 2", "pmvmmgr6"});
        const auto params = env.store().module_params(env.module());
        for (const auto& [name, value] : params.values()) {
            env.store().set_module_param(other, name, value);
        }
        for (const auto module : {env.module(), other}) {
            env.store().set_module_param(module, "queue_enabled", "on");
            env.store().set_module_param(module, "queue_key", "queueVM");
            env.store().set_module_param(module, "queue_count", "2");
        }
        std::vector<Process> processes;
        for (int i = 0; i < 4; ++i) {
            const auto item = i % 2 == 0 ? env.add_item() : env.add_item(other);
            processes.push_back(
                Process::spawn(env.argv("open", item, env.add_operation(item, "open")), env.env()));
        }
        for (auto& process : processes) {
            CHECK(process.wait(std::chrono::seconds(60)).exit_code == 0);
        }
        CHECK(peak() == 2);
        CHECK(sim.host_count() == 4);
    }
    SECTION("queue on, one slot per module") {
        env.store().set_module_param(env.module(), "queue_enabled", "on");
        env.store().set_module_param(env.module(), "queue_key", "__PMID__");
        open_all_at_once(env, 3);
        CHECK(peak() == 1);
    }
    CHECK(sim.host_count() >= 3);
}

TEST_CASE("pmvmmgr6 open past op_timeout exits 3 and the next attempt finishes the same VM") {
    Vmmgr6Sim sim({"--task-seconds", "0.1", "--task-seconds", "host_create=3"});
    Vmmgr6Env env(sim);
    env.store().set_module_param(env.module(), "op_timeout", "1");
    const auto item = env.add_item();
    OperationId op;
    const auto first = env.run("open", item, &op);
    CHECK(first.exit_code == 3);
    CHECK(!env.param(item, "vm_id").empty());
    CHECK(env.store().find_operation(op)->status == store::OperationStatus::error);

    env.store().set_module_param(env.module(), "op_timeout", "60");
    const auto again = test::run(env.argv("open", item, op), env.env());
    INFO(again.out << again.err);
    CHECK(again.exit_code == 0);
    CHECK(sim.host_count() == 1);
    CHECK(env.status(item) == store::ItemStatus::active);
}

TEST_CASE("pmvmmgr6 survives 429 with Retry-After, slow replies and dropped reads") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    const auto item = env.add_item();
    sim.post("/__sim__/fault/429", R"({"count":1,"retry_after":1})");
    sim.post("/__sim__/fault/slow", R"({"count":2,"delay_ms":300})");
    sim.post("/__sim__/fault/drop", R"({"count":1,"prefix":"/vm/v3/task","method":"GET"})");
    const auto r = env.run("open", item);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(sim.host_count() == 1);
    const auto faults = sim.counters();
    CHECK(faults.root().at("faults").size() >= 2);
}
