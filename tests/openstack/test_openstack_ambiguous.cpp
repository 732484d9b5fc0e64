// PROBE D1: every create of pmopenstack meets a reply that leaves it unclear whether the
// service acted — the service creates the object and a gateway answers 503 or 429, or the
// connection drops (the simulator's act_then faults). The same run looks the object up by its
// mark before creating again: exactly one remote object exists afterwards and the store
// holds its id.
#include <catch2/catch.hpp>

#include "openstack_checks.hpp"
#include "pmopenstack/api/services.hpp"

namespace pm::test {
namespace api = openstack::api;

namespace {

// The next `method` request under `prefix` is carried out, then answered with `status`
// ("503", "429" or "drop").
void act_then(const OpenStackSim& sim, const std::string& status, std::string_view method,
              std::string_view prefix) {
    const auto value = status == "drop" ? std::string(R"("drop")") : status;
    (void)sim.post("/__sim__/fault/act_then", R"({"count":1,"status":)" + value + R"(,"method":")" +
                                                  std::string(method) + R"(","prefix":")" +
                                                  std::string(prefix) + R"("})");
}

// Every act_then fault was used up (the module did send the request).
void check_faults_used(const OpenStackSim& sim) {
    CHECK(sim.get("/__sim__/faults").root().at("list").items().empty());
}

} // namespace

TEST_CASE("pmopenstack: an ambiguous reply to any create leaves exactly one object", "[sim]") {
    const auto status = GENERATE(as<std::string>{}, "503", "429", "drop");
    CAPTURE(status);
    const OpenStackTarget target;
    const auto& sim = target.sim();
    OpenStackEnv env(target);
    const auto& admin = env.admin();

    // Keystone: the project, then (another VDC) the user.
    const auto first = env.add_vdc();
    act_then(sim, status, "POST", "/identity/v3/projects");
    const auto project = open_vdc(env, first);
    check_faults_used(sim);
    const auto second = env.add_vdc();
    act_then(sim, status, "POST", "/identity/v3/users");
    open_vdc(env, second);
    check_faults_used(sim);
    for (const auto item : {first, second}) {
        const auto found = api::get_project(admin, env.param(item, "project_id"));
        REQUIRE(found);
        CHECK(api::find_project(admin, found->name, found->domain_id)->id == found->id);
        const auto user = api::get_user(admin, env.param(item, "user_id"));
        REQUIRE(user);
        CHECK(api::find_user(admin, user->name, found->domain_id)->id == user->id);
    }

    // Neutron: a network (its create, then its subnet's), a router, an interface.
    act_then(sim, status, "POST", "/network/v2.0/networks");
    const auto network = open_object(env, first, "network", {{"cidr", "10.6.0.0/24"}});
    check_faults_used(sim);
    act_then(sim, status, "POST", "/network/v2.0/subnets");
    const auto other = open_object(env, first, "network", {{"cidr", "10.7.0.0/24"}});
    check_faults_used(sim);
    const auto networks = api::project_networks(admin, project);
    REQUIRE(networks.size() == 2);
    for (const auto object : {network, other}) {
        const auto id = env.object(object).external_id;
        const auto subnets = api::network_subnets(admin, id);
        REQUIRE(subnets.size() == 1);
        CHECK(env.object_param(object, "subnet_id") == subnets.front().id);
    }
    act_then(sim, status, "POST", "/network/v2.0/routers");
    const auto router = open_object(env, first, "router");
    check_faults_used(sim);
    const auto routers = api::project_routers(admin, project);
    REQUIRE(routers.size() == 1);
    CHECK(env.object(router).external_id == routers.front().id);
    act_then(sim, status, "PUT", "/network/v2.0/routers/");
    const auto interface = open_object(
        env, first, "router_interface",
        {{"router", std::to_string(router.value())}, {"network", std::to_string(network.value())}});
    check_faults_used(sim);
    const auto ports = api::router_interfaces(admin, routers.front().id);
    REQUIRE(ports.size() == 1);
    CHECK(env.object(interface).external_id == ports.front().id);

    // Nova, Cinder, Octavia.
    const auto net = std::to_string(network.value());
    act_then(sim, status, "POST", "/compute/v2.1/servers");
    const auto vm = open_object(env, first, "vm",
                                {{"flavor", "m1.tiny"}, {"image", "cirros"}, {"network", net}});
    check_faults_used(sim);
    const auto servers = api::project_servers(admin, project);
    REQUIRE(servers.size() == 1);
    CHECK(env.object(vm).external_id == servers.front().id);
    act_then(sim, status, "POST", "/volume/v3/");
    const auto volume = open_object(env, first, "volume", {{"size_gb", "1"}});
    check_faults_used(sim);
    const auto volumes = api::project_volumes(admin, project);
    REQUIRE(volumes.size() == 1);
    CHECK(env.object(volume).external_id == volumes.front().id);
    act_then(sim, status, "POST", "/load-balancer/v2/lbaas/loadbalancers");
    const auto lb = open_object(env, first, "loadbalancer", {{"network", net}});
    check_faults_used(sim);
    const auto lbs = api::project_loadbalancers(admin, project);
    REQUIRE(lbs.size() == 1);
    CHECK(env.object(lb).external_id == lbs.front().id);

    const auto log = read_file(env.log_file());
    CHECK_THAT(log, Catch::Contains("exists after all"));
    CHECK_THAT(log, !Catch::Contains("Quota exceeded"));
    require_ok(env.run("close", first));
    require_ok(env.run("close", second));
}

TEST_CASE("pmopenstack: a create that fails for sure is not looked up nor repeated", "[sim]") {
    const OpenStackTarget target;
    const auto& sim = target.sim();
    OpenStackEnv env(target);
    const auto item = env.add_vdc();
    const auto project = open_vdc(env, item);
    (void)sim.post("/__sim__/fault/status",
                   R"({"status":400,"count":1,"method":"POST","prefix":"/network/v2.0/routers"})");
    const auto router = env.add_object(item, "router");
    sim.clear_requests();
    CHECK(env.run_object("vdc_router_open", router).exit_code == 1);
    CHECK(sim.requests("POST /network/v2.0/routers") == 1);
    CHECK(api::project_routers(env.admin(), project).empty());
}

} // namespace pm::test
