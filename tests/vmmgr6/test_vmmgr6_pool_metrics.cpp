// pmvmmgr6 pool_process with metrics_dir set (DESIGN §15): the real binary against the
// VMmanager simulator leaves a metrics file with the pool's servers by state.
#include <catch2/catch.hpp>

#include "helpers/metrics_checks.hpp"
#include "pool_helpers.hpp"
#include "support/vmmgr6_sim.hpp"

using namespace pm;
using pm::test::metric_value;
using pm::test::Vmmgr6Env;
using pm::test::Vmmgr6Sim;
namespace pool = pm::test::pool;

TEST_CASE("pmvmmgr6 pool_process with metrics_dir: servers by state, checked by promtool") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    env.enable_pool({{"pool_steps", "2,2,2,2,2"}});
    env.add_item();
    auto vars = env.env();
    vars["PM_METRICS_DIR"] = (env.dir() / "metrics").string();
    const auto module = std::to_string(env.module().value());
    const auto process = [&] {
        const auto r = pm::test::run({pm::test::module_path("pmvmmgr6"), "--command",
                                      "pool_process", "--module", module, "--output", "json"},
                                     vars, std::chrono::seconds(120));
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
    };
    const auto file = env.dir() / "metrics" / ("pm_pmvmmgr6_pool_process_" + module + ".prom");

    process();
    auto text = pm::test::read_text(file);
    INFO(text);
    CHECK(metric_value(text, "pm_job_success") == 1);
    CHECK(metric_value(text, "pm_pool_created") == 2);
    CHECK(metric_value(text, "pm_pool_target_servers") == 2);
    CHECK(metric_value(text, "pm_pool_servers", R"(state="building")") == 2);
    CHECK(metric_value(text, "pm_pool_servers", R"(state="free")") == 0);
    pm::test::check_with_promtool(file);

    pool::finish_tasks(sim);
    process();
    text = pm::test::read_text(file);
    CHECK(metric_value(text, "pm_pool_servers", R"(state="free")") == 2);
    CHECK(metric_value(text, "pm_pool_servers", R"(state="building")") == 0);
    CHECK(metric_value(text, "pm_pool_servers", R"(state="claimed")") == 0);
    CHECK(metric_value(text, "pm_pool_created") == 0);
    pm::test::check_with_promtool(file);
}
