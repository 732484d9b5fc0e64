// Reading what vdc_sync_all needs from the store: the covered VDCs with their wanted and
// recorded limits, their objects with the params the matching uses, and the operations that
// hold objects or items.
#include <ctime>
#include <map>
#include <unordered_set>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/log.hpp"

#include "pmopenstack/ops/quotas.hpp"
#include "pmopenstack/sync/steps.hpp"

namespace pm::openstack::sync {
namespace {

using Wanted = std::map<std::string, std::int64_t, std::less<>>;

std::string utc_text(std::chrono::system_clock::time_point at) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", parts.tm_year + 1900,
                       parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec);
}

// The limits the item or its tariff sets (the item's own win), as ops/quotas.cpp reads them.
// A bad value is logged and left out: one broken tariff must not stop the sync of every VDC,
// and the sync only reports limits against it.
Wanted wanted_of(const Params& item, const Params& tariff) {
    Wanted wanted;
    for (const auto& name : k_quota_names) {
        const auto& source = item.contains(name.billing) ? item : tariff;
        try {
            const auto value = source.get_int(name.billing);
            if (value && *value >= -1) {
                wanted.emplace(std::string(name.billing), *value);
            } else if (value) {
                log::warn("{}: {} is {}, below -1: not compared with OpenStack", source.owner(),
                          name.billing, *value);
            }
        } catch (const ConfigError& e) {
            log::warn("{}: not compared with OpenStack", e.what());
        }
    }
    return wanted;
}

ParamMap recorded_of(const Params& item) {
    ParamMap recorded;
    for (const auto& name : k_quota_names) {
        const auto param = limit_param(name.billing);
        if (const auto it = item.values().find(param); it != item.values().end()) {
            recorded.emplace(param, it->second);
        }
    }
    return recorded;
}

std::optional<ObjectId> object_param(const Params& params, std::string_view name) {
    if (const auto value = params.get(name)) {
        if (const auto id = parse_int(*value); id && *id > 0) {
            return ObjectId(*id);
        }
    }
    return std::nullopt;
}

// The row as the sync sees it, without its params (add_params).
std::optional<StoreObject> to_store_object(store::VdcObject&& row, const std::string& young_since) {
    const auto kind = kind_of(row.type);
    if (!kind) {
        return std::nullopt; // a type pm does not know: left alone
    }
    StoreObject object;
    object.id = row.id;
    object.item = row.item_id;
    object.external_id = std::move(row.external_id);
    object.kind = *kind;
    object.status = row.status;
    object.young = !young_since.empty() && row.created_at > young_since;
    return object;
}

// The params a network or an interface is compared by.
void add_params(const store::Store& store, StoreObject& object) {
    if (object.kind != Kind::network && object.kind != Kind::router_interface) {
        return;
    }
    const auto params = store.object_params(object.id);
    Links links;
    links.subnet_id = params.get_or("subnet_id", "");
    links.router_id = params.get_or("router_id", "");
    if (object.kind == Kind::router_interface) {
        links.router_object = object_param(params, "router");
        links.network_object = object_param(params, "network");
    }
    if (!links.subnet_id.empty() || !links.router_id.empty() || links.router_object ||
        links.network_object) {
        object.links = std::make_unique<const Links>(std::move(links));
    }
}

bool covered(store::ItemStatus status) {
    return status == store::ItemStatus::active || status == store::ItemStatus::suspended;
}

} // namespace

Holds load_holds(const store::Store& store, std::set<ItemId>& busy_items) {
    using Status = store::OperationStatus;
    Holds holds;
    busy_items.clear();
    for (const auto& op : store.operations(
             {.statuses = {Status::pending, Status::running, Status::error, Status::manual}})) {
        const bool live = op.status == Status::pending || op.status == Status::running;
        if (op.object_id) {
            auto& hold = holds[*op.object_id];
            hold = live ? Hold::busy : (hold == Hold::busy ? Hold::busy : Hold::kept);
        } else if (op.item_id && live) {
            busy_items.insert(*op.item_id);
        }
    }
    return holds;
}

Snapshot load_snapshot(const store::Store& store, ModuleId module, std::chrono::seconds grace) {
    Snapshot snapshot;
    std::set<ItemId> busy_items;
    snapshot.holds = load_holds(store, busy_items);
    std::map<PricelistId, Params> tariffs;
    std::map<std::string, ItemId> projects;
    for (const auto& item : store.items({.module_id = module, .type = "vdc"})) {
        if (!covered(item.status)) {
            continue;
        }
        const auto params = store.item_params(item.id);
        const auto project = params.get("project_id");
        if (!project) {
            continue;
        }
        if (const auto [it, fresh] = projects.emplace(*project, item.id); !fresh) {
            log::warn("item {} has the project {} of item {}: left out of the sync", item.id,
                      *project, it->second);
            continue;
        }
        auto tariff = tariffs.find(item.pricelist_id);
        if (tariff == tariffs.end()) {
            tariff =
                tariffs.emplace(item.pricelist_id, store.pricelist_params(item.pricelist_id)).first;
        }
        snapshot.vdcs.push_back(StoreVdc{item.id, *project, busy_items.contains(item.id),
                                         wanted_of(params, tariff->second), recorded_of(params)});
    }
    snapshot.young_since = utc_text(std::chrono::system_clock::now() - grace);
    std::unordered_set<ItemId> items;
    for (const auto& vdc : snapshot.vdcs) {
        items.insert(vdc.item);
    }
    // Reserved once (grown by doubling, 500k objects would hold up to half as much again
    // unused), and filled one row at a time: the module's rows are never all in memory as
    // well (issue 18). The params of networks and interfaces are read once the rows are.
    snapshot.objects.reserve(store.count_objects_of_module(module));
    store.each_object_of_module(module, [&](store::VdcObject&& row) {
        if (items.contains(row.item_id)) {
            if (auto object = to_store_object(std::move(row), snapshot.young_since)) {
                snapshot.objects.push_back(std::move(*object));
            }
        }
    });
    for (auto& object : snapshot.objects) {
        add_params(store, object);
    }
    return snapshot;
}

std::vector<StoreObject> load_objects(const store::Store& store, ItemId item) {
    std::vector<StoreObject> out;
    for (auto& row : store.objects(item)) {
        if (auto object = to_store_object(std::move(row), {})) {
            add_params(store, *object);
            out.push_back(std::move(*object));
        }
    }
    return out;
}

} // namespace pm::openstack::sync
