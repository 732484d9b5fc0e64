// Coordination across hosts through a MariaDB server (DESIGN §7 "Several hosts"): a "host" is
// a group of processes with its own lock_dir and cache_dir, and every host uses the same
// database. Runs when PM_TEST_MARIADB (e.g. mysql://root@127.0.0.1:23306) names a server
// whose user may create databases; each test gets a fresh database. Skipped, with a warning,
// when it is not set. The processes are tests/helpers/pm_coord_client.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "pm/http.hpp"
#include "pm/json.hpp"

#include "common/coordination_server.hpp"
#include "support/process.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using pm::test::Database;
using pm::test::Process;
using pm::test::test_server;

// Two hosts: their own lock_dir and cache_dir each, one store.
struct Hosts {
    pm::test::TempDir dir;
    std::string store;
    fs::path events = dir / "events";

    [[nodiscard]] std::vector<std::string> client(int host, const std::string& label) const {
        const fs::path home = dir / fmt::format("host{}", host);
        return {pm::test::helper_path("pm_coord_client"),
                "--store",
                store,
                "--lock-dir",
                (home / "locks").string(),
                "--cache-dir",
                (home / "cache").string(),
                "--events",
                events.string(),
                "--label",
                label};
    }
};

std::vector<std::string> with(std::vector<std::string> argv, const std::vector<std::string>& more) {
    argv.insert(argv.end(), more.begin(), more.end());
    return argv;
}

std::vector<std::string> event_lines(const fs::path& path) {
    std::vector<std::string> lines;
    if (!fs::exists(path)) {
        return lines;
    }
    std::istringstream in(pm::test::read_file(path));
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

// Labels in the order they started.
std::vector<std::string> started(const fs::path& path) {
    std::vector<std::string> labels;
    for (const auto& line : event_lines(path)) {
        if (line.starts_with("start ")) {
            std::istringstream words(line.substr(6));
            std::string label;
            words >> label;
            labels.push_back(label);
        }
    }
    return labels;
}

// The most holders at once of slots whose names satisfy `in_group`.
std::size_t most_at_once(const fs::path& path,
                         const std::function<bool(const std::string&)>& in_group) {
    std::size_t now = 0;
    std::size_t most = 0;
    std::set<std::string> slots_held;
    for (const auto& line : event_lines(path)) {
        std::istringstream words(line);
        std::string what, label, slot;
        words >> what >> label >> slot;
        if (!in_group(slot)) {
            continue;
        }
        if (what == "start") {
            ++now;
            // One holder per slot at a time.
            CHECK(slots_held.insert(slot).second);
        } else if (what == "end") {
            --now;
            slots_held.erase(slot);
        }
        most = std::max(most, now);
    }
    return most;
}

void wait_for_file(const fs::path& path) {
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (!fs::exists(path) && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(10ms);
    }
    REQUIRE(fs::exists(path));
}

int exit_of(Process& process) {
    const auto result = process.wait(60s);
    INFO(result.err);
    return result.exit_code;
}

} // namespace

