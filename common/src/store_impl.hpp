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

#include "store_sqlite.hpp"

namespace pm::store {

struct Store::Impl {
    Impl(std::string path, std::chrono::milliseconds busy_timeout)
        : db(std::move(path), busy_timeout) {}
    sqlite::Connection db;
};

namespace detail {

// Creates or migrates the schema to k_schema_version (store_schema.cpp).
void migrate(sqlite::Connection& db);

// The current time as ISO-8601 UTC text, the format of every timestamp column.
[[nodiscard]] std::string utc_now();

// Reads the (name, value) rows that `sql` selects for ?1 = id.
[[nodiscard]] Params read_params(sqlite::Connection& db, std::string_view sql, std::int64_t id,
                                 std::string owner);

// Throws ConfigError "<what> <id> not found" unless `sql` (?1 = id) returns a row.
void require_row(sqlite::Connection& db, std::string_view sql, std::int64_t id,
                 std::string_view what);

// Throws ConfigError "<what> <id> not found" unless the last statement changed a row.
void require_changed(const sqlite::Connection& db, std::int64_t id, std::string_view what);

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
