#include "dialect.hpp"

#include <fmt/format.h>

namespace pm::store::db {

std::string upsert(const Connection& db, std::string_view insert, std::string_view key,
                   std::string_view column) {
    return db.backend() == Backend::mariadb
               ? fmt::format("{} ON DUPLICATE KEY UPDATE {} = VALUES({})", insert, column, column)
               : fmt::format("{} ON CONFLICT ({}) DO UPDATE SET {} = excluded.{}", insert, key,
                             column, column);
}

std::string_view for_update(const Connection& db) {
    return db.backend() == Backend::mariadb ? " FOR UPDATE" : "";
}

std::string iso_timestamp(const Connection& db, std::string_view column) {
    return db.backend() == Backend::mariadb
               ? fmt::format("CONCAT(REPLACE(SUBSTR({}, 1, 19), ' ', 'T'), 'Z')", column)
               : fmt::format("strftime('%Y-%m-%dT%H:%M:%SZ', {})", column);
}

} // namespace pm::store::db
