#include <chrono>
#include <filesystem>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "pm/errors.hpp"
#include "pm/file_lock.hpp"

#include "support/process.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using pm::Deadline;
using pm::FileLock;

// Sets the wait mode for one test and restores the default afterwards.
class WaitModeGuard {
public:
    explicit WaitModeGuard(pm::WaitMode mode) { pm::set_wait_mode(mode); }
    WaitModeGuard(const WaitModeGuard&) = delete;
    WaitModeGuard& operator=(const WaitModeGuard&) = delete;
    ~WaitModeGuard() { pm::set_wait_mode(pm::WaitMode::inotify); }
};

pm::WaitMode mode_section() {
    pm::WaitMode mode = pm::WaitMode::inotify;
    SECTION("inotify") {}
    SECTION("polling") {
        mode = pm::WaitMode::polling;
    }
    return mode;
}

// Releases `lock` from another thread after `delay`.
std::thread release_later(FileLock& lock, std::chrono::milliseconds delay) {
    return std::thread([&lock, delay] {
        std::this_thread::sleep_for(delay);
        lock.release();
    });
}

} // namespace

TEST_CASE("file_lock: a held lock cannot be taken until it is released") {
    pm::test::TempDir dir;
    const auto path = dir / "a.lock";
    FileLock first = FileLock::try_lock(path);
    REQUIRE(first.held());
    CHECK(first.path() == path);
    CHECK_FALSE(FileLock::try_lock(path).held());
    first.release();
    CHECK_FALSE(first.held());
    CHECK(FileLock::try_lock(path).held());
}

TEST_CASE("file_lock: lock files are created with mode 0600") {
    pm::test::TempDir dir;
    const auto path = dir / "mode.lock";
    const FileLock lock = FileLock::try_lock(path);
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
}

TEST_CASE("file_lock: moving a lock moves ownership") {
    pm::test::TempDir dir;
    const auto path = dir / "move.lock";
    FileLock first = FileLock::try_lock(path);
    FileLock second = std::move(first);
    CHECK_FALSE(first.held()); // NOLINT(bugprone-use-after-move): the point of the test
    CHECK(second.held());
    FileLock third;
    third = std::move(second);
    CHECK(third.held());
    CHECK_FALSE(FileLock::try_lock(path).held());
    third = FileLock();
    CHECK(FileLock::try_lock(path).held());
}

TEST_CASE("file_lock: lock() waits until the holder releases") {
    const WaitModeGuard guard(mode_section());
    pm::test::TempDir dir;
    const auto path = dir / "wait.lock";
    FileLock holder = FileLock::try_lock(path);
    std::thread releaser = release_later(holder, 50ms);
    const FileLock waiter = FileLock::lock(path, Deadline::after(10s));
    releaser.join();
    CHECK(waiter.held());
    CHECK_FALSE(FileLock::try_lock(path).held());
}

TEST_CASE("file_lock: lock() throws LockTimeout at the deadline") {
    const WaitModeGuard guard(mode_section());
    pm::test::TempDir dir;
    const auto path = dir / "timeout.lock";
    const FileLock holder = FileLock::try_lock(path);
    const auto started = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(FileLock::lock(path, Deadline::after(100ms)), pm::LockTimeout);
    CHECK(std::chrono::steady_clock::now() - started >= 100ms);
    SECTION("an expired deadline still gets one attempt") {
        CHECK(FileLock::lock(dir / "free.lock", Deadline::after(0ms)).held());
    }
}

TEST_CASE("file_lock: a lock on a missing directory is a SystemError") {
    pm::test::TempDir dir;
    CHECK_THROWS_AS(FileLock::try_lock(dir / "missing" / "x.lock"), pm::SystemError);
    CHECK_THROWS_AS(FileLock::lock(dir / "missing" / "x.lock", Deadline::after(1s)),
                    pm::SystemError);
}

