// File locks for queue slots and single-flight refreshes (DESIGN §7, §8). A lock is an
// exclusive flock held through an open file description, so the kernel frees it the moment
// its holder closes the file or dies, SIGKILL included. Waits never spin: they sleep on
// inotify events of the lock files and wake when a holder lets go.
#pragma once

#include <cstddef>
#include <filesystem>
#include <vector>

#include "pm/deadline.hpp"
#include "pm/hold.hpp"

namespace pm {

// How waits notice that a lock was released: inotify events (the default), or a short,
// bounded sleep loop. Waits fall back to polling by themselves (with a warning) when the
// host gives no inotify instance or watch; `polling` forces that, for tests and odd hosts.
enum class WaitMode { inotify, polling };
void set_wait_mode(WaitMode mode);
[[nodiscard]] WaitMode wait_mode();

// An exclusive flock on a file opened O_RDWR|O_CREAT with mode 0600 (the directory must
// exist). Empty when default-built, moved from, released, or returned by a failed try_lock.
// The descriptor is close-on-exec, but a child forked without exec shares the lock.
class FileLock {
public:
    FileLock() = default;
    FileLock(FileLock&& other) noexcept;
    FileLock& operator=(FileLock&& other) noexcept;
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;
    ~FileLock();

    // Takes the lock if it is free, else returns an empty FileLock.
    // Throws SystemError when the file cannot be opened or created.
    [[nodiscard]] static FileLock try_lock(const std::filesystem::path& path);
    // Waits for the lock; throws LockTimeout at the deadline, SystemError as try_lock.
    [[nodiscard]] static FileLock lock(const std::filesystem::path& path, const Deadline& deadline);

    [[nodiscard]] bool held() const noexcept { return m_fd >= 0; }
    explicit operator bool() const noexcept { return held(); }
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return m_path; }
    // The locked file, open for reading and writing (-1 when empty).
    [[nodiscard]] int fd() const noexcept { return m_fd; }
    // Unlocks and closes the file: waiters wake at once. Nothing happens when empty.
    void release() noexcept;
    // Removes the file, then releases: for files that mark a live process (queue waiters).
    void remove() noexcept;

private:
    FileLock(std::filesystem::path path, int fd) : m_path(std::move(path)), m_fd(fd) {}
    friend struct AnyLock lock_any(const std::vector<std::filesystem::path>& paths,
                                   const Deadline& deadline);

    std::filesystem::path m_path;
    int m_fd = -1;
};

// The lock as a Hold (pm/hold.hpp); nullptr when `lock` is empty.
[[nodiscard]] HoldPtr hold(FileLock lock);

struct AnyLock {
    std::size_t index = 0; // which of the paths is held
    FileLock lock;
};

// Waits until one of `paths` (not empty) can be locked, trying them in order each time.
// Throws LockTimeout at the deadline, SystemError as FileLock::try_lock.
[[nodiscard]] AnyLock lock_any(const std::vector<std::filesystem::path>& paths,
                               const Deadline& deadline);

enum class Presence {
    gone, // the file does not exist (any more)
    free, // the file exists and nobody holds an exclusive lock on it
};

// Waits until nobody holds `path` locked or it is removed; never creates it.
// Throws LockTimeout at the deadline, SystemError when the file cannot be opened.
[[nodiscard]] Presence wait_until_free(const std::filesystem::path& path, const Deadline& deadline);

// True when some process holds `path` locked exclusively right now; never creates it, never
// waits. Looking takes a shared lock for an instant: a concurrent FileLock::lock() is not
// disturbed, a concurrent try_lock() may fail. Throws SystemError when the file cannot be opened.
[[nodiscard]] bool is_held(const std::filesystem::path& path);

// Creates `dir` (a lock_dir) when needed and checks that lock files can be made in it.
// Throws ConfigError when it is not a usable directory: a deployment problem (exit 2).
void ensure_lock_directory(const std::filesystem::path& dir);

} // namespace pm
