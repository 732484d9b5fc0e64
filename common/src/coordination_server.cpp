// Coordination through a MariaDB/MySQL server (DESIGN §7 "Several hosts"): named locks
// (GET_LOCK/RELEASE_LOCK/IS_USED_LOCK) held on one dedicated connection per process, and the
// pm_session table for the session cache.
//
// Lock names: `pm:<8 hex of sha1(database)>:<kind>:<…>`, lowercase ASCII, at most 59 characters
// (MySQL allows 64; MariaDB folds nothing: it is case-sensitive), so that two pm installations
// on one server keep apart:
//   s:<sha1 of the slot>       a queue slot ("slot-" + name, or "item-" + id for item lines)
//   g:<sha1 of the line>       the gate of a queue line with more than one slot
//   m:<sha1 of the name>       a module-wide try-lock (sync-module-155, pmvmmgr6-pool-155)
//   op:<id>                    the claim of a running operation
//   sess:<sha1 of url, user>   the single-flight login of a session cache entry
//
// Queue (mariadb.md §3.4 design A): a line of one slot waits on the slot itself; a line of N
// slots first takes its gate, so that only the head of the line polls the slots (timeout 0,
// every 20-100 ms with jitter), and lets the gate go once it holds a slot. The server queues
// the waiters of a lock: MariaDB grants them in request order (its MDL is fair among equal
// requests, and measured so); MySQL documents the order as undefined.
//
// The lock connection has wait_timeout 60 s and is pinged every 20 s from a thread, so that a
// process that dies or freezes, or whose host vanishes, frees its locks within a minute, while
// a live one keeps them. If the ping fails while a lock is held, the locks are gone (server
// restart, network): LocksLost fires, and the runner stops the process as a stop signal
// would (operation left to run again, exit 3) before it goes on to its next side effect.
#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "pm/coordination.hpp"
#include "pm/errors.hpp"
#include "pm/log.hpp"

#include "db/mariadb_client.hpp"

namespace pm {
namespace {

using namespace std::chrono_literals;

// Statements on the lock connection are short, but a lock wait is one statement for as long
// as the wait: the socket's read timeout is longer than any single wait.
constexpr std::chrono::seconds k_read_timeout{24 * 3600};
constexpr std::chrono::milliseconds k_max_wait{23 * 3600 * 1000};
// Waits for which arrival order does not matter (a login, a claim) are cut in pieces of this,
// so that the connection is free in between for the other threads of the process.
constexpr std::chrono::milliseconds k_wait_piece{1000};
constexpr std::chrono::milliseconds k_first_poll{20};
constexpr std::chrono::milliseconds k_max_poll{100};

// SHA-1 (FIPS 180-4), for lock names and session entries: short, stable, the same as the
// server's SHA1() so that an admin can compute a name with SQL.
std::string sha1_hex(std::string_view text) {
    std::array<std::uint32_t, 5> h{0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    std::string message(text);
    const std::uint64_t bits = std::uint64_t{text.size()} * 8;
    message += static_cast<char>(0x80);
    while (message.size() % 64 != 56) {
        message += '\0';
    }
    for (int shift = 56; shift >= 0; shift -= 8) {
        message += static_cast<char>((bits >> shift) & 0xff);
    }
    const auto rotl = [](std::uint32_t value, int by) {
        return (value << by) | (value >> (32 - by));
    };
    for (std::size_t block = 0; block < message.size(); block += 64) {
        std::array<std::uint32_t, 80> w{};
        for (std::size_t i = 0; i < 16; ++i) {
            for (std::size_t b = 0; b < 4; ++b) {
                w[i] = (w[i] << 8) | static_cast<unsigned char>(message[block + i * 4 + b]);
            }
        }
        for (std::size_t i = 16; i < 80; ++i) {
            w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        }
        auto [a, b, c, d, e] = h;
        for (std::size_t i = 0; i < 80; ++i) {
            std::uint32_t f = 0;
            std::uint32_t k = 0;
            if (i < 20) {
                f = (b & c) | (~b & d);
                k = 0x5A827999;
            } else if (i < 40) {
                f = b ^ c ^ d;
                k = 0x6ED9EBA1;
            } else if (i < 60) {
                f = (b & c) | (b & d) | (c & d);
                k = 0x8F1BBCDC;
            } else {
                f = b ^ c ^ d;
                k = 0xCA62C1D6;
            }
            const std::uint32_t temp = rotl(a, 5) + f + e + k + w[i];
            e = d;
            d = c;
            c = rotl(b, 30);
            b = a;
            a = temp;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
    }
    return fmt::format("{:08x}{:08x}{:08x}{:08x}{:08x}", h[0], h[1], h[2], h[3], h[4]);
}

std::string utc_text(std::chrono::system_clock::time_point at) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
    std::tm parts{};
    ::gmtime_r(&seconds, &parts);
    std::array<char, 32> text{};
    const auto size = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &parts);
    return {text.data(), size};
}

// Names held (or being waited for) by some thread of this process. Named locks are
// re-entrant per connection, and every thread shares the one connection: without this two
// threads would both "hold" a name.
class LocalNames {
public:
    bool try_reserve(const std::string& name) {
        const std::lock_guard lock(m_mutex);
        return m_names.insert(name).second;
    }
    bool reserve(const std::string& name, const Deadline& deadline) {
        std::unique_lock lock(m_mutex);
        const auto free = [&] { return !m_names.contains(name); };
        if (deadline.is_never()) {
            m_changed.wait(lock, free);
        } else if (!m_changed.wait_until(lock, deadline.at(), free)) {
            return false;
        }
        m_names.insert(name);
        return true;
    }
    void unreserve(const std::string& name) noexcept {
        {
            const std::lock_guard lock(m_mutex);
            m_names.erase(name);
        }
        m_changed.notify_all();
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::set<std::string> m_names;
};

// The one connection of this process that holds its named locks.
class LockConnection {
public:
    LockConnection(mariadb::Endpoint endpoint, ServerOptions options)
        : m_endpoint(std::move(endpoint)), m_options(std::move(options)),
          m_prefix(fmt::format("pm:{}:", sha1_hex(m_endpoint.database).substr(0, 8))) {}

