// The runner with a MariaDB store on two "hosts" (their own lock_dir, cache_dir and log_dir,
// one database): the claim of a running operation, the line of an item and the queue slots go
// through the server (DESIGN §7 "Several hosts"). pm_test_module's `open`/`close` write
// "start <op>" to an events file, wait for a go file, then write "end <op>".
// Runs when PM_TEST_MARIADB is set (label mariadb), skipped with a warning otherwise.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <signal.h>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "pm/store.hpp"

#include "common/coordination_server.hpp"
#include "support/process.hpp"

namespace {

namespace fs = std::filesystem;
namespace st = pm::store;
using namespace std::chrono_literals;
using pm::test::Process;
using pm::test::ProcessResult;

template <typename Done>
bool eventually(Done done, std::chrono::milliseconds limit = 30s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) {
            return false;
        }
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

struct Fixture {
    explicit Fixture(const pm::test::Server& server)
        : db(server), store(st::Store::open(db.url())) {
        module = store.create_module({.name = "test module", .type = "pmtest"});
        const auto account = store.create_account("Jane", "jane@example.com");
        const auto tariff = store.create_pricelist("small", "vds");
        for (auto* id : {&item, &other_item}) {
            *id = store.create_item({.account_id = account,
                                     .pricelist_id = tariff,
                                     .module_id = module,
                                     .type = "vds"});
        }
    }

    pm::test::Database db;
    pm::test::TempDir dir;
    st::Store store;
    fs::path events = dir.path() / "events";
    pm::ModuleId module;
    pm::ItemId item;
    pm::ItemId other_item;

    pm::OperationId operation(const std::string& command, pm::ItemId on) {
        return store.create_operation({.item_id = on, .module_id = module, .command = command});
    }

    [[nodiscard]] std::map<std::string, std::string> env(int host) const {
        const fs::path home = dir.path() / ("host" + std::to_string(host));
        return {{"PM_STORE", db.url()},
                {"PM_LOG_DIR", (home / "log").string()},
                {"PM_CACHE_DIR", (home / "cache").string()},
                {"PM_LOCK_DIR", (home / "locks").string()},
                {"PM_CONFIG", ""},
                {"PM_LOG_LEVEL", "debug"},
                {"PM_TEST_EVENTS", events.string()}};
    }

    [[nodiscard]] std::vector<std::string> args(const std::string& command,
                                                pm::OperationId op) const {
        return {pm::test::helper_path("pm_test_module"),
                "--command",
                command,
                "--runningoperation",
                std::to_string(op.value()),
                "--output",
                "json"};
    }

    Process spawn(int host, const std::string& command, pm::OperationId op) const {
        return Process::spawn(args(command, op), env(host));
    }
    ProcessResult run(int host, const std::string& command, pm::OperationId op) const {
        return pm::test::run(args(command, op), env(host));
    }
    void go() const { std::ofstream(events.string() + ".go") << "go\n"; }
    [[nodiscard]] std::string event_text() const {
        return fs::exists(events) ? pm::test::read_file(events) : std::string();
    }
    st::RunningOperation op(pm::OperationId id) { return *store.find_operation(id); }
};

std::string started(pm::OperationId op) {
    return "start " + std::to_string(op.value()) + "\n";
}

} // namespace

TEST_CASE("runner on MariaDB: one operation per item over two hosts, in arrival order",
          "[coordination][.][mariadb]") {
    const auto server = pm::test::test_server();
    if (!server) {
        return;
    }
    Fixture f(*server);
    const auto first = f.operation("open", f.item);
    auto a = f.spawn(0, "open", first);
    REQUIRE(eventually([&] { return f.event_text() == started(first); }));

    SECTION("the same running operation on the other host is a duplicate") {
        const auto twice = f.run(1, "open", first);
        CHECK(twice.exit_code == 3);
        CHECK(twice.out.find(R"("type":"duplicate")") != std::string::npos);
        CHECK(f.op(first).status == st::OperationStatus::running);
        f.go();
        CHECK(a.wait().exit_code == 0);
    }
    SECTION("the next operation of the item waits on the other host, then runs") {
        const auto second = f.operation("close", f.item);
        auto b = f.spawn(1, "close", second);
        REQUIRE(eventually([&] { return f.db.lock_waiters() >= 1; }));
        CHECK(f.event_text() == started(first));
        f.go();
        CHECK(a.wait().exit_code == 0);
        CHECK(b.wait().exit_code == 0);
        CHECK(f.event_text() == started(first) + "end " + std::to_string(first.value()) + "\n" +
                                    started(second) + "end " + std::to_string(second.value()) +
                                    "\n");
        CHECK(f.op(second).status == st::OperationStatus::done);
    }
    SECTION("a wait for the item past op_timeout exits 3, the operation left pending") {
        f.store.set_module_param(f.module, "op_timeout", "1");
        const auto second = f.operation("close", f.item);
        const auto waiter = f.run(1, "close", second);
        CHECK(waiter.exit_code == 3);
        CHECK(waiter.out.find("waiting for the other operations of item") != std::string::npos);
        CHECK(f.op(second).status == st::OperationStatus::pending);
        CHECK(f.op(second).trycount == 0);
        a.kill(SIGKILL);
        (void)a.wait();
    }
}

TEST_CASE("runner on MariaDB: a queue slot held on one host, and a wait past op_timeout on the "
          "other exits 3 with the operation pending",
          "[coordination][.][mariadb]") {
    const auto server = pm::test::test_server();
    if (!server) {
        return;
    }
    Fixture f(*server);
    f.store.set_module_param(f.module, "queue_enabled", "1");
    f.store.set_module_param(f.module, "queue_key", "__PMID__");
    const auto first = f.operation("open", f.item);
    auto a = f.spawn(0, "open", first);
    REQUIRE(eventually([&] { return f.event_text() == started(first); }));
    f.store.set_module_param(f.module, "op_timeout", "1");
    const auto second = f.operation("open", f.other_item);
    const auto waiter = f.run(1, "open", second);
    CHECK(waiter.exit_code == 3);
    CHECK(waiter.out.find("queue_timeout") != std::string::npos);
    CHECK(f.op(second).status == st::OperationStatus::pending);
    CHECK(f.op(second).trycount == 0);
    CHECK(f.event_text() == started(first));
    // A SIGKILLed holder frees the slot at once: the other host's operation runs.
    f.store.set_module_param(f.module, "op_timeout", "60");
    auto b = f.spawn(1, "open", second);
    REQUIRE(eventually([&] { return f.db.lock_waiters() >= 1; }));
    a.kill(SIGKILL);
    (void)a.wait();
    f.go();
    CHECK(b.wait().exit_code == 0);
    CHECK(f.op(second).status == st::OperationStatus::done);
}
