// Test helper: one process of a "host" using pm::Coordination as the runner picks it
// (make_coordination: the database server for a mysql:// store, else files under --lock-dir and
// --cache-dir).
//   slot     takes a queue slot, holds it, and appends "start|end <label> <slot>" lines to
//            --events with single O_APPEND writes (the file's order is the holders' order)
//   trylock  takes a module-wide lock if free: prints "held" (and holds it) or "busy"
//   session  gets a session through the session cache, logging in at POST <url>/login of
//            tests/support/login_server.py; prints "token <token>"
// When the lock connection is lost while something is held, appends "lost <label>" to
// --events and exits 3, as the runner's process would stop.
// Exit codes as the modules': 0 done, 3 temporary (queue deadline), 2 bad config, 4 other.
#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "pm/coordination.hpp"
#include "pm/errors.hpp"
#include "pm/http.hpp"
#include "pm/json.hpp"

namespace {

namespace fs = std::filesystem;

struct Options {
    std::string store = "sqlite:/nonexistent/billing.db";
    std::string lock_dir;
    std::string cache_dir;
    std::string label = "-";
    std::string events;
    std::string queued_marker;
    std::string gate;
    std::string release_file;
    int hold_ms = 300;
    int timeout_ms = 60'000;
    // slot
    bool enabled = false;
    std::string key;
    int count = 0;
    std::int64_t module = 0;
    std::int64_t item = 0;
    std::string command = "open";
    // trylock
    std::string name;
    // session
    std::string url;
    std::string user;
    std::string password;
    int ttl = 3600;
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

void hold_on(const Options& options) {
    if (options.release_file.empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(options.hold_ms));
    } else {
        wait_for_file(options.release_file);
    }
}

std::unique_ptr<pm::Coordination> coordination(const Options& options) {
    pm::Settings settings;
    settings.store = options.store;
    settings.lock_dir = options.lock_dir;
    settings.cache_dir = options.cache_dir;
    const std::string events = options.events;
    const std::string label = options.label;
    return pm::make_coordination(settings, [events, label](const std::string& reason) {
        try {
            append_line(events, fmt::format("lost {}\n", label));
        } catch (const std::exception&) {
        }
        std::cerr << "lost: " << reason << '\n';
        std::fflush(stderr);
        _exit(static_cast<int>(pm::ExitCode::temporary));
    });
}

pm::Deadline deadline_of(const Options& options) {
    return pm::Deadline::after(std::chrono::milliseconds(options.timeout_ms));
}

int hold_slot(const Options& options) {
    auto coord = coordination(options);
    const pm::queue::Config config{options.enabled, options.key, options.count};
    const pm::queue::Context context{options.command, pm::ModuleId(options.module),
                                     pm::ItemId(options.item)};
    wait_for_file(options.gate);
    auto slot = coord->acquire_slot(
        config, context, deadline_of(options), [&](const pm::queue::Waiting& waiting) {
            append_line(options.queued_marker, fmt::format("{}\n", waiting.ahead));
        });
    const std::string name = slot.held() ? slot.name() : "-";
    append_line(options.events, fmt::format("start {} {}\n", options.label, name));
    hold_on(options);
    append_line(options.events, fmt::format("end {} {}\n", options.label, name));
    slot.release();
    std::cout << name << '\n';
    return 0;
}

int try_lock(const Options& options) {
    auto coord = coordination(options);
    wait_for_file(options.gate);
    auto held = coord->try_lock(options.name);
    std::cout << (held ? "held" : "busy") << std::endl;
    if (held) {
        append_line(options.events, fmt::format("start {} {}\n", options.label, options.name));
        hold_on(options);
        append_line(options.events, fmt::format("end {} {}\n", options.label, options.name));
    }
    return 0;
}

int get_session(const Options& options) {
    auto coord = coordination(options);
    const auto transport = pm::http::make_curl_transport({});
    pm::http::Client client(*transport);
    const auto cache =
        coord->session_cache(options.url, options.user, std::chrono::seconds(options.ttl));
    wait_for_file(options.gate);
    const auto login = [&](const pm::Deadline& deadline) {
        pm::json::Writer body;
        body.begin_object()
            .member("user", options.user)
            .member("password", options.password)
            .end_object();
        const pm::http::Request request{pm::http::Method::post,
                                        options.url + "/login",
                                        {{"Content-Type", "application/json"}},
                                        body.str()};
        const auto response = client.send(request, deadline);
        if (!response.ok()) {
            throw pm::ApiError("login: " + std::to_string(response.status), response.status);
        }
        const auto document = pm::json::parse(response.body, "reply of login");
        pm::Session session;
        session.token = document.root().at("token").as_string();
        return session;
    };
    const auto session = cache->get(login, deadline_of(options));
    std::cout << "token " << session.token << '\n';
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App app("pm_coord_client: coordination between processes and hosts, for tests");
    app.require_subcommand(1);
    app.add_option("--store", options.store);
    app.add_option("--lock-dir", options.lock_dir);
    app.add_option("--cache-dir", options.cache_dir);
    app.add_option("--label", options.label);
    app.add_option("--events", options.events);
    app.add_option("--queued-marker", options.queued_marker);
    app.add_option("--gate", options.gate, "wait for this file before starting");
    app.add_option("--release-file", options.release_file, "hold until this file exists");
    app.add_option("--hold-ms", options.hold_ms);
    app.add_option("--timeout-ms", options.timeout_ms);
    auto* slot = app.add_subcommand("slot", "take and hold a queue slot");
    slot->add_flag("--enabled", options.enabled);
    slot->add_option("--key", options.key);
    slot->add_option("--count", options.count);
    slot->add_option("--module", options.module);
    slot->add_option("--item", options.item);
    slot->add_option("--command", options.command);
    auto* lock = app.add_subcommand("trylock", "take a module-wide lock if it is free");
    lock->add_option("--name", options.name)->required();
    auto* session = app.add_subcommand("session", "get a session through the session cache");
    session->add_option("--url", options.url)->required();
    session->add_option("--user", options.user)->required();
    session->add_option("--password", options.password)->required();
    session->add_option("--ttl", options.ttl);
    CLI11_PARSE(app, argc, argv);
    try {
        if (slot->parsed()) {
            return hold_slot(options);
        }
        if (lock->parsed()) {
            return try_lock(options);
        }
        return get_session(options);
    } catch (const pm::Error& error) {
        std::cerr << error.type() << ": " << error.what() << '\n';
        return static_cast<int>(error.exit_code());
    } catch (const std::exception& error) {
        std::cerr << "internal: " << error.what() << '\n';
        return static_cast<int>(pm::ExitCode::internal);
    }
}
