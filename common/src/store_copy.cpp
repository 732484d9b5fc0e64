#include "pm/store_copy.hpp"

#include <array>

#include "store_impl.hpp"

namespace pm::store {
namespace {

enum class Type { integer, real, text };

struct Column {
    std::string_view name;
    Type type;
};

struct Table {
    std::string_view name;
    std::vector<Column> columns;
    std::string_view key; // ORDER BY
};

constexpr Type I = Type::integer;
constexpr Type T = Type::text;

const std::vector<Table>& tables() {
    static const std::vector<Table> k_tables{
        {"processingmodule",
         {{"id", I},
          {"name", T},
          {"type", T},
          {"sorting", I},
          {"datacenter", T},
          {"department", T},
          {"enabled", T}},
         "id"},
        {"processingparam", {{"module_id", I}, {"name", T}, {"value", T}}, "module_id, name"},
        {"account", {{"id", I}, {"name", T}, {"email", T}}, "id"},
        {"pricelist", {{"id", I}, {"name", T}, {"type", T}}, "id"},
        {"pricelistparam", {{"pricelist_id", I}, {"name", T}, {"value", T}}, "pricelist_id, name"},
        {"item",
         {{"id", I},
          {"account_id", I},
          {"pricelist_id", I},
          {"module_id", I},
          {"type", T},
          {"status", T},
          {"created_at", T},
          {"updated_at", T}},
         "id"},
        {"itemparam", {{"item_id", I}, {"name", T}, {"value", T}}, "item_id, name"},
        {"vdcobject",
         {{"id", I},
          {"item_id", I},
          {"type", T},
          {"name", T},
          {"external_id", T},
          {"status", T},
          {"created_at", T},
          {"updated_at", T}},
         "id"},
        {"vdcobjectparam", {{"object_id", I}, {"name", T}, {"value", T}}, "object_id, name"},
        {"runningoperation",
         {{"id", I},
          {"item_id", I},
          {"object_id", I},
          {"module_id", I},
          {"command", T},
          {"status", T},
          {"trycount", I},
          {"error", T},
          {"created_at", T},
          {"updated_at", T},
          {"pid", I},
          {"started_at", T}},
         "id"},
        {"itemstat",
         {{"item_id", I}, {"date", T}, {"name", T}, {"value", Type::real}},
         "item_id, date, name"},
        {"pm_pool_server",
         {{"item_id", I},
          {"os", T},
          {"state", T},
          {"claimed_by", I},
          {"stage", I},
          {"updated_at", T}},
         "item_id"},
        {"pm_pool_stat",
         {{"module_id", I},
          {"os", T},
          {"pricelist_id", I},
          {"orders", I},
          {"target", I},
          {"since", T},
          {"updated_at", T}},
         "module_id, os, pricelist_id"},
        {"pm_pool_order", {{"item_id", I}, {"served", T}, {"served_at", T}}, "item_id"},
        {"pm_ipv4_lease",
         {{"module_id", I}, {"address", I}, {"item_id", I}, {"leased_at", T}},
         "module_id, address"},
    };
    return k_tables;
}

std::string column_list(const Table& table) {
    std::string list;
    for (const auto& column : table.columns) {
        if (!list.empty()) {
            list += ", ";
        }
        list += column.name;
    }
    return list;
}

// One value, as both backends give it back: NULL, an integer, a double or text.
struct Cell {
    Type type = Type::text;
    bool null = true;
    std::int64_t integer = 0;
    double real = 0;
    std::string text;

