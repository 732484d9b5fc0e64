// The store's database driver, private to the store's .cpp files: a connection, prepared
// statements with bound values, and write transactions, over one of two backends — SQLite
// (the embedded default) or a MariaDB/MySQL server. The store's SQL is shared; it numbers its
// parameters ?1, ?2, … (a number may repeat); what the dialects spell differently comes from
// Dialect (dialect.hpp). Errors are StoreError: busy (temporary), conflict (the server rolled
// the transaction back: retried whole by the store), failure; or ConfigError for what an
// admin must mend (an unreadable file, a wrong password, an unknown database).
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "pm/ids.hpp"

namespace pm::store::db {

enum class Backend { sqlite, mariadb };

// A value bound to a parameter; the text is copied by the backend when bound.
using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string_view>;

// What a backend implements.
class StatementImpl {
public:
    virtual ~StatementImpl() = default;
    // Binds parameter ?index (1-based, as numbered in the SQL).
    virtual void bind(int index, const Value& value) = 0;
    // Runs the statement on the first call after binding; true while a row is ready.
    virtual bool step() = 0;
    // Ready to be bound and run again.
    virtual void reset() = 0;
    [[nodiscard]] virtual bool is_null(int column) const = 0;
    [[nodiscard]] virtual std::int64_t int64(int column) const = 0;
    [[nodiscard]] virtual double real(int column) const = 0;
    [[nodiscard]] virtual std::string text(int column) const = 0;
};

class ConnectionImpl {
public:
    virtual ~ConnectionImpl() = default;
    [[nodiscard]] virtual Backend backend() const = 0;
    // The store as messages name it: a path, or a URL without its password.
    [[nodiscard]] virtual const std::string& name() const = 0;
    // SQL text that takes no values: pragmas, DDL, transaction control.
    virtual void exec(const std::string& sql) = 0;
    [[nodiscard]] virtual std::unique_ptr<StatementImpl> prepare(std::string_view sql) = 0;
    [[nodiscard]] virtual std::int64_t last_insert_id() const = 0;
    // Rows the last statement matched (an UPDATE to the same value counts).
    [[nodiscard]] virtual std::int64_t changes() const = 0;
    // Starts a write transaction (SQLite: BEGIN IMMEDIATE, the writer lock up front).
    virtual void begin() = 0;
    // Runs `sql` (ROLLBACK …) ignoring errors: a destructor cannot report them.
    virtual void exec_quietly(const char* sql) noexcept = 0;
    // The error number of the last failed call (the server's, or SQLite's extended code).
    [[nodiscard]] virtual int last_error_code() const = 0;
    // A MariaDB server (not MySQL, not SQLite).
    [[nodiscard]] virtual bool server_is_mariadb() const = 0;
};

// SQLite at `path` (created when missing), with a busy timeout. Throws ConfigError when the
// file cannot be opened.
[[nodiscard]] std::unique_ptr<ConnectionImpl> open_sqlite(std::string path,
                                                          std::chrono::milliseconds busy_timeout);
// A MariaDB/MySQL server (db/mariadb_driver.cpp); `password` is store_password. A statement
// waits for another session's row or table lock at most `lock_timeout` (rounded up to whole
// seconds), as SQLite waits for its busy timeout.
[[nodiscard]] std::unique_ptr<ConnectionImpl>
open_mariadb(std::string_view url, const std::optional<std::string>& password,
             std::chrono::milliseconds lock_timeout);

class Connection {
public:
    explicit Connection(std::unique_ptr<ConnectionImpl> impl) : m_impl(std::move(impl)) {}

    [[nodiscard]] Backend backend() const { return m_impl->backend(); }
    [[nodiscard]] const std::string& name() const { return m_impl->name(); }
    void exec(const std::string& sql) { m_impl->exec(sql); }
    [[nodiscard]] std::int64_t last_insert_id() const { return m_impl->last_insert_id(); }
    [[nodiscard]] std::int64_t changes() const { return m_impl->changes(); }
    [[nodiscard]] int last_error_code() const { return m_impl->last_error_code(); }
    // Open Transactions on this connection (0: none).
    [[nodiscard]] int depth() const { return m_depth; }
    [[nodiscard]] ConnectionImpl& impl() { return *m_impl; }

private:
    friend class Transaction;
    std::unique_ptr<ConnectionImpl> m_impl;
    int m_depth = 0;
};

class Statement {
public:
    Statement(Connection& db, std::string_view sql) : m_impl(db.impl().prepare(sql)) {}

    // Binds the arguments to ?1, ?2, … in order.
    template <typename... Args>
    Statement& bind(const Args&... args) {
        int index = 1;
        (bind_one(index++, args), ...);
        return *this;
    }
    // Binds one value to ?index, for statements whose parameters are counted at run time.
    template <typename T>
    Statement& bind_at(int index, const T& value) {
        bind_one(index, value);
        return *this;
    }
    // True while a row is ready to read; false once the statement is done.
    bool step() { return m_impl->step(); }
    // Steps to completion, ignoring rows, and resets the statement so that it can be bound
    // and run again.
    void run() {
        while (step()) {
        }
        m_impl->reset();
    }

    [[nodiscard]] bool is_null(int column) const { return m_impl->is_null(column); }
    [[nodiscard]] std::int64_t int64(int column) const { return m_impl->int64(column); }
    [[nodiscard]] double real(int column) const { return m_impl->real(column); }
    [[nodiscard]] std::string text(int column) const { return m_impl->text(column); }
    template <typename IdType>
    [[nodiscard]] IdType id(int column) const {
        return IdType(int64(column));
    }
    template <typename IdType>
    [[nodiscard]] std::optional<IdType> optional_id(int column) const {
        return is_null(column) ? std::nullopt : std::optional<IdType>(IdType(int64(column)));
    }

private:
    // Text columns hold valid UTF-8 only: billing platforms read them with strict decoders
    // (Python's sqlite3, PHP), and one bad byte from a remote reply would break their pages
    // (or, on MariaDB, fail the statement).
    void bind_one(int index, std::string_view value);
    void bind_one(int index, const char* value) { bind_one(index, std::string_view(value)); }
    void bind_one(int index, const std::string& value) { bind_one(index, std::string_view(value)); }
    void bind_one(int index, double value) { m_impl->bind(index, value); }
    void bind_one(int index, std::nullptr_t) { m_impl->bind(index, nullptr); }
    template <std::integral T>
    void bind_one(int index, T value) {
        m_impl->bind(index, static_cast<std::int64_t>(value));
    }
    template <typename Tag>
    void bind_one(int index, Id<Tag> value) {
        m_impl->bind(index, value.value());
    }
    template <typename T>
    void bind_one(int index, const std::optional<T>& value) {
        if (value) {
            bind_one(index, *value);
        } else {
            bind_one(index, nullptr);
        }
    }

    std::unique_ptr<StatementImpl> m_impl;
};

// A write transaction, or a savepoint inside one already open on the connection (so that
// store calls made from Store::transaction() join the caller's transaction). Rolls back on
// destruction unless committed.
class Transaction {
public:
    explicit Transaction(Connection& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Connection& m_db;
    bool m_nested = false;
    bool m_open = true;
    // A nested one's savepoint, named by its depth (pm1, pm2, …): MariaDB replaces a savepoint
    // of the same name, so that one name for all would leave the outer RELEASE without its
    // savepoint ("SAVEPOINT pm does not exist", 1305) two levels down; SQLite stacks them.
    std::string m_savepoint;
};

// Statement text as errors name it: blanks folded, cut after 60 characters; never values.
[[nodiscard]] std::string describe_sql(std::string_view sql);

} // namespace pm::store::db
