// Typed calls of each OpenStack service, one function per endpoint (api/openstack.md). Lookups
// that may find nothing return std::optional; creates are sent as not-idempotent requests,
// which http::Client never repeats blindly. Listing functions page through everything.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pmopenstack/api/cloud.hpp"
#include "pmopenstack/api/types.hpp"

namespace pm::openstack::api {

// ---- Keystone
[[nodiscard]] std::optional<Named> find_domain(const Cloud& cloud, std::string_view name_or_id);
[[nodiscard]] std::optional<Project> get_project(const Cloud& cloud, std::string_view id);
[[nodiscard]] std::optional<Project> find_project(const Cloud& cloud, std::string_view name,
                                                  std::string_view domain_id);
struct NewProject {
    std::string name;
    std::string domain_id;
    std::string description;
};
// nullopt when the name is taken in the domain (409).
[[nodiscard]] std::optional<Project> create_project(const Cloud& cloud, const NewProject& spec);
void set_project_enabled(const Cloud& cloud, std::string_view id, bool enabled);
// false when it was already gone.
bool delete_project(const Cloud& cloud, std::string_view id);

[[nodiscard]] std::optional<User> get_user(const Cloud& cloud, std::string_view id);
[[nodiscard]] std::optional<User> find_user(const Cloud& cloud, std::string_view name,
                                            std::string_view domain_id);
struct NewUser {
    std::string name;
    std::string domain_id;
    std::string password;
    std::string default_project_id;
    std::string description;
};
// nullopt when the name is taken in the domain (409).
[[nodiscard]] std::optional<User> create_user(const Cloud& cloud, const NewUser& spec);
void set_user_enabled(const Cloud& cloud, std::string_view id, bool enabled);
bool delete_user(const Cloud& cloud, std::string_view id);

[[nodiscard]] std::optional<Named> find_role(const Cloud& cloud, std::string_view name);
void assign_role(const Cloud& cloud, std::string_view project, std::string_view user,
                 std::string_view role);
[[nodiscard]] bool has_role(const Cloud& cloud, std::string_view project, std::string_view user,
                            std::string_view role);

// Application credentials (api/console-zabbix.md §3). Keystone lets only the user create
// one, with a token scoped to the project it is for: `own` is that user's client.
struct NewAppCredential {
    std::string id;
    std::string name;
    std::string secret; // shown once by Keystone; registered as a secret
};
[[nodiscard]] NewAppCredential create_app_credential(const Cloud& own, std::string_view user,
                                                     std::string_view name);
// Empty when the user is gone.
[[nodiscard]] std::vector<Named> app_credentials(const Cloud& cloud, std::string_view user);
// false when it was already gone.
bool delete_app_credential(const Cloud& cloud, std::string_view user, std::string_view id);

// ---- Nova
[[nodiscard]] std::optional<Named> find_flavor(const Cloud& cloud, std::string_view name_or_id);
[[nodiscard]] std::optional<Server> get_server(const Cloud& cloud, std::string_view id);
// Servers of one project, or of every project when `project` is empty (admin listing).
[[nodiscard]] std::vector<Server> project_servers(const Cloud& cloud, std::string_view project);
struct NewServer {
    std::string name;
    std::string flavor_id;
    std::string image_id;
    std::string network_id; // "" = let Nova choose
    std::map<std::string, std::string> metadata;
    std::string user_data{}; // cloud-init text, sent base64-encoded; "" = none
};
[[nodiscard]] Server create_server(const Cloud& cloud, const NewServer& spec);
// false when the server is gone.
bool delete_server(const Cloud& cloud, std::string_view id);
enum class Power { stop, start };
// false when the server is gone; a 409 (already in that state, or busy) is returned as true
// and left to the caller's wait.
bool server_power(const Cloud& cloud, std::string_view id, Power power);
[[nodiscard]] Limits compute_quota(const Cloud& cloud, std::string_view project);
void set_compute_quota(const Cloud& cloud, std::string_view project, const Limits& limits);
// Usage of every project over [start, end), summed over the per-instance pages.
[[nodiscard]] std::vector<TenantUsage> usage_all(const Cloud& cloud, std::string_view start,
                                                 std::string_view end, int page_size);
// Usage of one project over [start, end), summed over its pages.
[[nodiscard]] TenantUsage usage_of(const Cloud& cloud, std::string_view project,
                                   std::string_view start, std::string_view end, int page_size);

// ---- Glance
[[nodiscard]] std::optional<Named> find_image(const Cloud& cloud, std::string_view name_or_id);

// ---- Cinder
[[nodiscard]] std::optional<Volume> get_volume(const Cloud& cloud, std::string_view id);
// Volumes of one project, or of every project when `project` is empty.
[[nodiscard]] std::vector<Volume> project_volumes(const Cloud& cloud, std::string_view project);
struct NewVolume {
    std::string name;
    std::int64_t size_gb = 0;
    std::string volume_type; // "" = the default type
    std::map<std::string, std::string> metadata;
};
[[nodiscard]] Volume create_volume(const Cloud& cloud, const NewVolume& spec);
// false when the volume is gone.
bool delete_volume(const Cloud& cloud, std::string_view id);
[[nodiscard]] Limits volume_quota(const Cloud& cloud, std::string_view project);
void set_volume_quota(const Cloud& cloud, std::string_view project, const Limits& limits);

// ---- Neutron
[[nodiscard]] std::optional<Network> get_network(const Cloud& cloud, std::string_view id);
[[nodiscard]] std::optional<Network> find_external_network(const Cloud& cloud,
                                                           std::string_view name_or_id);
// Networks of one project, or every network when `project` is empty.
[[nodiscard]] std::vector<Network> project_networks(const Cloud& cloud, std::string_view project);
struct NewNetwork {
    std::string name;
    std::string project_id;
    std::string description;
};
[[nodiscard]] Network create_network(const Cloud& cloud, const NewNetwork& spec);
bool delete_network(const Cloud& cloud, std::string_view id);

[[nodiscard]] std::optional<Subnet> get_subnet(const Cloud& cloud, std::string_view id);
[[nodiscard]] std::vector<Subnet> network_subnets(const Cloud& cloud, std::string_view network);
struct NewSubnet {
    std::string name;
    std::string network_id;
    std::string project_id;
    std::string cidr;
    std::string description;
};
[[nodiscard]] Subnet create_subnet(const Cloud& cloud, const NewSubnet& spec);

[[nodiscard]] std::optional<Port> get_port(const Cloud& cloud, std::string_view id);
[[nodiscard]] std::optional<Router> get_router(const Cloud& cloud, std::string_view id);
// Routers of one project, or every router when `project` is empty.
[[nodiscard]] std::vector<Router> project_routers(const Cloud& cloud, std::string_view project);
struct NewRouter {
    std::string name;
    std::string project_id;
    std::string description;
    std::string gateway_network; // "" = none
};
[[nodiscard]] Router create_router(const Cloud& cloud, const NewRouter& spec);
// false when the router is gone; ApiError 409 while interfaces are attached.
bool delete_router(const Cloud& cloud, std::string_view id);
// The router's interface ports (device_owner network:router_interface).
[[nodiscard]] std::vector<Port> router_interfaces(const Cloud& cloud, std::string_view router);
// The project's ports of every kind (every port when `project` is empty).
[[nodiscard]] std::vector<Port> project_ports(const Cloud& cloud, std::string_view project);
// The port id of the new interface.
[[nodiscard]] std::string add_router_interface(const Cloud& cloud, std::string_view router,
                                               std::string_view subnet);
// false when the router or the interface is gone.
bool remove_router_interface(const Cloud& cloud, std::string_view router, std::string_view subnet);
bool delete_port(const Cloud& cloud, std::string_view id);
[[nodiscard]] Limits network_quota(const Cloud& cloud, std::string_view project);
void set_network_quota(const Cloud& cloud, std::string_view project, const Limits& limits);

// ---- Octavia
[[nodiscard]] std::optional<LoadBalancer> get_loadbalancer(const Cloud& cloud, std::string_view id);
// Load balancers of one project, or every one when `project` is empty.
[[nodiscard]] std::vector<LoadBalancer> project_loadbalancers(const Cloud& cloud,
                                                              std::string_view project);
struct NewLoadBalancer {
    std::string name;
    std::string project_id;
    std::string vip_subnet_id;
    std::string description;
};
[[nodiscard]] LoadBalancer create_loadbalancer(const Cloud& cloud, const NewLoadBalancer& spec);
enum class DeleteOutcome { accepted, gone, busy };
// DELETE …?cascade=true: accepted, gone (404), or busy (409: PENDING_* — wait and retry).
DeleteOutcome delete_loadbalancer(const Cloud& cloud, std::string_view id);
[[nodiscard]] Limits lb_quota(const Cloud& cloud, std::string_view project);
void set_lb_quota(const Cloud& cloud, std::string_view project, const Limits& limits);

} // namespace pm::openstack::api
