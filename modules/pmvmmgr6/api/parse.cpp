#include "pmvmmgr6/api/parse.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "pm/errors.hpp"
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

// An id VMmanager assigned (host, account, task, consul id): a number or a digit string
// (api §6.11), always > 0. Anything else is a reply this module cannot trust.
std::int64_t positive_id(const json::View& value, std::string_view what) {
    const auto id = value.as_int64_or_string();
    if (id <= 0) {
        throw ProtocolError(fmt::format("{}: {} is {}, not a positive id", value.path(), what, id));
    }
    return id;
}

std::int64_t required_id(const json::View& object, std::string_view key) {
    return positive_id(object.at(key), key);
}

// A task id under `key`: absent, null, 0 and "" mean "no task" (api §6.1).
std::optional<std::int64_t> optional_task(const json::View& object, std::string_view key) {
    const auto value = object.find(key);
    if (!value || value->is_null() || (value->is_string() && value->as_string().empty())) {
        return std::nullopt;
    }
    const auto id = value->as_int64_or_string();
    if (id == 0) {
        return std::nullopt;
    }
    return positive_id(*value, key);
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
    host.id = required_id(h, "id");
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
            host.ip4.push_back({int_or_zero(ip, "id"), string_or_empty(ip, "ip"), 0, {}});
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
        // `clusters`: a list of {id,name} or of ids, or a single object (api §6.16).
        if (const auto clusters = o.find("clusters"); clusters && !clusters->is_null()) {
            const auto id_of = [](const json::View& c) {
                return c.is_object() ? c.at("id").as_int64_or_string() : c.as_int64_or_string();
            };
            if (clusters->is_array()) {
                for (const auto& c : clusters->items()) {
                    os.clusters.push_back(id_of(c));
                }
            } else {
                os.clusters.push_back(id_of(*clusters));
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
    return required_id(list.front(), "id");
}

std::vector<Address> parse_ipv4_list(std::string_view body) {
    const auto doc = json::parse(body, "reply of host ipv4");
    std::vector<Address> addresses;
    for (const auto& ip : list_of(doc)) {
        const auto interface = ip.find("interface");
        const bool given = interface && interface->is_number();
        addresses.push_back({int_or_zero(ip, "id"), ip.at("ip_addr").as_string(),
                             given ? interface->as_int64() : 0, string_or_empty(ip, "domain"),
                             int_or_zero(ip, "ippool"), given});
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

std::int64_t parse_id(std::string_view body, std::string_view what) {
    const auto doc = json::parse(body, fmt::format("reply of {}", what));
    return required_id(doc.root(), "id");
}

MaybeTask parse_task(std::string_view body, std::string_view what, std::string name) {
    const auto doc = json::parse(body, fmt::format("reply of {}", what));
    if (!doc.root().is_object()) {
        throw ProtocolError(fmt::format("reply of {}: not an object", what));
    }
    if (const auto id = optional_task(doc.root(), "task")) {
        return TaskRef{*id, std::move(name)};
    }
    return std::nullopt;
}

Created parse_created(std::string_view body) {
    const auto doc = json::parse(body, "reply of host create");
    const auto root = doc.root();
    Created created;
    created.id = required_id(root, "id");
    if (const auto task = optional_task(root, "task")) {
        created.task = TaskRef{*task, "host_create"};
    }
    // The recipe's task name is unknown: polled by consul id alone (api §6.2).
    const auto add_recipe = [&](std::int64_t id) {
        for (const auto& known : created.recipe_tasks) {
            if (known.consul_id == id) {
                return;
            }
        }
        created.recipe_tasks.push_back(TaskRef{id, {}});
    };
    if (const auto id = optional_task(root, "recipe_task")) {
        add_recipe(*id);
    }
    if (const auto list = root.find("recipe_task_list"); list && list->is_array()) {
        for (const auto& item : list->items()) {
            if (item.is_null()) {
                continue;
            }
            if (const auto id = item.as_int64_or_string(); id != 0) {
                add_recipe(positive_id(item, "recipe_task_list item"));
            }
        }
    }
    return created;
}

Restart parse_restart(std::string_view body) {
    const auto doc = json::parse(body, "reply of restart");
    const auto root = doc.root();
    if (const auto start = optional_task(root, "start_task")) {
        return Restart{TaskRef{*start, "host_start"}};
    }
    if (const auto task = optional_task(root, "task")) {
        return Restart{TaskRef{*task, {}}};
    }
    return Restart{};
}

std::vector<TaskRef> parse_recipe_run(std::string_view body) {
    const auto doc = json::parse(body, "reply of runrecipe");
    const auto root = doc.root();
    std::vector<TaskRef> tasks;
    const auto add = [&](std::int64_t id) {
        for (const auto& known : tasks) {
            if (known.consul_id == id) {
                return;
            }
        }
        tasks.push_back(TaskRef{id, {}});
    };
    if (const auto id = optional_task(root, "recipe_task")) {
        add(*id);
    }
    if (const auto list = root.find("recipe_task_list"); list && list->is_array()) {
        for (const auto& item : list->items()) {
            if (!item.is_null() && item.as_int64_or_string() != 0) {
                add(positive_id(item, "recipe_task_list item"));
            }
        }
    }
    if (tasks.empty()) {
        if (const auto id = optional_task(root, "task")) {
            add(*id);
        }
    }
    return tasks;
}

TaskStatus parse_task_status(std::string_view body) {
    const auto doc = json::parse(body, "reply of task");
    const auto list = list_of(doc);
    if (list.empty()) {
        return {};
    }
    // Polled by consul id alone, several rows may answer: all must be complete, any failed
    // fails. `fail` [sure] and `failed` [likely] are both failures (api §2).
    TaskStatus result{TaskState::complete, true, {}};
    for (const auto& task : list) {
        const auto status = string_or_empty(task, "status");
        if (status == "fail" || status == "failed") {
            return {TaskState::failed, true, string_or_empty(task, "output")};
        }
        if (status != "complete") {
            result.state = TaskState::running;
        }
    }
    return result;
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
