// vdc_network_*, vdc_router_*, vdc_router_interface_* and vdc_loadbalancer_*: Neutron and
// Octavia objects, created by the admin for the VDC's project and marked with the object
// mark in their description, so that a rerun after a kill between the create and the save
// of the id finds them instead of creating a second one.
#include <algorithm>

#include <fmt/format.h>

#include "pm/create.hpp"
#include "pm/errors.hpp"
#include "pm/log.hpp"

#include "pmopenstack/api/services.hpp"
#include "pmopenstack/ops/commands.hpp"
#include "pmopenstack/ops/objects.hpp"
#include "pmopenstack/ops/teardown.hpp"
#include "pmopenstack/ops/vdc.hpp"

namespace pm::openstack {
namespace {

constexpr std::string_view k_default_cidr = "10.0.0.0/24";

// The remote object: by the saved id, else the one of the project carrying the mark (also
// when the saved id is gone: an ambiguous create after it may have made another).
template <typename T, typename Get, typename List>
std::optional<T> find_marked(Context& context, Get get, List list) {
    if (!external_id(context).empty()) {
        if (auto found = get(external_id(context))) {
            return found;
        }
    }
    const auto mark = object_mark(context.object->id);
    for (auto& remote : list(require_project_id(context))) {
        if (remote.description == mark) {
            save_external_id(context, remote.id);
            return remote;
        }
    }
    return std::nullopt;
}

std::optional<api::Network> find_network(Context& context, Connection& os) {
    return find_marked<api::Network>(
        context, [&](const std::string& id) { return api::get_network(os.admin(), id); },
        [&](const std::string& project) { return api::project_networks(os.admin(), project); });
}

std::optional<api::Router> find_router(Context& context, Connection& os) {
    return find_marked<api::Router>(
        context, [&](const std::string& id) { return api::get_router(os.admin(), id); },
        [&](const std::string& project) { return api::project_routers(os.admin(), project); });
}

std::optional<api::LoadBalancer> find_loadbalancer(Context& context, Connection& os) {
    return find_marked<api::LoadBalancer>(
        context, [&](const std::string& id) { return api::get_loadbalancer(os.admin(), id); },
        [&](const std::string& project) {
            return api::project_loadbalancers(os.admin(), project);
        });
}

std::optional<std::string> find_subnet(Context& context, Connection& os,
                                       const api::Network& network) {
    const auto mark = object_mark(context.object->id);
    if (auto saved = object_params(context).get("subnet_id")) {
        if (api::get_subnet(os.admin(), *saved)) {
            return *saved;
        }
    }
    for (const auto& subnet : api::network_subnets(os.admin(), network.id)) {
        if (subnet.description == mark) {
            save_object_param(context, "subnet_id", subnet.id);
            return subnet.id;
        }
    }
    return std::nullopt;
}

std::string ensure_subnet(Context& context, Connection& os, const api::Network& network) {
    return create_once<std::string>(
        fmt::format("subnet of object {}", context.object->id), context.deadline,
        [&] { return find_subnet(context, os, network); },
        [&] {
            const auto subnet = api::create_subnet(
                os.admin(), {remote_name(context), network.id, network.project_id,
                             object_params(context).get_or("cidr", k_default_cidr),
                             object_mark(context.object->id)});
            save_object_param(context, "subnet_id", subnet.id);
            log::info("created subnet {} ({}) on network {}", subnet.id, subnet.cidr, network.id);
            return subnet.id;
        });
}

std::string gateway_network(const Context& context, const Connection& os) {
    const auto name = context.module_params.get("external_network");
    if (!name) {
        throw ConfigError(fmt::format("{}: external_network is not set; routers need it",
                                      context.module_params.owner()));
    }
    const auto network = api::find_external_network(os.admin(), *name);
    if (!network) {
        throw ConfigError(fmt::format("Neutron has no external network {}", *name));
    }
    return network->id;
}

} // namespace

void vdc_network_open(Context& context) {
    Connection os(context);
    const auto project = require_project_id(context);
    const auto network = create_once<api::Network>(
        fmt::format("network of object {}", context.object->id), context.deadline,
        [&] { return find_network(context, os); },
        [&] {
            auto created = api::create_network(
                os.admin(), {remote_name(context), project, object_mark(context.object->id)});
            save_external_id(context, created.id);
            log::info("created network {} for object {}", created.id, context.object->id);
            return created;
        });
    const auto subnet = ensure_subnet(context, os, network);
    set_object_status(context, store::ObjectStatus::active);
    context.result.add("external_id", network.id);
    context.result.add("subnet_id", subnet);
}

void vdc_network_close(Context& context) {
    Connection os(context);
    if (const auto network = find_network(context, os)) {
        remove_network(os, network->id, LeftoverPorts::keep);
    }
    set_object_status(context, store::ObjectStatus::closed);
}

void vdc_router_open(Context& context) {
    Connection os(context);
    const auto project = require_project_id(context);
    const bool external = object_params(context).get_bool("external", true);
    const auto router = create_once<api::Router>(
        fmt::format("router of object {}", context.object->id), context.deadline,
        [&] { return find_router(context, os); },
        [&] {
            auto created = api::create_router(
                os.admin(), {remote_name(context), project, object_mark(context.object->id),
                             external ? gateway_network(context, os) : std::string()});
            save_external_id(context, created.id);
            log::info("created router {} for object {}", created.id, context.object->id);
            return created;
        });
    set_object_status(context, store::ObjectStatus::active);
    context.result.add("external_id", router.id);
}

void vdc_router_close(Context& context) {
    Connection os(context);
    if (const auto router = find_router(context, os)) {
        remove_router(os, router->id);
    }
    set_object_status(context, store::ObjectStatus::closed);
}

void vdc_router_interface_open(Context& context) {
    Connection os(context);
    const auto router = referenced_object(context, "router", "router").external_id;
    const auto network = referenced_object(context, "network", "network");
    const auto subnet = referenced_param(context, network, "subnet_id");
    // Kept on the interface itself, so that close works whatever became of the others.
    save_object_param(context, "router_id", router);
    save_object_param(context, "subnet_id", subnet);
    // The interface is known by its router and subnet: Neutron allows one port of a router on
    // a subnet (a second add is a 400), so that lookup is exact.
    const auto port = create_once<std::string>(
        fmt::format("interface of object {}", context.object->id), context.deadline,
        [&]() -> std::optional<std::string> {
            for (const auto& existing : api::router_interfaces(os.admin(), router)) {
                if (std::find(existing.subnet_ids.begin(), existing.subnet_ids.end(), subnet) !=
                    existing.subnet_ids.end()) {
                    return existing.id;
                }
            }
            return std::nullopt;
        },
        [&] {
            auto added = api::add_router_interface(os.admin(), router, subnet);
            log::info("attached subnet {} to router {} (port {})", subnet, router, added);
            return added;
        });
    save_external_id(context, port);
    set_object_status(context, store::ObjectStatus::active);
    context.result.add("external_id", port);
}

void vdc_router_interface_close(Context& context) {
    Connection os(context);
    const auto params = object_params(context);
    const auto router = params.get("router_id");
    const auto subnet = params.get("subnet_id");
    if (router && subnet) {
        remove_interface(os, *router, *subnet);
    }
    set_object_status(context, store::ObjectStatus::closed);
}

void vdc_loadbalancer_open(Context& context) {
    Connection os(context);
    const auto project = require_project_id(context);
    auto lb = find_loadbalancer(context, os);
    if (lb && lb->provisioning_status == "ERROR") {
        log::info("load balancer {} is in ERROR: deleting it to create again", lb->id);
        remove_loadbalancer(os, lb->id);
        lb.reset();
    }
    if (!lb) {
        const auto network = referenced_object(context, "network", "network");
        const auto subnet = referenced_param(context, network, "subnet_id");
        lb = create_after_lookup<api::LoadBalancer>(
            context, fmt::format("load balancer of object {}", context.object->id),
            [&] { return find_loadbalancer(context, os); },
            [&] {
                auto created =
                    api::create_loadbalancer(os.admin(), {remote_name(context), project, subnet,
                                                          object_mark(context.object->id)});
                save_external_id(context, created.id);
                log::info("created load balancer {} for object {}", created.id, context.object->id);
                return created;
            });
    }
    const auto id = lb->id;
    os.wait_until(fmt::format("load balancer {} to become ACTIVE", id), [&] {
        lb = api::get_loadbalancer(os.admin(), id);
        if (!lb || lb->provisioning_status == "ERROR") {
            set_object_status(context, store::ObjectStatus::error);
            throw OperationError(fmt::format("Octavia could not create load balancer {} ({})", id,
                                             lb ? "ERROR" : "gone"));
        }
        return lb->provisioning_status == "ACTIVE";
    });
    set_object_status(context, store::ObjectStatus::active);
    context.result.add("external_id", id);
}

void vdc_loadbalancer_close(Context& context) {
    Connection os(context);
    if (const auto lb = find_loadbalancer(context, os)) {
        remove_loadbalancer(os, lb->id);
    }
    set_object_status(context, store::ObjectStatus::closed);
}

} // namespace pm::openstack
