// Planning vdc_sync_all: the store snapshot against the OpenStack inventory, one VDC at a
// time (rules of SYNC.md). Pure: reads its inputs, returns the changes.
#include <algorithm>
#include <iterator>
#include <unordered_map>

#include <fmt/format.h>

#include "pm/log.hpp"

#include "pmopenstack/ops/quotas.hpp"
#include "pmopenstack/sync/steps.hpp"

namespace pm::openstack::sync {
namespace {

using Objects = std::vector<const StoreObject*>;

bool settled(store::ObjectStatus status) {
    return status == store::ObjectStatus::closed || status == store::ObjectStatus::deleted;
}

Change object_change(Action action, const StoreObject& object) {
    Change change;
    change.action = action;
    change.object = object.id;
    change.kind = object.kind;
    change.external_id = object.external_id;
    return change;
}

// Module-wide lookups shared by the VDC planners. Which external ids the store knows is the
// inventory's to say (Inventory::names_store_object): no second index of half a million ids.
struct ModuleIndex {
    std::unordered_map<ItemId, Objects> objects; // by item
    std::vector<ObjectId> ids;                   // of every snapshot object, ascending
    std::unordered_map<std::string, std::vector<const Found*>> found; // by project

    ModuleIndex(const Snapshot& snapshot, const Inventory& inventory) {
        ids.reserve(snapshot.objects.size());
        for (const auto& object : snapshot.objects) {
            objects[object.item].push_back(&object);
            ids.push_back(object.id);
        }
        std::sort(ids.begin(), ids.end()); // the snapshot's order already: a no-op then
        for (const auto& found_object : inventory.found) {
            found[found_object.project_id].push_back(&found_object);
        }
    }

    [[nodiscard]] bool has_object(ObjectId id) const {
        return std::binary_search(ids.begin(), ids.end(), id);
    }
};

class VdcPlanner {
public:
    VdcPlanner(const Snapshot& snapshot, const Inventory& inventory, const ModuleIndex& module,
               const StoreVdc& vdc, const std::function<bool(ObjectId)>& exists_elsewhere,
               Tally& tally)
        : m_snapshot(snapshot), m_inventory(inventory), m_module(module), m_vdc(vdc),
          m_exists_elsewhere(exists_elsewhere), m_tally(tally), m_objects(objects_of(vdc.item)),
          m_found(found_in(vdc.project_id)), m_index(m_objects) {
        m_plan.item = vdc.item;
        m_plan.project_id = vdc.project_id;
    }

    VdcPlan run() {
        if (m_vdc.busy) {
            ++m_tally.busy_vdcs;
            return {};
        }
        if (m_inventory.projects_gone.contains(m_vdc.project_id)) {
            plan_gone();
            return std::move(m_plan);
        }
        index_found();
        for (const auto* object : m_objects) {
            plan_object(*object);
        }
        for (const auto* found : m_found) {
            plan_found(*found);
        }
        // After the adds: SQLite hands the id of a deleted last row to the next insert, and
        // an added object should not take the id of one just removed.
        std::move(m_removes.begin(), m_removes.end(), std::back_inserter(m_plan.changes));
        plan_limits();
        return std::move(m_plan);
    }

private:
    [[nodiscard]] Objects objects_of(ItemId item) const {
        const auto it = m_module.objects.find(item);
        return it == m_module.objects.end() ? Objects{} : it->second;
    }
    // The project's objects in the order adds are applied (k_kinds).
    [[nodiscard]] std::vector<const Found*> found_in(const std::string& project) const {
        const auto it = m_module.found.find(project);
        auto out = it == m_module.found.end() ? std::vector<const Found*>{} : it->second;
        std::stable_sort(out.begin(), out.end(), [](const Found* a, const Found* b) {
            return index_of(a->kind) < index_of(b->kind);
        });
        return out;
    }
    [[nodiscard]] Hold hold_of(ObjectId id) const {
        const auto it = m_snapshot.holds.find(id);
        return it == m_snapshot.holds.end() ? Hold::none : it->second;
    }

