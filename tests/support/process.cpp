#include "support/process.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <signal.h>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace pm::test {
namespace fs = std::filesystem;

TempDir::TempDir() {
    std::string pattern = (fs::temp_directory_path() / "pm-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
    }
    m_path = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    // PM_TEST_KEEP_DIR=<root>: the files stay, moved under <root>, for scripts/secret-scan.
    if (const char* keep = std::getenv("PM_TEST_KEEP_DIR"); keep != nullptr && *keep != '\0') {
        const fs::path target = fs::path(keep) / m_path.filename();
        fs::create_directories(keep, ignored);
        std::error_code moved;
        fs::rename(m_path, target, moved);
        if (!moved) {
            return;
        }
        fs::copy(m_path, target, fs::copy_options::recursive, ignored); // another file system
    }
    fs::remove_all(m_path, ignored);
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

void write_file(const fs::path& path, std::string_view content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) {
        throw std::runtime_error("cannot write " + path.string());
    }
}

Process Process::spawn(const std::vector<std::string>& argv,
                       const std::map<std::string, std::string>& env) {
    Process process;
    std::string pattern = (fs::temp_directory_path() / "pm-proc-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    process.m_dir = pattern;
    process.m_out = process.m_dir / "stdout";
    process.m_err = process.m_dir / "stderr";

    std::map<std::string, std::string> merged;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        std::string_view text(*entry);
        const auto eq = text.find('=');
        if (eq != std::string_view::npos) {
            merged[std::string(text.substr(0, eq))] = std::string(text.substr(eq + 1));
        }
    }
    for (const auto& [key, value] : env) {
        merged[key] = value;
    }
    std::vector<std::string> env_strings;
    env_strings.reserve(merged.size());
    for (const auto& [key, value] : merged) {
        env_strings.push_back(key + "=" + value);
    }
    std::vector<char*> envp;
    for (auto& entry : env_strings) {
        envp.push_back(entry.data());
    }
    envp.push_back(nullptr);
    std::vector<std::string> args = argv;
    std::vector<char*> argp;
    for (auto& arg : args) {
        argp.push_back(arg.data());
    }
    argp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, process.m_out.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, process.m_err.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int rc =
        posix_spawn(&process.m_pid, argp[0], &actions, nullptr, argp.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        throw std::runtime_error("posix_spawn " + argv.at(0) + ": " + std::strerror(rc));
    }
    return process;
}

Process::Process(Process&& other) noexcept
    : m_pid(other.m_pid), m_reaped(other.m_reaped), m_status(other.m_status),
      m_out(std::move(other.m_out)), m_err(std::move(other.m_err)), m_dir(std::move(other.m_dir)) {
    other.m_pid = -1;
    other.m_dir.clear();
}

Process::~Process() {
    if (m_pid > 0 && !m_reaped) {
        ::kill(m_pid, SIGKILL);
        waitpid(m_pid, &m_status, 0);
    }
    if (!m_dir.empty()) {
        std::error_code ignored;
        fs::remove_all(m_dir, ignored);
    }
}

void Process::kill(int signal) {
    if (m_pid > 0 && !m_reaped) {
        ::kill(m_pid, signal);
    }
}

bool Process::running() {
    if (m_pid <= 0 || m_reaped) {
        return false;
    }
    const pid_t rc = waitpid(m_pid, &m_status, WNOHANG);
    if (rc == m_pid) {
        m_reaped = true;
        return false;
    }
    return true;
}

ProcessResult Process::wait(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    bool timed_out = false;
    while (running()) {
        if (std::chrono::steady_clock::now() >= until) {
            ::kill(m_pid, SIGKILL);
            waitpid(m_pid, &m_status, 0);
            m_reaped = true;
            timed_out = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ProcessResult result;
    if (WIFEXITED(m_status) && !timed_out) {
        result.exit_code = WEXITSTATUS(m_status);
    } else if (WIFSIGNALED(m_status)) {
        result.signal = WTERMSIG(m_status);
    }
    result.out = read_file(m_out);
    result.err = read_file(m_err);
    if (timed_out) {
        result.err += "\n[test support: killed after timeout]";
    }
    return result;
}

ProcessResult run(const std::vector<std::string>& argv,
                  const std::map<std::string, std::string>& env,
                  std::chrono::milliseconds timeout) {
    return Process::spawn(argv, env).wait(timeout);
}

std::string helper_path(std::string_view name) {
    return std::string(PM_TEST_HELPER_DIR) + "/" + std::string(name);
}

std::string module_path(std::string_view name) {
    return std::string(PM_TEST_BINARY_DIR) + "/modules/" + std::string(name) + "/" +
           std::string(name);
}

fs::path source_dir() {
    return PM_TEST_SOURCE_DIR;
}

} // namespace pm::test
