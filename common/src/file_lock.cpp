#include "pm/file_lock.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <stdexcept>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/log.hpp"

namespace pm {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// A holder's release (close of its O_RDWR descriptor, also done by the kernel for a killed
// process) shows as IN_CLOSE_WRITE; removal or replacement of the file as the others.
constexpr std::uint32_t k_watch_mask = IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
constexpr milliseconds k_first_recheck{1};
constexpr milliseconds k_last_recheck{128};
constexpr milliseconds k_safety_net{1000};
constexpr milliseconds k_first_poll{2};
constexpr milliseconds k_last_poll{50};
constexpr int k_no_watch = -1;
constexpr int k_vanished = -2;

std::atomic<WaitMode> wait_mode_setting{WaitMode::inotify};

void warn_polling_once(const char* call, int error) {
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true)) {
        log::warn("{} failed ({}): waiting for locks by polling", call, std::strerror(error));
    }
}

int open_lock_file(const fs::path& path, int flags) {
    for (;;) {
        const int fd = ::open(path.c_str(), flags | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0 || errno != EINTR) {
            return fd;
        }
    }
}

// True when `fd` is still the file at `path`: a lock on a removed or replaced file guards
// nothing, because the next process opens the new file.
bool is_current(int fd, const fs::path& path) {
    struct stat held {};
    struct stat named {};
    if (::fstat(fd, &held) != 0 || ::stat(path.c_str(), &named) != 0) {
        return false;
    }
    return held.st_nlink > 0 && held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

void close_fd(int& fd) noexcept {
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

void drain(int fd) {
    alignas(inotify_event) std::array<char, 4096> buffer{};
    while (::read(fd, buffer.data(), buffer.size()) > 0) {
    }
}

// The inotify instance of a thread, kept until the thread ends: closing an instance that
// had watches waits for an SRCU grace period in the kernel (10-30 ms), which would land on
// the hand-over path if every wait closed its own.
class Notifier {
public:
    Notifier() = default;
    Notifier(const Notifier&) = delete;
    Notifier& operator=(const Notifier&) = delete;
    ~Notifier() { close_fd(m_fd); }

    // The instance, or -1 with errno set when the host gives none.
    int fd() {
        if (m_fd >= 0 && m_pid != ::getpid()) {
            // Inherited over fork: the parent would read our events. Closing our reference
            // to its instance does not destroy it, so this is quick.
            close_fd(m_fd);
        }
        if (m_fd < 0) {
            m_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
            m_pid = ::getpid();
        }
        return m_fd;
    }

private:
    int m_fd = -1;
    pid_t m_pid = 0;
};

thread_local Notifier thread_notifier;

// The watches of one wait, on the thread's instance; armed only once a first attempt
// failed, so that free locks cost nothing. Its watches are removed when the wait ends.
class Watcher {
public:
    Watcher() = default;
    Watcher(const Watcher&) = delete;
    Watcher& operator=(const Watcher&) = delete;
    ~Watcher();

    void arm();
    // A watch descriptor; k_no_watch when not armed or polling; k_vanished when `path` is gone.
    [[nodiscard]] int add(const fs::path& path);
    // Sleeps until an event, the next recheck or the deadline.
    void sleep(const Deadline& deadline);

private:
    void forget_watches();
    void fall_back(const char* call, int error);
    bool poll_events(milliseconds timeout) const;

    bool m_armed = false;
    int m_fd = -1; // the thread's instance, not owned
    std::vector<int> m_watches;
    milliseconds m_pause{0};
};

Watcher::~Watcher() {
    forget_watches();
}

void Watcher::forget_watches() {
    for (const int wd : m_watches) {
        ::inotify_rm_watch(m_fd, wd);
    }
    m_watches.clear();
}

void Watcher::arm() {
    if (m_armed) {
        return;
    }
    m_armed = true;
    m_pause = k_first_poll;
    if (wait_mode() == WaitMode::polling) {
        return;
    }
    m_fd = thread_notifier.fd();
    if (m_fd < 0) {
        fall_back("inotify_init1", errno);
        return;
    }
    // Events left from an earlier wait of this thread would only cause a spurious look.
    drain(m_fd);
    m_pause = k_safety_net;
}

int Watcher::add(const fs::path& path) {
    if (m_fd < 0) {
        return k_no_watch;
    }
    const int wd = ::inotify_add_watch(m_fd, path.c_str(), k_watch_mask);
    if (wd >= 0) {
        m_watches.push_back(wd);
        return wd;
    }
    if (errno == ENOENT) {
        return k_vanished;
    }
    fall_back("inotify_add_watch", errno);
    return k_no_watch;
}

void Watcher::fall_back(const char* call, int error) {
    warn_polling_once(call, error);
    forget_watches();
    m_fd = -1;
    m_pause = k_first_poll;
}

void Watcher::sleep(const Deadline& deadline) {
    const milliseconds timeout = deadline.cap(m_pause);
    if (m_fd < 0) {
        std::this_thread::sleep_for(timeout);
        m_pause = std::min(m_pause * 2, k_last_poll);
        return;
    }
    if (poll_events(timeout)) {
        // In __fput the kernel queues the close event before it drops the flock, so a woken
        // waiter may still find the lock taken: look again shortly before trusting silence.
        m_pause = k_first_recheck;
    } else if (m_pause < k_safety_net) {
        m_pause = m_pause * 2 > k_last_recheck ? k_safety_net : m_pause * 2;
    }
}

bool Watcher::poll_events(milliseconds timeout) const {
    pollfd entry{m_fd, POLLIN, 0};
    if (::poll(&entry, 1, static_cast<int>(timeout.count())) <= 0) {
        return false;
    }
    // Any event means "look again"; which one does not matter.
    drain(m_fd);
    return true;
}

// Calls `attempt` until it succeeds, sleeping on `watcher` in between; false at the deadline.
// The first attempt runs unwatched; later ones add their watches before they look.
template <typename Attempt>
bool wait_for(Watcher& watcher, const Deadline& deadline, Attempt&& attempt) {
    if (attempt()) {
        return true;
    }
    watcher.arm();
    for (;;) {
        if (attempt()) {
            return true;
        }
        if (deadline.expired()) {
            return false;
        }
        watcher.sleep(deadline);
    }
}

// One lock file being waited for; its descriptor and watch live across attempts.
class LockCandidate {
public:
    explicit LockCandidate(fs::path path) : m_path(std::move(path)) {}
    LockCandidate(const LockCandidate&) = delete;
    LockCandidate& operator=(const LockCandidate&) = delete;
    ~LockCandidate() { close_fd(m_fd); }

    bool attempt(Watcher& watcher);
    [[nodiscard]] int release_fd() { return std::exchange(m_fd, -1); }

private:
    fs::path m_path;
    int m_fd = -1;
    int m_wd = k_no_watch;
};

bool LockCandidate::attempt(Watcher& watcher) {
    // A few rounds, in case the file is removed or replaced under us.
    for (int round = 0; round < 4; ++round) {
        if (m_fd < 0) {
            m_fd = open_lock_file(m_path, O_RDWR | O_CREAT);
            if (m_fd < 0) {
                throw system_error("cannot open lock file " + m_path.string(), errno);
            }
        }
        if (m_wd < 0) {
            m_wd = watcher.add(m_path);
        }
        const bool vanished = m_wd == k_vanished;
        if (!vanished && ::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
            if (errno == EWOULDBLOCK || errno == EINTR) {
                return false;
            }
            throw system_error("cannot lock " + m_path.string(), errno);
        }
        if (!vanished && is_current(m_fd, m_path)) {
            return true;
        }
        // The old file's watch stays until the wait ends; it only costs a spurious look.
        close_fd(m_fd);
        m_wd = k_no_watch;
    }
    return false;
}

// Watches a file that marks a live process until its exclusive lock is free or it is gone.
class FreeProbe {
public:
    explicit FreeProbe(fs::path path) : m_path(std::move(path)) {}
    FreeProbe(const FreeProbe&) = delete;
    FreeProbe& operator=(const FreeProbe&) = delete;
    ~FreeProbe() { close_fd(m_fd); }

    std::optional<Presence> attempt(Watcher& watcher);

private:
    fs::path m_path;
    int m_fd = -1;
    int m_wd = k_no_watch;
};

std::optional<Presence> FreeProbe::attempt(Watcher& watcher) {
    if (m_wd < 0 && (m_wd = watcher.add(m_path)) == k_vanished) {
        return Presence::gone;
    }
    if (m_fd < 0) {
        // O_RDWR although we only probe: our close then wakes anyone who tried to lock the
        // file exclusively while we held the shared probe lock.
        m_fd = open_lock_file(m_path, O_RDWR);
        if (m_fd < 0) {
            if (errno == ENOENT) {
                return Presence::gone;
            }
            throw system_error("cannot open " + m_path.string(), errno);
        }
    }
    struct stat info {};
    if (::fstat(m_fd, &info) != 0 || info.st_nlink == 0) {
        return Presence::gone;
    }
    if (::flock(m_fd, LOCK_SH | LOCK_NB) == 0) {
        ::flock(m_fd, LOCK_UN);
        return Presence::free;
    }
    return std::nullopt;
}

} // namespace

void set_wait_mode(WaitMode mode) {
    wait_mode_setting.store(mode);
}

WaitMode wait_mode() {
    return wait_mode_setting.load();
}

FileLock::FileLock(FileLock&& other) noexcept
    : m_path(std::move(other.m_path)), m_fd(std::exchange(other.m_fd, -1)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
    if (this != &other) {
        release();
        m_path = std::move(other.m_path);
        m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
}

FileLock::~FileLock() {
    release();
}

void FileLock::release() noexcept {
    if (m_fd >= 0) {
        // Unlock before closing: the close event that wakes waiters then comes after the
        // lock is free.
        ::flock(m_fd, LOCK_UN);
        close_fd(m_fd);
    }
}

void FileLock::remove() noexcept {
    if (m_fd >= 0 && is_current(m_fd, m_path)) {
        ::unlink(m_path.c_str());
    }
    release();
}

FileLock FileLock::try_lock(const fs::path& path) {
    Watcher unarmed;
    LockCandidate candidate(path);
    if (!candidate.attempt(unarmed)) {
        return {};
    }
    return FileLock(path, candidate.release_fd());
}

FileLock FileLock::lock(const fs::path& path, const Deadline& deadline) {
    Watcher watcher;
    LockCandidate candidate(path);
    if (!wait_for(watcher, deadline, [&] { return candidate.attempt(watcher); })) {
        throw LockTimeout("timed out waiting for lock " + path.string());
    }
    return FileLock(path, candidate.release_fd());
}

AnyLock lock_any(const std::vector<fs::path>& paths, const Deadline& deadline) {
    if (paths.empty()) {
        throw std::invalid_argument("lock_any: no paths");
    }
    Watcher watcher;
    std::deque<LockCandidate> candidates;
    for (const auto& path : paths) {
        candidates.emplace_back(path);
    }
    std::size_t taken = 0;
    const auto attempt = [&] {
        for (std::size_t i = 0; i < candidates.size(); ++i) {
            if (candidates[i].attempt(watcher)) {
                taken = i;
                return true;
            }
        }
        return false;
    };
    if (!wait_for(watcher, deadline, attempt)) {
        throw LockTimeout("timed out waiting for one of " + std::to_string(paths.size()) +
                          " locks such as " + paths.front().string());
    }
    return AnyLock{taken, FileLock(paths[taken], candidates[taken].release_fd())};
}

Presence wait_until_free(const fs::path& path, const Deadline& deadline) {
    Watcher watcher;
    FreeProbe probe(path);
    std::optional<Presence> presence;
    const auto attempt = [&] {
        presence = probe.attempt(watcher);
        return presence.has_value();
    };
    if (!wait_for(watcher, deadline, attempt)) {
        throw LockTimeout("timed out waiting for " + path.string() + " to be released");
    }
    return *presence;
}

bool is_held(const fs::path& path) {
    const int fd = open_lock_file(path, O_RDWR);
    if (fd < 0) {
        if (errno == ENOENT) {
            return false;
        }
        throw system_error("cannot open " + path.string(), errno);
    }
    const bool free = ::flock(fd, LOCK_SH | LOCK_NB) == 0;
    ::close(fd); // drops the shared lock too
    return !free;
}

void ensure_lock_directory(const fs::path& dir) {
    std::error_code error;
    fs::create_directories(dir, error);
    if (!error && !fs::is_directory(dir, error)) {
        error = std::make_error_code(std::errc::not_a_directory);
    }
    if (!error && ::access(dir.c_str(), W_OK | X_OK) != 0) {
        error = std::error_code(errno, std::generic_category());
    }
    if (error) {
        throw ConfigError(
            fmt::format("lock_dir {} cannot hold lock files: {}", dir.string(), error.message()));
    }
}

namespace {

class FileLockHold : public Hold {
public:
    explicit FileLockHold(FileLock lock) : m_lock(std::move(lock)) {}

private:
    FileLock m_lock;
};

} // namespace

HoldPtr hold(FileLock lock) {
    return lock.held() ? std::make_unique<FileLockHold>(std::move(lock)) : nullptr;
}

} // namespace pm
