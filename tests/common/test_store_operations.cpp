// The store: the running-operation lifecycle of DESIGN §5.
#include <thread>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "pm/errors.hpp"
#include "pm/store.hpp"

#include "support/process.hpp"
#include "support/test_store.hpp"

using namespace pm;
using namespace pm::store;
using pm::test::TempDir;

namespace {

struct Fixture {
    TempDir dir;
    std::string url = pm::test::store_url(dir.path());
    Store store = Store::open(url);
    ModuleId module = store.create_module({.name = "cluster", .type = "pmvmmgr6"});
    ItemId item = store.create_item({.account_id = store.create_account("a", ""),
                                     .pricelist_id = store.create_pricelist("p", "vds"),
                                     .module_id = module,
                                     .type = "vds"});
    OperationId operation =
        store.create_operation({.item_id = item, .module_id = module, .command = "open"});

    RunningOperation get() { return store.find_operation(operation).value(); }
};

} // namespace

TEST_CASE("store: a new operation is pending") {
    Fixture f;
    const auto op = f.get();
    CHECK(op.item_id == f.item);
    CHECK_FALSE(op.object_id);
    CHECK(op.module_id == f.module);
    CHECK(op.command == "open");
    CHECK(op.status == OperationStatus::pending);
    CHECK(op.trycount == 0);
    CHECK(op.error.empty());
    CHECK_FALSE(op.pid);
    CHECK_FALSE(op.created_at.empty());
    CHECK(op.started_at.empty());
    CHECK_FALSE(f.store.find_operation(OperationId(99)));
}

TEST_CASE("store: an operation runs and finishes") {
    Fixture f;
    const auto started = f.store.begin_operation(f.operation);
    CHECK(started.status == OperationStatus::running);
    CHECK(started.trycount == 1);
    CHECK(started.pid == ::getpid());
    CHECK_FALSE(started.started_at.empty());
    CHECK(f.get().status == OperationStatus::running);

    f.store.finish_operation(f.operation);
    const auto done = f.get();
    CHECK(done.status == OperationStatus::done);
    CHECK(done.trycount == 1);
    CHECK_FALSE(done.pid);
    CHECK(done.error.empty());

    SECTION("a done operation may run again: commands are idempotent") {
        CHECK(f.store.begin_operation(f.operation).trycount == 2);
    }
    SECTION("a late failure does not undo done") {
        CHECK(f.store.fail_operation(f.operation, "SIGTERM", 10) == OperationStatus::done);
        CHECK(f.get().status == OperationStatus::done);
        CHECK(f.get().error.empty());
    }
}

TEST_CASE("store: failed attempts end in manual after max_tries") {
    Fixture f;
    for (int attempt = 1; attempt < 3; ++attempt) {
        f.store.begin_operation(f.operation);
        CHECK(f.store.fail_operation(f.operation, fmt::format("attempt {}", attempt), 3) ==
              OperationStatus::error);
        const auto op = f.get();
        CHECK(op.trycount == attempt);
        CHECK(op.error == fmt::format("attempt {}", attempt));
        CHECK_FALSE(op.pid);
    }
    f.store.begin_operation(f.operation);
    CHECK(f.store.fail_operation(f.operation, "attempt 3", 3) == OperationStatus::manual);
    CHECK(f.get().status == OperationStatus::manual);
    CHECK(f.get().trycount == 3);

    // manual needs a person: it is neither started nor changed by later failures.
    CHECK_THROWS_WITH(f.store.begin_operation(f.operation),
                      Catch::Contains("waiting for manual attention after 3 failed tries") &&
                          Catch::Contains("attempt 3"));
    CHECK_THROWS_AS(f.store.begin_operation(f.operation), OperationError);
    CHECK(f.store.fail_operation(f.operation, "other", 3) == OperationStatus::manual);
    CHECK(f.get().error == "attempt 3");

    f.store.reset_operation(f.operation);
    const auto reset = f.get();
    CHECK(reset.status == OperationStatus::pending);
    CHECK(reset.trycount == 0);
    CHECK(reset.error.empty());
    CHECK(f.store.begin_operation(f.operation).trycount == 1);
}

TEST_CASE("store: failing keeps the error until the operation is done") {
    Fixture f;
    f.store.begin_operation(f.operation);
    f.store.fail_operation(f.operation, "connection refused", 10);
    const auto retried = f.store.begin_operation(f.operation);
    CHECK(retried.error == "connection refused");
    CHECK(retried.trycount == 2);
    f.store.finish_operation(f.operation);
    CHECK(f.get().error.empty());
}

TEST_CASE("store: max_tries of 0 never ends in manual") {
    Fixture f;
    for (int attempt = 0; attempt < 12; ++attempt) {
        f.store.begin_operation(f.operation);
        CHECK(f.store.fail_operation(f.operation, "no", 0) == OperationStatus::error);
    }
    CHECK(f.get().trycount == 12);
}

