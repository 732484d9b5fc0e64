// Test helper: takes a queue slot as an operation would, holds it, and appends
// "start|end <module> <label> <slot>" lines to an events file with single O_APPEND writes, so
// that the file's order is the order in which holders started and finished.
// Exit codes as the modules': 0 done, 3 queue deadline, 2 bad config, 4 anything else.
#include <chrono>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/queue.hpp"

namespace {

namespace fs = std::filesystem;

struct Options {
    std::string lock_dir;
    bool enabled = false;
    std::string key;
    int count = 0;
    std::int64_t module = 0;
    std::int64_t item = 0;
    std::string command = "open";
    std::string label = "-";
    std::string events;
    std::string queued_marker;
    std::string gate;
    std::string release_file;
    int hold_ms = 300;
    int timeout_ms = 60'000;
};

void append_line(const std::string& path, const std::string& line) {
    if (path.empty()) {
        return;
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0 || ::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        throw pm::system_error("cannot append to " + path, errno);
    }
    ::close(fd);
}

// Test scaffolding only: a plain poll for a file the test creates.
void wait_for_file(const std::string& path) {
    while (!path.empty() && !fs::exists(path)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

void write_marker(const std::string& path, const pm::queue::Waiting& waiting) {
    const std::string temp = path + ".tmp";
    append_line(temp, fmt::format("{} {}\n", waiting.ticket, waiting.ahead));
    fs::rename(temp, path);
}

int hold_slot(const Options& options) {
    const pm::queue::Config config{options.enabled, options.key, options.count};
    const pm::queue::Context context{options.command, pm::ModuleId(options.module),
                                     pm::ItemId(options.item)};
    wait_for_file(options.gate);
    auto slot =
        pm::queue::acquire(options.lock_dir, config, context,
                           pm::Deadline::after(std::chrono::milliseconds(options.timeout_ms)),
                           [&](const pm::queue::Waiting& waiting) {
                               if (!options.queued_marker.empty()) {
                                   write_marker(options.queued_marker, waiting);
                               }
                           });
    const std::string name = slot.held() ? slot.name() : "-";
    const std::string tail = fmt::format("{} {} {}\n", options.module, options.label, name);
    append_line(options.events, "start " + tail);
    if (options.release_file.empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(options.hold_ms));
    } else {
        wait_for_file(options.release_file);
    }
    append_line(options.events, "end " + tail);
    slot.release();
    std::cout << name << '\n';
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App app("pm_queue_holder: hold a queue slot for tests");
    app.add_option("--lock-dir", options.lock_dir)->required();
    app.add_flag("--enabled", options.enabled);
    app.add_option("--key", options.key);
    app.add_option("--count", options.count);
    app.add_option("--module", options.module);
    app.add_option("--item", options.item);
    app.add_option("--command", options.command);
    app.add_option("--label", options.label);
    app.add_option("--events", options.events);
    app.add_option("--queued-marker", options.queued_marker);
    app.add_option("--gate", options.gate, "wait for this file before queueing");
    app.add_option("--release-file", options.release_file, "hold until this file exists");
    app.add_option("--hold-ms", options.hold_ms);
    app.add_option("--timeout-ms", options.timeout_ms);
    CLI11_PARSE(app, argc, argv);
    try {
        return hold_slot(options);
    } catch (const pm::Error& error) {
        std::cerr << error.type() << ": " << error.what() << '\n';
        return static_cast<int>(error.exit_code());
    } catch (const std::exception& error) {
        std::cerr << "internal: " << error.what() << '\n';
        return static_cast<int>(pm::ExitCode::internal);
    }
}
