// The pool of pre-created servers: pm_pool_server rows beside their items, the conditional
// updates that hand a server to exactly one order, and the statistics pool targets come from.
#include <array>

#include "store_impl.hpp"

namespace pm::store {
namespace {

constexpr std::array<std::string_view, 3> k_pool_states{"free", "claimed", "discarded"};
constexpr std::array<std::string_view, 2> k_served{"pool", "cold"};

// Column lists only; values are always bound.
constexpr std::string_view k_select_pool_server =
    "SELECT p.item_id, i.module_id, i.pricelist_id, p.os, p.state, p.claimed_by, p.stage, "
    "i.created_at FROM pm_pool_server p JOIN item i ON i.id = p.item_id ";

PoolServer read_pool_server(const db::Statement& row) {
    const ItemId id = row.id<ItemId>(0);
    const std::string state = row.text(4);
    return PoolServer{.item_id = id,
                      .module_id = row.id<ModuleId>(1),
                      .pricelist_id = row.id<PricelistId>(2),
                      .os = row.text(3),
                      .state = detail::checked_status(parse_pool_state(state), state,
                                                      fmt::format("pool server {}", id)),
                      .claimed_by = row.optional_id<ItemId>(5),
                      .stage = row.int64(6),
                      .created_at = row.text(7)};
}

std::optional<PoolServer> first_pool_server(db::Statement& query) {
    if (!query.step()) {
        return std::nullopt;
    }
    return read_pool_server(query);
}

} // namespace

std::string_view to_string(PoolState state) {
    return k_pool_states.at(static_cast<std::size_t>(state));
}

std::optional<PoolState> parse_pool_state(std::string_view text) {
    for (std::size_t i = 0; i < k_pool_states.size(); ++i) {
        if (k_pool_states[i] == text) {
            return static_cast<PoolState>(i);
        }
    }
    return std::nullopt;
}

std::string_view to_string(Served served) {
    return k_served.at(static_cast<std::size_t>(served));
}

ItemId Store::create_pool_server(const NewItem& item, std::string_view os) {
    ItemId id;
    transaction([&] {
        NewItem pooled = item;
        pooled.status = ItemStatus::pool;
        id = create_item(pooled);
        db::Statement(m_impl->db, "INSERT INTO pm_pool_server (item_id, os, state, updated_at) "
                                  "VALUES (?1, ?2, 'free', ?3)")
            .bind(id, os, detail::utc_now())
            .run();
    });
    return id;
}

std::optional<PoolServer> Store::find_pool_server(ItemId item) const {
    db::Statement query(m_impl->db, fmt::format("{} WHERE p.item_id = ?1", k_select_pool_server));
    query.bind(item);
    return first_pool_server(query);
}

std::vector<PoolServer> Store::pool_servers(ModuleId module) const {
    db::Statement query(m_impl->db, fmt::format("{} WHERE i.module_id = ?1 "
                                                "ORDER BY i.created_at, p.item_id",
                                                k_select_pool_server));
    query.bind(module);
    std::vector<PoolServer> servers;
    while (query.step()) {
        servers.push_back(read_pool_server(query));
    }
    return servers;
}

std::optional<PoolServer> Store::pool_claim(ItemId claimant) const {
    db::Statement query(
        m_impl->db,
        fmt::format("{} WHERE p.claimed_by = ?1 AND p.state = 'claimed'", k_select_pool_server));
    query.bind(claimant);
    return first_pool_server(query);
}

// The UPDATE is the claim: under BEGIN IMMEDIATE only one writer at a time finds the row
// still free; on MariaDB the UPDATE locks the row and re-reads it, so the second finds it
// claimed. Either way two orders can never both see their UPDATE change it, and the unique
// claim key keeps one order from holding two.
bool Store::claim_pool_server(ItemId server, ItemId claimant) {
    bool claimed = false;
    m_impl->write([&] {
        detail::require_row(m_impl->db, "SELECT 1 FROM item WHERE id = ?1", claimant.value(),
                            "item");
        if (const auto held = pool_claim(claimant)) {
            throw ConfigError(
                fmt::format("item {} already holds pool server {}", claimant, held->item_id));
        }
        db::Statement(m_impl->db,
                      "UPDATE pm_pool_server SET state = 'claimed', claimed_by = ?2, stage = 0, "
                      "updated_at = ?3 WHERE item_id = ?1 AND state = 'free'")
            .bind(server, claimant, detail::utc_now())
            .run();
        claimed = m_impl->db.changes() == 1;
    });
    return claimed;
}

void Store::set_pool_stage(ItemId server, std::int64_t stage) {
    m_impl->write([&] {
        db::Statement(m_impl->db,
                      "UPDATE pm_pool_server SET stage = ?2, updated_at = ?3 WHERE item_id = ?1")
            .bind(server, stage, detail::utc_now())
            .run();
        detail::require_changed(m_impl->db, server.value(), "pool server");
    });
}

bool Store::discard_pool_server(ItemId server, PoolState from) {
    bool discarded = false;
    m_impl->write([&] {
        db::Statement(m_impl->db, "UPDATE pm_pool_server SET state = 'discarded', updated_at = ?3 "
                                  "WHERE item_id = ?1 AND state = ?2")
            .bind(server, to_string(from), detail::utc_now())
            .run();
        discarded = m_impl->db.changes() == 1;
    });
    return discarded;
}

// created_at is normalized so that a billing platform's "2024-05-01 12:00:00" compares like
// pm's "2024-05-01T12:00:00Z".
std::vector<OrderCount> Store::count_orders(ModuleId module, std::string_view type,
                                            std::string_view os_param,
                                            std::string_view since) const {
    const std::string created = db::iso_timestamp(m_impl->db, "i.created_at");
    db::Statement query(m_impl->db,
                        fmt::format("SELECT COALESCE(p.value, ''), i.pricelist_id, COUNT(*) "
                                    "FROM item i LEFT JOIN itemparam p ON p.item_id = i.id "
                                    "AND p.name = ?3 WHERE i.module_id = ?1 AND i.type = ?2 "
                                    "AND i.status <> 'pool' AND {} >= ?4 "
                                    "GROUP BY COALESCE(p.value, ''), i.pricelist_id ORDER BY 1, 2",
                                    created));
    query.bind(module, type, os_param, since);
    std::vector<OrderCount> counts;
    while (query.step()) {
        counts.push_back(OrderCount{.os = query.text(0),
                                    .pricelist_id = query.id<PricelistId>(1),
                                    .orders = query.int64(2)});
    }
    return counts;
}

void Store::replace_pool_stats(ModuleId module, const std::vector<PoolStat>& stats) {
    m_impl->write([&] {
        detail::require_row(m_impl->db, "SELECT 1 FROM processingmodule WHERE id = ?1",
                            module.value(), "module");
        db::Statement(m_impl->db, "DELETE FROM pm_pool_stat WHERE module_id = ?1")
            .bind(module)
            .run();
        const std::string now = detail::utc_now();
        db::Statement insert(m_impl->db,
                             "INSERT INTO pm_pool_stat (module_id, os, pricelist_id, orders, "
                             "target, since, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        for (const auto& stat : stats) {
            insert
                .bind(module, stat.os, stat.pricelist_id, stat.orders, stat.target, stat.since, now)
                .run();
        }
    });
}

std::vector<PoolStat> Store::pool_stats(ModuleId module) const {
    db::Statement query(m_impl->db,
                        "SELECT os, pricelist_id, orders, target, since, updated_at "
                        "FROM pm_pool_stat WHERE module_id = ?1 ORDER BY os, pricelist_id");
    query.bind(module);
    std::vector<PoolStat> stats;
    while (query.step()) {
        stats.push_back(PoolStat{.os = query.text(0),
                                 .pricelist_id = query.id<PricelistId>(1),
                                 .orders = query.int64(2),
                                 .target = query.int64(3),
                                 .since = query.text(4),
                                 .updated_at = query.text(5)});
    }
    return stats;
}

void Store::record_served(ItemId order, Served served) {
    m_impl->write([&] {
        detail::require_row(m_impl->db, "SELECT 1 FROM item WHERE id = ?1", order.value(), "item");
        db::Statement(m_impl->db, db::upsert(m_impl->db,
                                             "INSERT INTO pm_pool_order (item_id, served, "
                                             "served_at) VALUES (?1, ?2, ?3)",
                                             "item_id", "served"))
            .bind(order, to_string(served), detail::utc_now())
            .run();
    });
}

std::map<Served, std::int64_t> Store::count_served(ModuleId module, std::string_view since) const {
    const std::string created = db::iso_timestamp(m_impl->db, "i.created_at");
    db::Statement query(m_impl->db,
                        fmt::format("SELECT o.served, COUNT(*) FROM pm_pool_order o "
                                    "JOIN item i ON i.id = o.item_id WHERE i.module_id = ?1 "
                                    "AND {} >= ?2 GROUP BY o.served",
                                    created));
    query.bind(module, since);
    std::map<Served, std::int64_t> counts{{Served::pool, 0}, {Served::cold, 0}};
    while (query.step()) {
        const std::string served = query.text(0);
        if (served == to_string(Served::pool)) {
            counts[Served::pool] = query.int64(1);
        } else if (served == to_string(Served::cold)) {
            counts[Served::cold] = query.int64(1);
        }
    }
    return counts;
}

} // namespace pm::store
