#include "pmopenstack/sync/report.hpp"

#include <cstdio>
#include <utility>

#include <fmt/format.h>

namespace pm::openstack::sync {
namespace {

std::string count(std::int64_t value) {
    return std::to_string(value);
}

ResultNode change_node(const store::Module& module, const VdcPlan& vdc, const Change& change) {
    ResultNode node{"change", {}, {}, {}};
    node.attr("action", std::string(action_name(change.action)));
    node.attr("module", count(module.id.value()));
    node.attr("item", count(vdc.item.value()));
    if (change.action == Action::limits) {
        for (const auto& [name, value] : change.limits) {
            const auto& before = change.previous_limits.at(name);
            node.attr(name, before.empty() ? value : fmt::format("{} (was {})", value, before));
        }
        return node;
    }
    if (change.action == Action::vdc_deleted) {
        node.attr("project_id", vdc.project_id);
        return node;
    }
    node.attr("type", std::string(type_of(change.kind)));
    if (change.object) {
        node.attr("object", count(change.object->value()));
    }
    if (!change.external_id.empty()) {
        node.attr("external_id", change.external_id);
    }
    if (!change.previous.empty()) {
        node.attr("previous", change.previous);
    }
    if (change.action == Action::add) {
        node.attr("name", change.found->name);
    }
    return node;
}

} // namespace

ResultNode module_summary(const store::Module& module, std::string_view status,
                          const Tally& tally) {
    ResultNode node{"module", {}, {}, {}};
    node.attr("id", count(module.id.value())).attr("name", module.name);
    node.attr("status", std::string(status));
    if (status == "skipped") {
        return node;
    }
    node.attr("vdcs", count(tally.vdcs))
        .attr("objects", count(tally.objects))
        .attr("found", count(tally.found))
        .attr("added", count(tally.added))
        .attr("adopted", count(tally.adopted))
        .attr("relinked", count(tally.relinked))
        .attr("removed", count(tally.removed))
        .attr("marked_deleted", count(tally.marked_deleted))
        .attr("revived", count(tally.revived))
        .attr("vdcs_deleted", count(tally.vdcs_deleted))
        .attr("limits_changed", count(tally.limits_changed))
        .attr("drift", count(tally.drift))
        .attr("busy_vdcs", count(tally.busy_vdcs))
        .attr("busy_objects", count(tally.busy_objects))
        .attr("strays", count(tally.strays))
        .attr("deferred", count(tally.deferred));
    return node;
}

void add_changes(ResultNode& out, const store::Module& module, const Plan& plan) {
    for (const auto& vdc : plan.vdcs) {
        for (const auto& change : vdc.changes) {
            out.children.push_back(change_node(module, vdc, change));
        }
    }
}

std::string summary_line(const Tally& t) {
    return fmt::format(
        "{} VDCs, {} store objects, {} OpenStack objects: {} added, {} adopted, {} relinked, "
        "{} removed, {} marked deleted, {} revived, {} VDCs deleted, limits of {} VDCs loaded ({} "
        "differ "
        "from the tariff); left alone: {} busy VDCs, {} busy objects, {} strays, {} deferred",
        t.vdcs, t.objects, t.found, t.added, t.adopted, t.relinked, t.removed, t.marked_deleted,
        t.revived, t.vdcs_deleted, t.limits_changed, t.drift, t.busy_vdcs, t.busy_objects, t.strays,
        t.deferred);
}

void add(Tally& total, const Tally& one) {
    for (auto [sum, n] : {std::pair{&total.vdcs, one.vdcs},
                          {&total.objects, one.objects},
                          {&total.found, one.found},
                          {&total.busy_vdcs, one.busy_vdcs},
                          {&total.busy_objects, one.busy_objects},
                          {&total.added, one.added},
                          {&total.adopted, one.adopted},
                          {&total.relinked, one.relinked},
                          {&total.removed, one.removed},
                          {&total.marked_deleted, one.marked_deleted},
                          {&total.revived, one.revived},
                          {&total.vdcs_deleted, one.vdcs_deleted},
                          {&total.limits_changed, one.limits_changed},
                          {&total.drift, one.drift},
                          {&total.strays, one.strays},
                          {&total.deferred, one.deferred}}) {
        *sum += n;
    }
}

void add_metrics(metrics::Counts& counts, const Tally& t, const ModuleOutcomes& modules) {
    const auto d = [](std::int64_t n) { return static_cast<double>(n); };
    constexpr auto k_changes = "pm_sync_changes";
    constexpr auto k_changes_help = "Store changes the last sync applied, by rule.";
    for (const auto& [rule, n] : {std::pair{"added", t.added},
                                  {"adopted", t.adopted},
                                  {"relinked", t.relinked},
                                  {"removed", t.removed},
                                  {"marked_deleted", t.marked_deleted},
                                  {"revived", t.revived},
                                  {"vdcs_deleted", t.vdcs_deleted},
                                  {"limits_changed", t.limits_changed}}) {
        counts.set(k_changes, k_changes_help, d(n), {{"rule", rule}});
    }
    counts.set("pm_sync_checked", "What the last sync compared, by kind.", d(t.vdcs),
               {{"kind", "vdcs"}});
    counts.set("pm_sync_checked", "", d(t.objects), {{"kind", "store_objects"}});
    counts.set("pm_sync_checked", "", d(t.found), {{"kind", "openstack_objects"}});
    counts.set("pm_sync_left_alone", "What the last sync left alone, by reason.", d(t.busy_vdcs),
               {{"reason", "busy_vdc"}});
    counts.set("pm_sync_left_alone", "", d(t.busy_objects), {{"reason", "busy_object"}});
    counts.set("pm_sync_left_alone", "", d(t.strays), {{"reason", "stray"}});
    counts.set("pm_sync_left_alone", "", d(t.deferred), {{"reason", "deferred"}});
    counts.set("pm_sync_limit_drift", "Limits where OpenStack differs from the tariff.",
               d(t.drift));
    counts.set("pm_sync_modules", "Modules of the last sync, by outcome.", d(modules.done),
               {{"outcome", "done"}});
    counts.set("pm_sync_modules", "", d(modules.skipped), {{"outcome", "skipped"}});
    counts.set("pm_sync_modules", "", d(modules.failed), {{"outcome", "failed"}});
}

} // namespace pm::openstack::sync
