// Everything that coordinates processes (DESIGN §7, §8): queue slots, the claim of a running
// operation and the line of an item, the one-run-per-module locks of cron jobs, and the auth
// session cache with its single-flight login. With an SQLite store they are files under
// lock_dir and cache_dir, on one host; with a MariaDB/MySQL store they go through the database
// server (named locks, the pm_session table), so that several hosts share them (DESIGN §7
// "Several hosts"). The runner picks one from the store URL and hands it to the command.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "pm/cli.hpp"
#include "pm/deadline.hpp"
#include "pm/hold.hpp"
#include "pm/operation_locks.hpp"
#include "pm/queue.hpp"
#include "pm/session_cache.hpp"

namespace pm {

class Coordination {
public:
    Coordination() = default;
    Coordination(const Coordination&) = delete;
    Coordination& operator=(const Coordination&) = delete;
    virtual ~Coordination() = default;

    // One slot of `set`, waiting behind every earlier arrival of its line (queue::acquire's
    // contract: an empty Slot for an empty set, LockTimeout at the deadline).
    [[nodiscard]] virtual queue::Slot acquire_slot(const queue::SlotSet& set,
                                                   const Deadline& deadline,
                                                   const queue::WaitingHook& on_waiting = {}) = 0;
    // slot_set() then acquire_slot(): the slot of one operation.
    [[nodiscard]] queue::Slot acquire_slot(const queue::Config& config,
                                           const queue::Context& context, const Deadline& deadline,
                                           const queue::WaitingHook& on_waiting = {}) {
        return acquire_slot(queue::slot_set(config, context), deadline, on_waiting);
    }

    // The lock `name` (letters, digits, '-', '_'; e.g. "sync-module-155") if nobody else holds
    // it, else nullptr: one run at a time of a module-wide job, over all hosts.
    [[nodiscard]] virtual HoldPtr try_lock(std::string_view name) = 0;

    // Claims of running operations and the lines of items.
    [[nodiscard]] virtual OperationLocks& operation_locks() = 0;

    // Where the session of `user` at `url` is kept, with its single-flight lock.
    [[nodiscard]] virtual std::unique_ptr<SessionStorage>
    session_storage(std::string_view url, std::string_view user) = 0;
    [[nodiscard]] std::unique_ptr<SessionCache>
    session_cache(const std::string& url, const std::string& user, std::chrono::seconds ttl,
                  std::chrono::seconds margin = SessionCache::k_default_margin) {
        return std::make_unique<SessionCache>(session_storage(url, user), url, user, ttl, margin);
    }
};

struct Context; // pm/context.hpp

// The lock of a module-wide cron job of the context's module (pool_process, vdc_sync_all,
// console_sync): `lock_name` from Coordination::try_lock, `job` the command's name for people.
// nullptr when another run holds it: the skip is then logged and added to the context's
// result ("skipped": "another <job> of module N is running"); the caller returns with success
// (cron comes back).
[[nodiscard]] HoldPtr module_job_lock(Context& context, std::string_view job,
                                      std::string_view lock_name);

// Files: queue lines and slots, claims and module locks under `lock_dir`, sessions under
// `cache_dir` (each created when first needed). Freed by the kernel when their holder dies.
[[nodiscard]] std::unique_ptr<Coordination> file_coordination(std::filesystem::path lock_dir,
                                                              std::filesystem::path cache_dir);

// Called, on a thread of its own, when the connection that holds this process's named locks
// is gone (the server restarted, or was unreachable longer than wait_timeout): every lock it
// held is gone with it, so the process must not go on to its next side effect.
using LocksLost = std::function<void(const std::string& reason)>;

struct ServerOptions {
    // SET SESSION wait_timeout of the lock connection: the server ends the session of a
    // process that went silent (host gone, process frozen) after this long, freeing its locks.
    std::chrono::seconds wait_timeout{60};
    // How often the lock connection is pinged, so that a live process is never silent that long.
    std::chrono::milliseconds ping_every{20'000};
    LocksLost on_lost;
};

// The environment knob PM_LOCK_WAIT_TIMEOUT_S (tests; whole seconds ≥ 2) overrides
// wait_timeout, and the ping then runs three times as often.
[[nodiscard]] ServerOptions server_options_from_env(LocksLost on_lost);

// Named locks (GET_LOCK) on one connection of its own to the MariaDB/MySQL server of
// `store_url`, opened on first use, and the pm_session table. Throws ConfigError for a bad URL.
[[nodiscard]] std::unique_ptr<Coordination>
server_coordination(std::string_view store_url, const std::optional<std::string>& password,
                    ServerOptions options);

// The coordination that goes with settings.store: the server's for a MariaDB/MySQL store,
// else files under settings.lock_dir and settings.cache_dir.
[[nodiscard]] std::unique_ptr<Coordination> make_coordination(const Settings& settings,
                                                              LocksLost on_lost);

} // namespace pm
