// The queue with real concurrent processes: tests/helpers/pm_queue_holder takes a slot as an
// operation would and logs "start|end <module> <label> <slot>" to a shared events file with
// single O_APPEND writes, so the file's order is the order of what happened.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <signal.h>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "support/process.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using pm::test::Process;

struct Event {
    bool start = false;
    long module = 0;
    std::string label;
    std::string slot;
};

std::vector<Event> read_events(const fs::path& path) {
    std::vector<Event> events;
    std::istringstream in(pm::test::read_file(path));
    std::string kind;
    Event event;
    while (in >> kind >> event.module >> event.label >> event.slot) {
        event.start = kind == "start";
        events.push_back(event);
    }
    return events;
}

std::size_t count_starts(const fs::path& path) {
    std::size_t starts = 0;
    for (const auto& event : read_events(path)) {
        starts += event.start ? 1 : 0;
    }
    return starts;
}

// The most holders at once among the events `counts` selects.
template <typename Select>
int max_at_once(const std::vector<Event>& events, Select counts) {
    int now = 0;
    int most = 0;
    for (const auto& event : events) {
        if (counts(event)) {
            now += event.start ? 1 : -1;
            most = std::max(most, now);
        }
    }
    return most;
}

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

struct ModuleQueue {
    long module = 0;
    bool enabled = false;
    std::string key;
    int count = 0;
};

class Bench {
public:
    [[nodiscard]] fs::path lock_dir() const { return m_dir / "locks"; }
    [[nodiscard]] fs::path events() const { return m_dir / "events"; }
    [[nodiscard]] fs::path file(const std::string& name) const { return m_dir / name; }

    Process spawn(const ModuleQueue& queue, const std::string& label,
                  const std::vector<std::string>& extra = {}) const {
        std::vector<std::string> argv{pm::test::helper_path("pm_queue_holder"),
                                      "--lock-dir",
                                      lock_dir().string(),
                                      "--key",
                                      queue.key,
                                      "--count",
                                      std::to_string(queue.count),
                                      "--module",
                                      std::to_string(queue.module),
                                      "--item",
                                      "42",
                                      "--label",
                                      label,
                                      "--events",
                                      events().string()};
        if (queue.enabled) {
            argv.emplace_back("--enabled");
        }
        argv.insert(argv.end(), extra.begin(), extra.end());
        return Process::spawn(argv);
    }

    // Spawns a holder that lines up and waits until it has its place.
    Process spawn_queued(const ModuleQueue& queue, const std::string& label,
                         std::vector<std::string> extra = {}) const {
        const auto marker = file("queued." + label);
        extra.insert(extra.end(), {"--queued-marker", marker.string()});
        Process process = spawn(queue, label, extra);
        REQUIRE(eventually([&] { return fs::exists(marker); }));
        return process;
    }

private:
    pm::test::TempDir m_dir;
};

void require_success(Process& process) {
    const auto result = process.wait(60s);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
}

std::vector<std::string> start_order(const fs::path& events) {
    std::vector<std::string> labels;
    for (const auto& event : read_events(events)) {
        if (event.start) {
            labels.push_back(event.label);
        }
    }
    return labels;
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

constexpr int k_per_module = 4;

// Runs k_per_module holders per module, all released at once by a gate. The first holders
// keep their slots until `expected` of them have started and a further pause has shown
// that no more can start; then every holder finishes. Returns the events.
std::vector<Event> run_scenario(const std::vector<ModuleQueue>& modules, std::size_t expected) {
    Bench bench;
    const auto gate = bench.file("gate");
    const auto release = bench.file("release");
    std::vector<Process> holders;
    for (const auto& queue : modules) {
        for (int i = 0; i < k_per_module; ++i) {
            holders.push_back(bench.spawn(
                queue, std::to_string(queue.module) + "-" + std::to_string(i),
                {"--gate", gate.string(), "--release-file", release.string(), "--hold-ms", "30"}));
        }
    }
    pm::test::write_file(gate, "");
    REQUIRE(eventually([&] { return count_starts(bench.events()) >= expected; }));
    std::this_thread::sleep_for(300ms);
    CHECK(count_starts(bench.events()) == expected);
    pm::test::write_file(release, "");
    for (auto& holder : holders) {
        require_success(holder);
    }
    const auto events = read_events(bench.events());
    REQUIRE(events.size() == 2 * holders.size());
    // Whatever the scenario, one slot is never held twice at once.
    for (const auto& event : events) {
        if (event.slot != "-") {
            CHECK(max_at_once(events, [&](const Event& e) { return e.slot == event.slot; }) == 1);
        }
    }
    return events;
}

int max_of_modules(const std::vector<Event>& events, std::set<long> modules) {
    return max_at_once(events, [&](const Event& e) { return modules.count(e.module) > 0; });
}

} // namespace

TEST_CASE("queue: scenario 1, queue off: no limit") {
    const auto events =
        run_scenario({{155, false, "", 0}, {156, false, "", 0}, {157, false, "", 0}}, 12);
    CHECK(max_of_modules(events, {155, 156, 157}) == 12);
}

TEST_CASE("queue: scenario 2, count 5 and no key: 5 at once") {
    const auto events =
        run_scenario({{155, true, "", 5}, {156, true, "", 5}, {157, true, "", 5}}, 5);
    CHECK(max_of_modules(events, {155, 156, 157}) == 5);
}

