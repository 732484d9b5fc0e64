// Benchmark: queue hand-over latency. Per round, the bench holds a slot, lets N forked waiters
// line up behind it, then releases; each waiter holds the slot for --hold-ms and passes it
// on. Reports the time from one holder's release to the next holder's start (median, p99,
// max) and the CPU the waiters used (getrusage of the children), all queueing included.
// With --store mysql://… the slot is a named lock on that server (pm::Coordination, as the
// runner picks it), and the waiters alternate between two "hosts" (lock_dir …/host0, …/host1).
//   pm_queue_bench [--waiters 50] [--rounds 3] [--hold-ms 2] [--polling] [--lock-dir DIR]
//                  [--store URL]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "pm/coordination.hpp"
#include "pm/errors.hpp"
#include "pm/file_lock.hpp"
#include "pm/queue.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock; // CLOCK_MONOTONIC: comparable across processes

struct Options {
    int waiters = 50;
    int rounds = 3;
    int hold_ms = 2;
    bool polling = false;
    std::string lock_dir;
    std::string store = "sqlite:/nonexistent/billing.db";
};

bool is_server_store(const std::string& store) {
    return store.starts_with("mysql://") || store.starts_with("mariadb://");
}

std::unique_ptr<pm::Coordination> coordination(const Options& options, int host) {
    pm::Settings settings;
    settings.store = options.store;
    settings.lock_dir = is_server_store(options.store)
                            ? fs::path(options.lock_dir) / fmt::format("host{}", host)
                            : fs::path(options.lock_dir);
    return pm::make_coordination(settings, {});
}

struct Turn {
    std::int64_t start_ns = 0;
    std::int64_t release_ns = 0;
};

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

const pm::queue::SlotSet k_slots{{"bench"}, "bench"};

// One waiter: blocks on `go` until the bench holds the slot, lines up, reports that on
// `queued`, holds the slot, and writes its turn into `turns`.
[[noreturn]] void waiter(const Options& options, int host, int go, int queued, int turns) {
    char byte = 0;
    if (::read(go, &byte, 1) != 1) {
        ::_exit(5);
    }
    Turn turn;
    {
        const auto coordinated = coordination(options, host);
        auto slot = coordinated->acquire_slot(k_slots, pm::Deadline::after(std::chrono::minutes(5)),
                                              [&](const pm::queue::Waiting&) {
                                                  if (::write(queued, "q", 1) != 1) {
                                                      ::_exit(6);
                                                  }
                                              });
        turn.start_ns = now_ns();
        std::this_thread::sleep_for(std::chrono::milliseconds(options.hold_ms));
        turn.release_ns = now_ns();
    }
    const auto* bytes = reinterpret_cast<const char*>(&turn);
    ::_exit(::write(turns, bytes, sizeof turn) == static_cast<ssize_t>(sizeof turn) ? 0 : 7);
}

struct Pipe {
    int read = -1;
    int write = -1;
};

Pipe make_pipe() {
    int fds[2];
    if (::pipe(fds) != 0) {
        throw pm::system_error("pipe", errno);
    }
    return {fds[0], fds[1]};
}

void read_exactly(int fd, char* buffer, std::size_t size) {
    while (size > 0) {
        const ssize_t got = ::read(fd, buffer, size);
        if (got <= 0) {
            throw pm::system_error("read from waiters", errno);
        }
        buffer += got;
        size -= static_cast<std::size_t>(got);
    }
}

