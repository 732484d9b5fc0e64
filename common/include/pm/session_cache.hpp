// The auth session cache (DESIGN §8): one file per (URL, user) under cache_dir, mode 0600,
// written atomically and shared by every process until session_ttl or the token's own
// expiry (minus a margin) runs out. Refresh is single-flight across processes: one logs in,
// the others wait for its result. A corrupt, unreadable or foreign file is a miss.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "pm/deadline.hpp"
#include "pm/errors.hpp"
#include "pm/file_lock.hpp"

namespace pm {

struct Session {
    std::string token;
    // When the login started; the cache sets it for sessions it logs in.
    std::chrono::system_clock::time_point created_at;
    // The token's own expiry, when the service tells it.
    std::optional<std::chrono::system_clock::time_point> expires_at;
    std::string data; // opaque to the cache, e.g. a service catalog
};

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

    // A session that may still be used, from the cache file; nullopt for a miss. Never throws
    // for a bad file.
    [[nodiscard]] std::optional<Session> load() const;
    // Writes the entry atomically (temp file, fsync, rename), mode 0600. Throws SystemError.
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
    // The entry file.
    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

private:
    [[nodiscard]] std::optional<Session> read() const;
    [[nodiscard]] FileLock lock_entry(const Deadline& deadline) const;
    [[nodiscard]] Session refresh(const Login& login, const Deadline& deadline) const;
    void forget_rejected(const Session& session, const AuthError& error,
                         const Deadline& deadline) const;

    std::filesystem::path m_dir;
    std::string m_url;
    std::string m_user;
    std::chrono::seconds m_ttl;
    std::chrono::seconds m_margin;
    std::filesystem::path m_path;
    std::filesystem::path m_lock_path;
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