TEST_CASE("coordination on MariaDB: the queue scenarios hold over two hosts",
          "[coordination][.][mariadb]") {
    const auto server = test_server();
    if (!server) {
        return;
    }
    struct Scenario {
        std::string name;
        // module → queue flags (empty: queue off)
        std::map<int, std::vector<std::string>> config;
        // slot name → group, and the most holders at once per group
        std::function<std::string(const std::string&)> group;
        std::map<std::string, std::size_t> limit;
    };
    const std::vector<Scenario> scenarios{
        {"2: count 5, no key",
         {{155, {"--enabled", "--count", "5"}},
          {156, {"--enabled", "--count", "5"}},
          {157, {"--enabled", "--count", "5"}}},
         [](const std::string&) { return std::string("all"); },
         {{"all", 5}}},
        {"3: key __PMID__",
         {{155, {"--enabled", "--key", "__PMID__"}},
          {156, {"--enabled", "--key", "__PMID__"}},
          {157, {"--enabled", "--key", "__PMID__"}}},
         [](const std::string& slot) { return slot.substr(0, 3); },
         {{"155", 1}, {"156", 1}, {"157", 1}}},
        {"4: key __PMID__, count 2",
         {{155, {"--enabled", "--key", "__PMID__", "--count", "2"}},
          {156, {"--enabled", "--key", "__PMID__", "--count", "2"}},
          {157, {"--enabled", "--key", "__PMID__", "--count", "2"}}},
         [](const std::string& slot) { return slot.substr(0, 3); },
         {{"155", 2}, {"156", 2}, {"157", 2}}},
        {"5: 155 and 156 share queueVM count 2, 157 off",
         {{155, {"--enabled", "--key", "queueVM", "--count", "2"}},
          {156, {"--enabled", "--key", "queueVM", "--count", "2"}},
          {157, {}}},
         [](const std::string& slot) {
             return slot == "-" ? std::string("off") : slot.substr(0, 7);
         },
         {{"queueVM", 2}}},
    };
    for (const auto& scenario : scenarios) {
        SECTION(scenario.name) {
            const Database db(*server);
            Hosts hosts;
            hosts.store = db.url();
            const auto go = hosts.dir / "go";
            std::vector<Process> processes;
            int n = 0;
            for (const auto& [module, flags] : scenario.config) {
                for (int i = 0; i < 4; ++i, ++n) {
                    auto argv = with(hosts.client(n % 2, fmt::format("m{}-{}", module, i)),
                                     {"--gate", go.string(), "--hold-ms", "150", "slot", "--module",
                                      std::to_string(module)});
                    argv.insert(argv.end(), flags.begin(), flags.end());
                    processes.push_back(Process::spawn(argv));
                }
            }
            pm::test::write_file(go, "");
            for (auto& process : processes) {
                CHECK(exit_of(process) == 0);
            }
            CHECK(started(hosts.events).size() == processes.size());
            for (const auto& [group, limit] : scenario.limit) {
                const auto most = most_at_once(hosts.events, [&](const std::string& slot) {
                    return scenario.group(slot) == group;
                });
                INFO("group " << group);
                CHECK(most <= limit);
                CHECK(most >= 1);
            }
        }
    }
}

TEST_CASE("coordination on MariaDB: waiters on two hosts are served in arrival order",
          "[coordination][.][mariadb]") {
    const auto server = test_server();
    if (!server) {
        return;
    }
    const Database db(*server);
    Hosts hosts;
    hosts.store = db.url();
    const auto release = hosts.dir / "release";
    const std::vector<std::string> slot{"slot", "--enabled", "--key", "__IID__", "--item", "7"};
    auto holder = Process::spawn(
        with(hosts.client(0, "holder"), with({"--release-file", release.string()}, slot)));
    wait_for_file(hosts.events); // the holder started
    std::vector<Process> waiters;
    std::vector<std::string> expected{"holder"};
    for (int i = 0; i < 6; ++i) {
        const std::string label = fmt::format("w{}", i);
        waiters.push_back(
            Process::spawn(with(hosts.client(i % 2, label), with({"--hold-ms", "20"}, slot))));
        db.wait_for_lock_waiters(i + 1); // queued at the server before the next one arrives
        expected.push_back(label);
    }
    pm::test::write_file(release, "");
    CHECK(exit_of(holder) == 0);
    for (auto& waiter : waiters) {
        CHECK(exit_of(waiter) == 0);
    }
    CHECK(started(hosts.events) == expected);
}

TEST_CASE("coordination on MariaDB: a line of several slots serves its waiters in arrival order",
          "[coordination][.][mariadb]") {
    const auto server = test_server();
    if (!server) {
        return;
    }
    const Database db(*server);
    Hosts hosts;
    hosts.store = db.url();
    const std::vector<std::string> slot{"slot", "--enabled", "--key", "k", "--count", "2"};
    std::vector<Process> holders;
    std::vector<fs::path> releases;
    for (int i = 0; i < 2; ++i) {
        releases.push_back(hosts.dir / fmt::format("release{}", i));
        holders.push_back(
            Process::spawn(with(hosts.client(i, fmt::format("h{}", i)),
                                with({"--release-file", releases.back().string()}, slot))));
    }
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (started(hosts.events).size() < 2 && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(10ms);
    }
    REQUIRE(started(hosts.events).size() == 2);
    // The head of the line polls the slots; the others wait for the gate at the server.
    const auto head_marker = hosts.dir / "head";
    std::vector<Process> waiters;
    waiters.push_back(Process::spawn(
        with(hosts.client(0, "w0"),
             with({"--queued-marker", head_marker.string(), "--release-file", releases[0].string()},
                  slot))));
    wait_for_file(head_marker);
    for (int i = 1; i < 5; ++i) {
        waiters.push_back(
            Process::spawn(with(hosts.client(i % 2, fmt::format("w{}", i)),
                                with({"--release-file", releases[0].string()}, slot))));
        db.wait_for_lock_waiters(i);
    }
    // One slot frees: only the first in line gets it.
    pm::test::write_file(releases[0], "");
    CHECK(exit_of(holders[0]) == 0);
    CHECK(exit_of(waiters[0]) == 0);
    // Then every waiter in turn, one slot being held by h1 all along.
    for (std::size_t i = 1; i < waiters.size(); ++i) {
        CHECK(exit_of(waiters[i]) == 0);
    }
    // The two holders start together, in either order; the waiters in the order they came.
    auto order = started(hosts.events);
    REQUIRE(order.size() == 7);
    std::sort(order.begin(), order.begin() + 2);
    CHECK(order == std::vector<std::string>{"h0", "h1", "w0", "w1", "w2", "w3", "w4"});
    CHECK(most_at_once(hosts.events, [](const std::string&) { return true; }) <= 2);
    pm::test::write_file(releases[1], "");
    CHECK(exit_of(holders[1]) == 0);
}