TEST_CASE("store: a failure before the operation began counts as an attempt") {
    Fixture f;
    CHECK(f.store.fail_operation(f.operation, "module param 'url' is not set", 2) ==
          OperationStatus::error);
    CHECK(f.get().trycount == 1);
    CHECK(f.store.fail_operation(f.operation, "again", 2) == OperationStatus::manual);
    CHECK(f.get().trycount == 2);
}

TEST_CASE("store: the error is stored as one line") {
    Fixture f;
    f.store.begin_operation(f.operation);
    SECTION("line breaks") {
        f.store.fail_operation(f.operation, "remote said:\n  task failed\r\n\tdisk full\n", 10);
        CHECK(f.get().error == "remote said: task failed disk full");
    }
    SECTION("a long message is cut on a character boundary") {
        // (Built front to back: GCC 12 sees a false -Wrestrict in an insert at 0 here.)
        std::string message = "x";
        for (int i = 0; i < 600; ++i) {
            message += "é"; // two bytes
        }
        f.store.fail_operation(f.operation, message, 10);
        const auto error = f.get().error;
        CHECK(error.size() <= 1003);
        CHECK(error.ends_with("é..."));
    }
}

TEST_CASE("store: return_to_pending undoes a start that never did its work") {
    Fixture f;
    f.store.begin_operation(f.operation);
    f.store.fail_operation(f.operation, "first", 10);
    f.store.begin_operation(f.operation);
    f.store.return_to_pending(f.operation);
    auto op = f.get();
    CHECK(op.status == OperationStatus::pending);
    CHECK(op.trycount == 1);
    CHECK_FALSE(op.pid);

    f.store.return_to_pending(f.operation); // pending: nothing to undo
    CHECK(f.get().trycount == 1);
    f.store.begin_operation(f.operation);
    f.store.finish_operation(f.operation);
    f.store.return_to_pending(f.operation); // done stays done
    CHECK(f.get().status == OperationStatus::done);
}

TEST_CASE("store: a running operation whose process died is taken over") {
    Fixture f;
    f.store.begin_operation(f.operation);
    const auto again = f.store.begin_operation(f.operation);
    CHECK(again.status == OperationStatus::running);
    CHECK(again.trycount == 2);
}

TEST_CASE("store: lifecycle calls on an unknown operation are configuration errors") {
    Fixture f;
    const OperationId missing(99);
    const std::string message = "running operation 99 not found";
    CHECK_THROWS_WITH(f.store.begin_operation(missing), message);
    CHECK_THROWS_AS(f.store.begin_operation(missing), ConfigError);
    CHECK_THROWS_WITH(f.store.finish_operation(missing), message);
    CHECK_THROWS_WITH(f.store.fail_operation(missing, "x", 10), message);
    CHECK_THROWS_WITH(f.store.return_to_pending(missing), message);
    CHECK_THROWS_WITH(f.store.reset_operation(missing), message);
}

TEST_CASE("store: operations are listed by item, object, module and status") {
    Fixture f;
    const auto object = f.store.create_object({.item_id = f.item, .type = "vm"});
    const auto vm_open = f.store.create_operation(
        {.item_id = f.item, .object_id = object, .module_id = f.module, .command = "vdc_vm_open"});
    const auto other = f.store.create_operation({.module_id = f.module, .command = "pool_process"});
    f.store.begin_operation(vm_open);
    f.store.begin_operation(other);
    f.store.finish_operation(other);

    const auto ids = [](const std::vector<RunningOperation>& ops) {
        std::vector<OperationId> out;
        for (const auto& op : ops) {
            out.push_back(op.id);
        }
        return out;
    };
    CHECK(ids(f.store.operations()) == std::vector{f.operation, vm_open, other});
    CHECK(ids(f.store.operations({.item_id = f.item})) == std::vector{f.operation, vm_open});
    CHECK(ids(f.store.operations({.object_id = object})) == std::vector{vm_open});
    CHECK(ids(f.store.operations({.module_id = f.module})).size() == 3);
    const std::vector active{OperationStatus::pending, OperationStatus::running};
    CHECK(ids(f.store.operations({.statuses = active})) == std::vector{f.operation, vm_open});
    CHECK(ids(f.store.operations({.item_id = f.item, .statuses = {OperationStatus::running}})) ==
          std::vector{vm_open});
    CHECK(f.store.operations({.statuses = {OperationStatus::manual}}).empty());
}

// The runner's signal thread records a failure on its own connection while the main thread
// may be inside a transaction: it waits for the lock instead of failing.
TEST_CASE("store: a second thread with its own Store records a failure during a transaction") {
    Fixture f;
    f.store.begin_operation(f.operation);
    std::thread signal_thread;
    OperationStatus recorded = OperationStatus::pending;
    f.store.transaction([&] {
        f.store.set_item_param(f.item, "vm_id", "5");
        signal_thread = std::thread([&] {
            auto own = Store::open(f.url);
            recorded = own.fail_operation(f.operation, "terminated by SIGTERM", 10);
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    });
    signal_thread.join();
    CHECK(recorded == OperationStatus::error);
    CHECK(f.get().error == "terminated by SIGTERM");
    CHECK(f.store.item_params(f.item).require("vm_id") == "5");
}
