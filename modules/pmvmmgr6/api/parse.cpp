#include "api/parse.hpp"

#include <algorithm>

#include "pm/json.hpp"

namespace pm::vmmgr6::api {
namespace {

std::string string_or_empty(const json::View& object, std::string_view key) {
    const auto value = object.find(key);
    return value && value->is_string() ? value->as_string() : std::string();
}

std::int64_t int_or_zero(const json::View& object, std::string_view key) {
    const auto value = object.find(key);
    return value ? value->as_int64_or_string() : 0;
}

// An object reference given as {"id":N} or as a bare id.
std::int64_t ref_id(const json::View& object, std::string_view key) {
    const auto value = object.find(key);
    if (!value) {
        return 0;
    }
    return value->is_object() ? int_or_zero(*value, "id") : value->as_int64_or_string();
}

Host read_host(const json::View& h) {
    Host host;
    host.id = h.at("id").as_int64_or_string();
    host.name = string_or_empty(h, "name");
    host.state = string_or_empty(h, "state");
    host.domain = string_or_empty(h, "domain");
    host.comment = string_or_empty(h, "comment");
    host.cpu_number = int_or_zero(h, "cpu_number");
    host.ram_mib = int_or_zero(h, "ram_mib");
    host.os_id = ref_id(h, "os");
    if (const auto os = h.find("os"); os && os->is_object()) {
        host.os_name = string_or_empty(*os, "name");
    }
    host.account_id = ref_id(h, "account");
    if (const auto disk = h.find("disk")) {
        host.disk_id = int_or_zero(*disk, "id");
        host.disk_mib = int_or_zero(*disk, "disk_mib");
    }
    if (const auto ips = h.find("ip4")) {
        for (const auto& ip : ips->items()) {
            host.ip4.push_back({int_or_zero(ip, "id"), ip.at("ip").as_string(), 0, {}});
        }
    }
    return host;
}

std::vector<json::View> list_of(const json::Document& doc) {
    return doc.root().at("list").items();
}

} // namespace

bool User::is_admin() const {
    return std::find(roles.begin(), roles.end(), "@admin") != roles.end();
}

std::string parse_token(std::string_view body) {
    const auto doc = json::parse(body, "reply of login");
    return doc.root().at("token").as_string();
}

User parse_user(std::string_view body) {
    const auto doc = json::parse(body, "reply of whoami");
    const auto root = doc.root();
    User user;
    user.id = root.at("id").as_int64_or_string();
    user.email = string_or_empty(root, "email");
    if (const auto roles = root.find("roles")) {
        for (const auto& role : roles->items()) {
            user.roles.push_back(role.as_string());
        }
    }
    return user;
}

std::vector<Cluster> parse_clusters(std::string_view body) {
    const auto doc = json::parse(body, "reply of cluster");
    std::vector<Cluster> clusters;
    for (const auto& c : list_of(doc)) {
        Cluster cluster{c.at("id").as_int64_or_string(), string_or_empty(c, "name"), {}};
        if (const auto pools = c.find("ippools")) {
            for (const auto& p : pools->items()) {
                cluster.ippools.push_back(
                    {p.at("id").as_int64_or_string(), int_or_zero(p, "interface")});
            }
        }
        clusters.push_back(std::move(cluster));
    }
    return clusters;
}

std::vector<Os> parse_os_list(std::string_view body) {
    const auto doc = json::parse(body, "reply of os");
    std::vector<Os> list;
    for (const auto& o : list_of(doc)) {
        Os os{o.at("id").as_int64_or_string(), string_or_empty(o, "name"), {}};
        if (const auto clusters = o.find("clusters")) {
            for (const auto& c : clusters->items()) {
                os.clusters.push_back(c.is_object() ? c.at("id").as_int64_or_string()
                                                    : c.as_int64_or_string());
            }
        }
        list.push_back(std::move(os));
    }
    return list;
}

std::optional<std::int64_t> parse_first_id(std::string_view body) {
    const auto doc = json::parse(body, "reply of list");
    const auto list = list_of(doc);
    if (list.empty()) {
        return std::nullopt;
    }
    return list.front().at("id").as_int64_or_string();
}

std::vector<Address> parse_ipv4_list(std::string_view body) {
    const auto doc = json::parse(body, "reply of host ipv4");
    std::vector<Address> addresses;
    for (const auto& ip : list_of(doc)) {
        addresses.push_back({int_or_zero(ip, "id"), ip.at("ip_addr").as_string(),
                             int_or_zero(ip, "interface"), string_or_empty(ip, "domain")});
    }
    return addresses;
}

std::vector<Host> parse_hosts(std::string_view body) {
    const auto doc = json::parse(body, "reply of host");
    std::vector<Host> hosts;
    for (const auto& h : list_of(doc)) {
        hosts.push_back(read_host(h));
    }
    return hosts;
}

std::int64_t parse_task_id(std::string_view body, std::string_view key) {
    const auto doc = json::parse(body, "reply of task call");
    return doc.root().at(key).as_int64_or_string();
}

Created parse_created(std::string_view body) {
    const auto doc = json::parse(body, "reply of host create");
    const auto root = doc.root();
    Created created{root.at("id").as_int64_or_string(),
                    TaskRef{root.at("task").as_int64_or_string(), "host_create"}, std::nullopt};
    if (const auto recipe = root.find("recipe_task"); recipe && recipe->is_number()) {
        created.recipe_task = TaskRef{recipe->as_int64(), "recipe_run"};
    }
    return created;
}

Restart parse_restart(std::string_view body) {
    const auto doc = json::parse(body, "reply of restart");
    const auto root = doc.root();
    const auto start = root.find("start_task");
    const auto stop_id = root.at("task").as_int64_or_string();
    return Restart{TaskRef{stop_id, "host_stop"},
                   TaskRef{start ? start->as_int64_or_string() : stop_id, "host_start"}};
}

TaskStatus parse_task_status(std::string_view body) {
    const auto doc = json::parse(body, "reply of task");
    const auto list = list_of(doc);
    if (list.empty()) {
        return {};
    }
    const auto task = list.front();
    const auto status = task.at("status").as_string();
    if (status == "complete") {
        return {TaskState::complete, {}};
    }
    if (status == "fail") {
        return {TaskState::failed, string_or_empty(task, "output")};
    }
    return {};
}

std::string host_create_body(const HostCreate& spec) {
    json::Writer w;
    w.begin_object()
        .member("name", spec.name)
        .member("comment", spec.comment)
        .member("cluster", spec.cluster)
        .member("os", spec.os)
        .member("password", spec.password);
    const auto optional_int = [&w](std::string_view key, const std::optional<std::int64_t>& v) {
        if (v) {
            w.member(key, *v);
        }
    };
    optional_int("account", spec.account);
    optional_int("preset", spec.preset);
    optional_int("cpu_number", spec.cpu_number);
    optional_int("ram_mib", spec.ram_mib);
    optional_int("hdd_mib", spec.hdd_mib);
    optional_int("ipv4_number", spec.ipv4_number);
    optional_int("net_bandwidth_mbitps", spec.net_bandwidth_mbitps);
    if (!spec.ipv4_pool.empty()) {
        w.key("ipv4_pool").begin_array();
        for (const auto pool : spec.ipv4_pool) {
            w.value(pool);
        }
        w.end_array();
    }
    if (!spec.domain.empty()) {
        w.member("domain", spec.domain);
    }
    if (spec.recipe) {
        w.key("recipe_list").begin_array().begin_object();
        w.member("recipe", spec.recipe->recipe).end_object().end_array();
    }
    if (spec.second_interface) {
        w.key("custom_interfaces").begin_array();
        w.begin_object()
            .member("model", "virtio")
            .member("is_main_network", false)
            .member("ippool", spec.second_interface->ippool)
            .member("ip_count", spec.second_interface->ip_count)
            .end_object();
        w.end_array();
    }
    return w.end_object().str();
}

} // namespace pm::vmmgr6::api
