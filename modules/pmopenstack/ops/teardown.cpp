#include "pmopenstack/ops/teardown.hpp"

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/log.hpp"

#include "pmopenstack/api/services.hpp"

namespace pm::openstack {
namespace {

bool is_transitional(const std::string& volume_status) {
    return volume_status == "creating" || volume_status == "attaching" ||
           volume_status == "detaching" || volume_status == "downloading" ||
           volume_status == "extending" || volume_status == "reserved" ||
           volume_status == "maintenance";
}

} // namespace

void remove_loadbalancer(Connection& os, const std::string& id) {
    const auto& cloud = os.admin();
    os.wait_until(fmt::format("load balancer {} to be deleted", id), [&] {
        switch (api::delete_loadbalancer(cloud, id)) {
        case api::DeleteOutcome::gone:
            return true;
        case api::DeleteOutcome::busy:
            // PENDING_* (being created, updated or already deleted): ask again later.
            return false;
        case api::DeleteOutcome::accepted:
            break;
        }
        return !api::get_loadbalancer(cloud, id).has_value();
    });
    log::info("load balancer {} deleted", id);
}

void remove_server(Connection& os, const std::string& id) {
    if (!api::delete_server(os.admin(), id)) {
        return;
    }
    os.wait_until(fmt::format("server {} to be deleted", id),
                  [&] { return !api::get_server(os.admin(), id).has_value(); });
    log::info("server {} deleted", id);
}

void remove_volume(Connection& os, const std::string& id) {
    std::optional<api::Volume> volume;
    os.wait_until(fmt::format("volume {} to settle", id), [&] {
        volume = api::get_volume(os.admin(), id);
        return !volume || !is_transitional(volume->status);
    });
    if (!volume) {
        return;
    }
    if (volume->status == "in-use") {
        throw OperationError(
            fmt::format("volume {} is attached to a server; detach it before deleting", id));
    }
    if (volume->status != "deleting" && !api::delete_volume(os.admin(), id)) {
        return;
    }
    os.wait_until(fmt::format("volume {} to be deleted", id), [&] {
        const auto now = api::get_volume(os.admin(), id);
        if (now && now->status == "error_deleting") {
            throw OperationError(
                fmt::format("Cinder could not delete volume {} (error_deleting)", id));
        }
        return !now.has_value();
    });
    log::info("volume {} deleted", id);
}

void remove_interface(Connection& os, const std::string& router, const std::string& subnet) {
    if (api::remove_router_interface(os.admin(), router, subnet)) {
        log::info("router {} interface on subnet {} removed", router, subnet);
    }
}

void remove_router(Connection& os, const std::string& id) {
    try {
        if (api::delete_router(os.admin(), id)) {
            log::info("router {} deleted", id);
        }
    } catch (const ApiError& e) {
        if (e.status() != 409) {
            throw;
        }
        throw OperationError(fmt::format(
            "router {} still has interfaces attached; close its router interfaces first ({})", id,
            e.service_message()));
    }
}

void remove_network(Connection& os, const std::string& id, LeftoverPorts leftovers) {
    try {
        if (api::delete_network(os.admin(), id)) {
            log::info("network {} deleted", id);
        }
        return;
    } catch (const ApiError& e) {
        if (e.status() != 409 || leftovers == LeftoverPorts::keep) {
            if (e.status() == 409) {
                throw OperationError(fmt::format(
                    "network {} is in use (servers, router interfaces or load balancers on it): "
                    "{}",
                    id, e.service_message()));
            }
            throw;
        }
    }
    const auto network = api::get_network(os.admin(), id);
    if (!network) {
        return;
    }
    for (const auto& port : api::project_ports(os.admin(), network->project_id)) {
        if (port.network_id == id && port.device_owner != "network:dhcp") {
            log::info("deleting leftover port {} ({}) on network {}", port.id, port.device_owner,
                      id);
            api::delete_port(os.admin(), port.id);
        }
    }
    api::delete_network(os.admin(), id);
    log::info("network {} deleted", id);
}

} // namespace pm::openstack
