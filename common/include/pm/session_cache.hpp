// The auth session cache (DESIGN §8): one entry per (URL, user), shared by every process until
// session_ttl or the token's own expiry (minus a margin) runs out. Refresh is single-flight
// across processes: one logs in, the others wait for its result. A corrupt, unreadable or
// foreign entry is a miss. Where entries live is a SessionStorage: a file under cache_dir,
// mode 0600, written atomically (one host), or a row of the database server's pm_session
// table under a named lock (several hosts, pm/coordination.hpp).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "pm/deadline.hpp"
#include "pm/errors.hpp"
#include "pm/file_lock.hpp"
#include "pm/hold.hpp"

namespace pm {

struct Session {
    std::string token;
    // When the login started; the cache sets it for sessions it logs in.
    std::chrono::system_clock::time_point created_at;
    // The token's own expiry, when the service tells it.
    std::optional<std::chrono::system_clock::time_point> expires_at;
    std::string data; // opaque to the cache, e.g. a service catalog
};

// Where one cache entry lives, and the lock that makes its refresh single-flight.
class SessionStorage {
public:
    SessionStorage() = default;
    SessionStorage(const SessionStorage&) = delete;
    SessionStorage& operator=(const SessionStorage&) = delete;
    virtual ~SessionStorage() = default;

    // The entry's bytes; nullopt when there is none or it cannot be trusted or read.
    [[nodiscard]] virtual std::optional<std::string> read() const = 0;
    // Replaces the entry whole: readers see the old bytes or the new ones.
    virtual void write(std::string_view bytes) const = 0;
    virtual void remove() const = 0;
    // The entry's lock, held by one process at a time. Throws LockTimeout at the deadline,
    // SystemError when it cannot be used (the cache then goes on without it).
    [[nodiscard]] virtual HoldPtr lock(const Deadline& deadline) const = 0;
    // Where the entry is, for messages.
    [[nodiscard]] virtual std::string where() const = 0;
};

// The entry of `user` at `url` as a file under `dir` (created when needed), and its lock file.
[[nodiscard]] std::unique_ptr<SessionStorage>
file_session_storage(const std::filesystem::path& dir, std::string_view url, std::string_view user);

class SessionCache {
public:
    using Clock = std::chrono::system_clock;
    // Logs in within the deadline and returns the new session; throws on failure.
    using Login = std::function<Session(const Deadline&)>;

    static constexpr std::chrono::seconds k_default_margin{60};

    // Sessions of `user` at `url`, kept under `dir` (created when needed) for `ttl` after
    // their login, and until `margin` before the token's own expiry.
    SessionCache(std::filesystem::path dir, std::string url, std::string user,
                 std::chrono::seconds ttl, std::chrono::seconds margin = k_default_margin);
    // The same, kept in `storage`.
    SessionCache(std::shared_ptr<const SessionStorage> storage, std::string url, std::string user,
                 std::chrono::seconds ttl, std::chrono::seconds margin = k_default_margin);

    // A session that may still be used, from the cache file; nullopt for a miss. Never throws
    // for a bad file.
    [[nodiscard]] std::optional<Session> load() const;
    // Writes the entry atomically (a file: temp file, fsync, rename, mode 0600). Throws
    // SystemError (a file) or StoreError (the database server).
    void store(const Session& session) const;
    // A usable session: the cached one, else a new one from `login`, called by one process
    // at a time for this entry while the others wait and then reuse its result. Throws what
    // `login` throws, DeadlineExceeded when the wait for another process's login hits the deadline.
    [[nodiscard]] Session get(const Login& login, const Deadline& deadline) const;
    // Removes the entry if it still holds `token`, never a fresher one.
    void drop(std::string_view token, const Deadline& deadline) const;

    // Calls use(session); on AuthError drops that session, gets a fresh one (logging in once
    // if nobody else did) and calls use() once more. A second AuthError propagates.
    template <typename Use>
    auto with_session(const Login& login, const Deadline& deadline, Use&& use) const
        -> std::invoke_result_t<Use&, const Session&>;

    // True while `session` may be used at `now`.
    [[nodiscard]] bool fresh(const Session& session, Clock::time_point now) const;
    // The entry file (empty when the entry is not a file).
    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

private:
    [[nodiscard]] std::optional<Session> read() const;
    [[nodiscard]] HoldPtr lock_entry(const Deadline& deadline) const;
    [[nodiscard]] Session refresh(const Login& login, const Deadline& deadline) const;
    void forget_rejected(const Session& session, const AuthError& error,
                         const Deadline& deadline) const;

    std::shared_ptr<const SessionStorage> m_storage;
    std::string m_url;
    std::string m_user;
    std::chrono::seconds m_ttl;
    std::chrono::seconds m_margin;
    std::filesystem::path m_path;
};

template <typename Use>
auto SessionCache::with_session(const Login& login, const Deadline& deadline, Use&& use) const
    -> std::invoke_result_t<Use&, const Session&> {
    {
        const Session session = get(login, deadline);
        try {
            return use(session);
        } catch (const AuthError& error) {
            forget_rejected(session, error, deadline);
        }
    }
    const Session session = get(login, deadline);
    return use(session);
}

} // namespace pm
