// pmopenstack VDC objects end to end: every vdc_*_open and vdc_*_close, the references between
// objects, closing what is already gone, and close of a VDC with every kind of object in it.
#include <catch2/catch.hpp>

#include "openstack_checks.hpp"
#include "pmopenstack/api/services.hpp"

namespace pm::test {
namespace api = openstack::api;

namespace {

struct Vdc {
    ItemId item;
    std::string project;
    ObjectId network;
    ObjectId router;
    ObjectId interface;
    ObjectId vm;
    ObjectId volume;
    ObjectId loadbalancer;
};

Vdc open_everything(OpenStackEnv& env) {
    Vdc vdc;
    vdc.item = env.add_vdc();
    vdc.project = open_vdc(env, vdc.item);
    vdc.network = open_object(env, vdc.item, "network", {{"cidr", "10.3.0.0/24"}});
    const auto network = std::to_string(vdc.network.value());
    vdc.router = open_object(env, vdc.item, "router");
    vdc.interface =
        open_object(env, vdc.item, "router_interface",
                    {{"router", std::to_string(vdc.router.value())}, {"network", network}});
    vdc.vm = open_object(env, vdc.item, "vm",
                         {{"flavor", "m1.tiny"}, {"image", "cirros"}, {"network", network}});
    vdc.volume = open_object(env, vdc.item, "volume", {{"size_gb", "1"}});
    vdc.loadbalancer = open_object(env, vdc.item, "loadbalancer", {{"network", network}});
    return vdc;
}

} // namespace

TEST_CASE("pmopenstack objects: every kind opens in the VDC's project", "[cloud]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    const auto vdc = open_everything(env);
    const auto& admin = env.admin();

    const auto network = api::get_network(admin, env.object(vdc.network).external_id);
    REQUIRE(network);
    CHECK(network->project_id == vdc.project);
    const auto subnet = api::get_subnet(admin, env.object_param(vdc.network, "subnet_id"));
    REQUIRE(subnet);
    CHECK(subnet->cidr == "10.3.0.0/24");
    CHECK(subnet->network_id == network->id);

    const auto router = api::get_router(admin, env.object(vdc.router).external_id);
    REQUIRE(router);
    CHECK(router->project_id == vdc.project);
    const auto external = api::find_external_network(admin, "public");
    REQUIRE(external);
    CHECK(router->gateway_network == external->id);

    const auto ports = api::router_interfaces(admin, router->id);
    REQUIRE(ports.size() == 1);
    CHECK(ports.front().id == env.object(vdc.interface).external_id);
    CHECK(ports.front().subnet_ids == std::vector<std::string>{subnet->id});

    const auto server = api::get_server(admin, env.object(vdc.vm).external_id);
    REQUIRE(server);
    CHECK(server->status == "ACTIVE");
    CHECK(server->project_id == vdc.project);
    const auto volume = api::get_volume(admin, env.object(vdc.volume).external_id);
    REQUIRE(volume);
    CHECK(volume->status == "available");
    CHECK(volume->project_id == vdc.project);
    const auto lb = api::get_loadbalancer(admin, env.object(vdc.loadbalancer).external_id);
    REQUIRE(lb);
    CHECK(lb->provisioning_status == "ACTIVE");
    CHECK(lb->project_id == vdc.project);
    CHECK(lb->vip_subnet_id == subnet->id);

    SECTION("opening again finds each object instead of creating another") {
        for (const auto& [type, object] :
             std::vector<std::pair<std::string, ObjectId>>{{"network", vdc.network},
                                                           {"router", vdc.router},
                                                           {"router_interface", vdc.interface},
                                                           {"vm", vdc.vm},
                                                           {"volume", vdc.volume},
                                                           {"loadbalancer", vdc.loadbalancer}}) {
            const auto before = env.object(object).external_id;
            require_ok(env.run_object("vdc_" + type + "_open", object));
            CHECK(env.object(object).external_id == before);
        }
        CHECK(api::project_servers(admin, vdc.project).size() == 1);
        CHECK(api::project_volumes(admin, vdc.project).size() == 1);
        CHECK(api::project_networks(admin, vdc.project).size() == 1);
        CHECK(api::project_routers(admin, vdc.project).size() == 1);
        CHECK(api::project_loadbalancers(admin, vdc.project).size() == 1);
        require_ok(env.run("close", vdc.item));
    }
    SECTION("each closes in reverse order, and closing again is success") {
        const std::vector<std::pair<std::string, ObjectId>> order{
            {"loadbalancer", vdc.loadbalancer},  {"vm", vdc.vm},         {"volume", vdc.volume},
            {"router_interface", vdc.interface}, {"router", vdc.router}, {"network", vdc.network}};
        for (const auto& [type, object] : order) {
            require_ok(env.run_object("vdc_" + type + "_close", object));
            CHECK(env.object(object).status == store::ObjectStatus::closed);
            require_ok(env.run_object("vdc_" + type + "_close", object));
        }
        CHECK(api::project_servers(admin, vdc.project).empty());
        CHECK(api::project_volumes(admin, vdc.project).empty());
        CHECK(api::project_networks(admin, vdc.project).empty());
        CHECK(api::project_routers(admin, vdc.project).empty());
        CHECK(api::project_loadbalancers(admin, vdc.project).empty());
        require_ok(env.run("close", vdc.item));
    }
    SECTION("close of the VDC removes every object, then the user and the project") {
        require_ok(env.run("close", vdc.item));
        CHECK(api::project_servers(admin, vdc.project).empty());
        CHECK(api::project_volumes(admin, vdc.project).empty());
        CHECK(api::project_networks(admin, vdc.project).empty());
        CHECK(api::project_routers(admin, vdc.project).empty());
        CHECK(api::project_loadbalancers(admin, vdc.project).empty());
        CHECK_FALSE(api::get_project(admin, vdc.project));
        for (const auto& object : env.store().objects(vdc.item)) {
            CHECK(object.status == store::ObjectStatus::closed);
        }
        require_ok(env.run("close", vdc.item));
    }
}

TEST_CASE("pmopenstack objects: a router with interfaces is not closed, with a clear error",
          "[cloud]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    const auto item = env.add_vdc();
    open_vdc(env, item);
    const auto network = open_object(env, item, "network", {{"cidr", "10.4.0.0/24"}});
    const auto router = open_object(env, item, "router");
    open_object(
        env, item, "router_interface",
        {{"router", std::to_string(router.value())}, {"network", std::to_string(network.value())}});
    OperationId op;
    CHECK(env.run_object("vdc_router_close", router, &op).exit_code == 1);
    CHECK_THAT(env.operation(op).error, Catch::Contains("close its router interfaces first"));
    CHECK(api::get_router(env.admin(), env.object(router).external_id));
    require_ok(env.run("close", item));
}

TEST_CASE("pmopenstack objects: bad references and params are refused before anything is made",
          "[cloud]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    const auto item = env.add_vdc();
    const auto project = open_vdc(env, item);
    OperationId op;
    SECTION("a VM on a network that is not open") {
        const auto network = env.add_object(item, "network");
        const auto vm = env.add_object(item, "vm",
                                       {{"flavor", "m1.tiny"},
                                        {"image", "cirros"},
                                        {"network", std::to_string(network.value())}});
        CHECK(env.run_object("vdc_vm_open", vm, &op).exit_code == 1);
        CHECK_THAT(env.operation(op).error, Catch::Contains("not open"));
    }
    SECTION("an unknown flavor") {
        const auto vm = env.add_object(item, "vm", {{"flavor", "m9.huge"}, {"image", "cirros"}});
        CHECK(env.run_object("vdc_vm_open", vm, &op).exit_code == 1);
        CHECK_THAT(env.operation(op).error, Catch::Contains("no flavor m9.huge"));
    }
    SECTION("a volume without a size") {
        const auto volume = env.add_object(item, "volume");
        CHECK(env.run_object("vdc_volume_open", volume, &op).exit_code == 2);
        CHECK_THAT(env.operation(op).error, Catch::Contains("size_gb"));
    }
    SECTION("an interface whose router belongs to another VDC") {
        const auto other = env.add_vdc();
        const auto router = env.add_object(other, "router");
        const auto interface =
            env.add_object(item, "router_interface",
                           {{"router", std::to_string(router.value())}, {"network", "1"}});
        CHECK(env.run_object("vdc_router_interface_open", interface, &op).exit_code == 1);
        CHECK_THAT(env.operation(op).error, Catch::Contains("not a router of the same VDC"));
    }
    CHECK(api::project_servers(env.admin(), project).empty());
    CHECK(api::project_volumes(env.admin(), project).empty());
    require_ok(env.run("close", item));
}

TEST_CASE("pmopenstack objects: over-quota refusals of each service reach the operation",
          "[cloud]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    env.store().set_pricelist_param(env.pricelist(), "instances", "1");
    env.store().set_pricelist_param(env.pricelist(), "gigabytes", "2");
    env.store().set_pricelist_param(env.pricelist(), "networks", "1");
    env.store().set_pricelist_param(env.pricelist(), "loadbalancers", "0");
    const auto item = env.add_vdc();
    open_vdc(env, item);
    const auto network = open_object(env, item, "network", {{"cidr", "10.5.0.0/24"}});
    const ParamMap vm{
        {"flavor", "m1.tiny"}, {"image", "cirros"}, {"network", std::to_string(network.value())}};
    open_object(env, item, "vm", vm);
    const auto expect_over_quota = [&](const std::string& type, const ParamMap& params,
                                       const std::string& service) {
        const auto object = env.add_object(item, type, params);
        OperationId op;
        CHECK(env.run_object("vdc_" + type + "_open", object, &op).exit_code == 1);
        const auto error = env.operation(op).error;
        CHECK_THAT(error, Catch::Contains(service) && Catch::Contains("over quota"));
        CHECK(env.object(object).external_id.empty());
    };
    expect_over_quota("vm", vm, "Nova");
    expect_over_quota("volume", {{"size_gb", "5"}}, "Cinder");
    expect_over_quota("network", {}, "Neutron");
    expect_over_quota("loadbalancer", {{"network", std::to_string(network.value())}}, "Octavia");
    require_ok(env.run("close", item));
}

} // namespace pm::test
