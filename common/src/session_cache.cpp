#include "pm/session_cache.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "pm/json.hpp"
#include "pm/log.hpp"
#include "pm/redact.hpp"

namespace pm {
namespace {

namespace fs = std::filesystem;
using Clock = SessionCache::Clock;

constexpr int k_format_version = 1;
// Keystone catalogs are large, but not this large: anything bigger is not ours.
constexpr off_t k_max_entry_bytes = 16 * 1024 * 1024;

std::uint64_t stable_hash(std::string_view text) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ULL;
    }
    return hash;
}

std::int64_t to_unix(Clock::time_point at) {
    return std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
}

// Unix seconds from a file; out-of-range values (which would overflow the clock's
// nanoseconds) are damage.
Clock::time_point from_unix(const json::View& value) {
    constexpr std::int64_t k_year_3000 = 32'503'680'000;
    const std::int64_t seconds = value.as_int64();
    if (seconds < 0 || seconds > k_year_3000) {
        throw ProtocolError(value.path() + ": not a plausible time");
    }
    return Clock::time_point(std::chrono::seconds(seconds));
}

// The entry's bytes, or nullopt unless it is a regular file of ours that only we can read:
// a token someone else could have planted or read is not one to use.
std::optional<std::string> read_private_file(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        return std::nullopt;
    }
    struct stat info {};
    std::optional<std::string> content;
    if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_uid == ::geteuid() &&
        (info.st_mode & 077) == 0 && info.st_size <= k_max_entry_bytes) {
        std::string bytes(static_cast<std::size_t>(info.st_size), '\0');
        if (::pread(fd, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size())) {
            content = std::move(bytes);
        }
    }
    ::close(fd);
    return content;
}

std::string encode(const Session& session, const std::string& url, const std::string& user) {
    json::Writer writer;
    writer.begin_object()
        .member("version", k_format_version)
        .member("url", url)
        .member("user", user)
        .member("token", session.token)
        .member("created_at", to_unix(session.created_at));
    if (session.expires_at) {
        writer.member("expires_at", to_unix(*session.expires_at));
    }
    writer.member("data", session.data).end_object();
    return writer.str();
}

// The session in `text` if it is a well-formed entry for url and user.
std::optional<Session> decode(std::string_view text, const std::string& url,
                              const std::string& user) {
    const json::Document document = json::parse(text, "session cache entry");
    const json::View root = document.root();
    if (root.at("version").as_int64() != k_format_version || root.at("url").as_string() != url ||
        root.at("user").as_string() != user) {
        return std::nullopt;
    }
    Session session;
    session.token = root.at("token").as_string();
    session.created_at = from_unix(root.at("created_at"));
    if (const auto expires = root.find("expires_at")) {
        session.expires_at = from_unix(*expires);
    }
    session.data = root.at("data").as_string();
    if (session.token.empty()) {
        return std::nullopt;
    }
    return session;
}

void write_all(int fd, std::string_view bytes, const fs::path& path) {
    while (!bytes.empty()) {
        const ssize_t written = ::write(fd, bytes.data(), bytes.size());
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written <= 0) {
            throw system_error("cannot write " + path.string(), errno);
        }
        bytes.remove_prefix(static_cast<std::size_t>(written));
    }
}

void ensure_private_directory(const fs::path& dir) {
    std::error_code error;
    if (fs::is_directory(dir, error)) {
        return;
    }
    fs::create_directories(dir, error);
    if (!error) {
        fs::permissions(dir, fs::perms::owner_all, error);
    }
    if (error) {
        throw system_error("cannot create cache directory " + dir.string(), error.value());
    }
}

// session-<hash>.json and its lock file session-<hash>.lock under cache_dir.
class FileSessionStorage : public SessionStorage {
public:
    FileSessionStorage(fs::path dir, std::string_view url, std::string_view user)
        : m_dir(std::move(dir)) {
        std::string key(url);
        key += '\0';
        key += user;
        const std::string name = fmt::format("session-{:016x}", stable_hash(key));
        m_path = m_dir / (name + ".json");
        m_lock_path = m_dir / (name + ".lock");
    }

    [[nodiscard]] const fs::path& path() const { return m_path; }

    std::optional<std::string> read() const override { return read_private_file(m_path); }

    void write(std::string_view bytes) const override;

    void remove() const override { ::unlink(m_path.c_str()); }

    HoldPtr lock(const Deadline& deadline) const override {
        ensure_private_directory(m_dir);
        return hold(FileLock::lock(m_lock_path, deadline));
    }

    std::string where() const override { return m_path.string(); }

private:
    fs::path m_dir;
    fs::path m_path;
    fs::path m_lock_path;
};

// Temporary files of this entry that a writer killed between mkstemp and rename left behind
// (they hold a whole session): gone after a minute, when no live writer can still use them
// (a write takes milliseconds; a writer without the entry lock may run beside this one).
void remove_stale_temporaries(const fs::path& dir, const std::string& prefix) {
    std::error_code error;
    const auto now = fs::file_time_type::clock::now();
    for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
        const std::string name = it->path().filename().string();
        std::error_code age_error;
        const auto written = it->last_write_time(age_error);
        if (name.starts_with(prefix) && !age_error && now - written > std::chrono::minutes(1)) {
            ::unlink(it->path().c_str());
        }
    }
}

