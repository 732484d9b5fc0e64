// The common runner end to end: the pm_test_module helper is a module binary like the real
// ones, run as a separate process against a store in a temporary directory.
#include <chrono>
#include <signal.h>
#include <thread>

#include <catch2/catch.hpp>

#include "pm/store.hpp"
#include "pm/text.hpp"

#include "support/pmtest_env.hpp"
#include "support/process.hpp"
#include "support/test_store.hpp"

namespace {

using pm::test::Process;
using pm::test::ProcessResult;
namespace st = pm::store;

// The module and the item have passwords, to show they never reach the log.
struct Fixture : pm::test::PmtestEnv {
    Fixture() {
        store.set_module_param(module, "password", "module-secret-77");
        store.set_item_param(item, "password", "root-pass-1234");
    }
};

std::string id(pm::OperationId op) {
    return std::to_string(op.value());
}

} // namespace

TEST_CASE("runner: a successful command marks the running operation done and prints ok") {
    Fixture f;
    const auto op = f.operation("ok");
    const auto result = f.run({"--command", "ok", "--runningoperation", id(op), "--lang", "ru"});
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("<doc><ok/><item>") != std::string::npos);
    CHECK(result.out.find("<module>test module</module>") != std::string::npos);
    CHECK(f.op(op).status == st::OperationStatus::done);
    CHECK(f.op(op).trycount == 1);
    const auto log = f.log();
    CHECK(log.find("pm_test_module --command ok --runningoperation " + id(op)) !=
          std::string::npos);
    CHECK(log.find("ignoring 2 unknown argument(s): --lang\n") != std::string::npos);
    CHECK(log.find("op=" + id(op) + " item=" + std::to_string(f.item.value())) !=
          std::string::npos);
}

TEST_CASE("runner: a failing command records a masked error and exits 1") {
    Fixture f;
    const auto op = f.operation("fail");
    const auto result =
        f.run({"--command", "fail", "--runningoperation", id(op), "--output", "json"});
    CHECK(result.exit_code == 1);
    CHECK(result.out.find(R"("type":"operation","code":1)") != std::string::npos);
    CHECK(result.out.find("wrong root password ***") != std::string::npos);
    CHECK(result.err.find("pmtest: error: remote refused") != std::string::npos);
    const auto row = f.op(op);
    CHECK(row.status == st::OperationStatus::error);
    CHECK(row.error == "remote refused: wrong root password ***");
    for (const auto& text : {result.out, result.err, f.log()}) {
        CHECK(text.find("root-pass-1234") == std::string::npos);
    }

    SECTION("with text output for people, stderr still carries it when stdout is not a terminal") {
        const auto text =
            f.run({"--command", "fail", "--runningoperation", id(op), "--output", "text"});
        CHECK(text.exit_code == 1);
        CHECK(text.err.find("pmtest: error: remote refused") != std::string::npos);
    }
}

TEST_CASE("runner: max_tries failed attempts put the operation to manual") {
    Fixture f;
    f.store.set_module_param(f.module, "max_tries", "2");
    const auto op = f.operation("fail");
    CHECK(f.run({"--command", "fail", "--runningoperation", id(op)}).exit_code == 1);
    CHECK(f.op(op).status == st::OperationStatus::error);
    CHECK(f.run({"--command", "fail", "--runningoperation", id(op)}).exit_code == 1);
    CHECK(f.op(op).status == st::OperationStatus::manual);
    const auto again = f.run({"--command", "fail", "--runningoperation", id(op)});
    CHECK(again.exit_code == 1);
    CHECK(f.op(op).trycount == 2);
}

TEST_CASE("runner: an unexpected exception is an internal error (exit 4), still recorded") {
    Fixture f;
    const auto op = f.operation("crash");
    const auto result = f.run({"--command", "crash", "--runningoperation", id(op)});
    CHECK(result.exit_code == 4);
    CHECK(result.out.find("type=\"internal\"") != std::string::npos);
    CHECK(f.op(op).status == st::OperationStatus::error);
    CHECK(f.op(op).error == "unexpected state");
}

