// Test support: temporary directories and child processes with captured output.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <sys/types.h>
#include <vector>

namespace pm::test {

// A fresh directory under $TMPDIR, removed with everything in it on destruction; kept, moved
// under $PM_TEST_KEEP_DIR, when that is set (scripts/secret-scan reads what the tests left).
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
    [[nodiscard]] std::filesystem::path operator/(std::string_view name) const {
        return m_path / name;
    }

private:
    std::filesystem::path m_path;
};

struct ProcessResult {
    int exit_code = -1; // -1 when killed by a signal
    int signal = 0;     // the signal that ended it, 0 if it exited
    std::string out;
    std::string err;
};

// A child process started with posix_spawn; stdout and stderr go to files so that a chatty
// child never blocks on a full pipe. Stdin is /dev/null.
class Process {
public:
    // `env` entries are set (or, with an empty value... set to empty) on top of this
    // process's environment.
    static Process spawn(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {});
    Process(Process&& other) noexcept;
    Process& operator=(Process&& other) = delete;
    Process(const Process&) = delete;
    ~Process(); // kills and reaps a child still running

    [[nodiscard]] pid_t pid() const { return m_pid; }
    void kill(int signal);
    // Waits for the child; on timeout kills it with SIGKILL and reports that.
    ProcessResult wait(std::chrono::milliseconds timeout = std::chrono::seconds(60));
    [[nodiscard]] bool running();

private:
    Process() = default;
    pid_t m_pid = -1;
    bool m_reaped = false;
    int m_status = 0;
    std::filesystem::path m_out;
    std::filesystem::path m_err;
    std::filesystem::path m_dir;
};

ProcessResult run(const std::vector<std::string>& argv,
                  const std::map<std::string, std::string>& env = {},
                  std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Paths to the built helper executables (tests/helpers/<name>) and module binaries.
[[nodiscard]] std::string helper_path(std::string_view name);
[[nodiscard]] std::string module_path(std::string_view name);
[[nodiscard]] std::filesystem::path source_dir();

[[nodiscard]] std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, std::string_view content);

} // namespace pm::test
