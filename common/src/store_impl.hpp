// What the store's .cpp files share: the Store's connection and small row helpers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/store.hpp"

#include "db/dialect.hpp"
#include "db/driver.hpp"

namespace pm::store {

struct Store::Impl {
    Impl(std::unique_ptr<db::ConnectionImpl> connection, std::chrono::milliseconds timeout)
        : db(std::move(connection)), busy_timeout(timeout) {}

    // Runs `body` in a write transaction (joining one already open). When the server rolled
    // the transaction back (deadlock, lock wait timeout), the outermost one runs `body` again
    // from the start, a few times and within the busy timeout: a body only writes to the
    // store and assigns its results afresh, so running it twice applies nothing twice.
    template <typename Body>
    void write(Body&& body) {
        const auto start = std::chrono::steady_clock::now();
        for (int attempt = 1;; ++attempt) {
            const bool outermost = db.depth() == 0;
            try {
                db::Transaction transaction(db);
                body();
                transaction.commit();
                return;
            } catch (const StoreError& e) {
                if (!outermost || e.kind() != StoreError::Kind::conflict ||
                    attempt >= k_write_attempts ||
                    std::chrono::steady_clock::now() - start >= busy_timeout) {
                    throw;
                }
            }
            pause_before_retry(attempt);
        }
    }

    static constexpr int k_write_attempts = 5;
    static void pause_before_retry(int attempt);

    db::Connection db;
    std::chrono::milliseconds busy_timeout;
};

namespace detail {

// Creates or migrates the schema to k_schema_version (store_schema.cpp).
// `mariadb_server`: a MariaDB (not MySQL) server, whose binary collation has no padding.
void migrate(db::Connection& db, bool mariadb_server);

// The current time as ISO-8601 UTC text, the format of every timestamp column.
[[nodiscard]] std::string utc_now();

// Reads the (name, value) rows that `sql` selects for ?1 = id.
[[nodiscard]] Params read_params(db::Connection& db, std::string_view sql, std::int64_t id,
                                 std::string owner);

// Throws ConfigError "<what> <id> not found" unless `sql` (?1 = id) returns a row.
void require_row(db::Connection& db, std::string_view sql, std::int64_t id, std::string_view what);

// Throws ConfigError "<what> <id> not found" unless the last statement changed a row.
void require_changed(const db::Connection& db, std::int64_t id, std::string_view what);

// The value of a status column, or ConfigError naming the row and the unknown text.
template <typename Status>
[[nodiscard]] Status checked_status(std::optional<Status> parsed, std::string_view text,
                                    std::string_view owner) {
    if (!parsed) {
        throw ConfigError(fmt::format("{} has an unknown status '{}'", owner, text));
    }
    return *parsed;
}

} // namespace detail
} // namespace pm::store
