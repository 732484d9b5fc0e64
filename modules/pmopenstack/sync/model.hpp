// What vdc_sync_all works with (modules/pmopenstack/SYNC.md): the store as it was before the
// listing (Snapshot), what OpenStack holds (Inventory), and the changes that bring the store
// in line (Plan), with the indexes that decide whether an OpenStack object is known to the
// store — shared by the planner and by the re-checks made when a change is applied.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "pm/ids.hpp"
#include "pm/params.hpp"
#include "pm/store.hpp"

namespace pm::openstack::sync {

// The object types of DESIGN §5, in the order adds are applied: what others refer to first.
enum class Kind : std::uint8_t { network, router, router_interface, loadbalancer, vm, volume };
inline constexpr std::array<Kind, 6> k_kinds{
    Kind::network,      Kind::router, Kind::router_interface,
    Kind::loadbalancer, Kind::vm,     Kind::volume};
[[nodiscard]] std::string_view type_of(Kind kind); // vdcobject.type
[[nodiscard]] std::optional<Kind> kind_of(std::string_view type);
[[nodiscard]] std::size_t index_of(Kind kind);

// An operation's hold on an object: pending or running (left alone, rule 1), error or manual
// (never removed from the store: someone still has business with it).
enum class Hold { none, kept, busy };
using Holds = std::unordered_map<ObjectId, Hold>;

// What a network or an interface is matched by besides its external id.
struct Links {
    std::string subnet_id{};                  // networks and interfaces
    std::string router_id{};                  // interfaces
    std::optional<ObjectId> router_object{};  // interfaces: param router
    std::optional<ObjectId> network_object{}; // interfaces: param network
};

// A VDC object of the store, with what the sync matches it by. Kept small (64 bytes and its
// external id): a large provider's module holds half a million of them (issue 18), and only
// networks and interfaces have links.
struct StoreObject {
    ObjectId id{};
    ItemId item{};
    std::string external_id{};
    std::unique_ptr<const Links> links{}; // networks and interfaces with any link
    Kind kind = Kind::vm;
    store::ObjectStatus status = store::ObjectStatus::ordered;
    bool young = false; // created after Snapshot::young_since
};

// The object's links; empty ones when it has none.
[[nodiscard]] const Links& links_of(const StoreObject& object);

// A VDC item the sync covers: active or suspended, with a project_id.
struct StoreVdc {
    ItemId item{};
    std::string project_id{};
    bool busy = false; // an item operation (open, close, setparam…) is pending or running
    // Limits the tariff or the item sets, by billing name (cores, ram_mib…).
    std::map<std::string, std::int64_t, std::less<>> wanted{};
    ParamMap recorded{}; // limit_<name> item params as stored
};

struct Snapshot {
    std::vector<StoreVdc> vdcs;       // by item id
    std::vector<StoreObject> objects; // of those VDCs, by id (ascending)
    Holds holds;
    // Objects created after this time (ISO-8601 UTC) are too young for rule 2: the
    // billing platform may not have written their operation yet.
    std::string young_since;
};

// An OpenStack object in a VDC project.
struct Found {
    Kind kind = Kind::vm;
    std::string id;
    std::string project_id;
    std::string name;
    std::optional<ObjectId> mark; // "pm object <id>": the store object it was created for
    store::ObjectStatus status = store::ObjectStatus::active; // error when OpenStack says so
    bool leaving = false;    // being deleted: it exists, but is never added
    ParamMap params;         // what an added object carries
    std::string network_ref; // external id of the network the `network` param names
    std::string router_ref;  // external id of the router the `router` param names
};

// What OpenStack holds, as far as the store is concerned. Only the objects the snapshot does
// not know by external id are kept whole; of the others only the fact that they were listed
// is (memory stays small however many objects the VDCs hold). Refers to the snapshot it was
// collected for, which must outlive it.
struct Inventory {
    std::vector<Found> found; // in VDC projects, unknown to the snapshot by external id
    // The snapshot's external ids per kind (index_of) → their slot in `listed`.
    std::array<std::unordered_map<std::string_view, std::size_t>, k_kinds.size()> slots;
    std::vector<char> listed;            // per slot: OpenStack listed it (in any project)
    std::set<std::string> projects_gone; // VDC projects Keystone confirmed gone (404)
    // Per VDC project, the limits in force by billing name (-1 unlimited).
    std::map<std::string, std::map<std::string, std::int64_t, std::less<>>> limits;

