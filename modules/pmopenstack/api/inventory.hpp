// Listings across every project for module-wide jobs (vdc_sync_all): each kind is paged
// through once, `page_size` at a time, with the filters its service needs, and every object
// is handed to `take` as soon as its page is parsed, so that a caller keeps only what it
// needs. They need an admin token. Errors as Cloud::call and Cloud::for_each_page.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pmopenstack/api/cloud.hpp"
#include "pmopenstack/api/types.hpp"

namespace pm::openstack::api {

// A Nova server with what a billing record of it needs.
struct ServerEntry {
    std::string id;
    std::string name;
    std::string project_id;
    std::string status;     // ACTIVE, BUILD, ERROR…
    std::string task_state; // OS-EXT-STS:task_state: "deleting" while it goes
    std::string flavor_id;
    std::string image_id; // "" when it boots from a volume
    std::string mark;     // metadata "pm"
};

// A Cinder volume with what a billing record of it needs.
struct VolumeEntry {
    std::string id;
    std::string name;
    std::string project_id;
    std::string status; // available, in-use, creating, deleting, error…
    std::string volume_type;
    std::int64_t size_gb = 0;
    std::string mark; // metadata "pm"
};

// GET /servers/detail?all_tenants=1.
void each_server(const Cloud& cloud, int page_size, const std::function<void(ServerEntry&&)>& take);
// GET /volumes/detail?all_tenants=1.
void each_volume(const Cloud& cloud, int page_size, const std::function<void(VolumeEntry&&)>& take);
// GET /networks, /subnets, /routers (Neutron shows an admin every project).
void each_network(const Cloud& cloud, int page_size, const std::function<void(Network&&)>& take);
void each_subnet(const Cloud& cloud, int page_size, const std::function<void(Subnet&&)>& take);
void each_router(const Cloud& cloud, int page_size, const std::function<void(Router&&)>& take);
// GET /ports?device_owner=network:router_interface: the routers' interfaces (device_id is
// the router).
void each_router_interface(const Cloud& cloud, int page_size,
                           const std::function<void(Port&&)>& take);
// GET /lbaas/loadbalancers; those Octavia still shows as DELETED are left out.
void each_loadbalancer(const Cloud& cloud, int page_size,
                       const std::function<void(LoadBalancer&&)>& take);

// GET /v3/projects: the ids of every project. `truncated` when Keystone cut the list short
// (its list_limit): then a project missing from it may still exist.
struct ProjectIds {
    std::vector<std::string> ids;
    bool truncated = false;
};
[[nodiscard]] ProjectIds all_project_ids(const Cloud& cloud);

// Neutron GET /quotas: the complete limits of every project that has a limit of its own;
// the others have the defaults (network_quota_defaults).
[[nodiscard]] std::map<std::string, Limits> network_quotas_set(const Cloud& cloud);
// GET /quotas/{project}/default.
[[nodiscard]] Limits network_quota_defaults(const Cloud& cloud, std::string_view project);
// Octavia GET /lbaas/quotas: per project, the limits set for it (the keys left at the
// default are absent), with load_balancer also under its old name's value when only that
// is given.
[[nodiscard]] std::map<std::string, Limits> lb_quotas_set(const Cloud& cloud, int page_size);
// GET /lbaas/quotas/{project}/default.
[[nodiscard]] Limits lb_quota_defaults(const Cloud& cloud, std::string_view project);

} // namespace pm::openstack::api
