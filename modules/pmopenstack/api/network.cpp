// Neutron v2.0: networks, subnets, routers and their interfaces, ports, quotas. Admin
// tokens see every project; lists are filtered by project and paged when Neutron pages.
#include <fmt/format.h>

#include "pm/json.hpp"

#include "pmopenstack/api/parse.hpp"
#include "pmopenstack/api/services.hpp"

namespace pm::openstack::api {
namespace {

using http::Method;
constexpr auto k_neutron = Service::network;

template <typename T, typename Parse>
std::optional<T> get_one(const Cloud& cloud, std::string_view collection, std::string_view key,
                         std::string_view id, Parse parse) {
    const auto reply = cloud.call(k_neutron, Method::get,
                                  fmt::format("/{}/{}", collection, encode(id)), {}, {404});
    if (!reply.ok()) {
        return std::nullopt;
    }
    return parse(
        reply.json(fmt::format("reply of Neutron GET /{}/{{id}}", collection)).root().at(key));
}

template <typename T, typename Parse>
std::vector<T> list(const Cloud& cloud, std::string_view collection, std::string_view query,
                    Parse parse) {
    std::vector<T> out;
    cloud.for_each_page(k_neutron,
                        query.empty() ? fmt::format("/{}?limit=1000", collection)
                                      : fmt::format("/{}?{}&limit=1000", collection, query),
                        fmt::format("{}_links", collection), [&](const json::View& root) {
                            for (const auto& item : root.at(collection).items()) {
                                out.push_back(parse(item));
                            }
                        });
    return out;
}

template <typename T, typename Parse>
T create(const Cloud& cloud, std::string_view collection, std::string_view key,
         const json::Writer& body, Parse parse) {
    const auto reply =
        cloud.call(k_neutron, Method::post, fmt::format("/{}", collection), body.str());
    return parse(reply.json(fmt::format("reply of Neutron POST /{}", collection)).root().at(key));
}

std::string by_project(std::string_view project) {
    return project.empty() ? std::string() : fmt::format("project_id={}", encode(project));
}

bool remove(const Cloud& cloud, std::string_view collection, std::string_view id) {
    return cloud
        .call(k_neutron, Method::del, fmt::format("/{}/{}", collection, encode(id)), {}, {404})
        .ok();
}

} // namespace

std::optional<Network> get_network(const Cloud& cloud, std::string_view id) {
    return get_one<Network>(cloud, "networks", "network", id, parse_network);
}

std::optional<Network> find_external_network(const Cloud& cloud, std::string_view name_or_id) {
    if (auto network = get_network(cloud, name_or_id)) {
        return network;
    }
    auto found = list<Network>(cloud, "networks",
                               fmt::format("name={}&router:external=true", encode(name_or_id)),
                               parse_network);
    if (found.empty()) {
        return std::nullopt;
    }
    return found.front();
}

std::vector<Network> project_networks(const Cloud& cloud, std::string_view project) {
    return list<Network>(cloud, "networks", by_project(project), parse_network);
}

Network create_network(const Cloud& cloud, const NewNetwork& spec) {
    json::Writer body;
    body.begin_object().key("network").begin_object();
    body.member("name", spec.name)
        .member("project_id", spec.project_id)
        .member("description", spec.description)
        .member("admin_state_up", true);
    body.end_object().end_object();
    return create<Network>(cloud, "networks", "network", body, parse_network);
}

bool delete_network(const Cloud& cloud, std::string_view id) {
    return remove(cloud, "networks", id);
}

std::optional<Subnet> get_subnet(const Cloud& cloud, std::string_view id) {
    return get_one<Subnet>(cloud, "subnets", "subnet", id, parse_subnet);
}

std::vector<Subnet> network_subnets(const Cloud& cloud, std::string_view network) {
    return list<Subnet>(cloud, "subnets", fmt::format("network_id={}", encode(network)),
                        parse_subnet);
}

Subnet create_subnet(const Cloud& cloud, const NewSubnet& spec) {
    json::Writer body;
    body.begin_object().key("subnet").begin_object();
    body.member("name", spec.name)
        .member("network_id", spec.network_id)
        .member("project_id", spec.project_id)
        .member("ip_version", 4)
        .member("cidr", spec.cidr)
        .member("description", spec.description);
    body.end_object().end_object();
    return create<Subnet>(cloud, "subnets", "subnet", body, parse_subnet);
}

std::optional<Router> get_router(const Cloud& cloud, std::string_view id) {
    return get_one<Router>(cloud, "routers", "router", id, parse_router);
}

std::vector<Router> project_routers(const Cloud& cloud, std::string_view project) {
    return list<Router>(cloud, "routers", by_project(project), parse_router);
}

Router create_router(const Cloud& cloud, const NewRouter& spec) {
    json::Writer body;
    body.begin_object().key("router").begin_object();
    body.member("name", spec.name)
        .member("project_id", spec.project_id)
        .member("description", spec.description);
    if (!spec.gateway_network.empty()) {
        body.key("external_gateway_info").begin_object();
        body.member("network_id", spec.gateway_network).end_object();
    }
    body.end_object().end_object();
    return create<Router>(cloud, "routers", "router", body, parse_router);
}

bool delete_router(const Cloud& cloud, std::string_view id) {
    return remove(cloud, "routers", id);
}

std::vector<Port> router_interfaces(const Cloud& cloud, std::string_view router) {
    return list<Port>(
        cloud, "ports",
        fmt::format("device_id={}&device_owner=network%3Arouter_interface", encode(router)),
        parse_port);
}

std::optional<Port> get_port(const Cloud& cloud, std::string_view id) {
    return get_one<Port>(cloud, "ports", "port", id, parse_port);
}

std::vector<Port> project_ports(const Cloud& cloud, std::string_view project) {
    return list<Port>(cloud, "ports", by_project(project), parse_port);
}

std::string add_router_interface(const Cloud& cloud, std::string_view router,
                                 std::string_view subnet) {
    json::Writer body;
    body.begin_object().member("subnet_id", subnet).end_object();
    // A second add of the same subnet fails (400): callers look for the interface first, and
    // the request is never repeated blindly.
    const auto reply = cloud.call(k_neutron, Method::put,
                                  fmt::format("/routers/{}/add_router_interface", encode(router)),
                                  body.str(), {}, http::Idempotency::not_idempotent);
    return reply.json("reply of Neutron add_router_interface").root().at("port_id").as_string();
}

bool remove_router_interface(const Cloud& cloud, std::string_view router, std::string_view subnet) {
    json::Writer body;
    body.begin_object().member("subnet_id", subnet).end_object();
    return cloud
        .call(k_neutron, Method::put,
              fmt::format("/routers/{}/remove_router_interface", encode(router)), body.str(), {404})
        .ok();
}

bool delete_port(const Cloud& cloud, std::string_view id) {
    return remove(cloud, "ports", id);
}

Limits network_quota(const Cloud& cloud, std::string_view project) {
    const auto reply =
        cloud.call(k_neutron, Method::get, fmt::format("/quotas/{}", encode(project)));
    return parse_limits(reply.json("reply of Neutron GET /quotas").root().at("quota"));
}

void set_network_quota(const Cloud& cloud, std::string_view project, const Limits& limits) {
    (void)cloud.call(k_neutron, Method::put, fmt::format("/quotas/{}", encode(project)),
                     limits_body("quota", limits));
}

} // namespace pm::openstack::api
