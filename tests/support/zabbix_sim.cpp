#include "support/zabbix_sim.hpp"

#include <utility>

namespace pm::test {

ZabbixSim::ZabbixSim(std::vector<std::string> args)
    : m_sim("zabbix", [&] {
          args.insert(args.begin(), {"--admin-password", k_admin_password});
          return args;
      }()) {}

std::string ZabbixSim::api_url() const {
    return m_sim.url() + "/api_jsonrpc.php";
}

json::Document ZabbixSim::state() const {
    return json::parse(m_sim.call("GET", "/__sim__/state", ""), "zabbix state");
}

int ZabbixSim::count(std::string_view list, std::string_view key, std::string_view value) const {
    const auto dump = state();
    int n = 0;
    for (const auto& entry : dump.root().at(list).items()) {
        n += entry.at(key).as_string() == value ? 1 : 0;
    }
    return n;
}

std::string ZabbixSim::field(std::string_view list, std::string_view name,
                             std::string_view key) const {
    const auto dump = state();
    for (const auto& entry : dump.root().at(list).items()) {
        if (entry.at("name").as_string() == name) {
            const auto value = entry.at(key);
            return value.is_string() ? value.as_string() : std::to_string(value.as_int64());
        }
    }
    return "absent";
}

bool ZabbixSim::password_matches(const std::string& user, const std::string& password) const {
    json::Writer body;
    body.begin_object().member("username", user).member("password", password).end_object();
    const auto reply =
        json::parse(m_sim.call("POST", "/__sim__/check_password", body.str()), "check_password");
    return reply.root().at("match").as_bool();
}

json::Document ZabbixSim::register_agent(const std::string& host,
                                         const std::string& metadata) const {
    (void)m_sim.call("POST", "/__sim__/cache/sync", "{}");
    json::Writer body;
    body.begin_object().member("host", host).member("metadata", metadata).end_object();
    return json::parse(m_sim.call("POST", "/__sim__/agent/register", body.str()), "register");
}

std::vector<std::string> ZabbixSim::host_groups(std::string_view host) const {
    const auto dump = state();
    std::vector<std::string> names;
    for (const auto& entry : dump.root().at("hosts").items()) {
        if (entry.at("host").as_string() == host) {
            for (const auto& group : entry.at("groups").items()) {
                names.push_back(group.as_string());
            }
        }
    }
    return names;
}

std::string ZabbixSim::id_of(std::string_view list, std::string_view key, std::string_view value,
                             std::string_view id_field) const {
    const auto dump = state();
    for (const auto& entry : dump.root().at(list).items()) {
        if (entry.at(key).as_string() == value) {
            return entry.at(id_field).as_string();
        }
    }
    return {};
}

std::string ZabbixSim::action_conditions(std::string_view name) const {
    const auto dump = state();
    for (const auto& action : dump.root().at("actions").items()) {
        if (action.at("name").as_string() != name) {
            continue;
        }
        std::string values;
        for (const auto& condition : action.at("filter").at("conditions").items()) {
            values += (values.empty() ? "" : ",") + condition.at("value").as_string();
        }
        return values;
    }
    return "absent";
}

std::string ZabbixSim::rights(std::string_view name) const {
    const auto dump = state();
    std::string out;
    for (const auto& group : dump.root().at("usergroups").items()) {
        if (group.at("name").as_string() != name) {
            continue;
        }
        for (const auto& right : group.at("rights").items()) {
            out += (out.empty() ? "" : ",") + right.at("id").as_string() + ":" +
                   std::to_string(right.at("permission").as_int64_or_string());
        }
    }
    return out;
}

std::string ZabbixSim::operations(std::string_view name) const {
    const auto dump = state();
    std::string out;
    for (const auto& action : dump.root().at("actions").items()) {
        if (action.at("name").as_string() != name) {
            continue;
        }
        for (const auto& operation : action.at("operations").items()) {
            out += (out.empty() ? "" : ",") + operation.at("operationtype").as_string();
            for (const auto& [list, field] :
                 {std::pair{"opgroup", "groupid"}, std::pair{"optemplate", "templateid"}}) {
                if (const auto refs = operation.find(list)) {
                    for (const auto& ref : refs->items()) {
                        out += ":" + ref.at(field).as_string();
                    }
                }
            }
        }
    }
    return out;
}

int ZabbixSim::macros() const {
    const auto reply = json::parse(m_sim.call("GET", "/__sim__/macros", ""), "macros");
    return static_cast<int>(reply.root().at("list").size());
}

std::string ZabbixSim::macro_value(std::string_view macro) const {
    const auto reply = json::parse(m_sim.call("GET", "/__sim__/macros", ""), "macros");
    for (const auto& entry : reply.root().at("list").items()) {
        if (entry.at("macro").as_string() == macro) {
            return entry.at("value").as_string();
        }
    }
    return "absent";
}

std::int64_t ZabbixSim::calls(std::string_view method) const {
    const auto counters = json::parse(m_sim.call("GET", "/__sim__/counters", ""), "counters");
    const auto found =
        counters.root().at("requests").find(std::string("POST /api_jsonrpc.php/") += method);
    return found ? found->as_int64() : 0;
}

std::int64_t ZabbixSim::creates() const {
    const auto counters = json::parse(m_sim.call("GET", "/__sim__/counters", ""), "counters");
    std::int64_t n = 0;
    for (const auto& member : counters.root().at("requests").members()) {
        const std::string_view key = member.name;
        n +=
            key.size() > 7 && key.substr(key.size() - 7) == ".create" ? member.value.as_int64() : 0;
    }
    return n;
}

void ZabbixSim::forget_requests() const {
    (void)m_sim.call("DELETE", "/__sim__/requests", "");
}

void ZabbixSim::drop_reply(std::string_view method) const {
    json::Writer body;
    body.begin_object().member("status", "drop").member("count", 1);
    body.member("prefix", std::string("/api_jsonrpc.php/") += method).end_object();
    (void)m_sim.call("POST", "/__sim__/fault/act_then", body.str());
}

void ZabbixSim::go_down() const {
    (void)m_sim.call("POST", "/__sim__/fault/drop",
                     R"({"count":100000,"prefix":"/api_jsonrpc.php"})");
}

void ZabbixSim::expire_sessions() const {
    (void)m_sim.call("POST", "/__sim__/sessions/expire", "{}");
}

void ZabbixSim::remove(std::string_view kind, std::string_view id) const {
    json::Writer body;
    body.begin_object().member("kind", kind).member("id", id).end_object();
    (void)m_sim.call("POST", "/__sim__/delete", body.str());
}

} // namespace pm::test
