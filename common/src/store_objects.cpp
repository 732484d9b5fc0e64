#include "store_impl.hpp"

namespace pm::store {
namespace {

// Column lists only; values are always bound.
constexpr std::string_view k_select_object =
    "SELECT o.id, o.item_id, o.type, o.name, o.external_id, o.status, o.created_at, "
    "o.updated_at FROM vdcobject o ";

std::string upsert_object_param(const db::Connection& db) {
    return db::upsert(db, "INSERT INTO vdcobjectparam (object_id, name, value) VALUES (?1, ?2, ?3)",
                      "object_id, name", "value");
}

VdcObject read_object(const db::Statement& row) {
    const ObjectId id = row.id<ObjectId>(0);
    const std::string status = row.text(5);
    return VdcObject{.id = id,
                     .item_id = row.id<ItemId>(1),
                     .type = row.text(2),
                     .name = row.text(3),
                     .external_id = row.text(4),
                     .status = detail::checked_status(parse_object_status(status), status,
                                                      fmt::format("vdc object {}", id)),
                     .created_at = row.text(6),
                     .updated_at = row.text(7)};
}

std::vector<VdcObject> read_objects(db::Statement& query) {
    std::vector<VdcObject> objects;
    while (query.step()) {
        objects.push_back(read_object(query));
    }
    return objects;
}

// NULL, not "", marks an object the remote side has not created yet: one spelling for "none",
// the one a billing platform's `external_id IS NULL` expects.
std::optional<std::string_view> external_id_value(std::string_view external_id) {
    if (external_id.empty()) {
        return std::nullopt;
    }
    return external_id;
}

// Marks the object changed, and is the existence check of every write to an object.
void touch_object(db::Connection& db, ObjectId id) {
    db::Statement(db, "UPDATE vdcobject SET updated_at = ?2 WHERE id = ?1")
        .bind(id, detail::utc_now())
        .run();
    detail::require_changed(db, id.value(), "vdc object");
}

} // namespace

std::optional<VdcObject> Store::find_object(ObjectId id) const {
    db::Statement query(m_impl->db, fmt::format("{} WHERE o.id = ?1", k_select_object));
    if (!query.bind(id).step()) {
        return std::nullopt;
    }
    return read_object(query);
}

std::vector<VdcObject> Store::objects(ItemId item) const {
    db::Statement query(m_impl->db,
                        fmt::format("{} WHERE o.item_id = ?1 ORDER BY o.id", k_select_object));
    query.bind(item);
    return read_objects(query);
}

std::vector<VdcObject> Store::objects_of_module(ModuleId module) const {
    std::vector<VdcObject> objects;
    each_object_of_module(module,
                          [&](VdcObject&& object) { objects.push_back(std::move(object)); });
    return objects;
}

void Store::each_object_of_module(ModuleId module,
                                  const std::function<void(VdcObject&&)>& each) const {
    db::Statement query(m_impl->db, fmt::format("{} JOIN item i ON i.id = o.item_id "
                                                "WHERE i.module_id = ?1 ORDER BY o.id",
                                                k_select_object));
    query.bind(module);
    while (query.step()) {
        each(read_object(query));
    }
}

std::size_t Store::count_objects_of_module(ModuleId module) const {
    db::Statement query(m_impl->db, "SELECT COUNT(*) FROM vdcobject o JOIN item i ON "
                                    "i.id = o.item_id WHERE i.module_id = ?1");
    query.bind(module);
    return query.step() ? static_cast<std::size_t>(query.int64(0)) : 0;
}

ObjectId Store::create_object(const NewObject& object) {
    ObjectId id;
    m_impl->write([&] {
        detail::require_row(m_impl->db, "SELECT 1 FROM item WHERE id = ?1", object.item_id.value(),
                            "item");
        const std::string now = detail::utc_now();
        db::Statement(m_impl->db,
                      "INSERT INTO vdcobject (item_id, type, name, external_id, status, "
                      "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)")
            .bind(object.item_id, object.type, object.name, external_id_value(object.external_id),
                  to_string(object.status), now)
            .run();
        id = ObjectId(m_impl->db.last_insert_id());
        db::Statement upsert(m_impl->db, upsert_object_param(m_impl->db));
        for (const auto& [name, value] : object.params) {
            upsert.bind(id, name, value).run();
        }
    });
    return id;
}

void Store::set_object_external_id(ObjectId id, std::string_view external_id) {
    m_impl->write([&] {
        db::Statement(m_impl->db,
                      "UPDATE vdcobject SET external_id = ?2, updated_at = ?3 WHERE id = ?1")
            .bind(id, external_id_value(external_id), detail::utc_now())
            .run();
        detail::require_changed(m_impl->db, id.value(), "vdc object");
    });
}

void Store::set_object_status(ObjectId id, ObjectStatus status) {
    m_impl->write([&] {
        db::Statement(m_impl->db, "UPDATE vdcobject SET status = ?2, updated_at = ?3 WHERE id = ?1")
            .bind(id, to_string(status), detail::utc_now())
            .run();
        detail::require_changed(m_impl->db, id.value(), "vdc object");
    });
}

void Store::delete_object(ObjectId id) {
    m_impl->write([&] {
        db::Statement(m_impl->db, "DELETE FROM vdcobject WHERE id = ?1").bind(id).run();
        detail::require_changed(m_impl->db, id.value(), "vdc object");
    });
}

Params Store::object_params(ObjectId id) const {
    return detail::read_params(m_impl->db,
                               "SELECT name, value FROM vdcobjectparam WHERE object_id = ?1",
                               id.value(), fmt::format("vdc object {}", id));
}

void Store::set_object_param(ObjectId id, std::string_view name, std::string_view value) {
    m_impl->write([&] {
        touch_object(m_impl->db, id);
        db::Statement(m_impl->db, upsert_object_param(m_impl->db)).bind(id, name, value).run();
    });
}

void Store::erase_object_param(ObjectId id, std::string_view name) {
    m_impl->write([&] {
        touch_object(m_impl->db, id);
        db::Statement(m_impl->db, "DELETE FROM vdcobjectparam WHERE object_id = ?1 AND name = ?2")
            .bind(id, name)
            .run();
    });
}

} // namespace pm::store
