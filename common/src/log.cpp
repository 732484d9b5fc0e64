#include "pm/log.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <mutex>
#include <sys/file.h>
#include <unistd.h>

#include "pm/errors.hpp"
#include "pm/redact.hpp"
#include "pm/text.hpp"

namespace pm::log {
namespace {

struct State {
    std::mutex mutex;
    int fd = -1;
    std::string module;
    std::atomic<int> level{static_cast<int>(Level::info)};
    std::atomic<bool> open{false};
    long long operation = 0;
    long long item = 0;
};

State& state() {
    static State instance;
    return instance;
}

std::string timestamp() {
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", parts.tm_year + 1900,
                       parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec,
                       ms.count() % 1000);
}

// One call must stay one line, whatever the message holds, in valid UTF-8 without control
// characters (a log read in a terminal must not take escape sequences from a remote reply).
std::string one_line(std::string_view raw) {
    const std::string text = printable(raw);
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else {
            out += c;
        }
    }
    return out;
}

void write_all(int fd, std::string_view line) {
    // O_APPEND places each write() at the end atomically; the flock keeps even a long line
    // whole should the kernel split the write (network file systems, huge debug bodies).
    ::flock(fd, LOCK_EX);
    while (!line.empty()) {
        const ssize_t written = ::write(fd, line.data(), line.size());
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written <= 0) {
            break; // nowhere to report a failing log; the operation goes on
        }
        line.remove_prefix(static_cast<std::size_t>(written));
    }
    ::flock(fd, LOCK_UN);
}

} // namespace

std::optional<Level> parse_level(std::string_view name) {
    if (name == "debug") {
        return Level::debug;
    }
    if (name == "info") {
        return Level::info;
    }
    if (name == "warn" || name == "warning") {
        return Level::warn;
    }
    if (name == "error") {
        return Level::error;
    }
    return std::nullopt;
}

std::string_view level_name(Level level) {
    switch (level) {
    case Level::debug:
        return "DEBUG";
    case Level::info:
        return "INFO";
    case Level::warn:
        return "WARN";
    case Level::error:
        return "ERROR";
    }
    return "?";
}

void open(const std::filesystem::path& dir, std::string_view module, Level level) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    // Where the logs go is the admin's to mend (log_dir): a configuration error.
    if (ec) {
        throw ConfigError("log_dir: cannot create the log directory " + dir.string() + ": " +
                          ec.message());
    }
    const auto path = dir / (std::string(module) + ".log");
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        throw ConfigError("log_dir: cannot open the log file " + path.string() + ": " +
                          std::strerror(errno));
    }
    auto& s = state();
    const std::lock_guard lock(s.mutex);
    if (s.fd >= 0) {
        ::close(s.fd);
    }
    s.fd = fd;
    s.module = module;
    s.level = static_cast<int>(level);
    s.open = true;
}

void close() {
    auto& s = state();
    const std::lock_guard lock(s.mutex);
    if (s.fd >= 0) {
        ::close(s.fd);
    }
    s.fd = -1;
    s.open = false;
}

bool is_open() {
    return state().open;
}

void set_context(long long operation, long long item) {
    auto& s = state();
    const std::lock_guard lock(s.mutex);
    s.operation = operation;
    s.item = item;
}

bool enabled(Level level) {
    const auto& s = state();
    return s.open && static_cast<int>(level) >= s.level;
}

void write(Level level, std::string_view message) {
    auto& s = state();
    const std::string text = one_line(redact(message));
    const std::lock_guard lock(s.mutex);
    if (s.fd < 0) {
        return;
    }
    const std::string line =
        fmt::format("{} [{}] {} {} op={} item={} {}\n", timestamp(), ::getpid(), s.module,
                    level_name(level), s.operation, s.item, text);
    write_all(s.fd, line);
}

} // namespace pm::log