    // Whether OpenStack listed the object of `kind` with the external id `id` of a snapshot
    // object.
    [[nodiscard]] bool has(Kind kind, std::string_view id) const {
        const auto& slots_of = slots[index_of(kind)];
        const auto it = slots_of.find(id);
        return it != slots_of.end() && listed[it->second] != 0;
    }
    // Whether an object of the snapshot, of any kind, has the external id `id`.
    [[nodiscard]] bool names_store_object(std::string_view id) const {
        return std::any_of(slots.begin(), slots.end(),
                           [&](const auto& slots_of) { return slots_of.contains(id); });
    }
};

enum class Action { add, adopt, relink, remove, mark_deleted, revive, limits, vdc_deleted };
[[nodiscard]] std::string_view action_name(Action action);

struct Change {
    Action action = Action::add;
    std::optional<ObjectId> object; // the store object changed (all but add and limits)
    Kind kind = Kind::vm;
    std::string external_id;    // add, adopt, relink: the new one; mark_deleted: the gone one
    std::string previous;       // relink: the external id it replaces
    std::optional<Found> found; // add, adopt: the OpenStack object
    ParamMap limits;            // limits: limit_<name> → new value (changed ones only)
    ParamMap previous_limits;   // limits: their values before ("" when none)
};

struct VdcPlan {
    ItemId item{};
    std::string project_id;
    std::vector<Change> changes; // in the order they are applied
};

// Counts for the summary; apply() counts what it did, make_plan() what it would do.
struct Tally {
    std::int64_t vdcs = 0;           // VDCs looked at
    std::int64_t objects = 0;        // store objects looked at
    std::int64_t found = 0;          // OpenStack objects in VDC projects
    std::int64_t busy_vdcs = 0;      // left alone: an item operation runs
    std::int64_t busy_objects = 0;   // left alone: an object operation runs (rule 1)
    std::int64_t added = 0;          // rule 3
    std::int64_t adopted = 0;        // a store object without external id got its marked object
    std::int64_t relinked = 0;       // an interface got the port now joining its router and subnet
    std::int64_t removed = 0;        // rule 2
    std::int64_t marked_deleted = 0; // rule 4
    std::int64_t revived = 0;        // marked deleted, but OpenStack still has it: active again
    std::int64_t vdcs_deleted = 0;   // the VDC's project is gone from Keystone
    std::int64_t limits_changed = 0; // VDCs whose limit_<name> params changed (rules 5, 6)
    std::int64_t drift = 0;          // limits where OpenStack differs from the tariff
    std::int64_t strays = 0;         // marked objects whose store object holds another id
    std::int64_t deferred = 0;       // planned, but the store changed meanwhile: next run
};

struct Plan {
    std::vector<VdcPlan> vdcs; // only those with changes, by item id
    Tally tally;
};

// "pm object 42" → 42.
[[nodiscard]] std::optional<ObjectId> parse_mark(std::string_view text);

// The objects of one VDC as an index: which OpenStack objects they already stand for.
class VdcIndex {
public:
    explicit VdcIndex(const std::vector<const StoreObject*>& objects);

    // By external id, by the mark of an object of the VDC, or (interfaces) by router and
    // subnet — those of interfaces being created right now included.
    [[nodiscard]] bool knows(const Found& found) const;
    [[nodiscard]] const StoreObject* by_external_id(const std::string& id) const;
    [[nodiscard]] const StoreObject* by_id(ObjectId id) const;
    // The "router|subnet" an interface object stands for: its router_id and subnet_id, else
    // (before vdc_router_interface_open saved them) what its router and network objects
    // give; "" when neither says.
    [[nodiscard]] std::string pair_of(const StoreObject& interface) const;

private:
    std::unordered_map<std::string, const StoreObject*> m_external;
    std::unordered_map<ObjectId, const StoreObject*> m_ids;
    std::unordered_set<std::string> m_pairs; // "router|subnet" of interfaces
};

// The key of a router interface by its router and subnet.
[[nodiscard]] std::string interface_pair(std::string_view router, std::string_view subnet);
// The pair of an OpenStack interface (params router_id and subnet_id).
[[nodiscard]] std::string interface_pair(const Found& interface);

} // namespace pm::openstack::sync
