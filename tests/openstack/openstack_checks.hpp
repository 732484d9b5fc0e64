// Shared checks of the pmopenstack end-to-end tests.
#pragma once

#include <string>

#include <catch2/catch.hpp>

#include "support/openstack_env.hpp"

namespace pm::test {

// The command succeeded (exit 0), else the test fails showing its output.
inline void require_ok(const ProcessResult& result) {
    INFO("stdout: " << result.out);
    INFO("stderr: " << result.err);
    REQUIRE(result.exit_code == 0);
}

// Opens the VDC; returns its project id.
inline std::string open_vdc(OpenStackEnv& env, ItemId item) {
    require_ok(env.run("open", item));
    const auto project = env.param(item, "project_id");
    REQUIRE_FALSE(project.empty());
    return project;
}

// Adds an object and opens it.
inline ObjectId open_object(OpenStackEnv& env, ItemId item, const std::string& type,
                            ParamMap params = {}) {
    const auto object = env.add_object(item, type, std::move(params));
    require_ok(env.run_object("vdc_" + type + "_open", object));
    REQUIRE(env.object(object).status == store::ObjectStatus::active);
    REQUIRE_FALSE(env.object(object).external_id.empty());
    return object;
}

} // namespace pm::test
