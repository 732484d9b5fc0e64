// pmopenstack's module-wide jobs with metrics_dir set (DESIGN §15): the real binary against the
// OpenStack simulator leaves a metrics file with the job's own counts.
#include <catch2/catch.hpp>

#include "helpers/metrics_checks.hpp"
#include "openstack_checks.hpp"
#include "test_openstack_sync_checks.hpp"

namespace pm::test {

TEST_CASE("vdc_sync_all with metrics_dir: the changes by rule, and promtool accepts the file",
          "[sim]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    for (const auto& project : seed(target.sim(), 1, R"({"servers":2,"volumes":1})")) {
        add_seeded_vdc(env, project);
    }
    auto vars = env.env();
    vars["PM_METRICS_DIR"] = (env.dir() / "metrics").string();
    const auto result =
        run({module_path("pmopenstack"), "--command", "vdc_sync_all", "--output", "json"}, vars,
            std::chrono::seconds(600));
    require_ok(result);
    const auto file = env.dir() / "metrics" / "pm_pmopenstack_vdc_sync_all_all.prom";
    REQUIRE(std::filesystem::exists(file));
    const auto text = read_text(file);
    INFO(text);
    CHECK(metric_value(text, "pm_job_success") == 1);
    CHECK(metric_value(text, "pm_sync_changes", R"(rule="added")") == 3);
    CHECK(metric_value(text, "pm_sync_changes", R"(rule="marked_deleted")") == 0);
    CHECK(metric_value(text, "pm_sync_checked", R"(kind="vdcs")") == 1);
    CHECK(metric_value(text, "pm_sync_modules", R"(outcome="done")") == 1);
    check_with_promtool(file);
}

TEST_CASE("vdc_stat with metrics_dir: the statistics rows written", "[sim]") {
    const OpenStackTarget target;
    OpenStackEnv env(target);
    const auto first = env.add_vdc();
    const auto second = env.add_vdc();
    open_vdc(env, first);
    open_vdc(env, second);
    auto vars = env.env();
    vars["PM_METRICS_DIR"] = (env.dir() / "metrics").string();
    const auto module = std::to_string(env.module().value());
    require_ok(run({module_path("pmopenstack"), "--command", "vdc_stat", "--module", module,
                    "--output", "json"},
                   vars, std::chrono::seconds(600)));
    const auto file = env.dir() / "metrics" / ("pm_pmopenstack_vdc_stat_" + module + ".prom");
    const auto text = read_text(file);
    INFO(text);
    // A first run: every row it wrote is a new one in the store.
    const auto rows = env.store().item_stats(first).size() + env.store().item_stats(second).size();
    CHECK(rows > 0);
    CHECK(metric_value(text, "pm_stat_rows_written") == static_cast<double>(rows));
    CHECK(metric_value(text, "pm_stat_vdcs") == 2);
    CHECK(metric_value(text, "pm_job_success") == 1);
    check_with_promtool(file);
}

} // namespace pm::test