TEST_CASE("runner: a command not implemented yet answers exit 2 and records it") {
    Fixture f;
    const auto op = f.operation("later");
    const auto result = f.run({"--command", "later", "--runningoperation", id(op)});
    CHECK(result.exit_code == 2);
    CHECK(result.out.find("type=\"not_implemented\"") != std::string::npos);
    CHECK(result.out.find("not implemented yet") != std::string::npos);
    CHECK(f.op(op).status == st::OperationStatus::error);
}

TEST_CASE("runner: usage and configuration errors exit 2") {
    Fixture f;
    SECTION("missing item") {
        const auto result = f.run({"--command", "ok"});
        CHECK(result.exit_code == 2);
        CHECK(result.out.find("needs --item or --runningoperation") != std::string::npos);
    }
    SECTION("unknown item") {
        CHECK(f.run({"--command", "ok", "--item", "999"}).exit_code == 2);
    }
    SECTION("unknown running operation") {
        CHECK(f.run({"--command", "ok", "--runningoperation", "999"}).exit_code == 2);
    }
    SECTION("module of another type") {
        const auto other = f.store.create_module({.name = "os", .type = "pmopenstack"});
        const auto result =
            f.run({"--command", "module_info", "--module", std::to_string(other.value())});
        CHECK(result.exit_code == 2);
        CHECK(result.out.find("is of type 'pmopenstack'") != std::string::npos);
    }
    SECTION("bad module param") {
        f.store.set_module_param(f.module, "op_timeout", "soon");
        const auto op = f.operation("ok");
        CHECK(f.run({"--command", "ok", "--runningoperation", id(op)}).exit_code == 2);
        CHECK(f.op(op).status == st::OperationStatus::error);
        CHECK(f.op(op).error.find("op_timeout") != std::string::npos);
    }
    SECTION("object command without an object") {
        const auto op = f.operation("object_info");
        CHECK(f.run({"--command", "object_info", "--runningoperation", id(op)}).exit_code == 2);
    }
    SECTION("bad store URL") {
        auto env = f.env;
        env["PM_STORE"] = "postgres://db/billing";
        const auto result = pm::test::run(f.args({"--command", "ok", "--item", "1"}), env);
        CHECK(result.exit_code == 2);
        CHECK(result.out.find("type=\"config\"") != std::string::npos);
    }
}

TEST_CASE("runner: item, module and object come from the running operation") {
    Fixture f;
    const auto object =
        f.store.create_object({.item_id = f.item, .type = "network", .name = "net1"});
    const auto op = f.store.create_operation(
        {.item_id = f.item, .object_id = object, .module_id = f.module, .command = "object_info"});
    const auto result =
        f.run({"--command", "object_info", "--runningoperation", id(op), "--output", "text"});
    CHECK(result.exit_code == 0);
    CHECK(result.out == "OK\n  object: net1\n");
    CHECK(f.run({"--command", "module_info", "--module", std::to_string(f.module.value())})
              .exit_code == 0);
}