TEST_CASE("queue: scenario 3, key __PMID__: 1 per module") {
    const auto events = run_scenario(
        {{155, true, "__PMID__", 0}, {156, true, "__PMID__", 0}, {157, true, "__PMID__", 0}}, 3);
    CHECK(max_of_modules(events, {155, 156, 157}) == 3);
    for (const long module : {155, 156, 157}) {
        CHECK(max_of_modules(events, {module}) == 1);
    }
}

TEST_CASE("queue: scenario 4, key __PMID__ and count 2: 2 per module") {
    const auto events = run_scenario(
        {{155, true, "__PMID__", 2}, {156, true, "__PMID__", 2}, {157, true, "__PMID__", 2}}, 6);
    CHECK(max_of_modules(events, {155, 156, 157}) == 6);
    for (const long module : {155, 156, 157}) {
        CHECK(max_of_modules(events, {module}) == 2);
    }
}

TEST_CASE("queue: scenario 5, a shared key: 2 shared by two modules, the third unlimited") {
    const auto events = run_scenario(
        {{155, true, "queueVM", 2}, {156, true, "queueVM", 2}, {157, false, "queueVM", 2}},
        2 + k_per_module);
    CHECK(max_of_modules(events, {155, 156}) == 2);
    CHECK(max_of_modules(events, {157}) == k_per_module);
    CHECK(max_of_modules(events, {155, 156, 157}) == 2 + k_per_module);
}

TEST_CASE("queue: waiters are served in arrival order") {
    Bench bench;
    const ModuleQueue queue{155, true, "item__IID__", 0};
    const auto release = bench.file("release");
    Process blocker = bench.spawn(queue, "blocker", {"--release-file", release.string()});
    REQUIRE(eventually([&] { return count_starts(bench.events()) == 1; }));
    std::vector<Process> waiters;
    std::vector<std::string> expected{"blocker"};
    for (int i = 1; i <= 8; ++i) {
        expected.push_back("w" + std::to_string(i));
        waiters.push_back(bench.spawn_queued(queue, expected.back(), {"--hold-ms", "10"}));
    }
    pm::test::write_file(release, "");
    require_success(blocker);
    for (auto& waiter : waiters) {
        require_success(waiter);
    }
    CHECK(start_order(bench.events()) == expected);
    CHECK(waiter_files(bench.lock_dir()).empty());
}

TEST_CASE("queue: a SIGKILLed holder frees its slot for the next waiter") {
    Bench bench;
    const ModuleQueue queue{155, true, "__PMID__", 0};
    Process holder = bench.spawn(queue, "holder", {"--release-file", bench.file("never").string()});
    REQUIRE(eventually([&] { return count_starts(bench.events()) == 1; }));
    Process waiter = bench.spawn_queued(queue, "waiter", {"--hold-ms", "0"});
    holder.kill(SIGKILL);
    CHECK(holder.wait(10s).signal == SIGKILL);
    require_success(waiter);
    CHECK(start_order(bench.events()) == std::vector<std::string>{"holder", "waiter"});
}

TEST_CASE("queue: SIGKILLed waiters do not block those behind them") {
    Bench bench;
    const ModuleQueue queue{155, true, "__PMID__", 0};
    const auto release = bench.file("release");
    Process holder = bench.spawn(queue, "holder", {"--release-file", release.string()});
    REQUIRE(eventually([&] { return count_starts(bench.events()) == 1; }));
    std::vector<Process> line;
    for (const char* label : {"w1", "w2", "w3", "w4", "w5"}) {
        line.push_back(bench.spawn_queued(queue, label, {"--hold-ms", "10"}));
    }
    line[2].kill(SIGKILL); // in the middle of the line
    line[0].kill(SIGKILL); // the head, waiting for the slot
    CHECK(line[2].wait(10s).signal == SIGKILL);
    CHECK(line[0].wait(10s).signal == SIGKILL);
    std::this_thread::sleep_for(200ms);
    CHECK(count_starts(bench.events()) == 1); // the holder still holds: nobody jumped in
    pm::test::write_file(release, "");
    require_success(holder);
    for (const std::size_t i : {1u, 3u, 4u}) {
        require_success(line[i]);
    }
    CHECK(start_order(bench.events()) == std::vector<std::string>{"holder", "w2", "w4", "w5"});
    CHECK(waiter_files(bench.lock_dir()).empty()); // the dead waiters' places were removed
}

TEST_CASE("queue: a wait past the deadline exits with code 3 and leaves the line clean") {
    Bench bench;
    const ModuleQueue queue{155, true, "__PMID__", 0};
    const auto release = bench.file("release");
    Process holder = bench.spawn(queue, "holder", {"--release-file", release.string()});
    REQUIRE(eventually([&] { return count_starts(bench.events()) == 1; }));
    const auto late = bench.spawn(queue, "late", {"--timeout-ms", "300"}).wait(30s);
    CHECK(late.exit_code == 3);
    CHECK(late.err.find("queue_timeout") != std::string::npos);
    CHECK(waiter_files(bench.lock_dir()).empty());
    Process next = bench.spawn_queued(queue, "next", {"--hold-ms", "0"});
    pm::test::write_file(release, "");
    require_success(holder);
    require_success(next);
    CHECK(start_order(bench.events()) == std::vector<std::string>{"holder", "next"});
}
