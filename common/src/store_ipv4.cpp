// Addresses a module hands out to its VMs (pm_ipv4_lease): one row per module and address,
// written under the store's write lock, so an address is leased at most once in a module.
#include <algorithm>

#include "pm/ipv4.hpp"

#include "store_impl.hpp"

namespace pm::store {
namespace {

std::vector<std::uint32_t> leased_to(db::Connection& db, ItemId item) {
    db::Statement query(db,
                        "SELECT address FROM pm_ipv4_lease WHERE item_id = ?1 ORDER BY address");
    query.bind(item);
    std::vector<std::uint32_t> addresses;
    while (query.step()) {
        addresses.push_back(static_cast<std::uint32_t>(query.int64(0)));
    }
    return addresses;
}

// Up to `wanted` of the lowest addresses of `range` that no item of the module holds.
void free_addresses(db::Connection& db, ModuleId module, const ipv4::Range& range,
                    std::size_t wanted, std::vector<std::uint32_t>& out) {
    db::Statement query(db, "SELECT address FROM pm_ipv4_lease WHERE module_id = ?1 AND "
                            "address BETWEEN ?2 AND ?3 ORDER BY address");
    query.bind(module, std::int64_t{range.first}, std::int64_t{range.last});
    std::uint64_t next = range.first;
    const auto take_until = [&](std::uint64_t end) { // [next, end) is free
        for (; next < end && out.size() < wanted; ++next) {
            out.push_back(static_cast<std::uint32_t>(next));
        }
    };
    while (out.size() < wanted && query.step()) {
        const auto leased = static_cast<std::uint64_t>(query.int64(0));
        take_until(leased);
        next = std::max(next, leased + 1);
    }
    take_until(std::uint64_t{range.last} + 1);
}

} // namespace

std::optional<std::vector<std::string>> Store::lease_ipv4(ModuleId module, ItemId item,
                                                          const std::vector<ipv4::Range>& ranges,
                                                          std::int64_t count) {
    std::optional<std::vector<std::string>> result;
    m_impl->write([&] {
        result.reset();
        auto& db = m_impl->db;
        detail::require_row(db, "SELECT 1 FROM item WHERE id = ?1", item.value(), "item");
        // Leases of items the billing platform deleted from the store (its connection may not
        // enforce the foreign key): their VMs went with them, their addresses are free.
        db::Statement(db, "DELETE FROM pm_ipv4_lease WHERE module_id = ?1 AND item_id NOT IN "
                          "(SELECT id FROM item)")
            .bind(module)
            .run();
        std::vector<std::uint32_t> held = leased_to(db, item);
        const auto wanted = static_cast<std::size_t>(std::max<std::int64_t>(count, 0));
        std::vector<std::uint32_t> fresh;
        for (const auto& range : ranges) {
            if (held.size() + fresh.size() >= wanted) {
                break;
            }
            free_addresses(db, module, range, wanted - held.size(), fresh);
        }
        if (held.size() + fresh.size() < wanted) {
            return; // not enough: lease none
        }
        db::Statement insert(db, "INSERT INTO pm_ipv4_lease (module_id, address, item_id, "
                                 "leased_at) VALUES (?1, ?2, ?3, ?4)");
        const std::string now = detail::utc_now();
        for (const auto address : fresh) {
            insert.bind(module, std::int64_t{address}, item, now).run();
        }
        held.insert(held.end(), fresh.begin(), fresh.end());
        std::sort(held.begin(), held.end());
        std::vector<std::string> addresses;
        for (const auto address : held) {
            addresses.push_back(ipv4::format(address));
        }
        result = std::move(addresses);
    });
    return result;
}

std::vector<std::string> Store::ipv4_leases(ItemId item) const {
    std::vector<std::string> addresses;
    for (const auto address : leased_to(m_impl->db, item)) {
        addresses.push_back(ipv4::format(address));
    }
    return addresses;
}

std::int64_t Store::release_ipv4(ItemId item) {
    std::int64_t released = 0;
    m_impl->write([&] {
        db::Statement(m_impl->db, "DELETE FROM pm_ipv4_lease WHERE item_id = ?1").bind(item).run();
        released = m_impl->db.changes();
    });
    return released;
}

} // namespace pm::store
