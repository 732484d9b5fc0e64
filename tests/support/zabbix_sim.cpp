#include "support/zabbix_sim.hpp"

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

} // namespace pm::test
