// Octavia v2: load balancers and their quotas.
#include <fmt/format.h>

#include "pm/json.hpp"

#include "pmopenstack/api/parse.hpp"
#include "pmopenstack/api/services.hpp"

namespace pm::openstack::api {
namespace {

using http::Method;
constexpr auto k_octavia = Service::load_balancer;

} // namespace

std::optional<LoadBalancer> get_loadbalancer(const Cloud& cloud, std::string_view id) {
    const auto reply = cloud.call(k_octavia, Method::get,
                                  fmt::format("/lbaas/loadbalancers/{}", encode(id)), {}, {404});
    if (!reply.ok()) {
        return std::nullopt;
    }
    auto lb = parse_loadbalancer(
        reply.json("reply of Octavia GET /lbaas/loadbalancers/{id}").root().at("loadbalancer"));
    // Octavia keeps a deleted load balancer visible as DELETED for a while.
    if (lb.provisioning_status == "DELETED") {
        return std::nullopt;
    }
    return lb;
}

std::vector<LoadBalancer> project_loadbalancers(const Cloud& cloud, std::string_view project) {
    std::vector<LoadBalancer> out;
    cloud.for_each_page(
        k_octavia,
        project.empty()
            ? std::string("/lbaas/loadbalancers?limit=1000")
            : fmt::format("/lbaas/loadbalancers?project_id={}&limit=1000", encode(project)),
        "loadbalancers_links", [&](const json::View& root) {
            for (const auto& lb : root.at("loadbalancers").items()) {
                auto parsed = parse_loadbalancer(lb);
                if (parsed.provisioning_status != "DELETED") {
                    out.push_back(std::move(parsed));
                }
            }
        });
    return out;
}

LoadBalancer create_loadbalancer(const Cloud& cloud, const NewLoadBalancer& spec) {
    json::Writer body;
    body.begin_object().key("loadbalancer").begin_object();
    body.member("name", spec.name)
        .member("project_id", spec.project_id)
        .member("vip_subnet_id", spec.vip_subnet_id)
        .member("description", spec.description);
    body.end_object().end_object();
    const auto reply = cloud.call(k_octavia, Method::post, "/lbaas/loadbalancers", body.str());
    return parse_loadbalancer(
        reply.json("reply of Octavia POST /lbaas/loadbalancers").root().at("loadbalancer"));
}

DeleteOutcome delete_loadbalancer(const Cloud& cloud, std::string_view id) {
    const auto reply =
        cloud.call(k_octavia, Method::del,
                   fmt::format("/lbaas/loadbalancers/{}?cascade=true", encode(id)), {}, {404, 409});
    if (reply.status == 404) {
        return DeleteOutcome::gone;
    }
    return reply.status == 409 ? DeleteOutcome::busy : DeleteOutcome::accepted;
}

Limits lb_quota(const Cloud& cloud, std::string_view project) {
    const auto reply =
        cloud.call(k_octavia, Method::get, fmt::format("/lbaas/quotas/{}", encode(project)));
    auto limits = parse_limits(reply.json("reply of Octavia GET /lbaas/quotas").root().at("quota"));
    // "loadbalancer" is the deprecated spelling of "load_balancer", which older releases
    // answer alone.
    if (const auto old = limits.find("loadbalancer");
        old != limits.end() && !limits.contains("load_balancer")) {
        limits.emplace("load_balancer", old->second);
    }
    return limits;
}

void set_lb_quota(const Cloud& cloud, std::string_view project, const Limits& limits) {
    (void)cloud.call(k_octavia, Method::put, fmt::format("/lbaas/quotas/{}", encode(project)),
                     limits_body("quota", limits));
}

} // namespace pm::openstack::api
