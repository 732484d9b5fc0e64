// Moving a billing store from one backend to another (README "Moving a store to MariaDB"):
// every row of pm's tables, ids kept, in one transaction on the target, then compared row by
// row. The usual move is up, from an SQLite file to a MariaDB/MySQL database; down works too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pm/store.hpp"

namespace pm::store {

struct TableSummary {
    std::string table;
    std::int64_t rows = 0;
    std::uint64_t digest = 0; // of every row's values, in key order
};

// What compare_stores() found different; empty when the two stores hold the same rows.
struct TableDifference {
    std::string table;
    std::string what;
};

// The tables moved, in the order they are written (parents before children). pm_session is
// not among them: sessions are a cache, and the hosts log in again.
[[nodiscard]] const std::vector<std::string_view>& copied_tables();

// Row count and digest of each copied table.
[[nodiscard]] std::vector<TableSummary> summarize(Store& store);

// Copies every row of `from` into `to`, which must hold no rows in the copied tables (a new,
// empty database: ConfigError otherwise), in one transaction; then compares both and throws
// StoreError{failure} on any difference. Returns the target's summary.
std::vector<TableSummary> copy_store(Store& from, Store& to);

// Table by table: missing rows, extra rows, changed values.
[[nodiscard]] std::vector<TableDifference> compare_stores(Store& a, Store& b);

} // namespace pm::store
