// The module scope the runner loads for a command, and that a module-wide job builds for each
// module it runs over (pm/runner.hpp: load_module, check_module, job_modules).
#include <catch2/catch.hpp>

#include "pm/errors.hpp"
#include "pm/redact.hpp"
#include "pm/runner.hpp"

#include "support/module_context.hpp"

using namespace pm;

namespace {

struct Fixture {
    Fixture() {
        m.spec.name = "pmtest";
        m.spec.params = {{"api_key", "a key", true}, {"threads", "n", false, ParamKind::positive}};
    }
    ModuleId module(std::string type, bool enabled = true) {
        return m.store.create_module({.name = "m", .type = std::move(type), .enabled = enabled});
    }
    test::ModuleContext m{{}};
};

} // namespace

TEST_CASE("module scope: a module's row and params loaded, its secrets masked from then on") {
    Fixture f;
    const auto id = f.module("pmtest");
    f.m.store.set_module_param(id, "api_key", "k-93c1-never-shown");
    f.m.store.set_module_param(id, "password", "p-77d2-never-shown");
    load_module(f.m.context, id, true);
    REQUIRE(f.m.context.module);
    CHECK(f.m.context.module->id == id);
    CHECK(f.m.context.module_params.require("api_key") == "k-93c1-never-shown");
    CHECK(redact("key k-93c1-never-shown and p-77d2-never-shown").find("never-shown") ==
          std::string::npos);
}

TEST_CASE("module scope: unknown, foreign and disabled modules are refused") {
    Fixture f;
    CHECK_THROWS_AS(load_module(f.m.context, ModuleId(99), false), UsageError);
    CHECK_THROWS_WITH(load_module(f.m.context, f.module("pmother"), false),
                      Catch::Contains("of type 'pmother', not pmtest"));
    const auto off = f.module("pmtest", false);
    CHECK_THROWS_WITH(load_module(f.m.context, off, true), Catch::Contains("is disabled"));
    load_module(f.m.context, off, false); // a read-only command may look at it
    CHECK(f.m.context.module->id == off);
}

TEST_CASE("module scope: params checked and the deadline set from op_timeout") {
    Fixture f;
    const auto id = f.module("pmtest");
    load_module(f.m.context, id, true);
    check_module(f.m.context);
    CHECK(f.m.context.deadline.remaining() > std::chrono::minutes(59)); // 3600 s by default
    CHECK(f.m.context.deadline.remaining() <= std::chrono::minutes(60));

    f.m.store.set_module_param(id, "op_timeout", "30");
    load_module(f.m.context, id, true);
    check_module(f.m.context);
    CHECK(f.m.context.deadline.remaining() <= std::chrono::seconds(30));

    f.m.store.set_module_param(id, "op_timeout", "0");
    load_module(f.m.context, id, true);
    CHECK_THROWS_WITH(check_module(f.m.context), Catch::Contains("op_timeout must be a positive"));

    f.m.store.set_module_param(id, "op_timeout", "60");
    f.m.store.set_module_param(id, "threads", "-2");
    load_module(f.m.context, id, true);
    CHECK_THROWS_AS(check_module(f.m.context), ConfigError);
}

TEST_CASE("module scope: a job runs over the enabled modules of its type, or the one given") {
    Fixture f;
    const auto a = f.module("pmtest");
    (void)f.module("pmother");
    const auto off = f.module("pmtest", false);
    const auto b = f.module("pmtest");
    auto modules = job_modules(f.m.context);
    REQUIRE(modules.size() == 2);
    CHECK(modules[0].id == a);
    CHECK(modules[1].id == b);

    f.m.invocation.module = b;
    modules = job_modules(f.m.context);
    REQUIRE(modules.size() == 1);
    CHECK(modules[0].id == b);
    f.m.invocation.module = off;
    CHECK_THROWS_WITH(job_modules(f.m.context), Catch::Contains("is disabled"));

    f.m.store.set_module_param(b, "op_timeout", "20");
    const auto scope = job_scope(f.m.context, b); // one module's Context for the job
    CHECK(scope.module->id == b);
    CHECK(scope.module_params.require("op_timeout") == "20");
    CHECK(scope.deadline.remaining() <= std::chrono::seconds(20));
    CHECK(&scope.store == &f.m.store);
}
