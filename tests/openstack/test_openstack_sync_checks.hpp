// Shared helpers of the vdc_sync_all end-to-end tests.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "pm/json.hpp"

#include "support/openstack_env.hpp"

namespace pm::test {

// Runs vdc_sync_all as cron does (every module), with extra flags; json output unless they
// name another.
inline ProcessResult sync_all(OpenStackEnv& env, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{module_path("pmopenstack"), "--command", "vdc_sync_all"};
    if (std::find(extra.begin(), extra.end(), "--output") == extra.end()) {
        argv.insert(argv.end(), {"--output", "json"});
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv, env.env(), std::chrono::seconds(600));
}

// The attributes of the <module id="…"> summary in a json result.
inline std::map<std::string, std::string> summary_of(const ProcessResult& result,
                                                     ModuleId module = ModuleId(1)) {
    INFO("stdout: " << result.out << "\nstderr: " << result.err);
    const auto doc = json::parse(result.out, "vdc_sync_all output");
    for (const auto& node : doc.root().at("modules").items()) {
        if (node.at("id").as_string() == std::to_string(module.value())) {
            std::map<std::string, std::string> out;
            for (const auto& member : node.members()) {
                out[member.name] = member.value.as_string();
            }
            return out;
        }
    }
    FAIL("no summary of module " << module.value());
    return {};
}

// Every row and param of the store a sync may touch, as text: equal dumps, same store.
inline std::string store_dump(OpenStackEnv& env) {
    auto& store = env.store();
    std::string out;
    for (const auto& item : store.items()) {
        out += fmt::format("item {} {} {}\n", item.id.value(), store::to_string(item.status),
                           item.updated_at);
        const auto item_params = store.item_params(item.id);
        for (const auto& [name, value] : item_params.values()) {
            out += fmt::format("  {}={}\n", name, value);
        }
        for (const auto& object : store.objects(item.id)) {
            out += fmt::format("  object {} {} {} {} {} {}\n", object.id.value(), object.type,
                               object.name, object.external_id, store::to_string(object.status),
                               object.updated_at);
            const auto params = store.object_params(object.id);
            for (const auto& [name, value] : params.values()) {
                out += fmt::format("    {}={}\n", name, value);
            }
        }
    }
    return out;
}

// Seeds `projects` projects with objects (tests/sim/openstack/README.md); their ids.
inline std::vector<std::string> seed(const OpenStackSim& sim, int projects,
                                     std::string_view per_project) {
    const auto doc =
        sim.post("/__sim__/seed", fmt::format(R"({{"projects":{},"per_project":{},"users":false}})",
                                              projects, per_project));
    std::vector<std::string> ids;
    for (const auto& project : doc.root().at("projects").items()) {
        ids.push_back(project.at("id").as_string());
    }
    return ids;
}

// An active VDC item of an existing project.
inline ItemId add_seeded_vdc(OpenStackEnv& env, const std::string& project) {
    const auto item = env.add_vdc({{"project_id", project}});
    env.store().set_item_status(item, store::ItemStatus::active);
    return item;
}

// The simulator's objects of a kind in one project.
inline json::Document sim_objects(const OpenStackSim& sim, std::string_view kind,
                                  std::string_view project) {
    return sim.get(fmt::format("/__sim__/objects/{}?project_id={}", kind, project));
}

inline std::map<std::string, store::VdcObject> objects_by_external_id(OpenStackEnv& env,
                                                                      ItemId item) {
    std::map<std::string, store::VdcObject> out;
    for (auto& object : env.store().objects(item)) {
        const auto key = object.external_id;
        CHECK(out.emplace(key, std::move(object)).second); // never twice
    }
    return out;
}

} // namespace pm::test
