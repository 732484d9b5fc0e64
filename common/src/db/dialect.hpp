// What the store's SQL spells differently on SQLite and on MariaDB/MySQL, in one place. The
// rest is shared: numbered parameters (the MariaDB driver rewrites them), `||` (the MariaDB
// session runs with PIPES_AS_CONCAT), CASE, COALESCE, instr. The schema's two forms are in
// store_schema.cpp; a write transaction's start (BEGIN IMMEDIATE, or START TRANSACTION and
// the writer row lock) is the drivers' begin().
#pragma once

#include <string>
#include <string_view>

#include "driver.hpp"

namespace pm::store::db {

// INSERT … that replaces `column` when a row with the same `key` exists: ON CONFLICT on
// SQLite, ON DUPLICATE KEY UPDATE on MariaDB (every upserted table has one unique key).
[[nodiscard]] std::string upsert(const Connection& db, std::string_view insert,
                                 std::string_view key, std::string_view column);

// Appended to a SELECT inside a write transaction whose result decides the write: the row
// stays as read until the commit (SQLite's BEGIN IMMEDIATE already excludes other writers).
[[nodiscard]] std::string_view for_update(const Connection& db);

// The text timestamp `column` (pm's "2024-05-01T12:00:00Z" or a billing platform's
// "2024-05-01 12:00:00") as "YYYY-MM-DDTHH:MM:SSZ", to compare with pm's own timestamps.
[[nodiscard]] std::string iso_timestamp(const Connection& db, std::string_view column);

} // namespace pm::store::db
