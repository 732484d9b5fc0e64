#include "store_impl.hpp"

namespace pm::store {
namespace {

// Column lists only; values are always bound.
constexpr std::string_view k_select_item =
    "SELECT id, account_id, pricelist_id, module_id, type, status, created_at, updated_at "
    "FROM item ";

std::string upsert_item_param(const db::Connection& db) {
    return db::upsert(db, "INSERT INTO itemparam (item_id, name, value) VALUES (?1, ?2, ?3)",
                      "item_id, name", "value");
}

Item read_item(const db::Statement& row) {
    const ItemId id = row.id<ItemId>(0);
    const std::string status = row.text(5);
    return Item{.id = id,
                .account_id = row.id<AccountId>(1),
                .pricelist_id = row.id<PricelistId>(2),
                .module_id = row.id<ModuleId>(3),
                .type = row.text(4),
                .status = detail::checked_status(parse_item_status(status), status,
                                                 fmt::format("item {}", id)),
                .created_at = row.text(6),
                .updated_at = row.text(7)};
}

// Marks the item changed, and is the existence check of every write to an item.
void touch_item(db::Connection& db, ItemId id) {
    db::Statement(db, "UPDATE item SET updated_at = ?2 WHERE id = ?1")
        .bind(id, detail::utc_now())
        .run();
    detail::require_changed(db, id.value(), "item");
}

void upsert_item_params(db::Connection& db, ItemId id, const ParamMap& params) {
    db::Statement upsert(db, upsert_item_param(db));
    for (const auto& [name, value] : params) {
        upsert.bind(id, name, value).run();
    }
}

} // namespace

std::optional<Item> Store::find_item(ItemId id) const {
    db::Statement query(m_impl->db, fmt::format("{} WHERE id = ?1", k_select_item));
    if (!query.bind(id).step()) {
        return std::nullopt;
    }
    return read_item(query);
}

std::vector<Item> Store::items(const ItemFilter& filter) const {
    db::Statement query(m_impl->db, fmt::format("{} WHERE (?1 IS NULL OR module_id = ?1) "
                                                "AND (?2 IS NULL OR account_id = ?2) "
                                                "AND (?3 IS NULL OR status = ?3) "
                                                "AND (?4 IS NULL OR type = ?4) ORDER BY id",
                                                k_select_item));
    std::optional<std::string_view> status;
    if (filter.status) {
        status = to_string(*filter.status);
    }
    query.bind(filter.module_id, filter.account_id, status, filter.type);
    std::vector<Item> items;
    while (query.step()) {
        items.push_back(read_item(query));
    }
    return items;
}

ItemId Store::create_item(const NewItem& item) {
    ItemId id;
    m_impl->write([&] {
        // Checked one by one: SQLite's foreign-key error does not say which row is missing.
        detail::require_row(m_impl->db, "SELECT 1 FROM account WHERE id = ?1",
                            item.account_id.value(), "account");
        detail::require_row(m_impl->db, "SELECT 1 FROM pricelist WHERE id = ?1",
                            item.pricelist_id.value(), "pricelist");
        detail::require_row(m_impl->db, "SELECT 1 FROM processingmodule WHERE id = ?1",
                            item.module_id.value(), "module");
        const std::string now = detail::utc_now();
        db::Statement(m_impl->db,
                      "INSERT INTO item (account_id, pricelist_id, module_id, type, status, "
                      "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)")
            .bind(item.account_id, item.pricelist_id, item.module_id, item.type,
                  to_string(item.status), now)
            .run();
        id = ItemId(m_impl->db.last_insert_id());
        upsert_item_params(m_impl->db, id, item.params);
    });
    return id;
}

void Store::set_item_status(ItemId id, ItemStatus status) {
    m_impl->write([&] {
        db::Statement(m_impl->db, "UPDATE item SET status = ?2, updated_at = ?3 WHERE id = ?1")
            .bind(id, to_string(status), detail::utc_now())
            .run();
        detail::require_changed(m_impl->db, id.value(), "item");
    });
}

void Store::delete_item(ItemId id) {
    m_impl->write([&] {
        db::Statement(m_impl->db, "DELETE FROM item WHERE id = ?1").bind(id).run();
        detail::require_changed(m_impl->db, id.value(), "item");
    });
}

Params Store::item_params(ItemId id) const {
    return detail::read_params(m_impl->db, "SELECT name, value FROM itemparam WHERE item_id = ?1",
                               id.value(), fmt::format("item {}", id));
}

void Store::set_item_param(ItemId id, std::string_view name, std::string_view value) {
    m_impl->write([&] {
        touch_item(m_impl->db, id);
        db::Statement(m_impl->db, upsert_item_param(m_impl->db)).bind(id, name, value).run();
    });
}

void Store::set_item_params(ItemId id, const ParamMap& params) {
    m_impl->write([&] {
        touch_item(m_impl->db, id);
        upsert_item_params(m_impl->db, id, params);
    });
}

void Store::erase_item_param(ItemId id, std::string_view name) {
    m_impl->write([&] {
        touch_item(m_impl->db, id);
        db::Statement(m_impl->db, "DELETE FROM itemparam WHERE item_id = ?1 AND name = ?2")
            .bind(id, name)
            .run();
    });
}

void Store::set_item_stat(const ItemStat& stat) {
    m_impl->write([&] {
        detail::require_row(m_impl->db, "SELECT 1 FROM item WHERE id = ?1", stat.item_id.value(),
                            "item");
        db::Statement(m_impl->db, db::upsert(m_impl->db,
                                             "INSERT INTO itemstat (item_id, date, name, value) "
                                             "VALUES (?1, ?2, ?3, ?4)",
                                             "item_id, date, name", "value"))
            .bind(stat.item_id, stat.date, stat.name, stat.value)
            .run();
    });
}

std::vector<ItemStat> Store::item_stats(ItemId id, std::string_view since_date) const {
    db::Statement query(m_impl->db, "SELECT item_id, date, name, value FROM itemstat "
                                    "WHERE item_id = ?1 AND date >= ?2 ORDER BY date, name");
    query.bind(id, since_date);
    std::vector<ItemStat> stats;
    while (query.step()) {
        stats.push_back(ItemStat{.item_id = query.id<ItemId>(0),
                                 .date = query.text(1),
                                 .name = query.text(2),
                                 .value = query.real(3)});
    }
    return stats;
}

} // namespace pm::store