    ~LockConnection() {
        {
            const std::lock_guard lock(m_ping_mutex);
            m_stopping = true;
        }
        m_ping_wake.notify_all();
        if (m_pinger.joinable()) {
            m_pinger.join();
        }
    }
    LockConnection(const LockConnection&) = delete;
    LockConnection& operator=(const LockConnection&) = delete;

    [[nodiscard]] const std::string& prefix() const { return m_prefix; }
    [[nodiscard]] std::string shown() const { return m_endpoint.shown(); }
    [[nodiscard]] LocalNames& local() { return m_local; }

    // Runs work(client) alone on the connection, connecting first when needed.
    template <typename Work>
    auto with(Work&& work) {
        const std::lock_guard lock(m_client_mutex);
        if (!m_lost.empty()) {
            throw StoreError(m_lost, StoreError::Kind::busy);
        }
        if (!m_client) {
            connect();
        }
        return work(*m_client);
    }

    // GET_LOCK(name, timeout): true when held. One statement per wait of at most `piece`
    // (never() and very long waits come in pieces too: see k_max_wait), so that a waiter keeps
    // its place in the server's line for the whole wait unless `piece` is shorter.
    bool get_lock(const std::string& name, const Deadline& deadline,
                  std::chrono::milliseconds piece = k_max_wait) {
        for (;;) {
            const auto wait = deadline.cap(std::min(piece, k_max_wait));
            const auto got = with([&](mariadb::Client& client) {
                return client.scalar("SELECT GET_LOCK(?, ?)",
                                     {name, static_cast<double>(wait.count()) / 1000.0});
            });
            if (!got) {
                throw StoreError(
                    fmt::format("the database server {} refused the named lock {}", shown(), name),
                    StoreError::Kind::busy);
            }
            if (*got == "1") {
                held(+1);
                return true;
            }
            if (deadline.expired() || wait.count() == 0) {
                return false;
            }
        }
    }