TEST_CASE("file_lock: a killed holder frees the lock at once") {
    pm::test::TempDir dir;
    const auto path = dir / "killed.lock";
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        const FileLock lock = FileLock::try_lock(path);
        const char byte = lock.held() ? 'y' : 'n';
        [[maybe_unused]] const auto written = ::write(ready[1], &byte, 1);
        ::pause();
        ::_exit(0);
    }
    char byte = 0;
    REQUIRE(::read(ready[0], &byte, 1) == 1);
    ::close(ready[0]);
    ::close(ready[1]);
    REQUIRE(byte == 'y');
    CHECK_FALSE(FileLock::try_lock(path).held());
    std::thread killer([child] {
        std::this_thread::sleep_for(50ms);
        ::kill(child, SIGKILL);
    });
    const FileLock lock = FileLock::lock(path, Deadline::after(10s));
    killer.join();
    ::waitpid(child, nullptr, 0);
    CHECK(lock.held());
}

TEST_CASE("file_lock: a lock on a removed file is not taken, the new file is locked") {
    pm::test::TempDir dir;
    const auto path = dir / "removed.lock";
    FileLock holder = FileLock::try_lock(path);
    FileLock waiter;
    std::thread thread([&] { waiter = FileLock::lock(path, Deadline::after(10s)); });
    std::this_thread::sleep_for(50ms);
    holder.remove(); // unlinks, then unlocks: the waiter must not keep the old inode
    thread.join();
    REQUIRE(waiter.held());
    CHECK(fs::exists(path));
    CHECK_FALSE(FileLock::try_lock(path).held());
}

TEST_CASE("file_lock: lock_any takes the first free lock, or waits for any") {
    const WaitModeGuard guard(mode_section());
    pm::test::TempDir dir;
    const std::vector<fs::path> paths{dir / "s1.lock", dir / "s2.lock", dir / "s3.lock"};
    FileLock first = FileLock::try_lock(paths[0]);
    SECTION("a free one") {
        const auto got = pm::lock_any(paths, Deadline::after(1s));
        CHECK(got.index == 1);
        CHECK(got.lock.path() == paths[1]);
    }
    SECTION("waits for whichever is released") {
        const FileLock second = FileLock::try_lock(paths[1]);
        FileLock third = FileLock::try_lock(paths[2]);
        std::thread releaser = release_later(third, 50ms);
        const auto got = pm::lock_any(paths, Deadline::after(10s));
        releaser.join();
        CHECK(got.index == 2);
        CHECK(got.lock.held());
    }
    SECTION("times out when all stay held") {
        const FileLock second = FileLock::try_lock(paths[1]);
        const FileLock third = FileLock::try_lock(paths[2]);
        CHECK_THROWS_AS(pm::lock_any(paths, Deadline::after(100ms)), pm::LockTimeout);
    }
}

TEST_CASE("file_lock: wait_until_free reports a released or removed file") {
    const WaitModeGuard guard(mode_section());
    pm::test::TempDir dir;
    const auto path = dir / "marker";
    SECTION("missing") {
        CHECK(pm::wait_until_free(path, Deadline::after(1s)) == pm::Presence::gone);
    }
    SECTION("free") {
        FileLock::try_lock(path).release();
        CHECK(pm::wait_until_free(path, Deadline::after(1s)) == pm::Presence::free);
        CHECK(fs::exists(path));
    }
    SECTION("released later") {
        FileLock holder = FileLock::try_lock(path);
        std::thread releaser = release_later(holder, 50ms);
        CHECK(pm::wait_until_free(path, Deadline::after(10s)) == pm::Presence::free);
        releaser.join();
    }
    SECTION("removed later") {
        FileLock holder = FileLock::try_lock(path);
        std::thread remover([&holder] {
            std::this_thread::sleep_for(50ms);
            holder.remove();
        });
        CHECK(pm::wait_until_free(path, Deadline::after(10s)) == pm::Presence::gone);
        remover.join();
        CHECK_FALSE(fs::exists(path));
    }
    SECTION("held past the deadline") {
        const FileLock holder = FileLock::try_lock(path);
        CHECK_THROWS_AS(pm::wait_until_free(path, Deadline::after(100ms)), pm::LockTimeout);
    }
}
