// pmopenstack vdc_sync_all end to end: the real binary against the OpenStack simulator (or, for
// [cloud] cases, real services) — each rule on each object type, quotas, VDCs gone from
// Keystone, --dry-run, pagination edges, faults in the middle of the listing, two syncs at
// once, several modules.
#include <thread>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "pm/file_lock.hpp"

#include "openstack_checks.hpp"
#include "pmopenstack/api/services.hpp"
#include "pmopenstack/ops/connection.hpp"
#include "test_openstack_sync_checks.hpp"

namespace pm::test {
namespace api = openstack::api;

namespace {

using store::ObjectStatus;

// Waits (at most a minute) until `done` holds.
void wait_for(std::string_view what, const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) {
            FAIL("timed out waiting for " << what);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

struct OpenVdc {
    ItemId item;
    std::string project;
    std::map<std::string, ObjectId> objects; // by type
};

OpenVdc open_all_kinds(OpenStackEnv& env) {
    OpenVdc vdc{env.add_vdc(), {}, {}};
    vdc.project = open_vdc(env, vdc.item);
    auto& o = vdc.objects;
    o["network"] = open_object(env, vdc.item, "network", {{"cidr", "10.21.0.0/24"}});
    const auto network = std::to_string(o["network"].value());
    o["router"] = open_object(env, vdc.item, "router");
    o["router_interface"] =
        open_object(env, vdc.item, "router_interface",
                    {{"router", std::to_string(o["router"].value())}, {"network", network}});
    o["vm"] = open_object(env, vdc.item, "vm",
                          {{"flavor", "m1.tiny"}, {"image", "cirros"}, {"network", network}});
    o["volume"] = open_object(env, vdc.item, "volume", {{"size_gb", "1"}});
    o["loadbalancer"] = open_object(env, vdc.item, "loadbalancer", {{"network", network}});
    return vdc;
}

// Deletes every object of the VDC behind the store's back, as an admin would in Horizon.
void delete_remotely(OpenStackEnv& env, const OpenVdc& vdc) {
    const auto& admin = env.admin();
    const auto id = [&](const std::string& type) {
        return env.object(vdc.objects.at(type)).external_id;
    };
    (void)api::delete_loadbalancer(admin, id("loadbalancer"));
    wait_for("the load balancer to go",
             [&] { return !api::get_loadbalancer(admin, id("loadbalancer")); });
    const auto router = id("router");
    const auto subnet = env.object_param(vdc.objects.at("network"), "subnet_id");
    REQUIRE(api::remove_router_interface(admin, router, subnet));
    REQUIRE(api::delete_router(admin, router));
    REQUIRE(api::delete_server(admin, id("vm")));
    wait_for("the server to go", [&] { return !api::get_server(admin, id("vm")); });
    REQUIRE(api::delete_volume(admin, id("volume")));
    wait_for("the volume to go", [&] { return !api::get_volume(admin, id("volume")); });
    wait_for("the network to go", [&] {
        try {
            (void)api::delete_network(admin, id("network"));
        } catch (const ApiError& e) {
            if (e.status() != 409) {
                throw;
            }
            return false; // its ports are still going
        }
        return !api::get_network(admin, id("network"));
    });
}

} // namespace

TEST_CASE("vdc_sync_all: in step, nothing changes, objects gone from OpenStack are marked "
          "deleted, every kind",
          "[cloud]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    const auto vdc = open_all_kinds(env);
    const auto before = store_dump(env);

    const auto first = sync_all(env);
    require_ok(first);
    auto summary = summary_of(first);
    CHECK(summary["status"] == "done");
    CHECK(summary["vdcs"] == "1");
    CHECK(summary["objects"] == "6");
    CHECK(summary["added"] == "0");
    CHECK(summary["marked_deleted"] == "0");
    CHECK(summary["removed"] == "0");
    CHECK(summary["limits_changed"] == "0"); // open recorded the tariff's limits, all in force
    CHECK(store_dump(env) == before);

    delete_remotely(env, vdc);
    const auto second = sync_all(env);
    require_ok(second);
    summary = summary_of(second);
    CHECK(summary["marked_deleted"] == "6");
    CHECK(summary["added"] == "0");
    for (const auto& [type, object] : vdc.objects) {
        CAPTURE(type);
        CHECK(env.object(object).status == ObjectStatus::deleted);
        CHECK_FALSE(env.object(object).external_id.empty()); // kept for the record
    }
    CHECK(env.status(vdc.item) == store::ItemStatus::active);

    const auto settled = store_dump(env);
    require_ok(sync_all(env));
    CHECK(store_dump(env) == settled);
    require_ok(env.run("close", vdc.item));
}

TEST_CASE("vdc_sync_all: OpenStack objects unknown to the store are added, every kind with "
          "its params",
          "[sim]") {
    const OpenStackTarget target;
    const auto& sim = target.sim();
    OpenStackEnv env(target);
    const auto projects = seed(
        sim, 2,
        R"({"servers":2,"volumes":1,"networks":2,"routers":1,"interfaces":2,"loadbalancers":1})");
    std::vector<ItemId> items;
    for (const auto& project : projects) {
        items.push_back(add_seeded_vdc(env, project));
    }
    const auto result = sync_all(env);
    require_ok(result);
    auto summary = summary_of(result);
    CHECK(summary["added"] == "18");
    CHECK(summary["found"] == "18");

    for (std::size_t i = 0; i < projects.size(); ++i) {
        const auto& project = projects[i];
        CAPTURE(project);
        const auto objects = objects_by_external_id(env, items[i]);
        REQUIRE(objects.size() == 9);
        const auto id_of = [&](const std::string& external) {
            REQUIRE(objects.contains(external));
            return std::to_string(objects.at(external).id.value());
        };
        for (const auto& [external, object] : objects) {
            CHECK(object.status == ObjectStatus::active);
            CHECK(env.object_param(object.id, "origin") == "sync");
        }
        const auto subnets = sim_objects(sim, "subnets", project);
        const auto cidr_of = [&](const std::string& subnet) {
            for (const auto& s : subnets.root().at("list").items()) {
                if (s.at("id").as_string() == subnet) {
                    return s.at("cidr").as_string();
                }
            }
            return std::string("?");
        };
        const auto networks = sim_objects(sim, "networks", project);
        for (const auto& n : networks.root().at("list").items()) {
            const auto& object = objects.at(n.at("id").as_string());
            CHECK(object.type == "network");
            CHECK(object.name == n.at("name").as_string());
            const auto subnet = n.at("subnet_ids").at(std::size_t{0}).as_string();
            CHECK(env.object_param(object.id, "subnet_id") == subnet);
            CHECK(env.object_param(object.id, "cidr") == cidr_of(subnet));
        }
        const auto routers = sim_objects(sim, "routers", project);
        for (const auto& r : routers.root().at("list").items()) {
            const auto& object = objects.at(r.at("id").as_string());
            CHECK(object.type == "router");
            CHECK(env.object_param(object.id, "external") == "off");
        }
        const auto ports = sim_objects(sim, "ports", project);
        int interfaces = 0;
        for (const auto& p : ports.root().at("list").items()) {
            if (p.at("device_owner").as_string() != "network:router_interface") {
                continue;
            }
            ++interfaces;
            const auto& object = objects.at(p.at("id").as_string());
            CHECK(object.type == "router_interface");
            const auto router = p.at("device_id").as_string();
            const auto subnet = p.at("fixed_ips").at(std::size_t{0}).at("subnet_id").as_string();
            CHECK(env.object_param(object.id, "router_id") == router);
            CHECK(env.object_param(object.id, "subnet_id") == subnet);
            CHECK(env.object_param(object.id, "router") == id_of(router));
            CHECK(env.object_param(object.id, "network") == id_of(p.at("network_id").as_string()));
        }
        CHECK(interfaces == 2);
        const auto lbs = sim_objects(sim, "loadbalancers", project);
        for (const auto& lb : lbs.root().at("list").items()) {
            const auto& object = objects.at(lb.at("id").as_string());
            CHECK(object.type == "loadbalancer");
            CHECK(env.object_param(object.id, "network") ==
                  id_of(lb.at("vip_network_id").as_string()));
        }
        const auto servers = sim_objects(sim, "servers", project);
        for (const auto& s : servers.root().at("list").items()) {
            const auto& object = objects.at(s.at("id").as_string());
            CHECK(object.type == "vm");
            CHECK(env.object_param(object.id, "flavor") == "1");
            CHECK(env.object_param(object.id, "image") == s.at("image_id").as_string());
        }
        const auto volumes = sim_objects(sim, "volumes", project);
        for (const auto& v : volumes.root().at("list").items()) {
            const auto& object = objects.at(v.at("id").as_string());
            CHECK(object.type == "volume");
            CHECK(env.object_param(object.id, "size_gb") == "1");
        }
    }

    // A second run finds everything in step.
    const auto settled = store_dump(env);
    const auto again = sync_all(env);
    require_ok(again);
    summary = summary_of(again);
    CHECK(summary["added"] == "0");
    CHECK(summary["found"] == "0");
    CHECK(store_dump(env) == settled);
}

TEST_CASE("vdc_sync_all: objects that lost their external id are found again by their marks, "
          "interfaces by router and subnet",
          "[cloud]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    env.store().set_module_param(env.module(), "sync_grace", "0");
    const auto item = env.add_vdc();
    open_vdc(env, item);
    const auto network = open_object(env, item, "network", {{"cidr", "10.22.0.0/24"}});
    const auto router = open_object(env, item, "router");
    const auto interface = open_object(
        env, item, "router_interface",
        {{"router", std::to_string(router.value())}, {"network", std::to_string(network.value())}});
    const auto volume = open_object(env, item, "volume", {{"size_gb", "1"}});
    std::map<ObjectId, std::string> saved;
    for (const auto object : {network, router, interface, volume}) {
        saved[object] = env.object(object).external_id;
        // A crash between the create and the save of its id.
        env.store().set_object_external_id(object, "");
    }
    const auto result = sync_all(env);
    require_ok(result);
    auto summary = summary_of(result);
    CHECK(summary["adopted"] == "4");
    CHECK(summary["added"] == "0");
    CHECK(summary["removed"] == "0");
    for (const auto& [object, external] : saved) {
        CHECK(env.object(object).external_id == external);
        CHECK(env.object(object).status == ObjectStatus::active);
    }
    CHECK(env.store().objects(item).size() == 4);
    require_ok(env.run("close", item));
}

TEST_CASE("vdc_sync_all: store objects without external id and operation are removed, "
          "operations and youth keep them",
          "[cloud]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    auto& store = env.store();
    const auto item = env.add_vdc();
    open_vdc(env, item);
    const auto orphan = env.add_object(item, "volume", {{"size_gb", "1"}});
    const auto pending = env.add_object(item, "vm");
    (void)store.create_operation({item, pending, env.module(), "vdc_vm_open"});
    const auto failed = env.add_object(item, "network");
    const auto op = store.create_operation({item, failed, env.module(), "vdc_network_open"});
    (void)store.begin_operation(op);
    (void)store.fail_operation(op, "over quota", 10);
    const auto closed = env.add_object(item, "router");
    store.set_object_status(closed, ObjectStatus::closed);

    SECTION("within the grace period (default 10 minutes) even the orphan stays") {
        require_ok(sync_all(env));
        CHECK(store.find_object(orphan));
    }
    SECTION("past it, only the orphan goes") {
        store.set_module_param(env.module(), "sync_grace", "0");
        const auto result = sync_all(env);
        require_ok(result);
        CHECK(summary_of(result)["removed"] == "1");
        CHECK(summary_of(result)["busy_objects"] == "1");
        CHECK_FALSE(store.find_object(orphan));
        CHECK(store.find_object(pending));
        CHECK(store.find_object(failed));
        CHECK(store.find_object(closed));
    }
    require_ok(env.run("close", item));
}

TEST_CASE("vdc_sync_all: objects with running operations are left alone, and what they are "
          "creating is neither added nor removed",
          "[sim]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    auto& store = env.store();
    store.set_module_param(env.module(), "sync_grace", "0");
    const auto& admin = env.admin();
    const auto item = env.add_vdc();
    const auto project = open_vdc(env, item);
    const auto network = open_object(env, item, "network", {{"cidr", "10.23.0.0/24"}});
    const auto router = open_object(env, item, "router");
    const auto closing = open_object(env, item, "network", {{"cidr", "10.24.0.0/24"}});

    // vdc_router_interface_open has attached the subnet but not saved the port yet.
    const auto interface = env.add_object(
        item, "router_interface",
        {{"router", std::to_string(router.value())}, {"network", std::to_string(network.value())}});
    const auto op1 =
        store.create_operation({item, interface, env.module(), "vdc_router_interface_open"});
    (void)store.begin_operation(op1);
    const auto port = api::add_router_interface(admin, env.object(router).external_id,
                                                env.object_param(network, "subnet_id"));
    // vdc_network_open has created the network (with its mark) but not saved its id yet.
    const auto creating = env.add_object(item, "network");
    const auto op2 = store.create_operation({item, creating, env.module(), "vdc_network_open"});
    const auto made =
        api::create_network(admin, {"being-made", project, openstack::object_mark(creating)});
    // vdc_network_close has deleted the network, not yet marked the object closed.
    const auto op3 = store.create_operation({item, closing, env.module(), "vdc_network_close"});
    api::delete_network(admin, env.object(closing).external_id);

    const auto before = store_dump(env);
    const auto busy = sync_all(env);
    require_ok(busy);
    auto summary = summary_of(busy);
    CHECK(summary["busy_objects"] == "3");
    CHECK(summary["added"] == "0");
    CHECK(store_dump(env) == before);

    // The commands end without saving (killed); the next sync completes their records.
    for (const auto op : {op1, op2, op3}) {
        store.reset_operation(op);
        (void)store.begin_operation(op);
        store.finish_operation(op);
    }
    const auto after = sync_all(env);
    require_ok(after);
    summary = summary_of(after);
    CHECK(summary["adopted"] == "2");
    CHECK(summary["marked_deleted"] == "1");
    CHECK(summary["added"] == "0");
    CHECK(env.object(interface).external_id == port);
    CHECK(env.object(creating).external_id == made.id);
    CHECK(env.object(closing).status == ObjectStatus::deleted);
    CHECK(store.objects(item).size() == 5);
}

TEST_CASE("vdc_sync_all: the limits in force are loaded, those the tariff leaves empty come "
          "from OpenStack",
          "[cloud]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    auto& store = env.store();
    for (const auto name : {"routers", "ports", "loadbalancers", "volumes"}) {
        store.set_pricelist_param(env.pricelist(), name, ""); // a cleared tariff field
    }
    const auto item = env.add_vdc();
    const auto project = open_vdc(env, item);
    CHECK(env.param(item, "limit_ports").empty());
    const auto& admin = env.admin();
    // Admins change quotas in OpenStack directly.
    api::set_compute_quota(admin, project, {{"cores", 12}});
    api::set_network_quota(admin, project, {{"router", 7}});

    const auto result = sync_all(env);
    require_ok(result);
    auto summary = summary_of(result);
    CHECK(summary["limits_changed"] == "1");
    CHECK(summary["drift"] == "1"); // cores: the tariff sells 8
    CHECK(env.param(item, "limit_cores") == "12");
    CHECK(env.param(item, "limit_ram_mib") == "16384");
    CHECK(env.param(item, "limit_routers") == "7");
    const auto network = api::network_quota(admin, project);
    CHECK(env.param(item, "limit_ports") == std::to_string(network.at("port")));
    CHECK(env.param(item, "limit_volumes") ==
          std::to_string(api::volume_quota(admin, project).at("volumes")));
    CHECK(env.param(item, "limit_loadbalancers") ==
          std::to_string(api::lb_quota(admin, project).at("load_balancer")));
    // Only limit_<name> is written: a loaded value never becomes an override.
    for (const auto name : {"cores", "routers", "ports", "loadbalancers", "volumes"}) {
        CHECK(env.param(item, name).empty());
    }
    const auto again = sync_all(env);
    require_ok(again);
    CHECK(summary_of(again)["limits_changed"] == "0");
    require_ok(env.run("close", item));
}

TEST_CASE("vdc_sync_all: a VDC whose project is gone from Keystone is marked deleted with its "
          "objects",
          "[cloud]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    const auto item = env.add_vdc();
    const auto project = open_vdc(env, item);
    const auto network = open_object(env, item, "network", {{"cidr", "10.25.0.0/24"}});
    const auto other = env.add_vdc();
    open_vdc(env, other);
    const auto& admin = env.admin();
    REQUIRE(api::delete_project(admin, project)); // its network stays in Neutron

    const auto result = sync_all(env);
    require_ok(result);
    auto summary = summary_of(result);
    CHECK(summary["vdcs_deleted"] == "1");
    CHECK(env.status(item) == store::ItemStatus::deleted);
    CHECK(env.object(network).status == ObjectStatus::deleted);
    CHECK(env.status(other) == store::ItemStatus::active);
    // Keystone left the network behind: the log says so.
    CHECK(read_file(env.log_file()).find("1 of its objects are still in OpenStack") !=
          std::string::npos);
    // Deleted items are no longer synced.
    CHECK(summary_of(sync_all(env))["vdcs"] == "1");
    (void)api::delete_network(admin, env.object(network).external_id);
    require_ok(env.run("close", other));
}

} // namespace pm::test