    void index_found() {
        for (const auto* found : m_found) {
            if (found->mark) {
                m_by_mark.emplace(*found->mark, found);
            }
            if (found->kind == Kind::router_interface) {
                m_by_pair.emplace(interface_pair(*found), found);
            }
        }
    }

    // The Keystone project is gone: the VDC and what it held are deleted in the store.
    void plan_gone() {
        Change gone;
        gone.action = Action::vdc_deleted;
        m_plan.changes.push_back(std::move(gone));
        ++m_tally.vdcs_deleted;
        // Keystone leaves a deleted project's servers, volumes, networks… behind: say so.
        auto left = static_cast<std::int64_t>(m_found.size());
        for (const auto* object : m_objects) {
            left += m_inventory.has(object->kind, object->external_id) ? 1 : 0;
        }
        if (left > 0) {
            log::warn("item {}: project {} is gone from Keystone but {} of its objects are still "
                      "in OpenStack",
                      m_vdc.item, m_vdc.project_id, left);
        }
        for (const auto* object : m_objects) {
            if (hold_of(object->id) == Hold::busy) {
                ++m_tally.busy_objects;
            } else if (!settled(object->status)) {
                m_plan.changes.push_back(object_change(Action::mark_deleted, *object));
                ++m_tally.marked_deleted;
            }
        }
    }

    // An OpenStack object that stands for `object`, which has no external id: the one with
    // its mark, or (interfaces) the one joining its router and subnet.
    [[nodiscard]] const Found* counterpart(const StoreObject& object) const {
        const Found* found = nullptr;
        if (object.kind == Kind::router_interface) {
            const auto it = m_by_pair.find(m_index.pair_of(object));
            found = it == m_by_pair.end() ? nullptr : it->second;
        } else {
            const auto it = m_by_mark.find(object.id);
            found = it == m_by_mark.end() ? nullptr : it->second;
        }
        if (found == nullptr || found->kind != object.kind || m_claimed.contains(found->id) ||
            m_inventory.names_store_object(found->id)) {
            return nullptr;
        }
        return found;
    }

    void plan_object(const StoreObject& object) {
        const auto hold = hold_of(object.id);
        if (hold == Hold::busy) {
            ++m_tally.busy_objects; // rule 1
            return;
        }
        if (object.status == store::ObjectStatus::deleted && !object.external_id.empty() &&
            m_inventory.has(object.kind, object.external_id)) {
            // Marked deleted (a listing that missed it, a person), yet OpenStack has it.
            m_plan.changes.push_back(object_change(Action::revive, object));
            ++m_tally.revived;
            return;
        }
        if (settled(object.status)) {
            return;
        }
        if (object.external_id.empty()) {
            plan_without_id(object, hold);
        } else if (!m_inventory.has(object.kind, object.external_id)) {
            plan_gone_object(object);
        }
    }

    void plan_without_id(const StoreObject& object, Hold hold) {
        if (const auto* found = counterpart(object)) {
            auto change = object_change(Action::adopt, object);
            change.external_id = found->id;
            change.found = *found;
            m_claimed.insert(found->id);
            m_plan.changes.push_back(std::move(change));
            ++m_tally.adopted;
        } else if (hold == Hold::none && !object.young) {
            m_removes.push_back(object_change(Action::remove, object)); // rule 2
            ++m_tally.removed;
        }
    }

    void plan_gone_object(const StoreObject& object) {
        if (object.kind == Kind::router_interface) {
            // The same router and subnet joined again through another port.
            if (const auto* found = counterpart(object)) {
                auto change = object_change(Action::relink, object);
                change.previous = object.external_id;
                change.external_id = found->id;
                m_claimed.insert(found->id);
                m_plan.changes.push_back(std::move(change));
                ++m_tally.relinked;
                return;
            }
        }
        m_plan.changes.push_back(object_change(Action::mark_deleted, object)); // rule 4
        ++m_tally.marked_deleted;
    }

