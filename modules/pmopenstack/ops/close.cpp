// close: everything in the VDC's project in dependency order — load balancers, router
// interfaces, routers, servers, volumes, networks with their subnets — then the user and
// the project. What OpenStack holds is listed afresh on every run, so a rerun after a kill
// (or a close of a half-open VDC) simply finishes the job.
#include <fmt/format.h>

#include "pm/console.hpp"
#include "pm/log.hpp"

#include "pmopenstack/api/services.hpp"
#include "pmopenstack/ops/commands.hpp"
#include "pmopenstack/ops/console.hpp"
#include "pmopenstack/ops/teardown.hpp"
#include "pmopenstack/ops/vdc.hpp"

namespace pm::openstack {
namespace {

void empty_project(Connection& os, const std::string& project) {
    const auto& cloud = os.admin();
    for (const auto& lb : api::project_loadbalancers(cloud, project)) {
        remove_loadbalancer(os, lb.id);
    }
    const auto routers = api::project_routers(cloud, project);
    for (const auto& router : routers) {
        for (const auto& port : api::router_interfaces(cloud, router.id)) {
            for (const auto& subnet : port.subnet_ids) {
                remove_interface(os, router.id, subnet);
            }
        }
    }
    for (const auto& router : routers) {
        remove_router(os, router.id);
    }
    for (const auto& server : api::project_servers(cloud, project)) {
        remove_server(os, server.id);
    }
    for (const auto& volume : api::project_volumes(cloud, project)) {
        remove_volume(os, volume.id);
    }
    for (const auto& network : api::project_networks(cloud, project)) {
        remove_network(os, network.id, LeftoverPorts::remove);
    }
}

} // namespace

void close(Context& context) {
    Connection os(context);
    const auto project = find_vdc_project(context, os, Foreign::skip);
    if (project) {
        empty_project(os, project->id);
    }
    if (const auto user = find_vdc_user(context, os, Foreign::skip)) {
        api::delete_user(os.admin(), user->id);
        log::info("deleted user {}", user->id);
    }
    if (project) {
        api::delete_project(os.admin(), project->id);
        log::info("deleted project {}", project->id);
    }
    for (const auto& object : context.store.objects(context.item->id)) {
        if (object.status != store::ObjectStatus::deleted) {
            context.store.set_object_status(object.id, store::ObjectStatus::closed);
        }
    }
    context.store.set_item_status(context.item->id, store::ItemStatus::closed);
    context.result.add("project_id", project ? project->id : std::string());
    const auto feed = console_feed(os, context.item->id, context.item_params);
    console::on_close(context, feed.get());
}

} // namespace pm::openstack
