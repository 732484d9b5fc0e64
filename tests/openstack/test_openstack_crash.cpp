// pmopenstack killed while each of its requests is in flight, before and after the simulated
// cloud acted on it, then run again on the same running operation (tests/support/crash.hpp):
// every mutating command ends done, with one cloud object per billing object, nothing the
// billing side does not know, and the store agreeing with the cloud. Hidden tests (tag
// [.crash]): ctest runs them with the label crash, each command an entry of its own.
#include <functional>
#include <map>
#include <set>

#include <catch2/catch.hpp>

#include "openstack_checks.hpp"
#include "support/crash.hpp"

namespace pm::test {
namespace {

// What a command starts from: the VDC (and the object) the command acts on, prepared.
struct Start {
    ItemId item;
    std::optional<ObjectId> object;
};

struct OpenStackCrash {
    std::string command;
    // Brings a fresh world to the command's starting state.
    std::function<Start(OpenStackEnv&)> prepare;
    // What must hold once the command is done, besides the common invariants.
    std::function<void(const OpenStackSim&, OpenStackEnv&, const Start&)> check = nullptr;
};

// The store's object type for each kind of the simulator's state dump.
const std::map<std::string, std::string> k_kinds = {{"servers", "vm"},
                                                    {"volumes", "volume"},
                                                    {"networks", "network"},
                                                    {"routers", "router"},
                                                    {"loadbalancers", "loadbalancer"}};

class OpenStackWorld : public CrashWorld {
public:
    explicit OpenStackWorld(const OpenStackCrash& crash)
        : m_crash(crash), m_target({"--build-seconds", "0.2"}), m_env(m_target) {
        m_start = m_crash.prepare(m_env);
        m_op = m_env.add_operation(m_start.item, m_start.object, m_crash.command);
    }

    [[nodiscard]] json::Document sim_get(std::string_view path) const override {
        return m_target.sim().get(path);
    }
    void sim_post(std::string_view path, std::string_view body) const override {
        (void)m_target.sim().post(path, body);
    }
    void clear_faults() const override { m_target.sim().clear_faults(); }
    [[nodiscard]] Process start() override {
        return Process::spawn(m_env.argv(m_crash.command, m_op), m_env.env());
    }
    ProcessResult again() override {
        return run(m_env.argv(m_crash.command, m_op), m_env.env(), std::chrono::seconds(300));
    }

