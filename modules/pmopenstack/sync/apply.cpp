// Applying a vdc_sync_all plan. The plan was made from a snapshot taken before the listing;
// commands may have run since. So every change is checked again, inside the transaction that
// makes it, against the rows and operations as they are then, and left for the next run when
// they moved. Whole VDCs go into each transaction: a crash leaves every VDC either synced or
// untouched, and the next run plans afresh.
#include <unordered_map>

#include <fmt/format.h>

#include "pm/log.hpp"

#include "pmopenstack/sync/steps.hpp"

namespace pm::openstack::sync {
namespace {

bool settled(store::ObjectStatus status) {
    return status == store::ObjectStatus::closed || status == store::ObjectStatus::deleted;
}

class VdcApplier {
public:
    VdcApplier(store::Store& store, const Holds& holds, const std::string& young_since,
               const VdcPlan& plan, Tally& tally)
        : m_store(store), m_holds(holds), m_young_since(young_since), m_plan(plan), m_tally(tally) {
    }

    void run() {
        for (const auto& change : m_plan.changes) {
            if (!apply(change)) {
                ++m_tally.deferred;
                log::debug("item {}: {} of {} {} left for the next run", m_plan.item,
                           action_name(change.action), type_of(change.kind),
                           change.object ? fmt::format("object {}", *change.object)
                                         : change.external_id);
            }
        }
    }

private:
    [[nodiscard]] Hold hold_of(ObjectId id) const {
        const auto it = m_holds.find(id);
        return it == m_holds.end() ? Hold::none : it->second;
    }

    // The object as it is now, if it is still the VDC's and no operation runs on it.
    [[nodiscard]] std::optional<store::VdcObject> current(const Change& change) const {
        auto object = m_store.find_object(*change.object);
        if (!object || object->item_id != m_plan.item || hold_of(object->id) == Hold::busy) {
            return std::nullopt;
        }
        return object;
    }

    bool apply(const Change& change) {
        switch (change.action) {
        case Action::vdc_deleted:
            return delete_vdc();
        case Action::remove:
            return remove(change);
        case Action::mark_deleted:
            return mark_deleted(change);
        case Action::revive:
            return revive(change);
        case Action::adopt:
            return adopt(change);
        case Action::relink:
            return relink(change);
        case Action::add:
            return add(change);
        case Action::limits:
            return set_limits(change);
        }
        return false;
    }

    bool delete_vdc() {
        const auto item = m_store.find_item(m_plan.item);
        if (!item || (item->status != store::ItemStatus::active &&
                      item->status != store::ItemStatus::suspended)) {
            m_vdc_kept = true;
            return false;
        }
        m_store.set_item_status(m_plan.item, store::ItemStatus::deleted);
        log::info("item {}: project {} is gone from Keystone: the VDC is marked deleted",
                  m_plan.item, m_plan.project_id);
        ++m_tally.vdcs_deleted;
        return true;
    }

    bool remove(const Change& change) {
        const auto object = current(change);
        if (!object || !object->external_id.empty() || settled(object->status) ||
            hold_of(object->id) != Hold::none || object->created_at > m_young_since) {
            return false;
        }
        m_store.delete_object(object->id);
        log::info("item {}: {} object {} had no external id and no operation: removed", m_plan.item,
                  object->type, object->id);
        ++m_tally.removed;
        return true;
    }

    bool mark_deleted(const Change& change) {
        const auto object = current(change);
        if (m_vdc_kept || !object || object->external_id != change.external_id ||
            settled(object->status)) {
            return false;
        }
        m_store.set_object_status(object->id, store::ObjectStatus::deleted);
        log::info("item {}: {} object {} ({}) is gone from OpenStack: marked deleted", m_plan.item,
                  object->type, object->id,
                  object->external_id.empty() ? "no external id" : object->external_id);
        ++m_tally.marked_deleted;
        return true;
    }

    bool revive(const Change& change) {
        const auto object = current(change);
        if (!object || object->external_id != change.external_id ||
            object->status != store::ObjectStatus::deleted) {
            return false;
        }
        m_store.set_object_status(object->id, store::ObjectStatus::active);
        log::warn("item {}: {} object {} ({}) was marked deleted but is still in OpenStack: "
                  "active again",
                  m_plan.item, object->type, object->id, object->external_id);
        ++m_tally.revived;
        return true;
    }

    bool adopt(const Change& change) {
        const auto object = current(change);
        if (!object || !object->external_id.empty() || settled(object->status)) {
            return false;
        }
        m_store.set_object_external_id(object->id, change.external_id);
        m_store.set_object_status(object->id, change.found->status);
        log::info("item {}: {} object {} found as {} in OpenStack", m_plan.item, object->type,
                  object->id, change.external_id);
        ++m_tally.adopted;
        return true;
    }

