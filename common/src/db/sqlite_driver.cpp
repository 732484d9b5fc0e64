// The SQLite backend of the store's driver: the sqlite3 C API, extended result codes, a busy
// timeout, BEGIN IMMEDIATE for write transactions (the writer lock up front).
#include <algorithm>

#include <fmt/format.h>
#include <sqlite3.h>

#include "pm/errors.hpp"

#include "driver.hpp"

namespace pm::store::db {
namespace {

int clamp_timeout(std::chrono::milliseconds timeout) {
    constexpr std::chrono::milliseconds k_max{24 * 3600 * 1000};
    return static_cast<int>(std::clamp(timeout, std::chrono::milliseconds(0), k_max).count());
}

class SqliteConnection final : public ConnectionImpl {
public:
    SqliteConnection(std::string path, std::chrono::milliseconds busy_timeout)
        : m_path(std::move(path)), m_busy_timeout(busy_timeout) {
        const int rc = sqlite3_open_v2(m_path.c_str(), &m_db,
                                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
        if (rc != SQLITE_OK) {
            const std::string message = m_db != nullptr ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
            sqlite3_close_v2(m_db);
            m_db = nullptr;
            throw ConfigError(fmt::format("cannot open the store {}: {}", m_path, message));
        }
        sqlite3_extended_result_codes(m_db, 1);
        sqlite3_busy_timeout(m_db, clamp_timeout(busy_timeout));
    }
    ~SqliteConnection() override { sqlite3_close_v2(m_db); }
    SqliteConnection(const SqliteConnection&) = delete;
    SqliteConnection& operator=(const SqliteConnection&) = delete;

    [[nodiscard]] Backend backend() const override { return Backend::sqlite; }
    [[nodiscard]] const std::string& name() const override { return m_path; }

    void exec(const std::string& sql) override {
        const int rc = sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK) {
            raise(rc, describe_sql(sql));
        }
    }
    void exec_quietly(const char* sql) noexcept override {
        sqlite3_exec(m_db, sql, nullptr, nullptr, nullptr);
    }
    [[nodiscard]] std::unique_ptr<StatementImpl> prepare(std::string_view sql) override;
    [[nodiscard]] std::int64_t last_insert_id() const override {
        return sqlite3_last_insert_rowid(m_db);
    }
    [[nodiscard]] std::int64_t changes() const override { return sqlite3_changes64(m_db); }
    void begin() override { exec("BEGIN IMMEDIATE"); }
    [[nodiscard]] int last_error_code() const override { return sqlite3_extended_errcode(m_db); }
    [[nodiscard]] bool server_is_mariadb() const override { return false; }

    [[noreturn]] void raise(int rc, std::string_view context) const {
        const int primary = rc & 0xff;
        const std::string message =
            sqlite3_errcode(m_db) == rc ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
        if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
            throw StoreError(fmt::format("the store {} stayed busy for {} ms ({}): {}", m_path,
                                         m_busy_timeout.count(), message, context),
                             StoreError::Kind::busy);
        }
        // What an admin has to mend where the store lives (not a database, read-only, cannot
        // be opened) is a configuration error, not an internal one.
        if (primary == SQLITE_NOTADB || primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN ||
            primary == SQLITE_PERM || primary == SQLITE_AUTH) {
            throw ConfigError(fmt::format("store {}: {}: {}", m_path, context, message));
        }
        throw StoreError(fmt::format("store {}: {}: {}", m_path, context, message),
                         StoreError::Kind::failure);
    }
    [[nodiscard]] sqlite3* handle() const { return m_db; }

private:
    sqlite3* m_db = nullptr;
    std::string m_path;
    std::chrono::milliseconds m_busy_timeout;
};

class SqliteStatement final : public StatementImpl {
public:
    SqliteStatement(SqliteConnection& db, std::string_view sql) : m_db(db), m_sql(sql) {
        const int rc = sqlite3_prepare_v2(db.handle(), m_sql.data(), static_cast<int>(m_sql.size()),
                                          &m_stmt, nullptr);
        if (rc != SQLITE_OK) {
            sqlite3_finalize(m_stmt);
            m_db.raise(rc, describe_sql(m_sql));
        }
    }
    ~SqliteStatement() override { sqlite3_finalize(m_stmt); }
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;

    void bind(int index, const Value& value) override {
        const int rc = std::visit(
            [&](const auto& v) {
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, std::nullptr_t>) {
                    return sqlite3_bind_null(m_stmt, index);
                } else if constexpr (std::is_same_v<T, std::int64_t>) {
                    return sqlite3_bind_int64(m_stmt, index, v);
                } else if constexpr (std::is_same_v<T, double>) {
                    return sqlite3_bind_double(m_stmt, index, v);
                } else {
                    return sqlite3_bind_text64(m_stmt, index, v.data(), v.size(), SQLITE_TRANSIENT,
                                               SQLITE_UTF8);
                }
            },
            value);
        if (rc != SQLITE_OK) {
            m_db.raise(rc, describe_sql(m_sql));
        }
    }
    bool step() override {
        const int rc = sqlite3_step(m_stmt);
        if (rc == SQLITE_ROW) {
            return true;
        }
        if (rc == SQLITE_DONE) {
            return false;
        }
        m_db.raise(rc, describe_sql(m_sql));
    }
    void reset() override { sqlite3_reset(m_stmt); }
    [[nodiscard]] bool is_null(int column) const override {
        return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
    }
    [[nodiscard]] std::int64_t int64(int column) const override {
        return sqlite3_column_int64(m_stmt, column);
    }
    [[nodiscard]] double real(int column) const override {
        return sqlite3_column_double(m_stmt, column);
    }
    [[nodiscard]] std::string text(int column) const override {
        const unsigned char* data = sqlite3_column_text(m_stmt, column);
        if (data == nullptr) {
            return {};
        }
        const auto size = static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column));
        return {reinterpret_cast<const char*>(data), size};
    }

private:
    SqliteConnection& m_db;
    sqlite3_stmt* m_stmt = nullptr;
    std::string m_sql;
};

std::unique_ptr<StatementImpl> SqliteConnection::prepare(std::string_view sql) {
    return std::make_unique<SqliteStatement>(*this, sql);
}

} // namespace

std::unique_ptr<ConnectionImpl> open_sqlite(std::string path,
                                            std::chrono::milliseconds busy_timeout) {
    return std::make_unique<SqliteConnection>(std::move(path), busy_timeout);
}

} // namespace pm::store::db