TEST_CASE("runner: SIGTERM never leaves the running operation running") {
    Fixture f;
    const auto op = f.operation("hang");
    auto process = f.spawn({"--command", "hang", "--runningoperation", id(op)});
    for (int i = 0; i < 500 && f.log().find("hanging") == std::string::npos; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(f.op(op).status == st::OperationStatus::running);
    process.kill(SIGTERM);
    const auto result = process.wait();
    CHECK(result.exit_code == 3);
    CHECK(result.out.find("interrupted by signal") != std::string::npos);
    const auto row = f.op(op);
    CHECK(row.status == st::OperationStatus::error);
    CHECK(row.error.find("SIGTERM") != std::string::npos);
}

TEST_CASE("runner: an operation past op_timeout is stopped and recorded") {
    Fixture f;
    f.store.set_module_param(f.module, "op_timeout", "1");
    const auto op = f.operation("hang");
    const auto result = f.run({"--command", "hang", "--runningoperation", id(op)});
    CHECK(result.exit_code == 3);
    CHECK(f.op(op).status == st::OperationStatus::error);
    CHECK(f.op(op).error.find("ran out of time") != std::string::npos);
}

TEST_CASE("runner: a queue wait past the deadline exits 3 and leaves the operation pending") {
    Fixture f;
    f.store.set_module_param(f.module, "queue_enabled", "on");
    f.store.set_module_param(f.module, "queue_key", "q__PMID__");
    const auto holder_op = f.operation("hang");
    auto holder = f.spawn({"--command", "hang", "--runningoperation", id(holder_op)});
    for (int i = 0; i < 500 && f.log().find("hanging") == std::string::npos; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    // Another item: operations of one item wait for each other before the queue.
    const auto other = f.store.create_item({.account_id = f.store.find_item(f.item)->account_id,
                                            .pricelist_id = f.store.find_item(f.item)->pricelist_id,
                                            .module_id = f.module,
                                            .type = "vds"});
    const auto waiter_op =
        f.store.create_operation({.item_id = other, .module_id = f.module, .command = "ok"});
    f.store.set_module_param(f.module, "op_timeout", "1");
    const auto waiter = f.run({"--command", "ok", "--runningoperation", id(waiter_op)});
    CHECK(waiter.exit_code == 3);
    CHECK(waiter.out.find("type=\"queue_timeout\"") != std::string::npos);
    CHECK(f.op(waiter_op).status == st::OperationStatus::pending);
    CHECK(f.op(waiter_op).trycount == 0);
    holder.kill(SIGKILL);
    holder.wait();
}

TEST_CASE("runner: features needs no store and lists every command") {
    const auto result = pm::test::run(
        {pm::test::helper_path("pm_test_module"), "--command", "features"},
        {{"PM_STORE", "sqlite:/nonexistent/dir/x.db"}, {"PM_LOG_DIR", "/nonexistent/log"}});
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("<doc><itemtypes><itemtype name=\"vds\"/></itemtypes>") !=
          std::string::npos);
    CHECK(result.out.find("<param name=\"password\" crypted=\"yes\"/>") != std::string::npos);
    CHECK(result.out.find("<feature name=\"later\"/>") != std::string::npos);
}

namespace {

// True when `text` is valid UTF-8 and holds no control character but line breaks and tabs.
bool clean(const std::string& text) {
    return pm::printable(text) == text;
}

} // namespace

// Invalid UTF-8 planted with SQLite's CAST(X'..' AS TEXT); a utf8mb4 column refuses it.
TEST_CASE("runner: invalid UTF-8 and control characters never reach stdout, stderr or the store",
          "[sqlite]") {
    Fixture f;
    {
        pm::test::RawDb raw(f.store_url);
        raw.exec(fmt::format("INSERT INTO itemparam (item_id, name, value) VALUES ({}, 'reason', "
                             "CAST(X'{}' AS TEXT))",
                             f.item.value(), "626164FF"));
        raw.exec(fmt::format("UPDATE processingmodule SET name = CAST(X'{}' AS TEXT) WHERE id = {}",
                             "6D6F64FFFE011B5B33316D", f.module.value()));
        raw.exec(fmt::format("UPDATE itemparam SET value = value || CAST(X'{}' AS TEXT) "
                             "WHERE name = 'reason'",
                             "FE011B5B33316DC3"));
    }
    for (const char* format : {"xml", "json", "text"}) {
        CAPTURE(format);
        const auto op = f.operation("fail_reason");
        const auto failed =
            f.run({"--command", "fail_reason", "--runningoperation", id(op), "--output", format});
        CHECK(failed.exit_code == 1);
        CHECK(failed.out.find("remote said: bad\xEF\xBF\xBD") != std::string::npos);
        CHECK(clean(failed.out));
        CHECK(clean(failed.err));
        const auto row = f.op(op);
        CHECK(row.error.find("remote said: bad\xEF\xBF\xBD\xEF\xBF\xBD[31m\xEF\xBF\xBD") == 0);
        CHECK(clean(row.error));

        const auto ok = f.run(
            {"--command", "ok", "--item", std::to_string(f.item.value()), "--output", format});
        CHECK(ok.exit_code == 0);
        CHECK(ok.out.find("mod\xEF\xBF\xBD\xEF\xBF\xBD[31m") != std::string::npos);
        CHECK(clean(ok.out));
    }
    CHECK(clean(f.log()));
}

// SQLite files and directories in the wrong place, PRAGMA user_version.
TEST_CASE("runner: deployment problems are configuration errors (exit 2) that reach the output",
          "[sqlite]") {
    Fixture f;
    auto env = f.env;
    const auto run = [&] {
        return pm::test::run(f.args({"--command", "ok", "--item", std::to_string(f.item.value()),
                                     "--output", "json"}),
                             env);
    };
    std::string expected;
    SECTION("a typo in the store's directory") {
        env["PM_STORE"] = "sqlite:" + (f.dir.path() / "typo" / "billing.db").string();
        expected = "the directory " + (f.dir.path() / "typo").string() + " does not exist";
    }
    SECTION("the store is a directory") {
        env["PM_STORE"] = "sqlite:" + f.dir.path().string();
        expected = "it is a directory";
    }
    SECTION("the store is /dev/null") {
        env["PM_STORE"] = "sqlite:/dev/null";
        expected = "not a regular file";
    }
    SECTION("the store is a text file") {
        pm::test::write_file(f.dir.path() / "notes.txt", "not a database\n");
        env["PM_STORE"] = "sqlite:" + (f.dir.path() / "notes.txt").string();
        expected = "file is not a database";
    }
    SECTION("the store has a newer schema") {
        pm::test::RawDb(f.store_url).exec("PRAGMA user_version = 999");
        expected = "is newer than this build";
    }
    SECTION("the log directory is a file") {
        pm::test::write_file(f.dir.path() / "logfile", "x");
        env["PM_LOG_DIR"] = (f.dir.path() / "logfile").string();
        expected = "log_dir: cannot create the log directory";
    }
    const auto result = run();
    CHECK(result.exit_code == 2);
    CHECK(result.out.find(R"("type":"config","code":2)") != std::string::npos);
    CHECK(result.out.find(expected) != std::string::npos);
    CHECK(result.err.find(expected) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(f.dir.path() / "typo"));
}

TEST_CASE("runner: an unknown running operation names the store") {
    Fixture f;
    const auto result = f.run({"--command", "ok", "--runningoperation", "424242"});
    CHECK(result.exit_code == 2);
    // The file, or on MariaDB the database.
    const auto store = pm::test::on_mariadb() ? f.store_url.substr(f.store_url.rfind('/') + 1)
                                              : (f.dir.path() / "billing.db").string();
    CHECK(result.out.find("running operation 424242 not found in the store ") != std::string::npos);
    CHECK(result.out.find(store) != std::string::npos);
}

TEST_CASE("runner: a session_ttl that is not a positive number of seconds is a config error") {
    Fixture f;
    for (const char* ttl : {"-1", "0"}) {
        CAPTURE(ttl);
        f.store.set_module_param(f.module, "session_ttl", ttl);
        const auto op = f.operation("ok");
        const auto result =
            f.run({"--command", "ok", "--runningoperation", id(op), "--output", "json"});
        CHECK(result.exit_code == 2);
        CHECK(result.out.find(
                  std::string("session_ttl must be a positive number of seconds, not ") + ttl) !=
              std::string::npos);
        CHECK(f.op(op).status == st::OperationStatus::error);
    }
    f.store.set_module_param(f.module, "session_ttl", "600");
    CHECK(f.run({"--command", "ok", "--runningoperation", id(f.operation("ok"))}).exit_code == 0);
}