    void release(const std::string& name) noexcept {
        try {
            with([&](mariadb::Client& client) {
                (void)client.scalar("SELECT RELEASE_LOCK(?)", {name});
            });
        } catch (const std::exception& error) {
            // Gone with the connection anyway.
            log::debug("named lock {} not released: {}", name, error.what());
        }
        held(-1);
    }

private:
    void held(int change) {
        const std::lock_guard lock(m_ping_mutex);
        m_held += change;
    }

    void connect() {
        mariadb::Options options;
        options.wait_timeout = m_options.wait_timeout;
        options.read_timeout = k_read_timeout;
        m_client = std::make_unique<mariadb::Client>(m_endpoint, options);
        if (!m_pinger.joinable()) {
            m_pinger = std::thread([this] { ping_loop(); });
        }
    }

    void ping_loop();

    mariadb::Endpoint m_endpoint;
    ServerOptions m_options;
    std::string m_prefix;
    LocalNames m_local;

    std::mutex m_client_mutex; // guards m_client and m_lost
    std::unique_ptr<mariadb::Client> m_client;
    std::string m_lost; // why the locks are gone, once they are

    std::mutex m_ping_mutex; // guards m_stopping and m_held
    std::condition_variable m_ping_wake;
    bool m_stopping = false;
    int m_held = 0;
    std::thread m_pinger;
};

void LockConnection::ping_loop() {
    for (;;) {
        int held = 0;
        {
            std::unique_lock lock(m_ping_mutex);
            if (m_ping_wake.wait_for(lock, m_options.ping_every, [&] { return m_stopping; })) {
                return;
            }
            held = m_held;
        }
        std::unique_lock client_lock(m_client_mutex, std::try_to_lock);
        // A statement running on the connection (a lock wait) keeps it from being idle.
        if (!client_lock.owns_lock() || !m_client || !m_lost.empty()) {
            continue;
        }
        try {
            m_client->ping();
            continue;
        } catch (const std::exception& error) {
            if (held == 0) {
                // Nothing was held: the next use connects again.
                log::info("the lock connection to {} was lost ({}); reconnecting when needed",
                          shown(), error.what());
                m_client.reset();
                continue;
            }
            m_lost = fmt::format("lost the connection to the database server {} that held this "
                                 "process's locks (queue slot, claims): {}",
                                 shown(), error.what());
        }
        const std::string reason = m_lost;
        client_lock.unlock();
        log::error("{}", reason);
        if (m_options.on_lost) {
            m_options.on_lost(reason);
        }
        return;
    }
}

// A named lock held on the lock connection; released when destroyed.
class ServerHold : public Hold {
public:
    ServerHold(std::shared_ptr<LockConnection> connection, std::string name)
        : m_connection(std::move(connection)), m_name(std::move(name)) {}
    ~ServerHold() override {
        m_connection->release(m_name);
        m_connection->local().unreserve(m_name);
    }

private:
    std::shared_ptr<LockConnection> m_connection;
    std::string m_name;
};

// The server's lock on `name`, reserved among this process's threads already: held, or the
// reservation undone when `get_lock` does not get it (or throws).
template <typename GetLock>
HoldPtr lock_reserved(const std::shared_ptr<LockConnection>& connection, const std::string& name,
                      GetLock get_lock) {
    bool got = false;
    try {
        got = get_lock();
    } catch (...) {
        connection->local().unreserve(name);
        throw;
    }
    if (!got) {
        connection->local().unreserve(name);
        return nullptr;
    }
    return std::make_unique<ServerHold>(connection, name);
}

// Takes `name` for this process: first among its threads, then at the server.
HoldPtr take(const std::shared_ptr<LockConnection>& connection, const std::string& name,
             const Deadline& deadline, std::chrono::milliseconds piece) {
    if (!connection->local().reserve(name, deadline)) {
        return nullptr;
    }
    return lock_reserved(connection, name,
                         [&] { return connection->get_lock(name, deadline, piece); });
}

HoldPtr try_take(const std::shared_ptr<LockConnection>& connection, const std::string& name) {
    if (!connection->local().try_reserve(name)) {
        return nullptr;
    }
    return lock_reserved(connection, name,
                         [&] { return connection->get_lock(name, Deadline::after(0ms)); });
}

class ServerSessionStorage : public SessionStorage {
public:
    ServerSessionStorage(std::shared_ptr<LockConnection> connection, std::string_view url,
                         std::string_view user)
        : m_connection(std::move(connection)) {
        std::string key(url);
        key += '\0';
        key += user;
        m_entry = sha1_hex(key);
        m_lock_name = m_connection->prefix() + "sess:" + m_entry;
    }

