// vdc_stat --module N: usage statistics of every open VDC of the module into itemstat
// (DESIGN §5), for today so far and for the whole of yesterday (UTC days; the row of a day
// is replaced on every run, so yesterday's becomes final on the first run after midnight).
// Each resource type is listed once across all projects, so the number of requests grows
// with pages, not with VDCs.
#include <chrono>
#include <map>

#include <fmt/format.h>

#include "pm/log.hpp"
#include "pm/progress.hpp"

#include "pmopenstack/api/parse.hpp"
#include "pmopenstack/api/services.hpp"
#include "pmopenstack/ops/commands.hpp"
#include "pmopenstack/ops/connection.hpp"

namespace pm::openstack {
namespace {

using Clock = std::chrono::system_clock;
constexpr int k_usage_page = 1000;

struct Counts {
    double volume_gb = 0;
    std::int64_t vms = 0;
    std::int64_t volumes = 0;
    std::int64_t networks = 0;
    std::int64_t routers = 0;
    std::int64_t loadbalancers = 0;
};

std::string day_of(Clock::time_point at) {
    return api::format_timestamp(at).substr(0, 10);
}

std::map<std::string, Counts> count_objects(const api::Cloud& cloud) {
    std::map<std::string, Counts> counts;
    for (const auto& server : api::project_servers(cloud, "")) {
        ++counts[server.project_id].vms;
    }
    for (const auto& volume : api::project_volumes(cloud, "")) {
        auto& c = counts[volume.project_id];
        ++c.volumes;
        c.volume_gb += static_cast<double>(volume.size_gb);
    }
    for (const auto& network : api::project_networks(cloud, "")) {
        ++counts[network.project_id].networks;
    }
    for (const auto& router : api::project_routers(cloud, "")) {
        ++counts[router.project_id].routers;
    }
    for (const auto& lb : api::project_loadbalancers(cloud, "")) {
        ++counts[lb.project_id].loadbalancers;
    }
    return counts;
}

std::map<std::string, api::TenantUsage>
usage_by_project(const api::Cloud& cloud, Clock::time_point start, Clock::time_point end) {
    std::map<std::string, api::TenantUsage> out;
    for (auto& usage : api::usage_all(cloud, api::format_timestamp(start),
                                      api::format_timestamp(end), k_usage_page)) {
        out.emplace(usage.project_id, std::move(usage));
    }
    return out;
}

void add_usage(std::vector<store::ItemStat>& stats, ItemId item, const std::string& date,
               const api::TenantUsage& usage) {
    stats.push_back({item, date, "vcpu_hours", usage.vcpu_hours});
    stats.push_back({item, date, "ram_mb_hours", usage.ram_mb_hours});
    stats.push_back({item, date, "disk_gb_hours", usage.disk_gb_hours});
}

} // namespace

void vdc_stat(Context& context) {
    Connection os(context);
    std::map<std::string, ItemId> vdcs; // project id → item
    for (const auto& item : context.store.items({.module_id = context.module->id, .type = "vdc"})) {
        if (item.status != store::ItemStatus::active &&
            item.status != store::ItemStatus::suspended) {
            continue;
        }
        if (auto project = context.store.item_params(item.id).get("project_id")) {
            vdcs.emplace(*project, item.id);
        }
    }
    const auto now = Clock::now();
    const auto today = std::chrono::floor<std::chrono::days>(now);
    const auto yesterday = today - std::chrono::days(1);
    ProgressLine progress;
    const auto step = [&](int n, std::string_view what) {
        progress.show(fmt::format("vdc_stat: module {}, {} VDCs: {}/4 {}", context.module->id,
                                  vdcs.size(), n, what));
    };
    step(1, "usage of today");
    const auto usage_today = usage_by_project(os.admin(), today, now);
    step(2, "usage of yesterday");
    const auto usage_yesterday = usage_by_project(os.admin(), yesterday, today);
    step(3, "counting objects");
    const auto counts = count_objects(os.admin());
    step(4, "writing statistics");

    std::vector<store::ItemStat> stats;
    const auto date_today = day_of(today);
    const auto date_yesterday = day_of(yesterday);
    for (const auto& [project, item] : vdcs) {
        const auto u = usage_today.find(project);
        add_usage(stats, item, date_today, u == usage_today.end() ? api::TenantUsage{} : u->second);
        const auto y = usage_yesterday.find(project);
        add_usage(stats, item, date_yesterday,
                  y == usage_yesterday.end() ? api::TenantUsage{} : y->second);
        const auto c = counts.find(project);
        const Counts n = c == counts.end() ? Counts{} : c->second;
        stats.push_back({item, date_today, "volume_gb", n.volume_gb});
        stats.push_back({item, date_today, "vm_count", static_cast<double>(n.vms)});
        stats.push_back({item, date_today, "volume_count", static_cast<double>(n.volumes)});
        stats.push_back({item, date_today, "network_count", static_cast<double>(n.networks)});
        stats.push_back({item, date_today, "router_count", static_cast<double>(n.routers)});
        stats.push_back(
            {item, date_today, "loadbalancer_count", static_cast<double>(n.loadbalancers)});
    }
    context.store.transaction([&] {
        for (const auto& stat : stats) {
            context.store.set_item_stat(stat);
        }
    });
    log::info("statistics of {} VDCs written for {} and {}", vdcs.size(), date_yesterday,
              date_today);
    context.result.add("vdcs", std::to_string(vdcs.size()));
    context.result.add("date", date_today);
    context.metrics->set("pm_stat_vdcs", "VDCs the last vdc_stat run collected statistics of.",
                         static_cast<double>(vdcs.size()));
    context.metrics->set("pm_stat_rows_written", "Statistics rows the last vdc_stat run wrote.",
                         static_cast<double>(stats.size()));
}

} // namespace pm::openstack
