// Nova v2.1 (servers, flavors, quotas, usage) and Glance v2 (image lookup).
#include <map>

#include <fmt/format.h>

#include "pm/json.hpp"
#include "pm/text.hpp"

#include "pmopenstack/api/parse.hpp"
#include "pmopenstack/api/services.hpp"

namespace pm::openstack::api {
namespace {

using http::Method;
constexpr auto k_nova = Service::compute;
constexpr int k_page = 1000; // Nova's default cap on a page

// os-simple-tenant-usage pages (limit, marker, links) only from microversion 2.40; before it
// one reply holds every instance of the period.
const std::vector<http::Header>& usage_microversion() {
    static const std::vector<http::Header> headers{{"X-OpenStack-Nova-API-Version", "2.40"}};
    return headers;
}

void add_usage(TenantUsage& total, const json::View& usage) {
    const auto number = [&](std::string_view key) {
        const auto value = usage.find(key);
        return value ? value->as_double() : 0.0;
    };
    total.vcpu_hours += number("total_vcpus_usage");
    total.ram_mb_hours += number("total_memory_mb_usage");
    total.disk_gb_hours += number("total_local_gb_usage");
    total.hours += number("total_hours");
}

} // namespace

std::optional<Named> find_flavor(const Cloud& cloud, std::string_view name_or_id) {
    const auto by_id =
        cloud.call(k_nova, Method::get, fmt::format("/flavors/{}", encode(name_or_id)), {}, {404});
    if (by_id.ok()) {
        return parse_named(by_id.json("reply of Nova GET /flavors/{id}").root().at("flavor"));
    }
    std::optional<Named> found;
    cloud.for_each_page(k_nova, "/flavors/detail?is_public=None", "flavors_links",
                        [&](const json::View& root) {
                            for (const auto& flavor : root.at("flavors").items()) {
                                auto named = parse_named(flavor);
                                if (!found && named.name == name_or_id) {
                                    found = std::move(named);
                                }
                            }
                        });
    return found;
}

std::optional<Server> get_server(const Cloud& cloud, std::string_view id) {
    const auto reply =
        cloud.call(k_nova, Method::get, fmt::format("/servers/{}", encode(id)), {}, {404});
    if (!reply.ok()) {
        return std::nullopt;
    }
    return parse_server(reply.json("reply of Nova GET /servers/{id}").root().at("server"));
}

std::vector<Server> project_servers(const Cloud& cloud, std::string_view project) {
    std::vector<Server> out;
    cloud.for_each_page(k_nova,
                        project.empty()
                            ? fmt::format("/servers/detail?all_tenants=1&limit={}", k_page)
                            : fmt::format("/servers/detail?all_tenants=1&project_id={}&limit={}",
                                          encode(project), k_page),
                        "servers_links", [&](const json::View& root) {
                            for (const auto& server : root.at("servers").items()) {
                                out.push_back(parse_server(server));
                            }
                        });
    return out;
}

Server create_server(const Cloud& cloud, const NewServer& spec) {
    json::Writer body;
    body.begin_object().key("server").begin_object();
    body.member("name", spec.name)
        .member("flavorRef", spec.flavor_id)
        .member("imageRef", spec.image_id);
    if (!spec.network_id.empty()) {
        body.key("networks").begin_array().begin_object().member("uuid", spec.network_id);
        body.end_object().end_array();
    }
    if (!spec.user_data.empty()) {
        body.member("user_data", base64(spec.user_data));
    }
    body.key("metadata").begin_object();
    for (const auto& [key, value] : spec.metadata) {
        body.member(key, value);
    }
    body.end_object().end_object().end_object();
    const auto reply = cloud.call(k_nova, Method::post, "/servers", body.str());
    return parse_server(reply.json("reply of Nova POST /servers").root().at("server"));
}

bool delete_server(const Cloud& cloud, std::string_view id) {
    return cloud.call(k_nova, Method::del, fmt::format("/servers/{}", encode(id)), {}, {404}).ok();
}

bool server_power(const Cloud& cloud, std::string_view id, Power power) {
    const auto body = power == Power::stop ? R"({"os-stop":null})" : R"({"os-start":null})";
    // Asking twice for the same state is harmless (the second gets 409).
    const auto reply =
        cloud.call(k_nova, Method::post, fmt::format("/servers/{}/action", encode(id)), body,
                   {404, 409}, http::Idempotency::idempotent);
    return reply.status != 404;
}

Limits compute_quota(const Cloud& cloud, std::string_view project) {
    const auto reply =
        cloud.call(k_nova, Method::get, fmt::format("/os-quota-sets/{}", encode(project)));
    return parse_limits(reply.json("reply of Nova GET /os-quota-sets").root().at("quota_set"));
}

void set_compute_quota(const Cloud& cloud, std::string_view project, const Limits& limits) {
    (void)cloud.call(k_nova, Method::put, fmt::format("/os-quota-sets/{}", encode(project)),
                     limits_body("quota_set", limits));
}

std::vector<TenantUsage> usage_all(const Cloud& cloud, std::string_view start, std::string_view end,
                                   int page_size) {
    // Pages hold instances, not projects: a project's usage can be spread over several
    // pages, each with totals of its own instances only, so totals are added up.
    std::map<std::string, TenantUsage> by_project;
    cloud.for_each_page(
        k_nova,
        fmt::format("/os-simple-tenant-usage?start={}&end={}&detailed=1&limit={}", encode(start),
                    encode(end), page_size),
        "tenant_usages_links",
        [&](const json::View& root) {
            for (const auto& usage : root.at("tenant_usages").items()) {
                const auto project = text(usage, "tenant_id");
                auto& total = by_project[project];
                total.project_id = project;
                add_usage(total, usage);
            }
        },
        usage_microversion());
    std::vector<TenantUsage> out;
    out.reserve(by_project.size());
    for (auto& [project, usage] : by_project) {
        out.push_back(std::move(usage));
    }
    return out;
}

TenantUsage usage_of(const Cloud& cloud, std::string_view project, std::string_view start,
                     std::string_view end, int page_size) {
    TenantUsage total;
    total.project_id = std::string(project);
    cloud.for_each_page(
        k_nova,
        fmt::format("/os-simple-tenant-usage/{}?start={}&end={}&limit={}", encode(project),
                    encode(start), encode(end), page_size),
        "tenant_usage_links",
        [&](const json::View& root) {
            if (auto usage = root.find("tenant_usage"); usage && usage->is_object()) {
                add_usage(total, *usage);
            }
        },
        usage_microversion());
    return total;
}

std::optional<Named> find_image(const Cloud& cloud, std::string_view name_or_id) {
    const auto by_id = cloud.call(Service::image, Method::get,
                                  fmt::format("/images/{}", encode(name_or_id)), {}, {400, 404});
    if (by_id.ok()) {
        return parse_named(by_id.json("reply of Glance GET /images/{id}").root());
    }
    const auto by_name =
        cloud.call(Service::image, Method::get, fmt::format("/images?name={}", encode(name_or_id)));
    const auto doc = by_name.json("reply of Glance GET /images");
    const auto images = doc.root().at("images").items();
    if (images.empty()) {
        return std::nullopt;
    }
    return parse_named(images.front());
}

} // namespace pm::openstack::api