TEST_CASE("coordination on MariaDB: a killed holder or waiter frees its place at once",
          "[coordination][.][mariadb]") {
    const auto server = test_server();
    if (!server) {
        return;
    }
    const Database db(*server);
    Hosts hosts;
    hosts.store = db.url();
    const auto never = hosts.dir / "never";
    const std::vector<std::string> slot{"slot", "--enabled", "--key", "one"};
    auto holder = Process::spawn(
        with(hosts.client(0, "holder"), with({"--release-file", never.string()}, slot)));
    wait_for_file(hosts.events);
    auto doomed = Process::spawn(
        with(hosts.client(1, "doomed"), with({"--release-file", never.string()}, slot)));
    db.wait_for_lock_waiters(1);
    auto waiter = Process::spawn(
        with(hosts.client(1, "waiter"), with({"--hold-ms", "0", "--timeout-ms", "20000"}, slot)));
    db.wait_for_lock_waiters(2);
    doomed.kill(SIGKILL);
    (void)doomed.wait(10s);
    holder.kill(SIGKILL); // on host 0: the waiter on host 1 gets in
    (void)holder.wait(10s);
    CHECK(exit_of(waiter) == 0);
    CHECK(started(hosts.events) == std::vector<std::string>{"holder", "waiter"});
}

TEST_CASE("coordination on MariaDB: a queue wait past the deadline gives up with exit 3",
          "[coordination][.][mariadb]") {
    const auto server = test_server();
    if (!server) {
        return;
    }
    const Database db(*server);
    Hosts hosts;
    hosts.store = db.url();
    const auto release = hosts.dir / "release";
    for (const std::string count : {"1", "3"}) {
        CAPTURE(count);
        const std::vector<std::string> slot{"slot", "--enabled", "--key", "k", "--count", count};
        std::vector<Process> holders;
        for (int i = 0; i < std::stoi(count); ++i) {
            holders.push_back(Process::spawn(
                with(hosts.client(0, "holder"), with({"--release-file", release.string()}, slot))));
        }
        const auto until = std::chrono::steady_clock::now() + 30s;
        while (started(hosts.events).size() < holders.size() &&
               std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(10ms);
        }
        const auto late = pm::test::run(
            with(hosts.client(1, "late"), with({"--timeout-ms", "300"}, slot)), {}, 30s);
        CHECK(late.exit_code == 3);
        CHECK(late.err.find("queue_timeout") != std::string::npos);
        pm::test::write_file(release, "");
        for (auto& holder : holders) {
            CHECK(exit_of(holder) == 0);
        }
        fs::remove(release);
        fs::remove(hosts.events);
    }
}

TEST_CASE("coordination on MariaDB: a module-wide lock held on one host refuses on the other",
          "[coordination][.][mariadb]") {
    const auto server = test_server();
    if (!server) {
        return;
    }
    const Database db(*server);
    Hosts hosts;
    hosts.store = db.url();
    const auto release = hosts.dir / "release";
    auto first = Process::spawn(with(hosts.client(0, "a"), {"--release-file", release.string(),
                                                            "trylock", "--name", "sync-module-5"}));
    wait_for_file(hosts.events);
    const auto second =
        pm::test::run(with(hosts.client(1, "b"), {"trylock", "--name", "sync-module-5"}));
    CHECK(second.exit_code == 0);
    CHECK(second.out == "busy\n");
    const auto other = pm::test::run(
        with(hosts.client(1, "c"), {"--hold-ms", "0", "trylock", "--name", "sync-module-6"}));
    CHECK(other.out == "held\n");
    pm::test::write_file(release, "");
    CHECK(exit_of(first) == 0);
    const auto after = pm::test::run(
        with(hosts.client(1, "d"), {"--hold-ms", "0", "trylock", "--name", "sync-module-5"}));
    CHECK(after.out == "held\n");
}

