// A thin RAII layer over the sqlite3 C API, private to the store's .cpp files: a connection,
// prepared statements with bound parameters, and write transactions. SQLite errors become
// StoreError: busy (the busy timeout ran out) or failure (anything else, with SQLite's text).
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <sqlite3.h>

#include "pm/ids.hpp"

namespace pm::store::sqlite {

class Connection {
public:
    // Opens (creating) the database file at `path`; StoreError{failure} when it cannot.
    Connection(std::string path, std::chrono::milliseconds busy_timeout);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    [[nodiscard]] const std::string& path() const { return m_path; }
    // Runs SQL text that takes no values: pragmas, DDL, transaction control.
    void exec(const std::string& sql);
    // Throws the StoreError for result code `rc`; `context` says what was being done.
    [[noreturn]] void raise(int rc, std::string_view context) const;
    [[nodiscard]] std::int64_t last_insert_rowid() const;
    [[nodiscard]] std::int64_t changes() const;
    [[nodiscard]] bool in_transaction() const;
    [[nodiscard]] sqlite3* handle() const { return m_db; }

private:
    sqlite3* m_db = nullptr;
    std::string m_path;
    std::chrono::milliseconds m_busy_timeout;
};

class Statement {
public:
    Statement(Connection& db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Binds the arguments to ?1, ?2, … in order.
    template <typename... Args>
    Statement& bind(const Args&... args) {
        int index = 1;
        (bind_one(index++, args), ...);
        return *this;
    }
    // True while a row is ready to read; false once the statement is done.
    bool step();
    // Steps to completion, ignoring rows, and resets the statement so that it can be bound
    // and run again.
    void run();

    [[nodiscard]] bool is_null(int column) const;
    [[nodiscard]] std::int64_t int64(int column) const;
    [[nodiscard]] double real(int column) const;
    [[nodiscard]] std::string text(int column) const;
    template <typename IdType>
    [[nodiscard]] IdType id(int column) const {
        return IdType(int64(column));
    }
    template <typename IdType>
    [[nodiscard]] std::optional<IdType> optional_id(int column) const {
        return is_null(column) ? std::nullopt : std::optional<IdType>(IdType(int64(column)));
    }

private:
    void bind_one(int index, std::string_view value);
    void bind_one(int index, const char* value) { bind_one(index, std::string_view(value)); }
    void bind_one(int index, const std::string& value) { bind_one(index, std::string_view(value)); }
    void bind_one(int index, double value);
    void bind_one(int index, std::nullptr_t);
    void bind_int64(int index, std::int64_t value);
    template <std::integral T>
    void bind_one(int index, T value) {
        if constexpr (std::same_as<T, std::int64_t>) {
            bind_int64(index, value);
        } else {
            bind_int64(index, static_cast<std::int64_t>(value));
        }
    }
    template <typename Tag>
    void bind_one(int index, Id<Tag> value) {
        bind_int64(index, value.value());
    }
    template <typename T>
    void bind_one(int index, const std::optional<T>& value) {
        if (value) {
            bind_one(index, *value);
        } else {
            bind_one(index, nullptr);
        }
    }
    void check_bind(int rc) const;

    Connection& m_db;
    sqlite3_stmt* m_stmt = nullptr;
    std::string m_sql;
};

// A write transaction: BEGIN IMMEDIATE, or a savepoint inside a transaction already open on
// the connection. Rolls back on destruction unless committed.
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
};

} // namespace pm::store::sqlite
