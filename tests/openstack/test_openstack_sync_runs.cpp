// pmopenstack vdc_sync_all runs against the simulator's knobs and faults: pagination edges,
// 503 bursts and failed listings, --dry-run, two syncs at once, several modules, bad input.
#include <regex>
#include <set>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "pm/file_lock.hpp"

#include "openstack_checks.hpp"
#include "support/test_store.hpp"
#include "test_openstack_sync_checks.hpp"

namespace pm::test {
namespace {

constexpr std::string_view k_mix =
    R"({"servers":6,"volumes":6,"networks":6,"routers":3,"interfaces":6,"loadbalancers":3})";
constexpr int k_mix_objects = 30;

// A VDC of a seeded project as the store sees it after drifting from OpenStack: none of its
// objects known, one object OpenStack does not have, one without external id, no limits.
struct Drifted {
    ItemId item;
    std::string project;
    ObjectId gone;
    ObjectId orphan;
};

Drifted drifted_vdc(const OpenStackSim& sim, OpenStackEnv& env) {
    env.store().set_module_param(env.module(), "sync_grace", "0");
    const auto project = seed(sim, 1, k_mix).front();
    const auto item = add_seeded_vdc(env, project);
    store::NewObject gone{
        item, "volume", "gone", "00000000-0000-4000-8000-00000000dead", store::ObjectStatus::active,
        {}};
    const auto gone_id = env.store().create_object(gone);
    return {item, project, gone_id, env.add_object(item, "vm")};
}

void expect_drift_fixed(OpenStackEnv& env, const Drifted& vdc) {
    CHECK(objects_by_external_id(env, vdc.item).size() == k_mix_objects + 1);
    CHECK(env.object(vdc.gone).status == store::ObjectStatus::deleted);
    for (const auto& object : env.store().objects(vdc.item)) {
        CHECK_FALSE(object.external_id.empty()); // the orphan is gone
    }
    CHECK_FALSE(env.param(vdc.item, "limit_cores").empty());
}

// GET requests a listing of `n` objects takes, `page` at a time (Nova, Cinder, Neutron and
// Octavia put a next link on every full page: an exact multiple ends with an empty page).
std::int64_t pages(std::int64_t n, std::int64_t page, bool when_more) {
    return when_more ? std::max<std::int64_t>(1, (n + page - 1) / page) : n / page + 1;
}

void fault(const OpenStackSim& sim, std::string_view kind, std::string_view body) {
    (void)sim.post("/__sim__/fault/" + std::string(kind), body);
}

} // namespace

TEST_CASE("vdc_sync_all: pagination edges list everything exactly once", "[sim]") {
    struct Knobs {
        std::string name;
        int page_size;
        int page_cap; // Nova, Cinder and Octavia
        bool neutron_pagination;
        bool when_more;
    };
    const auto knobs = GENERATE(values<Knobs>({
        {"exact multiples of the page: empty last pages", 3, 1000, true, false},
        {"pages of one", 1, 1000, true, false},
        {"a page that does not divide", 4, 1000, true, false},
        {"the services' page cap below our limit", 1000, 4, true, false},
        {"Neutron pagination switched off", 2, 1000, false, false},
        {"next links only when more follow", 3, 1000, true, true},
    }));
    CAPTURE(knobs.name);
    const OpenStackTarget target;
    const auto& sim = target.sim();
    OpenStackEnv env(target);
    const auto vdc = drifted_vdc(sim, env);
    env.store().set_module_param(env.module(), "sync_page_size", std::to_string(knobs.page_size));
    (void)sim.post("/__sim__/config",
                   fmt::format(R"({{"page_cap":{},"neutron_pagination":{},"next_links":"{}"}})",
                               knobs.page_cap, knobs.neutron_pagination ? "true" : "false",
                               knobs.when_more ? "when_more" : "full_page"));
    sim.clear_requests();

    const auto result = sync_all(env);
    require_ok(result);
    CHECK(summary_of(result)["added"] == std::to_string(k_mix_objects));
    expect_drift_fixed(env, vdc);

    const auto capped = std::min(knobs.page_size, knobs.page_cap);
    const auto neutron = [&](std::int64_t n) {
        return knobs.neutron_pagination ? pages(n, knobs.page_size, knobs.when_more) : 1;
    };
    // Fixtures add the external network and its subnet to the seeded objects.
    CHECK(sim.requests("GET /compute/v2.1/servers/detail") == pages(6, capped, knobs.when_more));
    CHECK(sim.requests("GET /volume/v3/{project}/volumes/detail") ==
          pages(6, capped, knobs.when_more));
    // Octavia serves /v2 and /v2.0 (a catalog variant names the latter).
    CHECK(sim.requests("GET /load-balancer/v2/lbaas/loadbalancers") +
              sim.requests("GET /load-balancer/v2.0/lbaas/loadbalancers") ==
          pages(3, capped, knobs.when_more));
    CHECK(sim.requests("GET /network/v2.0/networks") == neutron(7));
    CHECK(sim.requests("GET /network/v2.0/subnets") == neutron(7));
    CHECK(sim.requests("GET /network/v2.0/routers") == neutron(3));
    CHECK(sim.requests("GET /network/v2.0/ports") == neutron(6));
}

TEST_CASE("vdc_sync_all: 503 bursts and 429s in the middle of the listing are waited out",
          "[sim]") {
    const OpenStackTarget target;
    const auto& sim = target.sim();
    OpenStackEnv env(target);
    const auto vdc = drifted_vdc(sim, env);
    env.store().set_module_param(env.module(), "sync_page_size", "2");
    fault(sim, "503", R"({"count":2,"prefix":"/compute/v2.1/servers/detail"})");
    fault(sim, "503", R"({"count":3,"prefix":"/volume/v3/"})");
    fault(sim, "429", R"({"count":2,"retry_after":1,"prefix":"/network/v2.0/ports"})");
    const auto result = sync_all(env);
    require_ok(result);
    CHECK(result.err.empty()); // not a terminal: no progress line
    CHECK(summary_of(result)["added"] == std::to_string(k_mix_objects));
    expect_drift_fixed(env, vdc);
    const auto counters = sim.get("/__sim__/counters");
    CHECK(counters.root().at("faults").at("503").as_int64() == 5);
    CHECK(counters.root().at("faults").at("429").as_int64() == 2);
}

TEST_CASE("vdc_sync_all: a listing that fails changes nothing and exits 3, the next run "
          "completes",
          "[sim]") {
    const OpenStackTarget target;
    const auto& sim = target.sim();
    OpenStackEnv env(target);
    const auto vdc = drifted_vdc(sim, env);
    const auto which = GENERATE(as<std::string>{}, "503 past the retries", "dropped connections");
    CAPTURE(which);
    if (which == "503 past the retries") {
        fault(sim, "status",
              R"({"status":503,"retry_after":0,"count":1000,"prefix":"/network/v2.0/routers"})");
    } else {
        // Retried until the module's deadline: op_timeout bounds the whole sync.
        env.store().set_module_param(env.module(), "op_timeout", "4");
        fault(sim, "drop", R"({"count":100000,"prefix":"/compute/v2.1/servers/detail"})");
    }
    const auto before = store_dump(env);
    const auto failed = sync_all(env);
    CHECK(failed.exit_code == 3);
    CHECK(failed.out.find(R"("ok":false)") != std::string::npos);
    CHECK(store_dump(env) == before);

    // Forget the faults left; the simulator makes the same ids again after a reset, so the
    // seeded project comes back as it was.
    (void)sim.post("/__sim__/reset", "{}");
    REQUIRE(seed(sim, 1, k_mix).front() == vdc.project);
    env.store().set_module_param(env.module(), "op_timeout", "120");
    require_ok(sync_all(env));
    expect_drift_fixed(env, vdc);
}

TEST_CASE("vdc_sync_all: a sync that fails halfway leaves whole VDCs done or untouched, the "
          "next run completes",
          "[sim]") {
    const OpenStackTarget target;
    const auto& sim = target.sim();
    OpenStackEnv env(target);
    // 40 VDCs of 31 changes each (30 adds, the limits): transactions of 16 VDCs.
    const auto projects = seed(sim, 40, k_mix);
    std::vector<ItemId> items;
    for (const auto& project : projects) {
        items.push_back(add_seeded_vdc(env, project));
    }
    // The disk fills up when the last VDC's first server is written.
    const auto last = sim_objects(sim, "servers", projects.back());
    const auto doomed = last.root().at("list").at(std::size_t{0}).at("id").as_string();
    const auto db = (env.dir() / "billing.db").string();
    const auto sql = [&](const std::string& statement) {
        const auto done = run({"/usr/bin/sqlite3", db, statement}); // Debian package sqlite3
        INFO(done.err);
        REQUIRE(done.exit_code == 0);
    };
    sql(fmt::format("CREATE TRIGGER full BEFORE INSERT ON vdcobject WHEN NEW.external_id = '{}' "
                    "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
                    doomed));
    const auto failed = sync_all(env);
    CHECK(failed.exit_code == 4);
    CHECK(failed.out.find("disk is full") != std::string::npos);
    std::size_t done = 0;
    for (const auto item : items) {
        const auto count = env.store().objects(item).size();
        const bool limits = !env.param(item, "limit_cores").empty();
        CAPTURE(item.value(), count);
        CHECK((count == 0 || count == static_cast<std::size_t>(k_mix_objects)));
        CHECK(limits == (count != 0)); // a VDC is synced whole or not at all
        done += count == 0 ? 0 : 1;
    }
    CHECK(done >= 16);          // the transactions before the failing one stay
    CHECK(done < items.size()); // the failing one is rolled back
    CHECK(env.store().objects(items.back()).empty());

    sql("DROP TRIGGER full");
    const auto again = sync_all(env);
    require_ok(again);
    CHECK(summary_of(again)["added"] ==
          std::to_string((items.size() - done) * static_cast<std::size_t>(k_mix_objects)));
    for (const auto item : items) {
        CHECK(objects_by_external_id(env, item).size() == static_cast<std::size_t>(k_mix_objects));
    }
}

TEST_CASE("vdc_sync_all --dry-run prints the plan and changes nothing", "[sim]") {
    const OpenStackTarget target;
    const auto& sim = target.sim();
    OpenStackEnv env(target);
    const auto vdc = drifted_vdc(sim, env);
    const auto before = store_dump(env);

    const auto planned = sync_all(env, {"--dry-run"});
    require_ok(planned);
    CHECK(store_dump(env) == before);
    auto summary = summary_of(planned);
    CHECK(summary["status"] == "planned");
    CHECK(summary["added"] == std::to_string(k_mix_objects));
    CHECK(summary["marked_deleted"] == "1");
    CHECK(summary["removed"] == "1");
    CHECK(summary["limits_changed"] == "1");
    std::map<std::string, int> actions;
    const auto doc = json::parse(planned.out, "dry run");
    for (const auto& change : doc.root().at("changes").items()) {
        ++actions[change.at("action").as_string()];
        CHECK(change.at("item").as_string() == std::to_string(vdc.item.value()));
    }
    CHECK(actions ==
          std::map<std::string, int>{
              {"add", k_mix_objects}, {"limits", 1}, {"mark_deleted", 1}, {"remove", 1}});

    SECTION("text for people: one line per change") {
        const auto text = sync_all(env, {"--dry-run", "--output", "text"});
        require_ok(text);
        // A table: one aligned row per change under a header of the columns.
        // (the limits change has no type or object: those follow as key=value).
        CHECK(std::regex_search(text.out, std::regex("\n    action +module +item\n")));
        CHECK(std::regex_search(
            text.out, std::regex(fmt::format("\n    mark_deleted +1 +{} +type=volume object={} "
                                             "external_id=00000000-0000-4000-8000-00000000dead\n",
                                             vdc.item.value(), vdc.gone.value()))));
        CHECK(store_dump(env) == before);
    }
    SECTION("the real run does what the plan said") {
        const auto done = sync_all(env);
        require_ok(done);
        summary = summary_of(done);
        CHECK(summary["status"] == "done");
        CHECK(summary["added"] == std::to_string(k_mix_objects));
        CHECK(summary["marked_deleted"] == "1");
        CHECK(summary["removed"] == "1");
        // Counts only: no list of changes.
        CHECK(json::parse(done.out, "sync").root().find("changes") == std::nullopt);
        expect_drift_fixed(env, vdc);
    }
}

TEST_CASE("vdc_sync_all: a second sync of a module already syncing skips it cleanly", "[sim]") {
    const OpenStackTarget target;
    const auto& sim = target.sim();
    OpenStackEnv env(target);
    const auto vdc = drifted_vdc(sim, env);

    SECTION("the lock is held: skipped, exit 0, nothing changed; a dry run still plans") {
        auto held = pm::test::hold_job_lock(env.store_url(), env.dir(), "sync-module-1");
        REQUIRE(held);
        const auto before = store_dump(env);
        const auto skipped = sync_all(env);
        require_ok(skipped);
        CHECK(summary_of(skipped)["status"] == "skipped");
        CHECK(store_dump(env) == before);
        const auto dry = sync_all(env, {"--dry-run"});
        require_ok(dry);
        CHECK(summary_of(dry)["status"] == "planned");
        held.release();
        require_ok(sync_all(env));
        expect_drift_fixed(env, vdc);
    }
    SECTION("two processes at once: one syncs, the other skips") {
        // The first listing of servers answers after 2 s: whoever got the lock still holds it
        // when the other starts.
        fault(sim, "slow",
              R"({"count":1,"delay_ms":2000,"prefix":"/compute/v2.1/servers/detail"})");
        std::vector<std::string> argv{module_path("pmopenstack"), "--command", "vdc_sync_all",
                                      "--output", "json"};
        auto first = Process::spawn(argv, env.env());
        auto second = Process::spawn(argv, env.env());
        const auto a = first.wait(std::chrono::seconds(120));
        const auto b = second.wait(std::chrono::seconds(120));
        require_ok(a);
        require_ok(b);
        std::multiset<std::string> statuses{summary_of(a)["status"], summary_of(b)["status"]};
        CHECK(statuses == std::multiset<std::string>{"done", "skipped"});
        expect_drift_fixed(env, vdc); // every object once
    }
}

TEST_CASE("vdc_sync_all: every module is synced, one that fails is reported, the others run",
          "[sim]") {
    const OpenStackTarget target;
    const auto& sim = target.sim();
    OpenStackEnv env(target);
    auto& store = env.store();
    const auto vdc = drifted_vdc(sim, env);
    const auto project = seed(sim, 1, k_mix).front();
    // Module 2: the same cloud, a user Keystone does not know, one VDC.
    const auto broken = store.create_module({"Broken", "pmopenstack"});
    const auto params = store.module_params(env.module());
    for (const auto& [name, value] : params.values()) {
        store.set_module_param(broken, name, value);
    }
    store.set_module_param(broken, "username", "nobody");
    auto item = store.create_item({AccountId(1),
                                   env.pricelist(),
                                   broken,
                                   "vdc",
                                   store::ItemStatus::active,
                                   {{"project_id", project}}});
    // Module 3: disabled, never synced.
    const auto disabled = store.create_module({"Off", "pmopenstack", 0, {}, {}, false});
    (void)item;

    const auto result = sync_all(env, {"--output", "text"});
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    CHECK(result.exit_code == 1); // Keystone refused module 2's user: not temporary
    CHECK(result.err.find(fmt::format("module {} (Broken)", broken.value())) != std::string::npos);
    CHECK(result.out.find("1 of 2 modules failed") != std::string::npos);
    expect_drift_fixed(env, vdc); // module 1 was synced all the same
    CHECK(store.objects(item).empty());

    const auto one = sync_all(env, {"--module", "1"});
    require_ok(one);
    CHECK(summary_of(one)["status"] == "done");
    const auto refused = sync_all(env, {"--module", std::to_string(disabled.value())});
    CHECK(refused.exit_code == 2);
    CHECK(refused.out.find("disabled") != std::string::npos);
}

TEST_CASE("vdc_sync_all: bad input is refused with exit 2 before anything is done", "[sim]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    auto& store = env.store();
    const auto vmmgr = store.create_module({"VMmanager", "pmvmmgr6"});
    struct Case {
        std::vector<std::string> args;
        std::string param;
        std::string value;
        std::string message;
    };
    const auto c = GENERATE_COPY(values<Case>({
        {{"--module", "999"}, "", "", "processing module 999 not found"},
        {{"--module", std::to_string(vmmgr.value())}, "", "", "of type 'pmvmmgr6'"},
        {{}, "sync_threads", "0", "sync_threads must be between 1 and 32"},
        {{}, "sync_page_size", "many", "sync_page_size"},
        {{}, "sync_grace", "-5", "sync_grace must be between"},
    }));
    CAPTURE(c.message);
    if (!c.param.empty()) {
        store.set_module_param(env.module(), c.param, c.value);
    }
    const auto result = sync_all(env, c.args);
    CHECK(result.exit_code == 2);
    CHECK(result.out.find(c.message) != std::string::npos);
    CHECK(result.err.find(c.message) != std::string::npos); // cron sees it
}

} // namespace pm::test
