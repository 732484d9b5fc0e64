// Listings across every project: Nova, Cinder, Neutron and Octavia collections paged with
// limit/marker, Keystone's project list, and the quota lists of Neutron and Octavia.
#include "pmopenstack/api/inventory.hpp"

#include <fmt/format.h>

#include "pm/json.hpp"

#include "pmopenstack/api/parse.hpp"

namespace pm::openstack::api {
namespace {

using http::Method;

// The "pm" metadata key (ops/connection.hpp k_mark_key), read without the whole map.
std::string mark_of(const json::View& object) {
    if (auto metadata = object.find("metadata"); metadata && metadata->is_object()) {
        if (auto mark = metadata->find("pm"); mark && mark->is_string()) {
            return mark->as_string();
        }
    }
    return {};
}

// The id of an embedded {"id":…} reference ("" when it is absent, a string or null).
std::string reference_id(const json::View& object, std::string_view key) {
    if (auto ref = object.find(key); ref && ref->is_object()) {
        return text(*ref, "id");
    }
    return {};
}

ServerEntry parse_server_entry(const json::View& server) {
    ServerEntry out;
    out.id = server.at("id").as_string();
    out.name = text(server, "name");
    out.project_id = text(server, "tenant_id");
    if (out.project_id.empty()) {
        out.project_id = text(server, "project_id");
    }
    out.status = text(server, "status");
    out.task_state = text(server, "OS-EXT-STS:task_state");
    out.flavor_id = reference_id(server, "flavor");
    out.image_id = reference_id(server, "image");
    out.mark = mark_of(server);
    return out;
}

VolumeEntry parse_volume_entry(const json::View& volume) {
    VolumeEntry out;
    out.id = volume.at("id").as_string();
    out.name = text(volume, "name");
    out.project_id = text(volume, "os-vol-tenant-attr:tenant_id");
    if (out.project_id.empty()) {
        out.project_id = text(volume, "project_id");
    }
    out.status = text(volume, "status");
    out.volume_type = text(volume, "volume_type");
    if (auto size = volume.find("size")) {
        out.size_gb = size->as_int64();
    }
    out.mark = mark_of(volume);
    return out;
}

template <typename T, typename Parse>
void each(const Cloud& cloud, Service service, const std::string& path, std::string_view key,
          Parse parse, const std::function<void(T&&)>& take) {
    cloud.for_each_page(service, path, fmt::format("{}_links", key), [&](const json::View& root) {
        for (const auto& item : root.at(key).items()) {
            take(parse(item));
        }
    });
}

template <typename T, typename Parse>
void each_neutron(const Cloud& cloud, std::string_view collection, std::string_view filter,
                  int page_size, Parse parse, const std::function<void(T&&)>& take) {
    const auto path = filter.empty()
                          ? fmt::format("/{}?limit={}", collection, page_size)
                          : fmt::format("/{}?{}&limit={}", collection, filter, page_size);
    each<T>(cloud, Service::network, path, collection, parse, take);
}

// Octavia's old spelling, which some releases answer alone.
void add_new_spelling(Limits& limits) {
    if (const auto old = limits.find("loadbalancer");
        old != limits.end() && !limits.contains("load_balancer")) {
        limits.emplace("load_balancer", old->second);
    }
}

} // namespace

void each_server(const Cloud& cloud, int page_size,
                 const std::function<void(ServerEntry&&)>& take) {
    each<ServerEntry>(cloud, Service::compute,
                      fmt::format("/servers/detail?all_tenants=1&limit={}", page_size), "servers",
                      parse_server_entry, take);
}

void each_volume(const Cloud& cloud, int page_size,
                 const std::function<void(VolumeEntry&&)>& take) {
    each<VolumeEntry>(cloud, Service::volume,
                      fmt::format("/volumes/detail?all_tenants=1&limit={}", page_size), "volumes",
                      parse_volume_entry, take);
}

void each_network(const Cloud& cloud, int page_size, const std::function<void(Network&&)>& take) {
    each_neutron<Network>(cloud, "networks", {}, page_size, parse_network, take);
}

void each_subnet(const Cloud& cloud, int page_size, const std::function<void(Subnet&&)>& take) {
    each_neutron<Subnet>(cloud, "subnets", {}, page_size, parse_subnet, take);
}

void each_router(const Cloud& cloud, int page_size, const std::function<void(Router&&)>& take) {
    each_neutron<Router>(cloud, "routers", {}, page_size, parse_router, take);
}

void each_router_interface(const Cloud& cloud, int page_size,
                           const std::function<void(Port&&)>& take) {
    each_neutron<Port>(cloud, "ports", "device_owner=network%3Arouter_interface", page_size,
                       parse_port, take);
}

void each_loadbalancer(const Cloud& cloud, int page_size,
                       const std::function<void(LoadBalancer&&)>& take) {
    each<LoadBalancer>(cloud, Service::load_balancer,
                       fmt::format("/lbaas/loadbalancers?limit={}", page_size), "loadbalancers",
                       parse_loadbalancer, [&](LoadBalancer&& lb) {
                           if (lb.provisioning_status != "DELETED") {
                               take(std::move(lb));
                           }
                       });
}

ProjectIds all_project_ids(const Cloud& cloud) {
    const auto reply = cloud.call(Service::identity, Method::get, "/projects");
    const auto doc = reply.json("reply of Keystone GET /projects");
    const auto root = doc.root();
    ProjectIds out;
    for (const auto& project : root.at("projects").items()) {
        out.ids.push_back(project.at("id").as_string());
    }
    out.truncated = flag(root, "truncated", false);
    return out;
}

std::map<std::string, Limits> network_quotas_set(const Cloud& cloud) {
    const auto reply = cloud.call(Service::network, Method::get, "/quotas");
    const auto doc = reply.json("reply of Neutron GET /quotas");
    std::map<std::string, Limits> out;
    for (const auto& row : doc.root().at("quotas").items()) {
        auto project = text(row, "project_id");
        if (project.empty()) {
            project = text(row, "tenant_id");
        }
        out[project] = parse_limits(row);
    }
    return out;
}

Limits network_quota_defaults(const Cloud& cloud, std::string_view project) {
    const auto reply = cloud.call(Service::network, Method::get,
                                  fmt::format("/quotas/{}/default", encode(project)));
    return parse_limits(reply.json("reply of Neutron GET /quotas/{id}/default").root().at("quota"));
}

std::map<std::string, Limits> lb_quotas_set(const Cloud& cloud, int page_size) {
    std::map<std::string, Limits> out;
    cloud.for_each_page(Service::load_balancer, fmt::format("/lbaas/quotas?limit={}", page_size),
                        "quotas_links", [&](const json::View& root) {
                            for (const auto& row : root.at("quotas").items()) {
                                auto project = text(row, "project_id");
                                if (project.empty()) {
                                    project = text(row, "tenant_id");
                                }
                                // null (the default applies) is left out by parse_limits.
                                auto limits = parse_limits(row);
                                add_new_spelling(limits);
                                out[project] = std::move(limits);
                            }
                        });
    return out;
}

Limits lb_quota_defaults(const Cloud& cloud, std::string_view project) {
    const auto reply = cloud.call(Service::load_balancer, Method::get,
                                  fmt::format("/lbaas/quotas/{}/default", encode(project)));
    auto limits = parse_limits(
        reply.json("reply of Octavia GET /lbaas/quotas/{id}/default").root().at("quota"));
    add_new_spelling(limits);
    return limits;
}

} // namespace pm::openstack::api
