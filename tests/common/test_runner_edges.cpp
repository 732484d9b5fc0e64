// The runner against hostile invocations and environments (PROBE D9, D10, D11, D14, D17,
// D22, D24): the pm_test_module helper run as a separate process.
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

#include "support/pmtest_env.hpp"
#include "support/process.hpp"
#include "support/test_store.hpp"

namespace {

namespace fs = std::filesystem;
namespace st = pm::store;
using namespace std::chrono_literals;
using pm::test::ProcessResult;

using Fixture = pm::test::PmtestEnv;

std::string id(pm::OperationId op) {
    return std::to_string(op.value());
}

} // namespace

TEST_CASE("runner edges: an operation created for another command is refused, left as it is") {
    Fixture f;
    const auto op = f.operation("fail");
    const auto result =
        f.run({"--command", "ok", "--runningoperation", id(op), "--output", "json"});
    CHECK(result.exit_code == 2);
    CHECK(result.out.find("was created for command 'fail', not 'ok'") != std::string::npos);
    const auto row = f.op(op);
    CHECK(row.status == st::OperationStatus::pending);
    CHECK(row.trycount == 0);
    CHECK(row.error.empty());
}

TEST_CASE("runner edges: usage errors are printed in the --output format asked for") {
    Fixture f;
    SECTION("unknown command") {
        const auto result = f.run({"--output", "json", "--command", "bogus"});
        CHECK(result.exit_code == 2);
        CHECK(result.out.starts_with(R"({"ok":false)"));
    }
    SECTION("missing command, --output=") {
        const auto result = f.run({"--output=json"});
        CHECK(result.exit_code == 2);
        CHECK(result.out.starts_with(R"({"ok":false)"));
    }
    SECTION("a bad value of another flag") {
        const auto result = f.run({"--command", "ok", "--item", "abc", "--output", "text"});
        CHECK(result.exit_code == 2);
        CHECK(result.out.find("<doc>") == std::string::npos);
        CHECK(result.out.find("{") == std::string::npos);
    }
}

TEST_CASE("runner edges: a huge op_timeout means no limit, never an instant failure") {
    Fixture f;
    for (const std::string timeout : {"99999999999", "9223372036854775807"}) {
        f.store.set_module_param(f.module, "op_timeout", timeout);
        const auto op = f.operation("ok");
        const auto result = f.run({"--command", "ok", "--runningoperation", id(op)});
        CHECK(result.exit_code == 0);
        CHECK(f.op(op).status == st::OperationStatus::done);
    }
    CHECK(f.log().find("op_timeout 9223372036854775807 is taken as") != std::string::npos);
}

TEST_CASE("runner edges: a module id from the running operation is named as such") {
    Fixture f;
    const auto other = f.store.create_module({.name = "other", .type = "pmtest"});
    const auto op =
        f.store.create_operation({.item_id = f.item, .module_id = other, .command = "ok"});
    const auto result = f.run({"--command", "ok", "--runningoperation", id(op)});
    CHECK(result.exit_code == 2);
    CHECK(result.out.find("running operation " + id(op) + " (module " +
                          std::to_string(other.value()) + ") contradicts item") !=
          std::string::npos);
    CHECK(result.out.find("--module") == std::string::npos);
}

TEST_CASE("runner edges: unknown arguments are logged once, cut") {
    Fixture f;
    const std::string huge(5000, 'x');
    std::vector<std::string> rest{"--command", "ok", "--item", std::to_string(f.item.value()),
                                  "--note",    huge};
    for (int i = 0; i < 100; ++i) {
        rest.push_back("--extra" + std::to_string(i));
    }
    CHECK(f.run(rest).exit_code == 0);
    const auto log = f.log();
    CHECK(log.find(std::string(101, 'x')) == std::string::npos);
    CHECK(log.find(std::string(100, 'x') + "...(5000 bytes)") != std::string::npos);
    CHECK(log.find("ignoring 102 unknown argument(s): --note --extra0") != std::string::npos);
    CHECK(log.find("--extra99") == std::string::npos);
    CHECK(log.size() < 8000);
}

TEST_CASE("runner edges: a lock_dir that cannot hold lock files is a configuration error",
          "[sqlite]") {
    Fixture f;
    const auto op = f.operation("ok");
    std::ofstream(f.dir.path() / "a-file") << "x";
    SECTION("a file") {
        f.env["PM_LOCK_DIR"] = (f.dir.path() / "a-file").string();
    }
    SECTION("below a file") {
        f.env["PM_LOCK_DIR"] = (f.dir.path() / "a-file" / "locks").string();
    }
    const auto result = f.run({"--command", "ok", "--runningoperation", id(op)});
    CHECK(result.exit_code == 2);
    CHECK(result.out.find("type=\"config\"") != std::string::npos);
    CHECK(result.out.find("lock_dir") != std::string::npos);
}

// BEGIN EXCLUSIVE: SQLite's whole-file write lock.
TEST_CASE("runner edges: SIGTERM while the store is busy still records the interruption",
          "[sqlite]") {
    Fixture f;
    const auto op = f.operation("hang");
    auto process = pm::test::Process::spawn(
        f.args({"--command", "hang", "--runningoperation", id(op)}), f.env);
    for (int i = 0; i < 1000 && f.log().find("hanging") == std::string::npos; ++i) {
        std::this_thread::sleep_for(10ms);
    }
    REQUIRE(f.op(op).status == st::OperationStatus::running);
    {
        pm::test::RawDb raw(f.store_url);
        raw.exec("BEGIN EXCLUSIVE");
        process.kill(SIGTERM);
        // Busy for longer than the 5 s the watchdog used to give the store.
        std::this_thread::sleep_for(7s);
        raw.exec("COMMIT");
    }
    const auto result = process.wait();
    CHECK(result.exit_code == 3);
    const auto row = f.op(op);
    CHECK(row.status == st::OperationStatus::error);
    CHECK(row.error.find("SIGTERM") != std::string::npos);
    CHECK(f.log().find("could not record the interruption") == std::string::npos);
}
