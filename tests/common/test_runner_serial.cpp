// One operation per item at a time, with real concurrent processes: the pm_test_module's
// `open` and `close` write "start <op>" to an events file, wait for a go file, then write
// "end <op>", so the events file shows what ran when (README "One operation per item").
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <signal.h>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "pm/store.hpp"

#include "support/pmtest_env.hpp"
#include "support/process.hpp"

namespace {

namespace fs = std::filesystem;
namespace st = pm::store;
using namespace std::chrono_literals;
using pm::test::Process;
using pm::test::ProcessResult;

// Polls (test scaffolding only) until `done` or a generous limit.
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

struct Fixture : pm::test::PmtestEnv {
    fs::path events = dir.path() / "events";

    Fixture() { env["PM_TEST_EVENTS"] = events.string(); }

    [[nodiscard]] static std::vector<std::string> args(const std::string& command,
                                                       pm::OperationId op) {
        return {"--command", command, "--runningoperation", std::to_string(op.value()),
                "--output",  "json"};
    }

    Process spawn(const std::string& command, pm::OperationId op) const {
        return PmtestEnv::spawn(args(command, op));
    }

    ProcessResult run(const std::string& command, pm::OperationId op) const {
        return PmtestEnv::run(args(command, op));
    }

    void go() const { std::ofstream(events.string() + ".go") << "go\n"; }

    std::string event_text() const {
        return fs::exists(events) ? pm::test::read_file(events) : std::string();
    }

    bool logged(const std::string& text) const { return log().find(text) != std::string::npos; }

    // A log line of running operation `op` containing `text`.
    bool logged_by(pm::OperationId op, const std::string& text) const {
        std::istringstream in(log());
        const std::string tag = "op=" + std::to_string(op.value()) + " ";
        for (std::string line; std::getline(in, line);) {
            if (line.find(tag) != std::string::npos && line.find(text) != std::string::npos) {
                return true;
            }
        }
        return false;
    }
};

std::string started(pm::OperationId op) {
    return "start " + std::to_string(op.value()) + "\n";
}

std::string ran(pm::OperationId op) {
    return started(op) + "end " + std::to_string(op.value()) + "\n";
}

} // namespace

TEST_CASE("runner serialization: a second operation of the same item waits for the first") {
    Fixture f;
    const auto first = f.operation("open");
    const auto second = f.operation("close");
    auto a = f.spawn("open", first);
    REQUIRE(eventually([&] { return f.event_text() == started(first); }));
    auto b = f.spawn("close", second);
    REQUIRE(eventually([&] { return f.logged_by(second, "waiting for 1 earlier operation"); }));
    CHECK(f.event_text() == started(first));
    f.go();
    CHECK(a.wait().exit_code == 0);
    CHECK(b.wait().exit_code == 0);
    CHECK(f.event_text() == ran(first) + ran(second));
    CHECK(f.op(first).status == st::OperationStatus::done);
    CHECK(f.op(second).status == st::OperationStatus::done);
}

TEST_CASE("runner serialization: an older operation claimed by a live process goes first") {
    // `open` (older) arrives in the item's line after `close` (newer): close must not overtake.
    Fixture f;
    const auto holder = f.operation("open");
    const auto open = f.operation("open");
    const auto close = f.operation("close");
    SECTION("the older one pending") {}
    SECTION("the older one failed before and is being tried again") {
        f.store.fail_operation(open, "VMmanager POST /vm/v3/host: HTTP 503", 10);
        REQUIRE(f.op(open).status == st::OperationStatus::error);
    }
    auto h = f.spawn("open", holder);
    REQUIRE(eventually([&] { return f.event_text() == started(holder); }));
    auto c = f.spawn("close", close);
    REQUIRE(eventually([&] { return f.logged_by(close, "earlier operation(s) of item"); }));
    auto o = f.spawn("open", open);
    REQUIRE(eventually([&] { return f.logged_by(open, "earlier operation(s) of item"); }));
    f.go();
    CHECK(h.wait().exit_code == 0);
    CHECK(o.wait().exit_code == 0);
    CHECK(c.wait().exit_code == 0);
    CHECK(f.event_text() == ran(holder) + ran(open) + ran(close));
    CHECK(f.logged_by(close, "it goes first"));
}

TEST_CASE("runner serialization: an older operation nobody runs does not block the item") {
    Fixture f;
    const auto forgotten = f.operation("open"); // left pending by the platform
    const auto op = f.operation("close");
    f.go();
    CHECK(f.run("close", op).exit_code == 0);
    CHECK(f.op(op).status == st::OperationStatus::done);
    CHECK(f.op(forgotten).status == st::OperationStatus::pending);
}

TEST_CASE("runner serialization: the same running operation twice is a duplicate") {
    Fixture f;
    const auto op = f.operation("open");
    auto a = f.spawn("open", op);
    REQUIRE(eventually([&] { return f.event_text() == started(op); }));

    SECTION("while it runs: exit 3, nothing touched") {
        const auto twice = f.run("open", op);
        CHECK(twice.exit_code == 3);
        CHECK(twice.out.find(R"("type":"duplicate")") != std::string::npos);
        CHECK(twice.out.find("already running in another process") != std::string::npos);
        CHECK(f.op(op).status == st::OperationStatus::running);
        CHECK(f.op(op).trycount == 1);
        f.go();
        CHECK(a.wait().exit_code == 0);
        CHECK(f.event_text() == ran(op));
    }
    SECTION("once done: exit 0 with a note, not run again, the row unchanged") {
        f.go();
        CHECK(a.wait().exit_code == 0);
        const auto before = f.op(op);
        REQUIRE(before.status == st::OperationStatus::done);
        const auto again = f.run("open", op);
        CHECK(again.exit_code == 0);
        CHECK(again.out.find(R"("ok":true)") != std::string::npos);
        CHECK(again.out.find("already done") != std::string::npos);
        CHECK(f.event_text() == ran(op));
        const auto after = f.op(op);
        CHECK(after.status == st::OperationStatus::done);
        CHECK(after.trycount == before.trycount);
        CHECK(after.updated_at == before.updated_at);
    }
}

TEST_CASE("runner serialization: a wait for the item past op_timeout exits 3, op left pending") {
    Fixture f;
    const auto first = f.operation("open");
    auto a = f.spawn("open", first);
    REQUIRE(eventually([&] { return f.event_text() == started(first); }));
    f.store.set_module_param(f.module, "op_timeout", "1");
    const auto second = f.operation("close");
    const auto waiter = f.run("close", second);
    CHECK(waiter.exit_code == 3);
    CHECK(waiter.out.find("waiting for the other operations of item") != std::string::npos);
    CHECK(f.op(second).status == st::OperationStatus::pending);
    CHECK(f.op(second).trycount == 0);
    a.kill(SIGKILL);
    a.wait();
}
