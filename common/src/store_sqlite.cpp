#include "store_sqlite.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/text.hpp"

namespace pm::store::sqlite {
namespace {

// Error messages name the statement, not its values: values are bound, and some are secrets.
std::string describe_sql(std::string_view sql) {
    std::string out;
    for (const char c : sql) {
        const bool blank = c == ' ' || c == '\n' || c == '\t' || c == '\r';
        if (blank && (out.empty() || out.back() == ' ')) {
            continue;
        }
        out.push_back(blank ? ' ' : c);
    }
    constexpr std::size_t k_max = 60;
    if (out.size() > k_max) {
        out.resize(k_max);
        out += "...";
    }
    return out;
}

int clamp_timeout(std::chrono::milliseconds timeout) {
    constexpr std::chrono::milliseconds k_max{24 * 3600 * 1000};
    return static_cast<int>(std::clamp(timeout, std::chrono::milliseconds(0), k_max).count());
}

} // namespace

Connection::Connection(std::string path, std::chrono::milliseconds busy_timeout)
    : m_path(std::move(path)), m_busy_timeout(busy_timeout) {
    const int rc =
        sqlite3_open_v2(m_path.c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK) {
        const std::string message = m_db != nullptr ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
        sqlite3_close_v2(m_db);
        m_db = nullptr;
        throw ConfigError(fmt::format("cannot open the store {}: {}", m_path, message));
    }
    sqlite3_extended_result_codes(m_db, 1);
    sqlite3_busy_timeout(m_db, clamp_timeout(busy_timeout));
}

Connection::~Connection() {
    sqlite3_close_v2(m_db);
}

void Connection::exec(const std::string& sql) {
    const int rc = sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
        raise(rc, describe_sql(sql));
    }
}

void Connection::raise(int rc, std::string_view context) const {
    const int primary = rc & 0xff;
    const std::string message =
        sqlite3_errcode(m_db) == rc ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
        throw StoreError(fmt::format("the store {} stayed busy for {} ms ({}): {}", m_path,
                                     m_busy_timeout.count(), message, context),
                         StoreError::Kind::busy);
    }
    // What an admin has to mend where the store lives (not a database, read-only, cannot be
    // opened) is a configuration error, not an internal one.
    if (primary == SQLITE_NOTADB || primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN ||
        primary == SQLITE_PERM || primary == SQLITE_AUTH) {
        throw ConfigError(fmt::format("store {}: {}: {}", m_path, context, message));
    }
    throw StoreError(fmt::format("store {}: {}: {}", m_path, context, message),
                     StoreError::Kind::failure);
}

std::int64_t Connection::last_insert_rowid() const {
    return sqlite3_last_insert_rowid(m_db);
}

std::int64_t Connection::changes() const {
    return sqlite3_changes64(m_db);
}

bool Connection::in_transaction() const {
    return sqlite3_get_autocommit(m_db) == 0;
}

Statement::Statement(Connection& db, std::string_view sql) : m_db(db), m_sql(sql) {
    const int rc = sqlite3_prepare_v2(db.handle(), m_sql.data(), static_cast<int>(m_sql.size()),
                                      &m_stmt, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(m_stmt);
        m_db.raise(rc, describe_sql(m_sql));
    }
}

Statement::~Statement() {
    sqlite3_finalize(m_stmt);
}

bool Statement::step() {
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    m_db.raise(rc, describe_sql(m_sql));
}

void Statement::run() {
    while (step()) {
    }
    sqlite3_reset(m_stmt);
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

std::int64_t Statement::int64(int column) const {
    return sqlite3_column_int64(m_stmt, column);
}

double Statement::real(int column) const {
    return sqlite3_column_double(m_stmt, column);
}

std::string Statement::text(int column) const {
    const unsigned char* data = sqlite3_column_text(m_stmt, column);
    if (data == nullptr) {
        return {};
    }
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column));
    return {reinterpret_cast<const char*>(data), size};
}

void Statement::bind_one(int index, std::string_view value) {
    // TEXT columns hold valid UTF-8 only: billing platforms read them with strict decoders
    // (Python's sqlite3, PHP), and one bad byte from a remote reply would break their pages.
    const std::string text = repaired_utf8(value);
    check_bind(sqlite3_bind_text64(m_stmt, index, text.c_str(), text.size(), SQLITE_TRANSIENT,
                                   SQLITE_UTF8));
}

void Statement::bind_one(int index, double value) {
    check_bind(sqlite3_bind_double(m_stmt, index, value));
}

void Statement::bind_one(int index, std::nullptr_t) {
    check_bind(sqlite3_bind_null(m_stmt, index));
}

void Statement::bind_int64(int index, std::int64_t value) {
    check_bind(sqlite3_bind_int64(m_stmt, index, value));
}

void Statement::check_bind(int rc) const {
    if (rc != SQLITE_OK) {
        m_db.raise(rc, describe_sql(m_sql));
    }
}

// A savepoint inside an open transaction lets store calls made from Store::transaction()
// join the caller's transaction instead of failing on a nested BEGIN.
Transaction::Transaction(Connection& db) : m_db(db), m_nested(db.in_transaction()) {
    m_db.exec(m_nested ? "SAVEPOINT pm" : "BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
    if (!m_open) {
        return;
    }
    // Errors are ignored: SQLite may already have rolled back (e.g. after SQLITE_FULL), and
    // a destructor cannot report anything.
    const char* sql = m_nested ? "ROLLBACK TO pm; RELEASE pm" : "ROLLBACK";
    sqlite3_exec(m_db.handle(), sql, nullptr, nullptr, nullptr);
}

void Transaction::commit() {
    m_db.exec(m_nested ? "RELEASE pm" : "COMMIT");
    m_open = false;
}

} // namespace pm::store::sqlite
