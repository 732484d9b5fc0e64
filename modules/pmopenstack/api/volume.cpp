// Cinder v3: volumes and quotas. Paths are under the token project's endpoint.
#include <fmt/format.h>

#include "pm/json.hpp"

#include "pmopenstack/api/parse.hpp"
#include "pmopenstack/api/services.hpp"

namespace pm::openstack::api {
namespace {

using http::Method;
constexpr auto k_cinder = Service::volume;

} // namespace

std::optional<Volume> get_volume(const Cloud& cloud, std::string_view id) {
    const auto reply =
        cloud.call(k_cinder, Method::get, fmt::format("/volumes/{}", encode(id)), {}, {404});
    if (!reply.ok()) {
        return std::nullopt;
    }
    return parse_volume(reply.json("reply of Cinder GET /volumes/{id}").root().at("volume"));
}

std::vector<Volume> project_volumes(const Cloud& cloud, std::string_view project) {
    std::vector<Volume> out;
    cloud.for_each_page(k_cinder,
                        project.empty()
                            ? std::string("/volumes/detail?all_tenants=1&limit=1000")
                            : fmt::format("/volumes/detail?all_tenants=1&project_id={}&limit=1000",
                                          encode(project)),
                        "volumes_links", [&](const json::View& root) {
                            for (const auto& volume : root.at("volumes").items()) {
                                out.push_back(parse_volume(volume));
                            }
                        });
    return out;
}

Volume create_volume(const Cloud& cloud, const NewVolume& spec) {
    json::Writer body;
    body.begin_object().key("volume").begin_object();
    body.member("name", spec.name).member("size", spec.size_gb);
    if (!spec.volume_type.empty()) {
        body.member("volume_type", spec.volume_type);
    }
    body.key("metadata").begin_object();
    for (const auto& [key, value] : spec.metadata) {
        body.member(key, value);
    }
    body.end_object().end_object().end_object();
    const auto reply = cloud.call(k_cinder, Method::post, "/volumes", body.str());
    return parse_volume(reply.json("reply of Cinder POST /volumes").root().at("volume"));
}

bool delete_volume(const Cloud& cloud, std::string_view id) {
    return cloud.call(k_cinder, Method::del, fmt::format("/volumes/{}", encode(id)), {}, {404})
        .ok();
}

Limits volume_quota(const Cloud& cloud, std::string_view project) {
    const auto reply =
        cloud.call(k_cinder, Method::get, fmt::format("/os-quota-sets/{}", encode(project)));
    return parse_limits(reply.json("reply of Cinder GET /os-quota-sets").root().at("quota_set"));
}

void set_volume_quota(const Cloud& cloud, std::string_view project, const Limits& limits) {
    (void)cloud.call(k_cinder, Method::put, fmt::format("/os-quota-sets/{}", encode(project)),
                     limits_body("quota_set", limits));
}

} // namespace pm::openstack::api
