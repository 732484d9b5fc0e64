// PROBE D5: vdc_sync_all marks an object deleted only when OpenStack confirms it is gone (a
// GET of the object itself answers 404), never on the word of one listing that may be
// incomplete; and an object marked deleted that OpenStack still has is active again.
#include <catch2/catch.hpp>

#include "openstack_checks.hpp"
#include "pmopenstack/api/services.hpp"
#include "test_openstack_sync_checks.hpp"

namespace pm::test {
namespace api = openstack::api;

namespace {

constexpr std::string_view k_volume_list =
    "/volume/v3/ad0000000000400080000000000000a1/volumes/detail";

struct Vdc {
    ItemId item;
    std::string project;
    ObjectId network;
    ObjectId volume;
};

Vdc open_vdc_with_objects(OpenStackEnv& env) {
    const auto item = env.add_vdc();
    const auto project = open_vdc(env, item);
    const auto network = open_object(env, item, "network", {{"cidr", "10.5.0.0/24"}});
    const auto volume = open_object(env, item, "volume", {{"size_gb", "1"}});
    return {item, project, network, volume};
}

} // namespace

TEST_CASE("vdc_sync_all: an incomplete listing marks nothing deleted", "[sim]") {
    const OpenStackTarget target;
    const auto& sim = target.sim();
    OpenStackEnv env(target);
    const auto vdc = open_vdc_with_objects(env);
    const auto mode = GENERATE(as<std::string>{}, "empty", "blank_ids");
    CAPTURE(mode);
    for (const auto prefix : {std::string_view("/network/v2.0/networks"), k_volume_list}) {
        (void)sim.post(
            "/__sim__/fault/bad_list",
            fmt::format(R"({{"mode":"{}","count":1,"method":"GET","prefix":"{}"}})", mode, prefix));
    }
    sim.clear_requests();
    const auto result = sync_all(env);
    require_ok(result);
    CHECK(summary_of(result).at("marked_deleted") == "0");
    CHECK(env.object(vdc.network).status == store::ObjectStatus::active);
    CHECK(env.object(vdc.volume).status == store::ObjectStatus::active);
    // Each was asked for by itself, once.
    CHECK(sim.requests("GET /network/v2.0/networks/{id}") == 1);
    CHECK(sim.requests("GET /volume/v3/{project}/volumes/{id}") == 1);
    CHECK_THAT(read_file(env.log_file()), Catch::Contains("still in OpenStack: kept"));
    CHECK(sim.get("/__sim__/faults").root().at("list").items().empty());
}

TEST_CASE("vdc_sync_all: an object gone for sure is marked deleted after its own 404", "[sim]") {
    const OpenStackTarget target;
    const auto& sim = target.sim();
    OpenStackEnv env(target);
    const auto vdc = open_vdc_with_objects(env);
    sim.clear_requests();
    require_ok(sync_all(env)); // in step: no object is asked for by itself
    CHECK(sim.requests("GET /network/v2.0/networks/{id}") == 0);
    CHECK(sim.requests("GET /volume/v3/{project}/volumes/{id}") == 0);
    REQUIRE(api::delete_network(env.admin(), env.object(vdc.network).external_id));
    sim.clear_requests();
    const auto result = sync_all(env);
    require_ok(result);
    CHECK(summary_of(result).at("marked_deleted") == "1");
    CHECK(env.object(vdc.network).status == store::ObjectStatus::deleted);
    CHECK(env.object(vdc.volume).status == store::ObjectStatus::active);
    CHECK(sim.requests("GET /network/v2.0/networks/{id}") == 1);
    CHECK(sim.requests("GET /volume/v3/{project}/volumes/{id}") == 0);
}

TEST_CASE("vdc_sync_all: an object marked deleted that OpenStack still has is revived", "[sim]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    const auto vdc = open_vdc_with_objects(env);
    const auto network_id = env.object(vdc.network).external_id;
    env.store().set_object_status(vdc.network, store::ObjectStatus::deleted);
    env.store().set_object_status(vdc.volume, store::ObjectStatus::closed);

    const auto dry = sync_all(env, {"--dry-run"});
    require_ok(dry);
    CHECK(summary_of(dry).at("revived") == "1");
    CHECK_THAT(dry.out, Catch::Contains(R"("action":"revive")"));
    CHECK(env.object(vdc.network).status == store::ObjectStatus::deleted);

    const auto result = sync_all(env);
    require_ok(result);
    const auto summary = summary_of(result);
    CHECK(summary.at("revived") == "1");
    CHECK(summary.at("added") == "0");
    CHECK(env.object(vdc.network).status == store::ObjectStatus::active);
    CHECK(env.object(vdc.network).external_id == network_id);
    // A closed object stays history, whatever OpenStack still holds.
    CHECK(env.object(vdc.volume).status == store::ObjectStatus::closed);
    CHECK(summary_of(sync_all(env)).at("revived") == "0");
}

} // namespace pm::test
