#include "pmopenstack/api/parse.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <ctime>

#include <fmt/format.h>

#include "pm/errors.hpp"

namespace pm::openstack::api {
namespace {

bool read_int(std::string_view text, std::size_t pos, std::size_t len, int& out) {
    if (pos + len > text.size()) {
        return false;
    }
    const auto* first = text.data() + pos;
    const auto [ptr, ec] = std::from_chars(first, first + len, out);
    return ec == std::errc() && ptr == first + len;
}

std::map<std::string, std::string> string_map(const json::View& object, std::string_view key) {
    std::map<std::string, std::string> out;
    if (auto map = object.find(key); map && map->is_object()) {
        for (const auto& member : map->members()) {
            if (member.value.is_string()) {
                out[member.name] = member.value.as_string();
            }
        }
    }
    return out;
}

std::int64_t limit_value(const json::View& value) {
    if (value.is_object()) {
        return value.at("limit").as_int64();
    }
    return value.as_int64();
}

} // namespace

bool TokenInfo::has_role(std::string_view name) const {
    for (const auto& role : roles) {
        if (role == name) {
            return true;
        }
    }
    return false;
}

std::optional<std::chrono::system_clock::time_point> parse_timestamp(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±hh:mm]
    std::tm tm{};
    int year = 0;
    int month = 0;
    if (!read_int(text, 0, 4, year) || text.size() < 19 || text[4] != '-' || text[7] != '-' ||
        (text[10] != 'T' && text[10] != ' ') || text[13] != ':' || text[16] != ':' ||
        !read_int(text, 5, 2, month) || !read_int(text, 8, 2, tm.tm_mday) ||
        !read_int(text, 11, 2, tm.tm_hour) || !read_int(text, 14, 2, tm.tm_min) ||
        !read_int(text, 17, 2, tm.tm_sec)) {
        return std::nullopt;
    }
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    std::size_t pos = 19;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            ++pos;
        }
    }
    long offset_s = 0;
    if (pos < text.size()) {
        const auto zone = text.substr(pos);
        int hours = 0;
        int minutes = 0;
        if (zone == "Z") {
            offset_s = 0;
        } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' &&
                   read_int(zone, 1, 2, hours) && read_int(zone, 4, 2, minutes)) {
            offset_s = (zone[0] == '-' ? -1 : 1) * (hours * 3600L + minutes * 60L);
        } else {
            return std::nullopt;
        }
    }
    const std::time_t utc = timegm(&tm);
    if (utc == static_cast<std::time_t>(-1)) {
        return std::nullopt;
    }
    return std::chrono::system_clock::from_time_t(utc - offset_s);
}