    std::optional<std::string> read() const override {
        const auto rows = m_connection->with([&](mariadb::Client& client) {
            return client.query("SELECT body FROM pm_session WHERE entry = ?", {m_entry});
        });
        if (rows.empty() || rows.front().empty()) {
            return std::nullopt;
        }
        return rows.front().front();
    }

    void write(std::string_view bytes) const override {
        m_connection->with([&](mariadb::Client& client) {
            (void)client.query(
                "INSERT INTO pm_session (entry, body, updated_at) VALUES (?, ?, ?) "
                "ON DUPLICATE KEY UPDATE body = VALUES(body), "
                "updated_at = VALUES(updated_at)",
                {m_entry, std::string(bytes), utc_text(std::chrono::system_clock::now())});
        });
    }

    void remove() const override {
        m_connection->with([&](mariadb::Client& client) {
            (void)client.query("DELETE FROM pm_session WHERE entry = ?", {m_entry});
        });
    }

    HoldPtr lock(const Deadline& deadline) const override {
        auto held = take(m_connection, m_lock_name, deadline, k_wait_piece);
        if (!held) {
            throw LockTimeout("timed out waiting for the session lock " + m_lock_name);
        }
        return held;
    }

    std::string where() const override {
        return fmt::format("pm_session row {} on {}", m_entry, m_connection->shown());
    }

private:
    std::shared_ptr<LockConnection> m_connection;
    std::string m_entry;
    std::string m_lock_name;
};

class ServerOperationLocks;

class ServerCoordination : public Coordination {
public:
    ServerCoordination(mariadb::Endpoint endpoint, ServerOptions options)
        : m_connection(std::make_shared<LockConnection>(std::move(endpoint), std::move(options))) {}

    queue::Slot acquire_slot(const queue::SlotSet& set, const Deadline& deadline,
                             const queue::WaitingHook& on_waiting) override;

    HoldPtr try_lock(std::string_view name) override {
        return try_take(m_connection, m_connection->prefix() + "m:" + sha1_hex(name));
    }

    OperationLocks& operation_locks() override;

    std::unique_ptr<SessionStorage> session_storage(std::string_view url,
                                                    std::string_view user) override {
        return std::make_unique<ServerSessionStorage>(m_connection, url, user);
    }

