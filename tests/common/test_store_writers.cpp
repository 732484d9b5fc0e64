// The store under many writer processes at once (DESIGN §5, issue: "safe with many writer
// processes at once"): no "database is locked" failures, nothing lost.
#include <catch2/catch.hpp>

#include "pm/store.hpp"

#include "support/process.hpp"
#include "support/test_store.hpp"

using namespace pm;
using namespace pm::store;
using pm::test::Process;
using pm::test::TempDir;

TEST_CASE("store: concurrent writer processes on a fresh store lose nothing") {
    constexpr int k_writers = 16;
    constexpr int k_rounds = 20;
    TempDir dir;
    const auto url = pm::test::store_url(dir.path());
    const auto start = dir / "start";

    std::vector<Process> writers;
    for (int writer = 0; writer < k_writers; ++writer) {
        writers.push_back(
            Process::spawn({pm::test::helper_path("pm_store_writer"), url, std::to_string(writer),
                            std::to_string(k_rounds), start.string()}));
    }
    pm::test::write_file(start, "go"); // all open the fresh store together
    for (auto& writer : writers) {
        const auto result = writer.wait(std::chrono::seconds(120));
        INFO(result.err);
        CHECK(result.exit_code == 0);
        CHECK(result.err.find("database is locked") == std::string::npos); // SQLite's busy
        CHECK(result.err.empty());
    }

    auto store = Store::open(url);
    const auto shared = store.modules("shared");
    REQUIRE(shared.size() == 1);
    CHECK(store.module_params(shared[0].id).get_int("counter", 0) == k_writers * k_rounds);

    const auto modules = store.modules("writer");
    REQUIRE(modules.size() == k_writers);
    for (const auto& module : modules) {
        const auto items = store.items({.module_id = module.id});
        REQUIRE(items.size() == 1);
        const auto params = store.item_params(items[0].id);
        CHECK(params.values().size() == k_rounds);
        CHECK(params.get_int(fmt::format("p{}", k_rounds - 1), -1) == k_rounds - 1);
        const auto operations = store.operations({.module_id = module.id});
        CHECK(operations.size() == k_rounds);
        for (const auto& operation : operations) {
            CHECK(operation.status == OperationStatus::done);
            CHECK(operation.trycount == 1);
        }
    }
}
