// The vdc_sync_all planner on hand-made snapshots and inventories: each rule of SYNC.md and
// the cases where an OpenStack object is known to the store without its external id.
#include <catch2/catch.hpp>

#include "pmopenstack/sync/steps.hpp"

namespace pm::test {
namespace {

using namespace openstack::sync;

constexpr std::string_view k_project = "p1";
const ItemId k_item{7};

// A snapshot of one VDC (item 7, project p1), and the inventory collect() would make of it.
struct Case {
    Snapshot snapshot;
    std::vector<Found> remote; // every OpenStack object of the project
    std::set<std::string> gone;
    std::map<std::string, std::int64_t, std::less<>> limits;

    Case() {
        snapshot.vdcs.push_back(StoreVdc{k_item, std::string(k_project), false, {}, {}});
        snapshot.young_since = "2030-01-01T00:00:00Z";
    }

    StoreObject& object(std::int64_t id, Kind kind, std::string external_id) {
        StoreObject object;
        object.id = ObjectId(id);
        object.item = k_item;
        object.kind = kind;
        object.external_id = std::move(external_id);
        object.status = store::ObjectStatus::active;
        snapshot.objects.push_back(std::move(object));
        return snapshot.objects.back();
    }

    Found& found(Kind kind, std::string id, std::optional<ObjectId> mark = std::nullopt) {
        Found found;
        found.kind = kind;
        found.id = std::move(id);
        found.project_id = std::string(k_project);
        found.name = "remote";
        found.mark = mark;
        remote.push_back(std::move(found));
        return remote.back();
    }

    Found& interface(std::string port, const std::string& router, const std::string& subnet) {
        auto& f = found(Kind::router_interface, std::move(port));
        f.params = {{"router_id", router}, {"subnet_id", subnet}};
        f.router_ref = router;
        return f;
    }

    // As collect() builds it: objects known by external id only count as listed.
    [[nodiscard]] Inventory inventory() const {
        Inventory inventory;
        for (const auto& object : snapshot.objects) {
            if (!object.external_id.empty() &&
                inventory.slots[index_of(object.kind)]
                    .emplace(object.external_id, inventory.listed.size())
                    .second) {
                inventory.listed.push_back(0);
            }
        }
        for (const auto& f : remote) {
            const auto& slots = inventory.slots[index_of(f.kind)];
            if (const auto it = slots.find(f.id); it != slots.end()) {
                inventory.listed[it->second] = 1;
            } else {
                inventory.found.push_back(f);
            }
        }
        inventory.projects_gone = gone;
        if (!gone.contains(std::string(k_project))) {
            inventory.limits.emplace(std::string(k_project), limits);
        }
        return inventory;
    }