    [[nodiscard]] const std::shared_ptr<LockConnection>& connection() const { return m_connection; }

private:
    std::shared_ptr<LockConnection> m_connection;
    std::unique_ptr<OperationLocks> m_locks;
};

// Waits until one of `names` is ours, polling them with timeout 0: only the head of a line
// gets here, so nobody else polls the same slots of this line.
std::optional<std::pair<std::size_t, HoldPtr>>
poll_slots(const std::shared_ptr<LockConnection>& connection, const std::vector<std::string>& names,
           const Deadline& deadline, const std::function<void()>& busy) {
    std::mt19937 random(std::random_device{}());
    auto interval = k_first_poll;
    for (bool first = true;; first = false) {
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (auto held = try_take(connection, names[i])) {
                return std::pair{i, std::move(held)};
            }
        }
        if (first) {
            busy();
        }
        if (deadline.expired()) {
            return std::nullopt;
        }
        std::uniform_int_distribution<long> jitter(interval.count() * 3 / 4,
                                                   interval.count() * 5 / 4);
        std::this_thread::sleep_for(deadline.cap(std::chrono::milliseconds(jitter(random))));
        interval = std::min(k_max_poll, interval * 3 / 2);
    }
}

queue::Slot ServerCoordination::acquire_slot(const queue::SlotSet& set, const Deadline& deadline,
                                             const queue::WaitingHook& on_waiting) {
    if (set.slots.empty()) {
        return {};
    }
    const auto& prefix = m_connection->prefix();
    std::vector<std::string> names;
    for (const auto& slot : set.slots) {
        names.push_back(prefix + "s:" + sha1_hex(set.file_prefix + slot));
    }
    const auto started = std::chrono::steady_clock::now();
    const auto timeout = [&] {
        return LockTimeout(fmt::format("timed out (op_timeout) waiting for a queue slot of {}",
                                       set.slots.size() == 1 ? set.slots.front() : set.line));
    };
    bool told = false;
    const auto waiting = [&](std::size_t ahead) {
        if (!told && on_waiting) {
            // The server does not say how many wait ahead: at least this many.
            on_waiting(queue::Waiting{0, ahead});
        }
        told = true;
    };
    const auto taken = [&](std::size_t index, HoldPtr hold) {
        log::debug("queue: holding slot {} after {} ms", set.slots[index],
                   std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - started)
                       .count());
        return queue::Slot(set.slots[index], std::move(hold));
    };
    if (names.size() == 1) {
        // The server's own line of waiters for the slot is the queue line.
        if (auto held = try_take(m_connection, names.front())) {
            return taken(0, std::move(held));
        }
        waiting(1);
        if (auto held = take(m_connection, names.front(), deadline, k_max_wait)) {
            return taken(0, std::move(held));
        }
        throw timeout();
    }
    const std::string gate_name = prefix + "g:" + sha1_hex(set.file_prefix + set.line);
    HoldPtr gate = try_take(m_connection, gate_name);
    if (!gate) {
        waiting(1);
        gate = take(m_connection, gate_name, deadline, k_max_wait);
        if (!gate) {
            throw timeout();
        }
    }
    // The head of the line: the next waiter becomes head when the gate goes (below, or by
    // this process dying).
    auto polled =
        poll_slots(m_connection, names, deadline, [&] { waiting(told ? 1 : names.size()); });
    if (!polled) {
        throw timeout();
    }
    auto slot = taken(polled->first, std::move(polled->second));
    gate.reset();
    return slot;
}

class ServerOperationLocks : public OperationLocks {
public:
    explicit ServerOperationLocks(ServerCoordination& coordination)
        : m_coordination(coordination), m_connection(coordination.connection()) {}

    HoldPtr claim(OperationId id, const Deadline& deadline) override {
        return take(m_connection, claim_name(id), deadline, k_wait_piece);
    }

    bool claimed(OperationId id) override {
        const auto rows = m_connection->with([&](mariadb::Client& client) {
            return client.query("SELECT IS_USED_LOCK(?), CONNECTION_ID()", {claim_name(id)});
        });
        return !rows.empty() && rows.front().size() == 2 && rows.front()[0] &&
               rows.front()[0] != rows.front()[1];
    }

    void wait_unclaimed(OperationId id, const Deadline& deadline) override {
        if (!take(m_connection, claim_name(id), deadline, k_wait_piece)) {
            throw LockTimeout(fmt::format(
                "timed out (op_timeout) waiting for running operation {} to be let go", id));
        }
    }

    HoldPtr hold_item(ItemId id, const Deadline& deadline,
                      const queue::WaitingHook& on_waiting) override {
        const std::string slot = std::to_string(id.value());
        const queue::SlotSet set{{slot}, fmt::format("item+{}", slot), "item-"};
        auto held = m_coordination.acquire_slot(set, deadline, on_waiting);
        return std::make_unique<SlotHold>(std::move(held));
    }

private:
    class SlotHold : public Hold {
    public:
        explicit SlotHold(queue::Slot slot) : m_slot(std::move(slot)) {}

    private:
        queue::Slot m_slot;
    };

    [[nodiscard]] std::string claim_name(OperationId id) const {
        return fmt::format("{}op:{}", m_connection->prefix(), id.value());
    }

    ServerCoordination& m_coordination;
    std::shared_ptr<LockConnection> m_connection;
};

OperationLocks& ServerCoordination::operation_locks() {
    if (!m_locks) {
        m_locks = std::make_unique<ServerOperationLocks>(*this);
    }
    return *m_locks;
}

} // namespace

std::unique_ptr<Coordination> server_coordination(std::string_view store_url,
                                                  const std::optional<std::string>& password,
                                                  ServerOptions options) {
    return std::make_unique<ServerCoordination>(mariadb::parse_url(store_url, password),
                                                std::move(options));
}

} // namespace pm
