#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "pm/errors.hpp"
#include "pm/queue.hpp"

#include "support/process.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using pm::Deadline;
namespace queue = pm::queue;

const queue::Context k_context{"open", pm::ModuleId(155), pm::ItemId(42)};

queue::Config on(std::string key, int count = 0) {
    return {true, std::move(key), count};
}

std::vector<std::string> slots(const queue::Config& config,
                               const queue::Context& context = k_context) {
    return queue::slot_set(config, context).slots;
}

std::set<std::string> waiter_files(const fs::path& dir) {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const auto name = entry.path().filename().string();
        if (name.find(".w.") != std::string::npos) {
            names.insert(name);
        }
    }
    return names;
}

} // namespace

TEST_CASE("queue: key macros expand to the command, module and item") {
    CHECK(queue::expand_key("__TYPE__-__PMID__-__IID__", k_context) == "open-155-42");
    CHECK(queue::expand_key("__PMID____PMID__", k_context) == "155155");
    CHECK(queue::expand_key("plain", k_context) == "plain");
    CHECK(queue::expand_key("", k_context).empty());
    SECTION("an absent item expands to nothing") {
        const queue::Context no_item{"pool_process", pm::ModuleId(3), pm::ItemId()};
        CHECK(queue::expand_key("vm__IID__", no_item) == "vm");
    }
}

TEST_CASE("queue: slot names follow DESIGN §7") {
    SECTION("queue off: no slot") {
        CHECK(slots({false, "__PMID__", 2}).empty());
    }
    SECTION("count 5, no key") {
        CHECK(slots(on("", 5)) == std::vector<std::string>{"1", "2", "3", "4", "5"});
    }
    SECTION("key, no count") {
        CHECK(slots(on("__PMID__")) == std::vector<std::string>{"155"});
    }
    SECTION("key and count") {
        CHECK(slots(on("__PMID__", 2)) == std::vector<std::string>{"155_1", "155_2"});
    }
    SECTION("a shared key") {
        CHECK(slots(on("queueVM", 2)) == std::vector<std::string>{"queueVM_1", "queueVM_2"});
    }
    SECTION("no key, no count: one slot shared by all") {
        CHECK(slots(on("")) == std::vector<std::string>{""});
    }
}

TEST_CASE("queue: operations with the same slots stand in the same line") {
    const auto line = [](const queue::Config& config) {
        return queue::slot_set(config, k_context).line;
    };
    CHECK(line(on("a", 1)) == line(on("a_1")));
    CHECK(line(on("a", 2)) != line(on("a")));
    CHECK(line(on("a", 2)) != line(on("a", 3)));
    CHECK(line(on("", 2)) != line(on("1", 2)));
    CHECK(line(on("__PMID__")) == line(on("155")));
}

TEST_CASE("queue: a bad queue_count is a ConfigError") {
    CHECK_THROWS_AS(queue::slot_set(on("k", -1), k_context), pm::ConfigError);
    CHECK_THROWS_AS(queue::slot_set(on("k", queue::k_max_count + 1), k_context), pm::ConfigError);
    CHECK(slots(on("k", queue::k_max_count)).size() == queue::k_max_count);
}

TEST_CASE("queue: slot names become distinct, safe file names") {
    CHECK(queue::file_name_part("queueVM_1") == "queueVM_1");
    CHECK(queue::file_name_part("a/b") == "a%2Fb");
    CHECK(queue::file_name_part("..") == "%2E%2E");
    CHECK(queue::file_name_part("%2F") == "%252F");
    CHECK(queue::file_name_part("") != queue::file_name_part("%"));
    SECTION("long names are shortened and stay distinct") {
        const std::string a(300, 'a');
        const std::string b = a + "b";
        CHECK(queue::file_name_part(a).size() < 120);
        CHECK(queue::file_name_part(a) != queue::file_name_part(b));
    }
}

TEST_CASE("queue: with the queue off nothing is held and no file is made") {
    pm::test::TempDir dir;
    const auto lock_dir = dir / "locks";
    const auto slot = queue::acquire(lock_dir, {false, "k", 2}, k_context, Deadline::after(1s));
    CHECK_FALSE(slot.held());
    CHECK_FALSE(fs::exists(lock_dir));
}

TEST_CASE("queue: slots are exclusive and the wait ends at the deadline") {
    pm::test::TempDir dir;
    const auto lock_dir = dir / "locks" / "nested"; // created on demand
    const auto config = on("__PMID__", 2);
    auto first = queue::acquire(lock_dir, config, k_context, Deadline::after(1s));
    auto second = queue::acquire(lock_dir, config, k_context, Deadline::after(1s));
    REQUIRE(first.held());
    REQUIRE(second.held());
    CHECK(std::set<std::string>{first.name(), second.name()} ==
          std::set<std::string>{"155_1", "155_2"});
    CHECK_THROWS_AS(queue::acquire(lock_dir, config, k_context, Deadline::after(100ms)),
                    pm::LockTimeout);
    CHECK(waiter_files(lock_dir).empty()); // the timed-out waiter gave its place up
    second.release();
    const auto third = queue::acquire(lock_dir, config, k_context, Deadline::after(1s));
    CHECK(third.name() == "155_2");
}

TEST_CASE("queue: a waiter takes the slot as soon as it is released") {
    pm::test::TempDir dir;
    const auto config = on("one");
    auto holder = queue::acquire(dir.path(), config, k_context, Deadline::after(1s));
    std::vector<queue::Waiting> reports;
    std::thread releaser([&holder] {
        std::this_thread::sleep_for(50ms);
        holder.release();
    });
    const auto waiter =
        queue::acquire(dir.path(), config, k_context, Deadline::after(10s),
                       [&](const queue::Waiting& waiting) { reports.push_back(waiting); });
    releaser.join();
    CHECK(waiter.held());
    CHECK(waiter.name() == "one");
    REQUIRE(reports.size() == 1);
    CHECK(reports[0].ticket == 2);
    CHECK(reports[0].ahead == 0);
    CHECK(waiter_files(dir.path()).empty());
}

TEST_CASE("queue: a torn ticket counter does not reuse tickets of waiters in line") {
    pm::test::TempDir dir;
    const auto config = on("torn");
    const auto set = queue::slot_set(config, k_context);
    auto holder = queue::acquire(dir.path(), set, Deadline::after(1s));
    // A waiter in line with ticket 7, then a damaged counter.
    pm::test::write_file(dir / ("queue-" + set.line + ".w.7"), "");
    const auto waiter_seven = pm::FileLock::try_lock(dir / ("queue-" + set.line + ".w.7"));
    pm::test::write_file(dir / ("queue-" + set.line + ".ticket"), "garbage");
    std::uint64_t ticket = 0;
    std::thread releaser([&] {
        std::this_thread::sleep_for(50ms);
        holder.release();
    });
    CHECK_THROWS_AS(queue::acquire(dir.path(), set, Deadline::after(200ms),
                                   [&](const queue::Waiting& w) { ticket = w.ticket; }),
                    pm::LockTimeout); // it waits behind ticket 7, which stays held
    releaser.join();
    CHECK(ticket == 8);
}