    [[nodiscard]] Plan plan(std::function<bool(ObjectId)> elsewhere = {}) const {
        if (!elsewhere) {
            elsewhere = [](ObjectId) { return false; };
        }
        const auto inv = inventory();
        return make_plan(snapshot, inv, elsewhere);
    }
};

std::vector<Action> actions(const Plan& plan) {
    std::vector<Action> out;
    for (const auto& vdc : plan.vdcs) {
        for (const auto& change : vdc.changes) {
            out.push_back(change.action);
        }
    }
    return out;
}

const Change& only_change(const Plan& plan) {
    REQUIRE(plan.vdcs.size() == 1);
    REQUIRE(plan.vdcs.front().changes.size() == 1);
    return plan.vdcs.front().changes.front();
}

} // namespace

TEST_CASE("sync plan: objects in step with OpenStack change nothing", "[sync]") {
    Case c;
    c.object(1, Kind::vm, "s1");
    c.found(Kind::vm, "s1", ObjectId(1));
    c.object(2, Kind::network, "n1");
    c.found(Kind::network, "n1");
    const auto plan = c.plan();
    CHECK(plan.vdcs.empty());
    CHECK(plan.tally.objects == 2);
    CHECK(plan.tally.found == 0); // both known by external id
}

TEST_CASE("sync plan: rule 2 removes objects without external id, operation or youth", "[sync]") {
    Case c;
    c.object(1, Kind::volume, "");
    SECTION("old and unheld: removed") {
        const auto plan = c.plan();
        const auto& change = only_change(plan);
        CHECK(change.action == Action::remove);
        CHECK(change.object == ObjectId(1));
    }
    SECTION("created within the grace period: kept") {
        c.snapshot.objects.back().young = true;
        CHECK(c.plan().vdcs.empty());
    }
    SECTION("an operation in error or manual keeps it") {
        c.snapshot.holds[ObjectId(1)] = Hold::kept;
        CHECK(c.plan().vdcs.empty());
    }
    SECTION("closed and deleted objects are history: kept") {
        c.snapshot.objects.back().status = store::ObjectStatus::closed;
        CHECK(c.plan().vdcs.empty());
    }
}

TEST_CASE("sync plan: rule 1 leaves objects with a pending or running operation alone", "[sync]") {
    Case c;
    c.object(1, Kind::vm, "gone-server");
    c.object(2, Kind::volume, "");
    c.snapshot.holds[ObjectId(1)] = Hold::busy;
    c.snapshot.holds[ObjectId(2)] = Hold::busy;
    // What the operation of object 2 is creating right now, with its mark.
    c.found(Kind::volume, "v-new", ObjectId(2));
    const auto plan = c.plan();
    CHECK(plan.vdcs.empty());
    CHECK(plan.tally.busy_objects == 2);
}

TEST_CASE("sync plan: an item operation leaves the whole VDC alone", "[sync]") {
    Case c;
    c.snapshot.vdcs.front().busy = true;
    c.object(1, Kind::vm, "gone");
    c.found(Kind::network, "n-new");
    c.limits = {{"cores", 20}};
    const auto plan = c.plan();
    CHECK(plan.vdcs.empty());
    CHECK(plan.tally.busy_vdcs == 1);
}

TEST_CASE("sync plan: rule 3 adds unknown objects, what others refer to first", "[sync]") {
    Case c;
    c.found(Kind::vm, "s1");
    c.interface("port1", "r1", "sub1");
    c.found(Kind::router, "r1");
    c.found(Kind::network, "n1");
    auto& leaving = c.found(Kind::volume, "v-going");
    leaving.leaving = true;
    const auto plan = c.plan();
    REQUIRE(plan.vdcs.size() == 1);
    const auto& changes = plan.vdcs.front().changes;
    REQUIRE(changes.size() == 4);
    CHECK(plan.tally.added == 4);
    std::vector<std::string> order;
    for (const auto& change : changes) {
        CHECK(change.action == Action::add);
        REQUIRE(change.found);
        CHECK(change.found->id == change.external_id);
        order.push_back(change.external_id);
    }
    CHECK(order == std::vector<std::string>{"n1", "r1", "port1", "s1"});
}

TEST_CASE("sync plan: marked objects of store objects are never added", "[sync]") {
    Case c;
    SECTION("the object lost its external id: adopted") {
        c.object(5, Kind::network, "");
        c.found(Kind::network, "n5", ObjectId(5));
        const auto plan = c.plan();
        const auto& change = only_change(plan);
        CHECK(change.action == Action::adopt);
        CHECK(change.object == ObjectId(5));
        CHECK(change.external_id == "n5");
    }
    SECTION("a second object made for the same store object: a stray, left alone") {
        c.object(5, Kind::network, "n5");
        c.found(Kind::network, "n5", ObjectId(5));
        c.found(Kind::network, "n5-twin", ObjectId(5));
        const auto plan = c.plan();
        CHECK(plan.vdcs.empty());
        CHECK(plan.tally.strays == 1);
    }
    SECTION("the mark names an object of another module or item: left alone") {
        c.found(Kind::router, "r9", ObjectId(99));
        const auto plan = c.plan([](ObjectId id) { return id == ObjectId(99); });
        CHECK(plan.vdcs.empty());
        CHECK(plan.tally.strays == 1);
    }
    SECTION("the mark names an object the store no longer has: added") {
        c.found(Kind::router, "r9", ObjectId(99));
        const auto plan = c.plan();
        CHECK(only_change(plan).action == Action::add);
    }
}

std::unique_ptr<const Links> links(Links links) {
    return std::make_unique<const Links>(std::move(links));
}

TEST_CASE("sync plan: a router interface is known by its router and subnet", "[sync]") {
    Case c;
    c.object(1, Kind::router, "r1");
    c.object(2, Kind::network, "n1").links = links({.subnet_id = "sub1"});
    c.found(Kind::router, "r1");
    c.found(Kind::network, "n1");
    auto& interface = c.object(3, Kind::router_interface, "");
    SECTION("one being created (params router and network, an operation): not added") {
        interface.links = links({.router_object = ObjectId(1), .network_object = ObjectId(2)});
        c.snapshot.holds[ObjectId(3)] = Hold::busy;
        c.interface("port1", "r1", "sub1");
        CHECK(c.plan().vdcs.empty());
    }
    SECTION("one that lost its port id: adopted") {
        interface.links = links({.subnet_id = "sub1", .router_id = "r1"});
        c.interface("port1", "r1", "sub1");
        const auto plan = c.plan();
        const auto& change = only_change(plan);
        CHECK(change.action == Action::adopt);
        CHECK(change.external_id == "port1");
    }
    SECTION("its port is gone but the pair joined again: relinked to the new port") {
        interface.external_id = "port-old";
        interface.links = links({.subnet_id = "sub1", .router_id = "r1"});
        c.interface("port-new", "r1", "sub1");
        const auto plan = c.plan();
        const auto& change = only_change(plan);
        CHECK(change.action == Action::relink);
        CHECK(change.previous == "port-old");
        CHECK(change.external_id == "port-new");
    }
    SECTION("its port and pair are gone: marked deleted") {
        interface.external_id = "port-old";
        interface.links = links({.subnet_id = "sub1", .router_id = "r1"});
        c.interface("port-other", "r1", "sub2");
        const auto plan = c.plan();
        CHECK(actions(plan) == std::vector<Action>{Action::mark_deleted, Action::add});
    }
}

TEST_CASE("sync plan: rule 4 marks objects gone from OpenStack deleted", "[sync]") {
    Case c;
    c.object(1, Kind::loadbalancer, "lb-gone");
    c.object(2, Kind::vm, "s-gone").status = store::ObjectStatus::error;
    c.object(3, Kind::volume, "v-closed").status = store::ObjectStatus::closed;
    const auto plan = c.plan();
    CHECK(actions(plan) == std::vector<Action>{Action::mark_deleted, Action::mark_deleted});
    CHECK(plan.tally.marked_deleted == 2);
}

TEST_CASE("sync plan: an object marked deleted that OpenStack lists is revived", "[sync]") {
    Case c;
    c.object(1, Kind::network, "n1").status = store::ObjectStatus::deleted;
    c.object(2, Kind::network, "n2").status = store::ObjectStatus::closed;
    c.object(3, Kind::vm, "s-gone").status = store::ObjectStatus::deleted;
    c.object(4, Kind::router, "r1").status = store::ObjectStatus::deleted;
    c.snapshot.holds[ObjectId(4)] = Hold::busy;
    c.found(Kind::network, "n1");
    c.found(Kind::network, "n2");
    c.found(Kind::router, "r1");
    const auto plan = c.plan();
    const auto& change = only_change(plan);
    CHECK(change.action == Action::revive);
    CHECK(change.object == ObjectId(1));
    CHECK(change.external_id == "n1");
    CHECK(plan.tally.revived == 1);
    CHECK(plan.tally.added == 0);
    CHECK(plan.tally.busy_objects == 1);
}

TEST_CASE("sync plan: a VDC whose project is gone is deleted with its objects", "[sync]") {
    Case c;
    c.object(1, Kind::vm, "s1");
    c.object(2, Kind::network, "");
    c.object(3, Kind::router, "r1");
    c.snapshot.holds[ObjectId(3)] = Hold::busy;
    c.gone.insert(std::string(k_project));
    const auto plan = c.plan();
    CHECK(actions(plan) ==
          std::vector<Action>{Action::vdc_deleted, Action::mark_deleted, Action::mark_deleted});
    CHECK(plan.tally.vdcs_deleted == 1);
    CHECK(plan.tally.busy_objects == 1);
}

TEST_CASE("sync plan: limits in force are recorded, drift from the tariff counted", "[sync]") {
    Case c;
    auto& vdc = c.snapshot.vdcs.front();
    vdc.wanted = {{"cores", 8}, {"ram_mib", 16384}};
    vdc.recorded = {{"limit_cores", "8"}, {"limit_ram_mib", "16384"}};
    c.limits = {{"cores", 12}, {"ram_mib", 16384}, {"ports", 500}};
    const auto plan = c.plan();
    const auto& change = only_change(plan);
    CHECK(change.action == Action::limits);
    CHECK(change.limits == ParamMap{{"limit_cores", "12"}, {"limit_ports", "500"}});
    CHECK(change.previous_limits == ParamMap{{"limit_cores", "8"}, {"limit_ports", ""}});
    CHECK(plan.tally.drift == 1);
}

} // namespace pm::test
