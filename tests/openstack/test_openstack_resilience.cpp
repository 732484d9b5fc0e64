// pmopenstack against the simulator's faults (ambiguous replies to creates are in
// test_openstack_ambiguous.cpp): SIGKILL in the middle of a wait,
// 503 bursts and 429s, expired tokens, failed builds, and secrets kept out of the log.
#include <csignal>
#include <thread>

#include <catch2/catch.hpp>

#include "openstack_checks.hpp"
#include "pmopenstack/api/services.hpp"

namespace pm::test {
namespace api = openstack::api;

namespace {

void fault(const OpenStackSim& sim, std::string_view kind, std::string_view body) {
    (void)sim.post("/__sim__/fault/" + std::string(kind), body);
}

} // namespace

TEST_CASE("pmopenstack vm_open: SIGKILL while the server builds, then a rerun", "[sim]") {
    const OpenStackTarget target({"--build-seconds", "server_build=3"});
    OpenStackEnv env(target);
    const auto item = env.add_vdc();
    const auto project = open_vdc(env, item);
    const auto vm = env.add_object(item, "vm", {{"flavor", "m1.tiny"}, {"image", "cirros"}});
    auto process = env.spawn("vdc_vm_open", item, vm);
    for (int i = 0; i < 200 && env.object(vm).external_id.empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE_FALSE(env.object(vm).external_id.empty());
    process.kill(SIGKILL);
    (void)process.wait();
    require_ok(env.run_object("vdc_vm_open", vm));
    CHECK(api::project_servers(env.admin(), project).size() == 1);
    CHECK(api::get_server(env.admin(), env.object(vm).external_id)->status == "ACTIVE");
    require_ok(env.run("close", item));
}

TEST_CASE("pmopenstack vm_open: a failed build is reported, and the rerun builds anew", "[sim]") {
    const OpenStackTarget target;
    const auto& sim = target.sim();
    OpenStackEnv env(target);
    const auto item = env.add_vdc();
    const auto project = open_vdc(env, item);
    (void)sim.post("/__sim__/fail",
                   R"({"kind":"server_build","count":1,"message":"No valid host was found."})");
    const auto vm = env.add_object(item, "vm", {{"flavor", "m1.tiny"}, {"image", "cirros"}});
    OperationId op;
    CHECK(env.run_object("vdc_vm_open", vm, &op).exit_code == 1);
    CHECK_THAT(env.operation(op).error, Catch::Contains("No valid host was found"));
    CHECK(env.object(vm).status == store::ObjectStatus::error);
    const auto failed = env.object(vm).external_id;
    require_ok(env.run_object("vdc_vm_open", vm));
    CHECK(env.object(vm).external_id != failed);
    CHECK_FALSE(api::get_server(env.admin(), failed));
    CHECK(api::project_servers(env.admin(), project).size() == 1);
    require_ok(env.run("close", item));
}

TEST_CASE("pmopenstack: 503 bursts and 429s are waited out", "[sim]") {
    const OpenStackTarget target;
    const auto& sim = target.sim();
    OpenStackEnv env(target);
    const auto item = env.add_vdc();
    fault(sim, "503", R"({"count":2,"prefix":"/identity/v3/projects","method":"GET"})");
    fault(sim, "429", R"({"count":1,"retry_after":1,"prefix":"/compute/v2.1/os-quota-sets"})");
    fault(sim, "503", R"({"count":1,"prefix":"/network/v2.0/quotas","method":"PUT"})");
    require_ok(env.run("open", item));
    const auto project = env.param(item, "project_id");
    CHECK(api::network_quota(env.admin(), project).at("network") == 3);

    SECTION("a burst longer than the retries is a temporary failure (exit 3)") {
        fault(sim, "503", R"({"count":50,"prefix":"/identity/v3/projects"})");
        OperationId op;
        CHECK(env.run("suspend", item, &op).exit_code == 3);
        CHECK(env.operation(op).status == store::OperationStatus::error);
        (void)sim.get("/__sim__/faults");
        (void)sim.post("/__sim__/reset");
    }
}

TEST_CASE("pmopenstack: an expired token is replaced once and the command goes on", "[sim]") {
    const OpenStackTarget target;
    const auto& sim = target.sim();
    OpenStackEnv env(target);
    const auto item = env.add_vdc();
    open_vdc(env, item);
    const auto logins = sim.requests("POST /identity/v3/auth/tokens");
    (void)sim.post("/__sim__/tokens/expire");
    require_ok(env.run("setparam", item));
    CHECK(sim.requests("POST /identity/v3/auth/tokens") == logins + 1);
    require_ok(env.run("suspend", item)); // the new token is cached: no more logins
    CHECK(sim.requests("POST /identity/v3/auth/tokens") == logins + 1);
    require_ok(env.run("close", item));
}

TEST_CASE("pmopenstack: no password or token reaches the log, stdout or the store", "[sim]") {
    const OpenStackTarget target({"--admin-password", "Adm1n-Sim-Secret"});
    OpenStackEnv env(target);
    env.store().set_module_param(env.module(), "password", "Adm1n-Sim-Secret");
    const auto item = env.add_vdc({{"password", "Cust0mer-Secret"}});
    open_vdc(env, item);
    const auto vm = env.add_object(item, "vm", {{"flavor", "m1.tiny"}, {"image", "cirros"}});
    const auto result = env.run_object("vdc_vm_open", vm);
    require_ok(result);
    const auto log = read_file(env.log_file());
    CHECK_THAT(log, Catch::Contains("POST"));
    CHECK_THAT(log, !Catch::Contains("Adm1n-Sim-Secret"));
    CHECK_THAT(log, !Catch::Contains("Cust0mer-Secret"));
    for (const auto& entry : std::filesystem::directory_iterator(env.dir() / "cache")) {
        const auto cached = read_file(entry.path());
        const auto token_at = cached.find("\"token\"");
        if (token_at == std::string::npos) {
            continue;
        }
        const auto start = cached.find('"', cached.find(':', token_at)) + 1;
        const auto token = cached.substr(start, cached.find('"', start) - start);
        REQUIRE(token.size() > 8);
        CHECK_THAT(log, !Catch::Contains(token));
        CHECK_THAT(result.out + result.err, !Catch::Contains(token));
    }
    require_ok(env.run("close", item));
}

TEST_CASE("pmopenstack open: requests of a cold and a warm open", "[sim]") {
    const OpenStackTarget target;
    const auto& sim = target.sim();
    OpenStackEnv env(target);
    sim.clear_requests();
    open_vdc(env, env.add_vdc());
    const auto cold = sim.total_requests();
    sim.clear_requests();
    open_vdc(env, env.add_vdc());
    const auto warm = sim.total_requests();
    CHECK(warm == cold - 1); // the cached token saves the login
    CHECK(warm <= 12);
}

} // namespace pm::test

namespace pm::test {

TEST_CASE("pmopenstack vdc_stat: usage spread over pages is added up per VDC", "[sim]") {
    const OpenStackTarget target;
    const auto& sim = target.sim();
    OpenStackEnv env(target);
    const auto first = env.add_vdc();
    const auto second = env.add_vdc();
    open_vdc(env, first);
    open_vdc(env, second);
    const ParamMap small{{"flavor", "m1.small"}, {"image", "cirros"}}; // 1 vCPU, 2048 MB, 20 GB
    open_object(env, first, "vm", small);
    open_object(env, first, "vm", small);
    open_object(env, second, "vm", small);
    // Everything happened two hours ago; pages of one instance each.
    (void)sim.post("/__sim__/time/shift", R"({"seconds":7200,"kind":"server"})");
    (void)sim.post("/__sim__/config", R"({"page_cap":1})");
    sim.clear_requests();
    require_ok(env.run_module("vdc_stat"));
    CHECK(sim.requests("GET /compute/v2.1/os-simple-tenant-usage") >= 3);

    // Two hours fall into today and yesterday (UTC) in some proportion: their sum is fixed.
    const auto total = [&](ItemId item, const std::string& name) {
        double sum = 0;
        for (const auto& stat : env.store().item_stats(item)) {
            if (stat.name == name) {
                sum += stat.value;
            }
        }
        return sum;
    };
    CHECK(total(first, "vcpu_hours") == Approx(4.0).margin(0.05));
    CHECK(total(first, "ram_mb_hours") == Approx(2 * 2048 * 2.0).margin(0.05 * 2048));
    CHECK(total(first, "disk_gb_hours") == Approx(2 * 20 * 2.0).margin(0.05 * 20));
    CHECK(total(second, "vcpu_hours") == Approx(2.0).margin(0.05));
    CHECK(total(first, "vm_count") == 2);
    CHECK(total(second, "vm_count") == 1);
}

} // namespace pm::test

namespace pm::test {

TEST_CASE("pmopenstack close: one-item pages keep the project filter of every listing", "[sim]") {
    const OpenStackTarget target;
    const auto& sim = target.sim();
    OpenStackEnv env(target);
    std::vector<ItemId> items;
    std::vector<std::string> projects;
    for (int i = 0; i < 2; ++i) {
        items.push_back(env.add_vdc());
        projects.push_back(open_vdc(env, items.back()));
        const auto network = open_object(env, items.back(), "network",
                                         {{"cidr", "10.1" + std::to_string(i) + ".0.0/24"}});
        const auto net = std::to_string(network.value());
        for (int j = 0; j < 2; ++j) {
            open_object(env, items.back(), "loadbalancer", {{"network", net}});
            open_object(env, items.back(), "volume", {{"size_gb", "1"}});
            open_object(env, items.back(), "vm",
                        {{"flavor", "m1.tiny"}, {"image", "cirros"}, {"network", net}});
        }
    }
    (void)sim.post("/__sim__/config", R"({"page_cap":1,"neutron_pagination":true})");
    require_ok(env.run("close", items[0]));
    const auto& admin = env.admin();
    CHECK(api::project_loadbalancers(admin, projects[0]).empty());
    CHECK(api::project_servers(admin, projects[0]).empty());
    CHECK(api::project_volumes(admin, projects[0]).empty());
    CHECK(api::project_loadbalancers(admin, projects[1]).size() == 2);
    CHECK(api::project_servers(admin, projects[1]).size() == 2);
    CHECK(api::project_volumes(admin, projects[1]).size() == 2);
    CHECK(api::project_networks(admin, projects[1]).size() == 1);
    CHECK(sim.requests("GET /load-balancer/v2/lbaas/loadbalancers") >= 3);
}

} // namespace pm::test
