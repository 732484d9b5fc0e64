// Metrics of module-wide jobs (DESIGN §15): the pm_test_module helper runs a module-wide job
// with PM_METRICS_DIR set, and the file it leaves is read back and checked with promtool.
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "pm/metrics.hpp"

#include "helpers/metrics_checks.hpp"
#include "support/pmtest_env.hpp"
#include "support/process.hpp"

namespace {

namespace fs = std::filesystem;

using pm::test::check_with_promtool;
using pm::test::metric_value;
using pm::test::read_text;

struct Fixture : pm::test::PmtestEnv {
    Fixture() {
        env["PM_METRICS_DIR"] = (dir / "metrics").string();
        store.set_module_param(module, "widgets", "7");
    }
    [[nodiscard]] fs::path file() const {
        return dir / "metrics" /
               ("pm_pmtest_module_job_" + std::to_string(module.value()) + ".prom");
    }
    pm::test::ProcessResult job() const {
        return run({"--command", "module_job", "--module", std::to_string(module.value())});
    }
};

} // namespace

TEST_CASE("metrics: a module-wide job writes its file after a successful run") {
    Fixture f;
    const auto result = f.job();
    REQUIRE(result.exit_code == 0);
    REQUIRE(fs::exists(f.file()));
    const auto text = read_text(f.file());
    INFO(text);
    const std::string labels = R"({binary="pmtest",command="module_job",module=")" +
                               std::to_string(f.module.value()) + R"("})";
    CHECK(text.find("# TYPE pm_job_last_run_timestamp_seconds gauge\n") != std::string::npos);
    CHECK(text.find("pm_job_success" + labels + " 1\n") != std::string::npos);
    CHECK(text.find("pm_job_exit_code" + labels + " 0\n") != std::string::npos);
    CHECK(text.find(R"(pm_test_widgets{binary="pmtest",command="module_job",module=")" +
                    std::to_string(f.module.value()) + R"(",colour="blue \"sky\""} 7)") !=
          std::string::npos);
    const auto last_run = metric_value(text, "pm_job_last_run_timestamp_seconds");
    CHECK(last_run > 1.7e9);
    CHECK(metric_value(text, "pm_job_last_success_timestamp_seconds") == last_run);
    CHECK(metric_value(text, "pm_job_duration_seconds") >= 0);
    struct stat st {};
    REQUIRE(::stat(f.file().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644);
    // Only the file itself: no temporary file left beside it.
    CHECK(std::distance(fs::directory_iterator(f.dir / "metrics"), fs::directory_iterator()) == 1);
    check_with_promtool(f.file());
}

TEST_CASE("metrics: a failed run records its outcome and keeps the last success") {
    Fixture f;
    REQUIRE(f.job().exit_code == 0);
    const auto first = read_text(f.file());
    const auto success = metric_value(first, "pm_job_last_success_timestamp_seconds");
    // A reader that has the file open keeps reading the old one whole: replaced, not rewritten.
    std::ifstream reader(f.file());

    f.store.set_module_param(f.module, "job_fail", "yes");
    f.store.set_module_param(f.module, "widgets", "9");
    const auto failed = f.job();
    CHECK(failed.exit_code == 1);
    const auto text = read_text(f.file());
    INFO(text);
    CHECK(metric_value(text, "pm_job_success") == 0);
    CHECK(metric_value(text, "pm_job_exit_code") == 1);
    CHECK(metric_value(text, "pm_test_widgets") == 9);
    CHECK(metric_value(text, "pm_job_last_success_timestamp_seconds") == success);
    CHECK(metric_value(text, "pm_job_last_run_timestamp_seconds") >= success);
    std::stringstream old;
    old << reader.rdbuf();
    CHECK(old.str() == first);
    check_with_promtool(f.file());

    SECTION("a job that never succeeded has no last success") {
        fs::remove(f.file());
        CHECK(f.job().exit_code == 1);
        const auto never = read_text(f.file());
        CHECK(never.find("pm_job_last_success_timestamp_seconds") == std::string::npos);
        CHECK(metric_value(never, "pm_job_success") == 0);
        check_with_promtool(f.file());
    }
}

TEST_CASE("metrics: item commands and runs without metrics_dir write nothing") {
    Fixture f;
    const auto op = f.operation("ok");
    CHECK(f.run({"--command", "ok", "--runningoperation", std::to_string(op.value())}).exit_code ==
          0);
    CHECK_FALSE(fs::exists(f.dir / "metrics"));
    f.env.erase("PM_METRICS_DIR");
    CHECK(f.job().exit_code == 0);
    CHECK_FALSE(fs::exists(f.dir / "metrics"));
}

TEST_CASE("metrics: a metrics_dir that cannot be written is a warning, not a failed job") {
    Fixture f;
    std::ofstream(f.dir / "not-a-dir") << "x";
    f.env["PM_METRICS_DIR"] = (f.dir / "not-a-dir" / "metrics").string();
    const auto result = f.job();
    CHECK(result.exit_code == 0);
    CHECK(f.log().find("WARN") != std::string::npos);
    CHECK(f.log().find("metrics not written") != std::string::npos);
}

TEST_CASE("metrics: last_success_in reads back what render wrote") {
    pm::metrics::Counts counts;
    counts.set("pm_x", "X.", 1, {{"k", "a"}});
    counts.set("pm_x", "", 2, {{"k", "b"}});
    counts.set("pm_x", "", 3, {{"k", "a"}}); // replaces
    REQUIRE(counts.samples().size() == 2);
    const pm::metrics::Job job{"pmtest", "job", "all"};
    const pm::metrics::Outcome outcome{
        3, std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000)),
        std::chrono::milliseconds(1500)};
    const auto text = pm::metrics::render(job, outcome, 1'690'000'000.0, counts);
    CHECK(text.find("pm_x{binary=\"pmtest\",command=\"job\",module=\"all\",k=\"a\"} 3\n") !=
          std::string::npos);
    CHECK(text.find("pm_job_duration_seconds{binary=\"pmtest\",command=\"job\",module=\"all\"} "
                    "1.5\n") != std::string::npos);
    // One HELP and TYPE per family.
    CHECK(text.find("# TYPE pm_x gauge") == text.rfind("# TYPE pm_x gauge"));
    pm::test::TempDir dir;
    std::ofstream(dir / "m.prom") << text;
    CHECK(pm::metrics::last_success_in(dir / "m.prom") == 1'690'000'000.0);
    CHECK_FALSE(pm::metrics::last_success_in(dir / "none.prom"));
    CHECK(pm::metrics::file_of("/m", job) == fs::path("/m/pm_pmtest_job_all.prom"));
}
