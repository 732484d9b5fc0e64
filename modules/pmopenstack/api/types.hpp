// What the OpenStack services answer, as plain structs (api/openstack.md). Only the fields
// pmopenstack uses; the parsers ignore the rest.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pm::openstack::api {

enum class Service { identity, compute, volume, network, load_balancer, image };

struct Endpoint {
    std::string type; // as in the catalog: compute, volumev3, network, load-balancer…
    std::string interface;
    std::string region;
    std::string url;
};

// A Keystone token's body: who, which project, which roles, the catalog.
struct TokenInfo {
    std::string user_id;
    std::string project_id;
    std::string project_name;
    std::vector<std::string> roles;
    std::vector<Endpoint> endpoints;
    std::optional<std::chrono::system_clock::time_point> expires_at;

    [[nodiscard]] bool has_role(std::string_view name) const;
};

struct Project {
    std::string id;
    std::string name;
    std::string domain_id;
    std::string description;
    bool enabled = true;
};

struct User {
    std::string id;
    std::string name;
    std::string domain_id;
    std::string description;
    bool enabled = true;
};

struct Named {
    std::string id;
    std::string name;
};

struct Server {
    std::string id;
    std::string name;
    std::string status; // BUILD, ACTIVE, SHUTOFF, ERROR, DELETED…
    std::string project_id;
    std::string fault; // the fault message of an ERROR server
    std::map<std::string, std::string> metadata;
};

struct Volume {
    std::string id;
    std::string name;
    std::string status; // creating, available, in-use, deleting, error, error_deleting…
    std::string project_id;
    std::int64_t size_gb = 0;
    std::map<std::string, std::string> metadata;
};

struct Network {
    std::string id;
    std::string name;
    std::string project_id;
    std::string description;
    bool external = false;
    std::vector<std::string> subnets;
};

struct Subnet {
    std::string id;
    std::string name;
    std::string network_id;
    std::string project_id;
    std::string cidr;
    std::string description;
};

struct Router {
    std::string id;
    std::string name;
    std::string project_id;
    std::string description;
    std::string gateway_network; // "" without an external gateway
};

struct Port {
    std::string id;
    std::string network_id;
    std::string project_id;
    std::string device_id;
    std::string device_owner;
    std::vector<std::string> subnet_ids;
};

struct LoadBalancer {
    std::string id;
    std::string name;
    std::string project_id;
    std::string description;
    std::string provisioning_status; // PENDING_CREATE, ACTIVE, PENDING_DELETE, ERROR…
    std::string vip_subnet_id;
};

// Quota limits by the service's own key (cores, ram, gigabytes, network, loadbalancer…);
// -1 is unlimited.
using Limits = std::map<std::string, std::int64_t, std::less<>>;

// One project's usage over a period, in hours of the resource (os-simple-tenant-usage).
struct TenantUsage {
    std::string project_id;
    double vcpu_hours = 0;
    double ram_mb_hours = 0;
    double disk_gb_hours = 0;
    double hours = 0;
};

} // namespace pm::openstack::api
