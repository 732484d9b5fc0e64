// pmvmmgr6: each open records whether the pool served it, and pool_process reports the pool's
// hit rate over the statistics window in its metrics (DESIGN §11, §15).
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "helpers/metrics_checks.hpp"
#include "pool_helpers.hpp"
#include "support/test_store.hpp"
#include "support/vmmgr6_sim.hpp"

using namespace pm;
using pm::test::metric_value;
using pm::test::Vmmgr6Env;
using pm::test::Vmmgr6Sim;
namespace pool = pm::test::pool;

namespace {

std::string served_of(Vmmgr6Env& env, ItemId item) {
    return pm::test::RawDb(env.store_url())
        .text(fmt::format("SELECT served FROM pm_pool_order WHERE item_id = {}", item));
}

} // namespace

TEST_CASE("pmvmmgr6 pool hit rate: opens from the pool and cold ones, in the metrics") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    env.enable_pool({{"pool_steps", "1,1,1,1,1"}, {"pool_hostname_recipe", "1"}});
    env.add_item(); // an order never opened: it makes the target, counts as neither
    pool::fill(env, sim);
    REQUIRE(pool::count_in(env, store::PoolState::free) == 1);

    const auto from_pool = env.add_item();
    const auto first = env.run("open", from_pool);
    INFO(first.out << first.err);
    REQUIRE(first.exit_code == 0);
    const auto cold = env.add_item();
    const auto second = env.run("open", cold);
    INFO(second.out << second.err);
    REQUIRE(second.exit_code == 0);
    CHECK(served_of(env, from_pool) == "pool");
    CHECK(served_of(env, cold) == "cold");

    auto vars = env.env();
    vars["PM_METRICS_DIR"] = (env.dir() / "metrics").string();
    const auto module = std::to_string(env.module().value());
    const auto r = pm::test::run({pm::test::module_path("pmvmmgr6"), "--command", "pool_process",
                                  "--module", module, "--output", "json"},
                                 vars, std::chrono::seconds(120));
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const auto file = env.dir() / "metrics" / ("pm_pmvmmgr6_pool_process_" + module + ".prom");
    const auto text = pm::test::read_text(file);
    INFO(text);
    CHECK(metric_value(text, "pm_pool_window_opens", R"(served="pool")") == 1);
    CHECK(metric_value(text, "pm_pool_window_opens", R"(served="cold")") == 1);
    CHECK(metric_value(text, "pm_pool_hit_ratio") == 0.5);
    pm::test::check_with_promtool(file);
}

TEST_CASE("pmvmmgr6 pool hit rate: no ratio before the first open, none with the pool off") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    auto vars = env.env();
    vars["PM_METRICS_DIR"] = (env.dir() / "metrics").string();
    const auto module = std::to_string(env.module().value());
    const auto file = env.dir() / "metrics" / ("pm_pmvmmgr6_pool_process_" + module + ".prom");
    const auto process = [&] {
        const auto r = pm::test::run({pm::test::module_path("pmvmmgr6"), "--command",
                                      "pool_process", "--module", module, "--output", "json"},
                                     vars, std::chrono::seconds(120));
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        return pm::test::read_text(file);
    };
    SECTION("pool on, nothing opened") {
        env.enable_pool({{"pool_steps", "1,1,1,1,1"}});
        const auto text = process();
        INFO(text);
        CHECK(metric_value(text, "pm_pool_window_opens", R"(served="pool")") == 0);
        CHECK(text.find("pm_pool_hit_ratio") == std::string::npos);
        pm::test::check_with_promtool(file);
    }
    SECTION("pool off: a cold open is recorded, no pool figures") {
        const auto item = env.add_item();
        const auto r = env.run("open", item);
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(served_of(env, item) == "cold");
        const auto text = process();
        INFO(text);
        CHECK(text.find("pm_pool_window_opens") == std::string::npos);
        CHECK(text.find("pm_pool_hit_ratio") == std::string::npos);
    }
}