    void plan_found(const Found& found) {
        if (m_claimed.contains(found.id) || m_inventory.names_store_object(found.id)) {
            return;
        }
        if (m_index.knows(found)) {
            // A second object made for the same store object (a rerun that did not find the
            // first) is reported; one whose object is being created is the normal case.
            if (const auto* owner = found.mark ? m_index.by_id(*found.mark) : nullptr;
                owner != nullptr && !owner->external_id.empty() && owner->external_id != found.id) {
                stray(found, fmt::format("object {} holds {}", owner->id, owner->external_id));
            }
            return;
        }
        if (found.mark && (m_module.has_object(*found.mark) || m_exists_elsewhere(*found.mark))) {
            stray(found, fmt::format("object {} is another VDC's", *found.mark));
            return;
        }
        if (found.leaving) {
            return;
        }
        Change change;
        change.action = Action::add; // rule 3
        change.kind = found.kind;
        change.external_id = found.id;
        change.found = found;
        m_plan.changes.push_back(std::move(change));
        ++m_tally.added;
    }

    // Left alone: pm made it for a store object that holds something else.
    void stray(const Found& found, const std::string& why) {
        ++m_tally.strays;
        log::warn("{} {} in project {} carries the mark of object {}, but {}: left alone",
                  type_of(found.kind), found.id, found.project_id, *found.mark, why);
    }

    // Rules 5 and 6: limit_<name> holds what OpenStack enforces.
    void plan_limits() {
        const auto limits = m_inventory.limits.find(m_vdc.project_id);
        if (limits == m_inventory.limits.end()) {
            return;
        }
        Change change;
        change.action = Action::limits;
        std::string drift;
        for (const auto& [name, value] : limits->second) {
            const auto param = limit_param(name);
            const auto text = std::to_string(value);
            const auto recorded = m_vdc.recorded.find(param);
            if (recorded == m_vdc.recorded.end() || recorded->second != text) {
                change.limits.emplace(param, text);
                change.previous_limits.emplace(
                    param, recorded == m_vdc.recorded.end() ? std::string() : recorded->second);
            }
            if (const auto wanted = m_vdc.wanted.find(name);
                wanted != m_vdc.wanted.end() && wanted->second != value) {
                ++m_tally.drift;
                drift += fmt::format(" {} {} (tariff {})", name, value, wanted->second);
            }
        }
        if (!drift.empty()) {
            log::info("item {}: OpenStack enforces other limits than the tariff:{}", m_vdc.item,
                      drift);
        }
        if (!change.limits.empty()) {
            m_plan.changes.push_back(std::move(change));
            ++m_tally.limits_changed;
        }
    }

    const Snapshot& m_snapshot;
    const Inventory& m_inventory;
    const ModuleIndex& m_module;
    const StoreVdc& m_vdc;
    const std::function<bool(ObjectId)>& m_exists_elsewhere;
    Tally& m_tally;
    Objects m_objects;
    std::vector<const Found*> m_found;
    VdcIndex m_index;
    std::unordered_map<ObjectId, const Found*> m_by_mark;
    std::unordered_map<std::string, const Found*> m_by_pair;
    std::unordered_set<std::string> m_claimed; // found ids taken by adopt or relink
    std::vector<Change> m_removes;
    VdcPlan m_plan;
};

} // namespace

Plan make_plan(const Snapshot& snapshot, const Inventory& inventory,
               const std::function<bool(ObjectId)>& exists_elsewhere) {
    const ModuleIndex module(snapshot, inventory);
    Plan plan;
    plan.tally.vdcs = static_cast<std::int64_t>(snapshot.vdcs.size());
    plan.tally.objects = static_cast<std::int64_t>(snapshot.objects.size());
    plan.tally.found = static_cast<std::int64_t>(inventory.found.size());
    for (const auto& vdc : snapshot.vdcs) {
        auto vdc_plan =
            VdcPlanner(snapshot, inventory, module, vdc, exists_elsewhere, plan.tally).run();
        if (!vdc_plan.changes.empty()) {
            plan.vdcs.push_back(std::move(vdc_plan));
        }
    }
    return plan;
}

} // namespace pm::openstack::sync