std::string format_timestamp(std::chrono::system_clock::time_point at) {
    const std::time_t t = std::chrono::system_clock::to_time_t(at);
    std::tm tm{};
    gmtime_r(&t, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string text(const json::View& object, std::string_view key) {
    const auto value = object.find(key);
    if (!value) {
        return {};
    }
    return value->as_string();
}

bool flag(const json::View& object, std::string_view key, bool fallback) {
    const auto value = object.find(key);
    if (!value) {
        return fallback;
    }
    if (value->is_string()) {
        const auto s = value->as_string();
        if (s == "true" || s == "True") {
            return true;
        }
        if (s == "false" || s == "False") {
            return false;
        }
    }
    return value->as_bool();
}

TokenInfo parse_token(const json::View& root) {
    const auto token = root.at("token");
    TokenInfo info;
    info.user_id = token.at("user").at("id").as_string();
    if (auto project = token.find("project")) {
        info.project_id = project->at("id").as_string();
        info.project_name = text(*project, "name");
    }
    if (auto roles = token.find("roles")) {
        for (const auto& role : roles->items()) {
            info.roles.push_back(role.at("name").as_string());
        }
    }
    if (auto expires = token.find("expires_at")) {
        info.expires_at = parse_timestamp(expires->as_string());
    }
    if (auto catalog = token.find("catalog")) {
        for (const auto& service : catalog->items()) {
            const auto type = service.at("type").as_string();
            for (const auto& endpoint : service.at("endpoints").items()) {
                auto region = text(endpoint, "region_id");
                if (region.empty()) {
                    region = text(endpoint, "region");
                }
                info.endpoints.push_back(Endpoint{type, text(endpoint, "interface"),
                                                  std::move(region),
                                                  endpoint.at("url").as_string()});
            }
        }
    }
    return info;
}

std::string session_problem(const TokenInfo& info, Expiry expiry) {
    if (info.user_id.empty()) {
        return "no user id";
    }
    if (info.project_id.empty()) {
        return "no project id";
    }
    if (expiry == Expiry::required && !info.expires_at) {
        return "no expiry";
    }
    // Only the services pm talks to must have usable URLs: another service's odd endpoint
    // is not a reason to refuse the session.
    static constexpr std::array<std::string_view, 8> k_used{
        "identity", "compute", "block-storage", "volumev3",
        "volume",   "network", "load-balancer", "image"};
    std::size_t usable = 0;
    for (const auto& e : info.endpoints) {
        const std::string_view url(e.url);
        const bool http = url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
        const bool used = std::find(k_used.begin(), k_used.end(), e.type) != k_used.end();
        if (e.type.empty() || (used && !http)) {
            return fmt::format("a catalog endpoint without a type or an http(s) URL (type '{}', "
                               "url '{}')",
                               e.type, e.url);
        }
        usable += http ? 1 : 0;
    }
    if (usable == 0) {
        return "no endpoints in the catalog";
    }
    return {};
}

std::string serialize_token(const TokenInfo& info) {
    json::Writer w;
    w.begin_object()
        .member("user_id", info.user_id)
        .member("project_id", info.project_id)
        .member("project_name", info.project_name);
    w.key("roles").begin_array();
    for (const auto& role : info.roles) {
        w.value(role);
    }
    w.end_array().key("endpoints").begin_array();
    for (const auto& e : info.endpoints) {
        w.begin_object()
            .member("type", e.type)
            .member("interface", e.interface)
            .member("region", e.region)
            .member("url", e.url)
            .end_object();
    }
    w.end_array().end_object();
    return w.str();
}

TokenInfo deserialize_token(std::string_view data) {
    const auto doc = json::parse(data, "cached Keystone token");
    const auto root = doc.root();
    TokenInfo info;
    info.user_id = root.at("user_id").as_string();
    info.project_id = root.at("project_id").as_string();
    info.project_name = root.at("project_name").as_string();
    for (const auto& role : root.at("roles").items()) {
        info.roles.push_back(role.as_string());
    }
    for (const auto& e : root.at("endpoints").items()) {
        info.endpoints.push_back(Endpoint{e.at("type").as_string(), e.at("interface").as_string(),
                                          e.at("region").as_string(), e.at("url").as_string()});
    }
    return info;
}

Project parse_project(const json::View& project) {
    return Project{project.at("id").as_string(), text(project, "name"), text(project, "domain_id"),
                   text(project, "description"), flag(project, "enabled", true)};
}

User parse_user(const json::View& user) {
    return User{user.at("id").as_string(), text(user, "name"), text(user, "domain_id"),
                text(user, "description"), flag(user, "enabled", true)};
}

Named parse_named(const json::View& object) {
    return Named{object.at("id").as_string(), text(object, "name")};
}

Server parse_server(const json::View& server) {
    Server out;
    out.id = server.at("id").as_string();
    out.name = text(server, "name");
    out.status = text(server, "status");
    out.project_id = text(server, "tenant_id");
    if (out.project_id.empty()) {
        out.project_id = text(server, "project_id");
    }
    if (auto fault = server.find("fault"); fault && fault->is_object()) {
        out.fault = text(*fault, "message");
    }
    out.metadata = string_map(server, "metadata");
    return out;
}

Volume parse_volume(const json::View& volume) {
    Volume out;
    out.id = volume.at("id").as_string();
    out.name = text(volume, "name");
    out.status = text(volume, "status");
    out.project_id = text(volume, "os-vol-tenant-attr:tenant_id");
    if (out.project_id.empty()) {
        out.project_id = text(volume, "project_id");
    }
    if (auto size = volume.find("size")) {
        out.size_gb = size->as_int64();
    }
    out.metadata = string_map(volume, "metadata");
    return out;
}

namespace {

std::string project_of(const json::View& object) {
    auto id = text(object, "project_id");
    return id.empty() ? text(object, "tenant_id") : id;
}

} // namespace

Network parse_network(const json::View& network) {
    Network out;
    out.id = network.at("id").as_string();
    out.name = text(network, "name");
    out.project_id = project_of(network);
    out.description = text(network, "description");
    out.external = flag(network, "router:external", false);
    if (auto subnets = network.find("subnets")) {
        for (const auto& subnet : subnets->items()) {
            out.subnets.push_back(subnet.as_string());
        }
    }
    return out;
}

Subnet parse_subnet(const json::View& subnet) {
    return Subnet{subnet.at("id").as_string(), text(subnet, "name"), text(subnet, "network_id"),
                  project_of(subnet),          text(subnet, "cidr"), text(subnet, "description")};
}

Router parse_router(const json::View& router) {
    Router out;
    out.id = router.at("id").as_string();
    out.name = text(router, "name");
    out.project_id = project_of(router);
    out.description = text(router, "description");
    if (auto gateway = router.find("external_gateway_info"); gateway && gateway->is_object()) {
        out.gateway_network = text(*gateway, "network_id");
    }
    return out;
}

Port parse_port(const json::View& port) {
    Port out;
    out.id = port.at("id").as_string();
    out.network_id = text(port, "network_id");
    out.project_id = project_of(port);
    out.device_id = text(port, "device_id");
    out.device_owner = text(port, "device_owner");
    if (auto ips = port.find("fixed_ips")) {
        for (const auto& ip : ips->items()) {
            out.subnet_ids.push_back(text(ip, "subnet_id"));
        }
    }
    return out;
}

LoadBalancer parse_loadbalancer(const json::View& lb) {
    return LoadBalancer{lb.at("id").as_string(),
                        text(lb, "name"),
                        project_of(lb),
                        text(lb, "description"),
                        text(lb, "provisioning_status"),
                        text(lb, "vip_subnet_id")};
}

Limits parse_limits(const json::View& quota_set) {
    Limits out;
    for (const auto& member : quota_set.members()) {
        if (member.value.is_number() || (member.value.is_object() && member.value.find("limit"))) {
            out[member.name] = limit_value(member.value);
        }
    }
    return out;
}

std::string limits_body(std::string_view key, const Limits& limits) {
    json::Writer body;
    body.begin_object().key(key).begin_object();
    for (const auto& [name, value] : limits) {
        body.member(name, value);
    }
    body.end_object().end_object();
    return body.str();
}

ServiceError parse_error(std::string_view body) {
    try {
        const auto doc = json::parse(body, "error reply");
        const auto root = doc.root();
        if (!root.is_object()) {
            return {};
        }
        if (auto error = root.find("error"); error && error->is_object()) {
            return {text(*error, "title"), text(*error, "message")};
        }
        if (auto neutron = root.find("NeutronError"); neutron && neutron->is_object()) {
            return {text(*neutron, "type"), text(*neutron, "message")};
        }
        if (auto fault = root.find("faultstring"); fault && fault->is_string()) {
            return {text(root, "faultcode"), fault->as_string()};
        }
        for (const auto& member : root.members()) {
            if (member.value.is_object()) {
                if (auto message = member.value.find("message"); message && message->is_string()) {
                    return {member.name, message->as_string()};
                }
            }
        }
        if (auto message = root.find("message"); message && message->is_string()) {
            return {{}, message->as_string()};
        }
    } catch (const Error&) {
        // Not JSON (a proxy's HTML page): the caller shows the start of the body.
    }
    return {};
}

} // namespace pm::openstack::api
