// pm::Coordination with files (one host), and how a process stops when its locks are lost
// (Watchdog::interrupt, which the runner calls from the lock connection's ping thread).
#include <chrono>
#include <filesystem>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "pm/coordination.hpp"
#include "pm/watchdog.hpp"

#include "support/process.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Runs `body` in a forked child and returns its exit status (-1 if a signal ended it).
template <typename Body>
int in_child(Body&& body) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        body();
        ::_exit(0);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace

TEST_CASE("coordination: files keep today's names under lock_dir and cache_dir", "[coordination]") {
    pm::test::TempDir dir;
    pm::Settings settings;
    settings.store = "sqlite:" + (dir / "billing.db").string();
    settings.lock_dir = dir / "locks";
    settings.cache_dir = dir / "cache";
    const auto coordination = pm::make_coordination(settings, {});

    auto held = coordination->try_lock("sync-module-5");
    REQUIRE(held);
    CHECK(fs::exists(dir / "locks" / "sync-module-5.lock"));
    // Another process (another open file) is refused while it is held, and gets it after.
    const std::vector<std::string> argv{pm::test::helper_path("pm_coord_client"),
                                        "--lock-dir",
                                        (dir / "locks").string(),
                                        "--hold-ms",
                                        "0",
                                        "trylock",
                                        "--name",
                                        "sync-module-5"};
    CHECK(pm::test::run(argv).out == "busy\n");
    held.reset();
    CHECK(pm::test::run(argv).out == "held\n");

    const auto cache = coordination->session_cache("https://panel.example", "admin", 600s);
    const pm::SessionCache plain(dir / "cache", "https://panel.example", "admin", 600s);
    CHECK(cache->path() == plain.path());
    CHECK(cache->path().parent_path() == dir / "cache");

    auto slot = coordination->acquire_slot(pm::queue::Config{true, "k", 1},
                                           pm::queue::Context{"open", pm::ModuleId(1), {}},
                                           pm::Deadline::after(5s));
    CHECK(slot.held());
    CHECK(slot.name() == "k_1");
    CHECK(fs::exists(dir / "locks" / "slot-k_1.lock"));
}

TEST_CASE("coordination: a process whose locks are lost stops through the watchdog",
          "[coordination]") {
    pm::test::TempDir dir;
    const fs::path said = dir / "said";
    SECTION("the handler runs with the reason and the process exits with the watchdog's code") {
        const int code = in_child([&] {
            pm::Watchdog watchdog(
                [&](const std::string& reason) { pm::test::write_file(said, reason); }, 3);
            watchdog.interrupt("lost the lock connection");
            std::this_thread::sleep_for(10s);
            ::_exit(0); // not reached when the watchdog acts
        });
        CHECK(code == 3);
        CHECK(pm::test::read_file(said) == "lost the lock connection");
    }
    SECTION("once the outcome is recorded the loss changes nothing") {
        const int code = in_child([&] {
            pm::Watchdog watchdog(
                [&](const std::string& reason) { pm::test::write_file(said, reason); }, 3);
            {
                const auto lock = watchdog.finishing();
                watchdog.mark_finished();
            }
            watchdog.interrupt("lost the lock connection");
            std::this_thread::sleep_for(300ms);
            ::_exit(0);
        });
        CHECK(code == 0);
        CHECK_FALSE(fs::exists(said));
    }
}