void FileSessionStorage::write(std::string_view bytes) const {
    ensure_private_directory(m_dir);
    const std::string prefix = "." + m_path.filename().string() + ".";
    remove_stale_temporaries(m_dir, prefix);
    std::string temp = (m_dir / (prefix + "XXXXXX")).string();
    // mkstemp creates the file with mode 0600, whatever the umask.
    const int fd = ::mkstemp(temp.data());
    if (fd < 0) {
        throw system_error("cannot create a file in " + m_dir.string(), errno);
    }
    try {
        write_all(fd, bytes, temp);
        if (::fsync(fd) != 0) {
            throw system_error("cannot sync " + temp, errno);
        }
        if (::close(fd) != 0) {
            throw system_error("cannot write " + temp, errno);
        }
    } catch (...) {
        ::close(fd);
        ::unlink(temp.c_str());
        throw;
    }
    // Readers see the old entry or the new one, never a part of either.
    if (std::rename(temp.c_str(), m_path.c_str()) != 0) {
        const int error = errno;
        ::unlink(temp.c_str());
        throw system_error("cannot replace " + m_path.string(), error);
    }
}

} // namespace

std::unique_ptr<SessionStorage> file_session_storage(const fs::path& dir, std::string_view url,
                                                     std::string_view user) {
    return std::make_unique<FileSessionStorage>(dir, url, user);
}

SessionCache::SessionCache(fs::path dir, std::string url, std::string user,
                           std::chrono::seconds ttl, std::chrono::seconds margin)
    // Copies, not moves: the arguments are evaluated in no set order.
    : SessionCache(file_session_storage(dir, url, user), url, user, ttl, margin) {}

SessionCache::SessionCache(std::shared_ptr<const SessionStorage> storage, std::string url,
                           std::string user, std::chrono::seconds ttl, std::chrono::seconds margin)
    : m_storage(std::move(storage)), m_url(std::move(url)), m_user(std::move(user)), m_ttl(ttl),
      m_margin(margin) {
    if (const auto* file = dynamic_cast<const FileSessionStorage*>(m_storage.get())) {
        m_path = file->path();
    }
}

bool SessionCache::fresh(const Session& session, Clock::time_point now) const {
    // A session from the future means the clock was set back: trust nothing about it.
    if (session.created_at > now + m_margin || now >= session.created_at + m_ttl) {
        return false;
    }
    return !session.expires_at || now < *session.expires_at - m_margin;
}

std::optional<Session> SessionCache::read() const {
    const auto bytes = m_storage->read();
    if (!bytes) {
        return std::nullopt;
    }
    try {
        auto session = decode(*bytes, m_url, m_user);
        if (session) {
            register_secret(session->token);
        }
        return session;
    } catch (const ProtocolError& error) {
        log::warn("session cache: ignoring a damaged entry {}: {}", m_storage->where(),
                  error.what());
        return std::nullopt;
    }
}

std::optional<Session> SessionCache::load() const {
    auto session = read();
    if (session && !fresh(*session, Clock::now())) {
        return std::nullopt;
    }
    return session;
}

void SessionCache::store(const Session& session) const {
    m_storage->write(encode(session, m_url, m_user));
}

HoldPtr SessionCache::lock_entry(const Deadline& deadline) const {
    try {
        return m_storage->lock(deadline);
    } catch (const LockTimeout&) {
        // The lock file means nothing to a reader of the message; what we waited for does.
        throw DeadlineExceeded(
            fmt::format("timed out (op_timeout) waiting for another process's login to {} as {}",
                        m_url, m_user));
    } catch (const SystemError& error) {
        // The cache only saves logins: without the lock every process logs in for itself.
        log::warn("session cache: logging in without the entry lock: {}", error.what());
        return nullptr;
    }
}

Session SessionCache::get(const Login& login, const Deadline& deadline) const {
    if (auto cached = load()) {
        return *cached;
    }
    const HoldPtr lock = lock_entry(deadline);
    // Another process may have logged in while we waited for the lock.
    if (auto cached = load()) {
        return *cached;
    }
    return refresh(login, deadline);
}

Session SessionCache::refresh(const Login& login, const Deadline& deadline) const {
    const auto started = Clock::now();
    Session session = login(deadline);
    register_secret(session.token);
    session.created_at = started;
    try {
        store(session);
    } catch (const SystemError& error) {
        log::warn("session cache: cannot save the session: {}", error.what());
    } catch (const StoreError& error) {
        log::warn("session cache: cannot save the session: {}", error.what());
    }
    log::debug("session cache: logged in as {} at {}", m_user, m_url);
    return session;
}

void SessionCache::drop(std::string_view token, const Deadline& deadline) const {
    // Writers hold the entry lock, so the entry cannot change between our read and unlink.
    const HoldPtr lock = lock_entry(deadline);
    const auto entry = read();
    if (entry && entry->token == token) {
        m_storage->remove();
    }
}

void SessionCache::forget_rejected(const Session& session, const AuthError& error,
                                   const Deadline& deadline) const {
    log::info("session of {} at {} was rejected ({}); logging in again", m_user, m_url,
              error.what());
    drop(session.token, deadline);
}

} // namespace pm