    bool relink(const Change& change) {
        const auto object = current(change);
        if (!object || object->external_id != change.previous || settled(object->status)) {
            return false;
        }
        m_store.set_object_external_id(object->id, change.external_id);
        log::info("item {}: interface object {} is now port {} (was {})", m_plan.item, object->id,
                  change.external_id, change.previous);
        ++m_tally.relinked;
        return true;
    }

    // The VDC's objects as they are now, loaded once for the adds.
    const VdcIndex& index() {
        if (!m_index) {
            m_objects = load_objects(m_store, m_plan.item);
            std::vector<const StoreObject*> pointers;
            for (const auto& object : m_objects) {
                pointers.push_back(&object);
            }
            m_index.emplace(pointers);
        }
        return *m_index;
    }

    // The billing id of the object with external id `ref`: one of the VDC's, or one added
    // just now.
    [[nodiscard]] std::optional<ObjectId> object_of(const std::string& ref) {
        if (ref.empty()) {
            return std::nullopt;
        }
        if (const auto* object = index().by_external_id(ref)) {
            return object->id;
        }
        const auto it = m_added.find(ref);
        return it == m_added.end() ? std::nullopt : std::optional(it->second);
    }

    bool add(const Change& change) {
        const auto& found = *change.found;
        if (index().knows(found) || (found.mark && m_store.find_object(*found.mark))) {
            return false; // made by a command that ran since the snapshot
        }
        store::NewObject object{m_plan.item,  std::string(type_of(found.kind)),
                                found.name,   found.id,
                                found.status, found.params};
        object.params.emplace("origin", "sync");
        if (const auto network = object_of(found.network_ref)) {
            object.params.emplace("network", std::to_string(network->value()));
        }
        if (const auto router = object_of(found.router_ref)) {
            object.params.emplace("router", std::to_string(router->value()));
        }
        const auto id = m_store.create_object(object);
        m_added.emplace(found.id, id);
        log::info("item {}: {} {} ({}) found in OpenStack: added as object {}", m_plan.item,
                  object.type, found.id, found.name, id);
        ++m_tally.added;
        return true;
    }

    bool set_limits(const Change& change) {
        const auto params = m_store.item_params(m_plan.item);
        ParamMap changed;
        for (const auto& [name, value] : change.limits) {
            if (params.values().find(name) == params.values().end() ||
                params.values().find(name)->second != value) {
                changed.emplace(name, value);
            }
        }
        if (changed.empty()) {
            return true;
        }
        m_store.set_item_params(m_plan.item, changed);
        log::debug("item {}: {} limits loaded from OpenStack", m_plan.item, changed.size());
        ++m_tally.limits_changed;
        return true;
    }

    store::Store& m_store;
    const Holds& m_holds;
    const std::string& m_young_since;
    const VdcPlan& m_plan;
    Tally& m_tally;
    bool m_vdc_kept = false; // the VDC was not marked deleted after all
    std::vector<StoreObject> m_objects;
    std::optional<VdcIndex> m_index;
    std::unordered_map<std::string, ObjectId> m_added; // external id → new object
};

void add_up(Tally& total, const Tally& part) {
    total.added += part.added;
    total.adopted += part.adopted;
    total.relinked += part.relinked;
    total.removed += part.removed;
    total.marked_deleted += part.marked_deleted;
    total.revived += part.revived;
    total.vdcs_deleted += part.vdcs_deleted;
    total.limits_changed += part.limits_changed;
    total.deferred += part.deferred;
}

} // namespace

Tally apply(store::Store& store, const Plan& plan, const ApplyOptions& options,
            const std::function<void(std::size_t)>& done) {
    Tally tally = plan.tally;
    tally.added = tally.adopted = tally.relinked = tally.removed = tally.marked_deleted = 0;
    tally.revived = 0;
    tally.vdcs_deleted = tally.limits_changed = tally.deferred = 0;
    std::size_t next = 0;
    while (next < plan.vdcs.size()) {
        std::size_t end = next;
        std::size_t changes = 0;
        while (end < plan.vdcs.size() &&
               (end == next || changes + plan.vdcs[end].changes.size() <= options.batch)) {
            changes += plan.vdcs[end++].changes.size();
        }
        Tally part;
        store.transaction([&] {
            part = Tally{};
            std::set<ItemId> busy_items;
            const auto holds = load_holds(store, busy_items);
            for (auto i = next; i < end; ++i) {
                const auto& vdc = plan.vdcs[i];
                if (busy_items.contains(vdc.item)) {
                    part.deferred += static_cast<std::int64_t>(vdc.changes.size());
                    continue;
                }
                VdcApplier(store, holds, options.young_since, vdc, part).run();
            }
        });
        add_up(tally, part);
        next = end;
        done(next);
    }
    return tally;
}

} // namespace pm::openstack::sync