    [[nodiscard]] std::string shown() const {
        if (null) {
            return "NULL";
        }
        switch (type) {
        case Type::integer:
            return std::to_string(integer);
        case Type::real:
            return fmt::format("{}", real);
        case Type::text:
            break;
        }
        return text;
    }
};

using Row = std::vector<Cell>;

Row read_row(const db::Statement& query, const Table& table) {
    Row row(table.columns.size());
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
        const int column = static_cast<int>(c);
        Cell& cell = row[c];
        cell.type = table.columns[c].type;
        cell.null = query.is_null(column);
        if (cell.null) {
            continue;
        }
        switch (cell.type) {
        case Type::integer:
            cell.integer = query.int64(column);
            break;
        case Type::real:
            cell.real = query.real(column);
            break;
        case Type::text:
            cell.text = query.text(column);
            break;
        }
    }
    return row;
}

// Calls `each` with every row of `table`, in key order.
template <typename Each>
void for_each_row(db::Connection& db, const Table& table, Each&& each) {
    db::Statement query(db, fmt::format("SELECT {} FROM {} ORDER BY {}", column_list(table),
                                        table.name, table.key));
    while (query.step()) {
        each(read_row(query, table));
    }
}

// FNV-1a over the shown values with separators: the same rows give the same digest on
// either backend.
std::uint64_t mix(std::uint64_t digest, std::string_view bytes) {
    for (const char c : bytes) {
        digest ^= static_cast<unsigned char>(c);
        digest *= 1099511628211ULL;
    }
    return digest;
}

std::uint64_t row_digest(std::uint64_t digest, const Row& row) {
    for (const Cell& cell : row) {
        digest = mix(digest, cell.null ? std::string_view("\x01N") : std::string_view("\x01V"));
        digest = mix(digest, cell.shown());
    }
    return mix(digest, "\x02");
}

void insert_row(db::Statement& insert, const Row& row) {
    // Bound by number, one by one: db::Statement::bind takes a fixed list.
    for (std::size_t c = 0; c < row.size(); ++c) {
        const Cell& cell = row[c];
        const int index = static_cast<int>(c) + 1;
        if (cell.null) {
            insert.bind_at(index, nullptr);
        } else if (cell.type == Type::integer) {
            insert.bind_at(index, cell.integer);
        } else if (cell.type == Type::real) {
            insert.bind_at(index, cell.real);
        } else {
            insert.bind_at(index, std::string_view(cell.text));
        }
    }
    insert.run();
}

} // namespace

const std::vector<std::string_view>& copied_tables() {
    static const std::vector<std::string_view> k_names = [] {
        std::vector<std::string_view> names;
        for (const auto& table : tables()) {
            names.push_back(table.name);
        }
        return names;
    }();
    return k_names;
}

std::vector<TableSummary> summarize(Store& store) {
    std::vector<TableSummary> summaries;
    for (const auto& table : tables()) {
        TableSummary summary{
            .table = std::string(table.name), .rows = 0, .digest = 14695981039346656037ULL};
        for_each_row(store.impl().db, table, [&](const Row& row) {
            ++summary.rows;
            summary.digest = row_digest(summary.digest, row);
        });
        summaries.push_back(std::move(summary));
    }
    return summaries;
}

std::vector<TableSummary> copy_store(Store& from, Store& to) {
    for (const auto& table : tables()) {
        db::Statement any(to.impl().db, fmt::format("SELECT 1 FROM {} LIMIT 1", table.name));
        if (any.step()) {
            throw ConfigError(fmt::format("store {}: table {} holds rows already; copy into a new, "
                                          "empty database",
                                          to.path(), table.name));
        }
    }
    to.impl().write([&] {
        for (const auto& table : tables()) {
            std::string placeholders;
            for (std::size_t c = 1; c <= table.columns.size(); ++c) {
                placeholders += fmt::format("{}?{}", c == 1 ? "" : ", ", c);
            }
            db::Statement insert(to.impl().db,
                                 fmt::format("INSERT INTO {} ({}) VALUES ({})", table.name,
                                             column_list(table), placeholders));
            for_each_row(from.impl().db, table, [&](const Row& row) { insert_row(insert, row); });
        }
    });
    const auto differences = compare_stores(from, to);
    if (!differences.empty()) {
        throw StoreError(fmt::format("store {}: the copy differs from {} in table {}: {}",
                                     to.path(), from.path(), differences.front().table,
                                     differences.front().what),
                         StoreError::Kind::failure);
    }
    return summarize(to);
}

std::vector<TableDifference> compare_stores(Store& a, Store& b) {
    std::vector<TableDifference> differences;
    for (const auto& table : tables()) {
        std::vector<Row> left;
        for_each_row(a.impl().db, table, [&](Row row) { left.push_back(std::move(row)); });
        std::size_t index = 0;
        std::optional<std::string> first;
        for_each_row(b.impl().db, table, [&](const Row& row) {
            if (first) {
                ++index;
                return;
            }
            if (index >= left.size()) {
                first = fmt::format("row {} is only in {}", index + 1, b.path());
            } else {
                for (std::size_t c = 0; c < row.size() && !first; ++c) {
                    if (row[c].null != left[index][c].null ||
                        row[c].shown() != left[index][c].shown()) {
                        first = fmt::format("row {} differs in column {}", index + 1,
                                            table.columns[c].name);
                    }
                }
            }
            ++index;
        });
        if (!first && index != left.size()) {
            first =
                fmt::format("{} has {} rows, {} has {}", a.path(), left.size(), b.path(), index);
        }
        if (first) {
            differences.push_back({std::string(table.name), *first});
        }
    }
    return differences;
}

} // namespace pm::store