TEST_CASE("coordination on MariaDB: a frozen holder is freed after wait_timeout and then stops",
          "[coordination][.][mariadb]") {
    const auto server = test_server();
    if (!server) {
        return;
    }
    const Database db(*server);
    Hosts hosts;
    hosts.store = db.url();
    const auto never = hosts.dir / "never";
    const std::vector<std::string> slot{"slot", "--enabled", "--key", "frozen"};
    auto holder = Process::spawn(
        with(hosts.client(0, "holder"), with({"--release-file", never.string()}, slot)),
        {{"PM_LOCK_WAIT_TIMEOUT_S", "2"}});
    wait_for_file(hosts.events);
    holder.kill(SIGSTOP);
    const auto waiter = pm::test::run(
        with(hosts.client(1, "waiter"), with({"--hold-ms", "0", "--timeout-ms", "30000"}, slot)),
        {}, 60s);
    CHECK(waiter.exit_code == 0);
    // Woken, the holder finds its locks gone and stops instead of going on.
    holder.kill(SIGCONT);
    CHECK(exit_of(holder) == 3);
    const auto lines = event_lines(hosts.events);
    CHECK(std::find(lines.begin(), lines.end(), "lost holder") != lines.end());
    CHECK(std::find(lines.begin(), lines.end(), "end holder frozen") == lines.end());
}

TEST_CASE("coordination on MariaDB: 20 processes on two hosts with a cold cache log in once",
          "[coordination][.][mariadb]") {
    const auto server = test_server();
    if (!server) {
        return;
    }
    const Database db(*server);
    Hosts hosts;
    hosts.store = db.url();
    pm::test::TempDir login_dir;
    auto login_server =
        Process::spawn({"/usr/bin/env", "python3",
                        (pm::test::source_dir() / "tests/support/login_server.py").string(),
                        "--port-file", (login_dir / "port").string(), "--delay-ms", "300"});
    wait_for_file(login_dir / "port");
    std::string port = pm::test::read_file(login_dir / "port");
    const std::string url = "http://127.0.0.1:" + port.substr(0, port.find('\n'));
    const auto transport = pm::http::make_curl_transport({});
    const auto logins = [&] {
        pm::http::Client client(*transport);
        const auto response =
            client.send({pm::http::Method::get, url + "/count", {}, {}}, pm::Deadline::after(10s),
                        pm::http::Idempotency::idempotent);
        REQUIRE(response.status == 200);
        return pm::json::parse(response.body, "count").root().at("count").as_int64();
    };
    const auto go = hosts.dir / "go";
    const auto session = [&](int host, int i) {
        return with(hosts.client(host, fmt::format("s{}", i)),
                    {"--gate", go.string(), "session", "--url", url, "--user", "admin",
                     "--password", "secret"});
    };
    std::vector<Process> clients;
    for (int i = 0; i < 20; ++i) {
        clients.push_back(Process::spawn(session(i % 2, i)));
    }
    pm::test::write_file(go, "");
    std::set<std::string> tokens;
    for (auto& client : clients) {
        const auto result = client.wait(60s);
        INFO(result.err);
        CHECK(result.exit_code == 0);
        tokens.insert(result.out);
    }
    CHECK(logins() == 1);
    CHECK(tokens.size() == 1);
    // The session lives in the database, not in either host's cache_dir.
    CHECK(db.query("SELECT COUNT(*) FROM " + db.name() + ".pm_session") == "1\n");
    CHECK_FALSE(fs::exists(hosts.dir / "host0" / "cache"));
    CHECK_FALSE(fs::exists(hosts.dir / "host1" / "cache"));

    SECTION("a damaged row is a miss: one more login replaces it") {
        (void)db.query("UPDATE " + db.name() + ".pm_session SET body = 'not json'");
        const auto again = pm::test::run(session(1, 99));
        CHECK(again.exit_code == 0);
        CHECK(logins() == 2);
        CHECK(again.out != *tokens.begin());
        const auto reused = pm::test::run(session(0, 100));
        CHECK(reused.out == again.out);
        CHECK(logins() == 2);
    }
}
