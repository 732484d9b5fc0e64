#include "pool_report.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace pm::pool {
namespace {

std::string text(std::int64_t number) {
    return std::to_string(number);
}

ResultNode targets_node(const Tally& tally) {
    auto node = ResultNode::list("targets");
    for (const auto& target : tally.targets) {
        const auto found = tally.have.find(target.key);
        const auto have = found == tally.have.end() ? 0 : found->second;
        node.add("target")
            .attr("os", target.key.os)
            .attr("os_name", target.os_name)
            .attr("pricelist", fmt::format("{}", target.key.pricelist))
            .attr("orders", text(target.orders))
            .attr("target", text(target.target))
            .attr("have", text(have))
            .attr("missing", text(std::max<std::int64_t>(target.target - have, 0)));
    }
    return node;
}

ResultNode created_node(const Tally& tally) {
    auto node = ResultNode::list("created");
    for (const auto& creation : tally.created) {
        auto& server = node.add("server");
        if (creation.item) {
            server.attr("item", fmt::format("{}", *creation.item)).attr("vm_id", creation.vm_id);
        }
        server.attr("os", creation.key.os)
            .attr("pricelist", fmt::format("{}", creation.key.pricelist));
    }
    return node;
}

ResultNode deleted_node(const Tally& tally) {
    auto node = ResultNode::list("deleted");
    for (const auto& deletion : tally.deleted) {
        node.add("server")
            .attr("item", fmt::format("{}", deletion.item))
            .attr("reason", deletion.reason)
            .attr("done", deletion.done ? "yes" : "no");
    }
    return node;
}

// Opens of the statistics window by how they were served, and the share served from the pool;
// no hit rate without an open to divide by.
void add_hit_rate(const Tally& tally, metrics::Counts& counts) {
    if (tally.served.empty()) {
        return;
    }
    std::int64_t opened = 0;
    for (const auto& [served, count] : tally.served) {
        counts.set("pm_pool_window_opens",
                   "Orders of the statistics window whose open took a pool server over "
                   "(served=pool) or created a VM (served=cold).",
                   static_cast<double>(count), {{"served", std::string(store::to_string(served))}});
        opened += count;
    }
    if (opened > 0) {
        const auto found = tally.served.find(store::Served::pool);
        const auto pool = found == tally.served.end() ? 0 : found->second;
        counts.set("pm_pool_hit_ratio",
                   "Share of the statistics window's opens served from the pool (0 to 1).",
                   static_cast<double>(pool) / static_cast<double>(opened));
    }
}

} // namespace

void report(const Tally& tally, Result& result) {
    std::int64_t orders = 0;
    std::int64_t wanted = 0;
    for (const auto& target : tally.targets) {
        orders += target.orders;
        wanted += target.target;
    }
    const auto done = std::count_if(tally.deleted.begin(), tally.deleted.end(),
                                    [](const Deletion& deletion) { return deletion.done; });
    const auto total = static_cast<std::int64_t>(tally.deleted.size());
    result.add("summary")
        .attr("module", fmt::format("{}", tally.module))
        .attr("enabled", tally.enabled ? "yes" : "no")
        .attr("dry_run", tally.dry_run ? "yes" : "no")
        .attr("since", tally.since)
        .attr("orders", text(orders))
        .attr("target", text(wanted))
        .attr("ready", text(tally.ready))
        .attr("building", text(tally.building))
        .attr("claimed", text(tally.claimed))
        .attr("created", text(static_cast<std::int64_t>(tally.created.size())))
        .attr("deleted", text(done))
        .attr("to_delete", text(total - done));
    if (!tally.targets.empty()) {
        result.nodes.push_back(targets_node(tally));
    }
    if (!tally.created.empty()) {
        result.nodes.push_back(created_node(tally));
    }
    if (!tally.deleted.empty()) {
        result.nodes.push_back(deleted_node(tally));
    }
}

void add_metrics(const Tally& tally, metrics::Counts& counts) {
    const auto d = [](std::int64_t n) { return static_cast<double>(n); };
    constexpr auto k_servers = "pm_pool_servers";
    counts.set(k_servers,
               "Pool servers after the last pool_process run: free (ready for an order), building "
               "(free, VM not active yet), claimed.",
               d(tally.ready), {{"state", "free"}});
    const auto created = std::count_if(tally.created.begin(), tally.created.end(),
                                       [](const Creation& c) { return c.item.has_value(); });
    // The servers this run created are being built too.
    counts.set(k_servers, "", d(tally.building + created), {{"state", "building"}});
    counts.set(k_servers, "", d(tally.claimed), {{"state", "claimed"}});
    std::int64_t target = 0;
    std::int64_t orders = 0;
    for (const auto& t : tally.targets) {
        target += t.target;
        orders += t.orders;
    }
    counts.set("pm_pool_target_servers", "Free servers the pool aims to keep.", d(target));
    counts.set("pm_pool_window_orders", "Orders counted in the statistics window.", d(orders));
    counts.set("pm_pool_created", "Pool servers the last run started creating.", d(created));
    const auto deleted = std::count_if(tally.deleted.begin(), tally.deleted.end(),
                                       [](const Deletion& x) { return x.done; });
    counts.set("pm_pool_deleted", "Pool servers the last run deleted.", d(deleted));
    counts.set("pm_pool_enabled", "1 when the module's pool is on.", tally.enabled ? 1.0 : 0.0);
    add_hit_rate(tally, counts);
}

} // namespace pm::pool
