// pmopenstack VDC lifecycle end to end: open, setparam, suspend, resume, close, check_connection
// and vdc_stat, through the real binary. [cloud] tests run on the simulator and, with
// PM_OPENSTACK_TARGET=real, on the real services; they check outcomes through the API.
#include <algorithm>
#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "openstack_checks.hpp"
#include "pmopenstack/api/services.hpp"

namespace pm::test {
namespace api = openstack::api;

TEST_CASE("pmopenstack open: project, user, member role and quotas of every service", "[cloud]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    const auto item = env.add_vdc({{"cores", "12"}}); // an item override beats the tariff
    const auto project_id = open_vdc(env, item);
    const auto user_id = env.param(item, "user_id");

    const auto project = api::get_project(env.admin(), project_id);
    REQUIRE(project);
    CHECK(project->name == env.prefix() + "-1-" + std::to_string(item.value()));
    CHECK(project->description == "pm item " + std::to_string(item.value()));
    CHECK(project->enabled);
    const auto user = api::get_user(env.admin(), user_id);
    REQUIRE(user);
    CHECK(user->name == project->name);
    const auto member = api::find_role(env.admin(), "member");
    REQUIRE(member);
    CHECK(api::has_role(env.admin(), project_id, user_id, member->id));

    const auto compute = api::compute_quota(env.admin(), project_id);
    CHECK(compute.at("cores") == 12);
    CHECK(compute.at("ram") == 16384);
    CHECK(compute.at("instances") == 4);
    const auto volume = api::volume_quota(env.admin(), project_id);
    CHECK(volume.at("volumes") == 6);
    CHECK(volume.at("gigabytes") == 100);
    const auto network = api::network_quota(env.admin(), project_id);
    CHECK(network.at("network") == 3);
    CHECK(network.at("subnet") == 3);
    CHECK(network.at("router") == 2);
    CHECK(network.at("port") == 30);
    CHECK(api::lb_quota(env.admin(), project_id).at("load_balancer") == 2);
    CHECK(env.param(item, "limit_cores") == "12");
    CHECK(env.status(item) == store::ItemStatus::active);

    SECTION("a second open finds everything and creates nothing") {
        require_ok(env.run("open", item));
        CHECK(env.param(item, "project_id") == project_id);
        CHECK(env.param(item, "user_id") == user_id);
        CHECK(api::find_project(env.admin(), project->name, project->domain_id)->id == project_id);
    }
    SECTION("close removes the user and the project, and closing again succeeds") {
        require_ok(env.run("close", item));
        CHECK_FALSE(api::get_project(env.admin(), project_id));
        CHECK_FALSE(api::get_user(env.admin(), user_id));
        CHECK(env.status(item) == store::ItemStatus::closed);
        require_ok(env.run("close", item));
    }
    if (env.status(item) != store::ItemStatus::closed) {
        require_ok(env.run("close", item));
    }
}

TEST_CASE("pmopenstack open: the project name comes from the item when it gives one", "[cloud]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    const auto name = env.prefix() + "-acme";
    const auto item = env.add_vdc({{"project_name", name}, {"username", name + "-admin"}});
    const auto project_id = open_vdc(env, item);
    CHECK(api::get_project(env.admin(), project_id)->name == name);
    CHECK(api::get_user(env.admin(), env.param(item, "user_id"))->name == name + "-admin");

    SECTION("another item asking for the same name is refused, nothing is taken over") {
        const auto other = env.add_vdc({{"project_name", name}});
        OperationId op;
        const auto result = env.run("open", other, &op);
        CHECK(result.exit_code == 1);
        CHECK_THAT(env.operation(op).error, Catch::Contains("did not create"));
        CHECK(env.param(other, "project_id").empty());
    }
    require_ok(env.run("close", item));
}

TEST_CASE("pmopenstack setparam: changed limits reach the services", "[cloud]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    const auto item = env.add_vdc();
    const auto project = open_vdc(env, item);
    env.store().set_item_param(item, "cores", "16");
    env.store().set_item_param(item, "gigabytes", "250");
    env.store().set_pricelist_param(env.pricelist(), "loadbalancers", "5");
    require_ok(env.run("setparam", item));
    CHECK(api::compute_quota(env.admin(), project).at("cores") == 16);
    CHECK(api::volume_quota(env.admin(), project).at("gigabytes") == 250);
    CHECK(api::lb_quota(env.admin(), project).at("load_balancer") == 5);
    CHECK(env.param(item, "limit_gigabytes") == "250");

    SECTION("a bad limit is a configuration error that changes nothing") {
        env.store().set_item_param(item, "cores", "lots");
        OperationId op;
        CHECK(env.run("setparam", item, &op).exit_code == 2);
        CHECK_THAT(env.operation(op).error, Catch::Contains("cores"));
        CHECK(api::compute_quota(env.admin(), project).at("cores") == 16);
    }
    require_ok(env.run("close", item));
}

TEST_CASE("pmopenstack open and setparam with parallel_requests off: the same VDC, one request "
          "after another",
          "[cloud]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    env.store().set_module_param(env.module(), "parallel_requests", "off");
    const auto item = env.add_vdc({{"cores", "12"}});
    const auto project = open_vdc(env, item);
    CHECK(api::compute_quota(env.admin(), project).at("cores") == 12);
    CHECK(api::lb_quota(env.admin(), project).at("load_balancer") == 2);
    const auto user_id = env.param(item, "user_id");
    CHECK(api::has_role(env.admin(), project, user_id, api::find_role(env.admin(), "member")->id));
    env.store().set_item_param(item, "cores", "16");
    require_ok(env.run("setparam", item));
    CHECK(api::compute_quota(env.admin(), project).at("cores") == 16);

    SECTION("a value that is neither on nor off is a configuration error that changes nothing") {
        env.store().set_module_param(env.module(), "parallel_requests", "sometimes");
        env.store().set_item_param(item, "cores", "20");
        OperationId op;
        CHECK(env.run("setparam", item, &op).exit_code == 2);
        CHECK_THAT(env.operation(op).error, Catch::Contains("parallel_requests"));
        CHECK(api::compute_quota(env.admin(), project).at("cores") == 16);
        env.store().set_module_param(env.module(), "parallel_requests", "off");
    }
    require_ok(env.run("close", item));
}

TEST_CASE("pmopenstack suspend and resume: only the servers suspend stopped start again",
          "[cloud]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    const auto item = env.add_vdc();
    const auto project = open_vdc(env, item);
    const auto network = open_object(env, item, "network", {{"cidr", "10.1.0.0/24"}});
    const ParamMap vm{
        {"flavor", "m1.tiny"}, {"image", "cirros"}, {"network", std::to_string(network.value())}};
    const auto running = open_object(env, item, "vm", vm);
    const auto stopped = open_object(env, item, "vm", vm);
    const auto stopped_id = env.object(stopped).external_id;
    REQUIRE(api::server_power(env.admin(), stopped_id, api::Power::stop));
    const auto wait_status = [&](const std::string& id, const std::string& status) {
        for (int i = 0; i < 600; ++i) {
            if (api::get_server(env.admin(), id)->status == status) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return false;
    };
    REQUIRE(wait_status(stopped_id, "SHUTOFF"));

    require_ok(env.run("suspend", item));
    CHECK(env.status(item) == store::ItemStatus::suspended);
    CHECK_FALSE(api::get_project(env.admin(), project)->enabled);
    CHECK_FALSE(api::get_user(env.admin(), env.param(item, "user_id"))->enabled);
    const auto running_id = env.object(running).external_id;
    CHECK(api::get_server(env.admin(), running_id)->status == "SHUTOFF");
    CHECK(env.param(item, "suspend_stopped") == running_id);
    require_ok(env.run("suspend", item)); // again: nothing more to do

    require_ok(env.run("resume", item));
    CHECK(env.status(item) == store::ItemStatus::active);
    CHECK(api::get_project(env.admin(), project)->enabled);
    CHECK(api::get_user(env.admin(), env.param(item, "user_id"))->enabled);
    CHECK(api::get_server(env.admin(), running_id)->status == "ACTIVE");
    CHECK(api::get_server(env.admin(), stopped_id)->status == "SHUTOFF");
    CHECK(env.param(item, "suspend_stopped").empty());
    require_ok(env.run("close", item));
}

TEST_CASE("pmopenstack check_connection: token, catalog, roles and external network", "[cloud]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    const auto ok = env.run_module("check_connection");
    require_ok(ok);
    CHECK_THAT(ok.out, Catch::Contains("\"compute\":\"http://"));
    CHECK_THAT(ok.out, Catch::Contains("\"load_balancer\""));

    SECTION("a wrong password is a configuration error") {
        env.store().set_module_param(env.module(), "password", "wrong-Secret-9");
        const auto bad = env.run_module("check_connection");
        CHECK(bad.exit_code == 2);
        CHECK_THAT(bad.out, Catch::Contains("cannot log in"));
        CHECK_THAT(bad.out + bad.err, !Catch::Contains("wrong-Secret-9"));
    }
    SECTION("a region without endpoints is a configuration error") {
        env.store().set_module_param(env.module(), "region", "Nowhere");
        const auto bad = env.run_module("check_connection");
        CHECK(bad.exit_code == 2);
        CHECK_THAT(bad.out, Catch::Contains("no Nova endpoint"));
    }
    SECTION("an unknown external network is a configuration error") {
        env.store().set_module_param(env.module(), "external_network", "no-such-net");
        CHECK(env.run_module("check_connection").exit_code == 2);
    }
}

TEST_CASE("pmopenstack vdc_stat: usage and object counts of every open VDC", "[cloud]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    const auto item = env.add_vdc();
    open_vdc(env, item);
    const auto network = open_object(env, item, "network", {{"cidr", "10.2.0.0/24"}});
    open_object(env, item, "vm",
                {{"flavor", "m1.small"},
                 {"image", "cirros"},
                 {"network", std::to_string(network.value())}});
    open_object(env, item, "volume", {{"size_gb", "3"}});
    open_object(env, item, "volume", {{"size_gb", "2"}});
    const auto idle = env.add_vdc(); // ordered, never opened: no statistics

    require_ok(env.run_module("vdc_stat"));
    const auto stats = env.store().item_stats(item);
    const auto value = [&](const std::string& name) {
        double latest = -1;
        std::string date;
        for (const auto& stat : stats) {
            if (stat.name == name && stat.date >= date) {
                date = stat.date;
                latest = stat.value;
            }
        }
        return latest;
    };
    CHECK(value("vm_count") == 1);
    CHECK(value("volume_count") == 2);
    CHECK(value("volume_gb") == 5);
    CHECK(value("network_count") == 1);
    CHECK(value("vcpu_hours") >= 0);
    CHECK(value("ram_mb_hours") >= 0);
    CHECK(env.store().item_stats(idle).empty());
    require_ok(env.run("close", item));
}

} // namespace pm::test