    void check(const std::string& where) override {
        INFO(where);
        CHECK(m_env.operation(m_op).status == store::OperationStatus::done);
        const auto state = m_target.sim().get("/__sim__/state");
        const bool closed = m_env.status(m_start.item) == store::ItemStatus::closed;
        // The VDC: one project of ours while it is open, none once closed.
        std::vector<std::string> projects;
        for (const auto& project : state.root().at("projects").items()) {
            if (project.at("name").as_string().rfind(m_env.prefix(), 0) == 0) {
                projects.push_back(project.at("id").as_string());
            }
        }
        if (closed) {
            CHECK(projects.empty());
        } else {
            REQUIRE(projects.size() == 1);
            CHECK(m_env.param(m_start.item, "project_id") == projects.front());
        }
        // Every cloud object in the project is a billing object's, once, and every open
        // billing object has its cloud object.
        for (const auto& [kind, type] : k_kinds) {
            std::multiset<std::string> cloud;
            for (const auto& object : state.root().at(kind).items()) {
                const auto project = object.find("project_id");
                if (project && !projects.empty() && project->as_string() == projects.front()) {
                    cloud.insert(object.at("id").as_string());
                }
            }
            std::multiset<std::string> billing;
            for (const auto& object : m_env.store().objects(m_start.item)) {
                if (object.type == type && object.status == store::ObjectStatus::active) {
                    billing.insert(object.external_id);
                }
            }
            INFO(kind);
            CHECK(cloud == billing);
        }
        if (m_crash.check) {
            m_crash.check(m_target.sim(), m_env, m_start);
        }
    }

private:
    const OpenStackCrash& m_crash;
    OpenStackTarget m_target;
    OpenStackEnv m_env;
    Start m_start;
    OperationId m_op;
};

void crash(const OpenStackCrash& crash) {
    const auto figures = crash_at_every_request("pmopenstack " + crash.command, [&crash] {
        return std::make_unique<OpenStackWorld>(crash);
    });
    CHECK(figures.killed > 0);
}

Start vdc(OpenStackEnv& env) {
    return {env.add_vdc(), std::nullopt};
}

Start open(OpenStackEnv& env) {
    const auto item = env.add_vdc();
    (void)open_vdc(env, item);
    return {item, std::nullopt};
}

// The params of an object of `type` in the open VDC `item`; what it needs (a network, a
// router) opened first.
ParamMap needs(OpenStackEnv& env, ItemId item, const std::string& type, ParamMap params) {
    if (type == "loadbalancer" || type == "router_interface") {
        params.emplace(
            "network",
            std::to_string(open_object(env, item, "network", {{"cidr", "10.9.0.0/24"}}).value()));
    }
    if (type == "router_interface") {
        params.emplace("router", std::to_string(open_object(env, item, "router").value()));
    }
    return params;
}

// An open VDC and a new object of `type` with `params`, not opened yet.
std::function<Start(OpenStackEnv&)> new_object(std::string type, ParamMap params) {
    return [type, params](OpenStackEnv& env) {
        auto start = open(env);
        start.object = env.add_object(start.item, type, needs(env, start.item, type, params));
        return start;
    };
}

// The same, opened.
std::function<Start(OpenStackEnv&)> open_object_of(std::string type, ParamMap params) {
    return [type, params](OpenStackEnv& env) {
        auto start = open(env);
        start.object = open_object(env, start.item, type, needs(env, start.item, type, params));
        return start;
    };
}

const ParamMap k_vm = {{"flavor", "m1.tiny"}, {"image", "cirros"}};
const ParamMap k_volume = {{"size_gb", "1"}};
const ParamMap k_network = {{"cidr", "10.0.0.0/24"}};

void object_status(OpenStackEnv& env, const Start& start, store::ObjectStatus status) {
    CHECK(env.object(*start.object).status == status);
}

} // namespace

TEST_CASE("pmopenstack crash at every request: open", "[.crash]") {
    crash({"open", vdc, [](const OpenStackSim&, OpenStackEnv& env, const Start& start) {
               CHECK(env.status(start.item) == store::ItemStatus::active);
           }});
}

TEST_CASE("pmopenstack crash at every request: close", "[.crash]") {
    crash({"close",
           [](OpenStackEnv& env) {
               auto start = open(env);
               (void)open_object(env, start.item, "volume", k_volume);
               (void)open_object(env, start.item, "network", k_network);
               return start;
           },
           [](const OpenStackSim&, OpenStackEnv& env, const Start& start) {
               CHECK(env.status(start.item) == store::ItemStatus::closed);
           }});
}

TEST_CASE("pmopenstack crash at every request: vm", "[.crash]") {
    crash({"vdc_vm_open", new_object("vm", k_vm),
           [](const OpenStackSim&, OpenStackEnv& env, const Start& start) {
               object_status(env, start, store::ObjectStatus::active);
           }});
    crash({"vdc_vm_close", open_object_of("vm", k_vm)});
}

TEST_CASE("pmopenstack crash at every request: volume", "[.crash]") {
    crash({"vdc_volume_open", new_object("volume", k_volume),
           [](const OpenStackSim&, OpenStackEnv& env, const Start& start) {
               object_status(env, start, store::ObjectStatus::active);
           }});
    crash({"vdc_volume_close", open_object_of("volume", k_volume)});
}

TEST_CASE("pmopenstack crash at every request: network", "[.crash]") {
    crash({"vdc_network_open", new_object("network", k_network),
           [](const OpenStackSim&, OpenStackEnv& env, const Start& start) {
               object_status(env, start, store::ObjectStatus::active);
           }});
    crash({"vdc_network_close", open_object_of("network", k_network)});
}

TEST_CASE("pmopenstack crash at every request: router", "[.crash]") {
    crash({"vdc_router_open", new_object("router", {}),
           [](const OpenStackSim&, OpenStackEnv& env, const Start& start) {
               object_status(env, start, store::ObjectStatus::active);
           }});
    crash({"vdc_router_close", open_object_of("router", {})});
}

TEST_CASE("pmopenstack crash at every request: loadbalancer", "[.crash]") {
    crash({"vdc_loadbalancer_open", new_object("loadbalancer", {}),
           [](const OpenStackSim&, OpenStackEnv& env, const Start& start) {
               object_status(env, start, store::ObjectStatus::active);
           }});
    crash({"vdc_loadbalancer_close", open_object_of("loadbalancer", {})});
}

} // namespace pm::test

namespace pm::test {

TEST_CASE("pmopenstack crash at every request: router_interface", "[.crash]") {
    crash({"vdc_router_interface_open", new_object("router_interface", {}),
           [](const OpenStackSim&, OpenStackEnv& env, const Start& start) {
               object_status(env, start, store::ObjectStatus::active);
           }});
    crash({"vdc_router_interface_close", open_object_of("router_interface", {})});
}

} // namespace pm::test
