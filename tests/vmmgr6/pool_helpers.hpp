// Shared by the pmvmmgr6 pool tests: reading pool_process's JSON summary, the pool rows and the
// simulator's hosts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pm/json.hpp"
#include "pm/store.hpp"

#include "support/vmmgr6_sim.hpp"

namespace pm::test::pool {

inline json::Document output(const ProcessResult& result) {
    INFO(result.out << result.err);
    REQUIRE(!result.out.empty());
    return json::parse(result.out, "pmvmmgr6 output");
}

// The summary attribute `name` of a pool_process result, as a number.
inline std::int64_t summary(const json::Document& doc, std::string_view name) {
    return std::stoll(doc.root().at("summary").at(name).as_string());
}

// The `target` entry of (os, tariff), or nullopt.
inline std::optional<json::View> target(const json::Document& doc, std::int64_t os,
                                        PricelistId pricelist) {
    const auto targets = doc.root().find("targets");
    if (!targets) {
        return std::nullopt;
    }
    for (const auto& entry : targets->items()) {
        if (entry.at("os").as_string() == std::to_string(os) &&
            entry.at("pricelist").as_string() == std::to_string(pricelist.value())) {
            return entry;
        }
    }
    return std::nullopt;
}

inline std::vector<store::PoolServer> servers(Vmmgr6Env& env) {
    return env.store().pool_servers(env.module());
}

inline std::size_t count_in(Vmmgr6Env& env, store::PoolState state) {
    std::size_t count = 0;
    for (const auto& server : servers(env)) {
        count += server.state == state ? 1 : 0;
    }
    return count;
}

// The simulator's full host `id` (state dump), or nullopt when it is gone. A view into
// `state`, which must outlive it: keep the document in a variable.
inline std::optional<json::View> host(const json::Document& state, std::int64_t id) {
    for (const auto& entry : state.root().at("hosts").items()) {
        if (entry.at("id").as_int64() == id) {
            return entry;
        }
    }
    return std::nullopt;
}

inline std::int64_t vm_of(Vmmgr6Env& env, ItemId item) {
    return std::stoll(env.param(item, "vm_id"));
}

// Ends every task under way in the simulator now (creates included).
inline void finish_tasks(const Vmmgr6Sim& sim) {
    (void)sim.post("/__sim__/tasks/finish");
}

// pool_process, checked to succeed; its summary.
inline json::Document process(Vmmgr6Env& env, std::vector<std::string> extra = {}) {
    const auto r = env.run_module("pool_process", std::move(extra));
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return output(r);
}

// pool_process, then every create finished, then pool_process again: the pool filled and ready.
inline void fill(Vmmgr6Env& env, const Vmmgr6Sim& sim) {
    (void)process(env);
    finish_tasks(sim);
    (void)process(env);
}

} // namespace pm::test::pool