// Runs one round and returns the hand-over latencies in nanoseconds.
std::vector<std::int64_t> round(const Options& options) {
    const Pipe go = make_pipe();
    const Pipe queued = make_pipe();
    const Pipe turns = make_pipe(); // 16-byte writes are atomic on a pipe
    // Fork before taking the slot: a child must not inherit the descriptor that holds it.
    for (int i = 0; i < options.waiters; ++i) {
        if (::fork() == 0) {
            waiter(options, i % 2, go.read, queued.write, turns.write);
        }
    }
    const auto coordinated = coordination(options, 0);
    auto slot = coordinated->acquire_slot(k_slots, pm::Deadline::never());
    const std::string bytes(static_cast<std::size_t>(options.waiters), 'g');
    if (::write(go.write, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
        throw pm::system_error("write to waiters", errno);
    }
    std::string seen(bytes.size(), '\0');
    read_exactly(queued.read, seen.data(), seen.size());
    const std::int64_t released = now_ns();
    slot.release();
    std::vector<Turn> all(static_cast<std::size_t>(options.waiters));
    read_exactly(turns.read, reinterpret_cast<char*>(all.data()), all.size() * sizeof(Turn));
    for (int status = 0; ::wait(&status) > 0;) {
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            throw std::runtime_error("a waiter failed");
        }
    }
    for (const int fd : {go.read, go.write, queued.read, queued.write, turns.read, turns.write}) {
        ::close(fd);
    }
    std::sort(all.begin(), all.end(),
              [](const Turn& a, const Turn& b) { return a.start_ns < b.start_ns; });
    std::vector<std::int64_t> latencies;
    std::int64_t previous = released;
    for (const Turn& turn : all) {
        if (turn.start_ns < previous) {
            throw std::runtime_error("two waiters held the slot at once");
        }
        latencies.push_back(turn.start_ns - previous);
        previous = turn.release_ns;
    }
    return latencies;
}

double ms(std::int64_t ns) {
    return static_cast<double>(ns) / 1e6;
}

double cpu_ms(const rusage& usage) {
    const auto part = [](const timeval& tv) {
        return static_cast<double>(tv.tv_sec) * 1e3 + static_cast<double>(tv.tv_usec) / 1e3;
    };
    return part(usage.ru_utime) + part(usage.ru_stime);
}

int run(Options options) {
    const bool own_dir = options.lock_dir.empty();
    const fs::path dir = options.lock_dir.empty()
                             ? fs::temp_directory_path() / fmt::format("pm-bench-{}", ::getpid())
                             : fs::path(options.lock_dir);
    options.lock_dir = dir.string();
    if (options.polling) {
        pm::set_wait_mode(pm::WaitMode::polling);
    }
    std::vector<std::int64_t> latencies;
    for (int i = 0; i < options.rounds; ++i) {
        const auto more = round(options);
        latencies.insert(latencies.end(), more.begin(), more.end());
    }
    rusage children{};
    ::getrusage(RUSAGE_CHILDREN, &children);
    std::sort(latencies.begin(), latencies.end());
    const auto at = [&](double q) {
        return latencies[static_cast<std::size_t>(q * static_cast<double>(latencies.size() - 1))];
    };
    const int processes = options.waiters * options.rounds;
    fmt::print("queue hand-over: {} waiters x {} rounds on one slot, hold {} ms, {}\n",
               options.waiters, options.rounds, options.hold_ms,
               is_server_store(options.store) ? "MariaDB named locks, two hosts"
               : options.polling              ? "files, polling"
                                              : "files, inotify");
    fmt::print("  hand-overs {}: median {:.3f} ms, p99 {:.3f} ms, max {:.3f} ms\n",
               latencies.size(), ms(at(0.5)), ms(at(0.99)), ms(latencies.back()));
    fmt::print("  waiter CPU (user+sys, queueing included): {:.1f} ms total, {:.3f} ms per "
               "waiter\n",
               cpu_ms(children), cpu_ms(children) / processes);
    if (own_dir) {
        std::error_code ignored;
        fs::remove_all(dir, ignored);
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App app("pm_queue_bench: queue hand-over latency with many waiting processes");
    app.add_option("--waiters", options.waiters)->check(CLI::Range(1, 500));
    app.add_option("--rounds", options.rounds)->check(CLI::Range(1, 100));
    app.add_option("--hold-ms", options.hold_ms)->check(CLI::Range(0, 10'000));
    app.add_flag("--polling", options.polling, "wait by polling instead of inotify");
    app.add_option("--lock-dir", options.lock_dir, "default: a new directory under $TMPDIR");
    app.add_option("--store", options.store, "a mysql:// store: slots on that server");
    CLI11_PARSE(app, argc, argv);
    try {
        return run(options);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "pm_queue_bench: %s\n", error.what());
        return 1;
    }
}
