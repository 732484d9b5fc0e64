// Per-module log files (DESIGN §9): one file per module under log_dir, one line per call,
// written with a single append so lines from concurrent processes never interleave.
// Every line is redacted before it is written.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace pm::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

[[nodiscard]] std::optional<Level> parse_level(std::string_view name);
[[nodiscard]] std::string_view level_name(Level level);

// Opens (creating the directory and file) `<dir>/<module>.log` for appending.
// Throws SystemError when the directory or file cannot be created or opened.
void open(const std::filesystem::path& dir, std::string_view module, Level level);
// Stops logging; later calls are dropped. Safe to call when nothing is open.
void close();
[[nodiscard]] bool is_open();
// The running operation and item shown on every later line (0 = none).
void set_context(long long operation, long long item);
[[nodiscard]] bool enabled(Level level);

// Writes one line: time (ms), pid, module, level, operation, item, message. Newlines inside
// the message are escaped so that one call is always one line.
void write(Level level, std::string_view message);

template <typename... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) {
    if (enabled(Level::debug)) {
        write(Level::debug, fmt::format(format, std::forward<Args>(args)...));
    }
}
template <typename... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
    if (enabled(Level::info)) {
        write(Level::info, fmt::format(format, std::forward<Args>(args)...));
    }
}
template <typename... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) {
    if (enabled(Level::warn)) {
        write(Level::warn, fmt::format(format, std::forward<Args>(args)...));
    }
}
template <typename... Args>
void error(fmt::format_string<Args...> format, Args&&... args) {
    if (enabled(Level::error)) {
        write(Level::error, fmt::format(format, std::forward<Args>(args)...));
    }
}

} // namespace pm::log
