#include "support/zabbix_target.hpp"

#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>

#include "pm/http.hpp"

#include "support/process.hpp"

namespace pm::test {
namespace {

// export NAME=value lines of scripts/real-zabbix's rc file.
std::map<std::string, std::string> read_rc(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error("cannot read the real Zabbix rc file " + path +
                                 " (scripts/real-zabbix up)");
    }
    std::map<std::string, std::string> vars;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("export ", 0) == 0) {
            line = line.substr(7);
        }
        const auto eq = line.find('=');
        if (eq != std::string::npos && line.rfind("PM_REAL_ZABBIX_", 0) == 0) {
            vars[line.substr(0, eq)] = line.substr(eq + 1);
        }
    }
    return vars;
}

std::string env_or(const char* name, const std::string& fallback) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? value : fallback;
}

} // namespace

ZabbixTarget::ZabbixTarget(const std::string& sim_admin_password) {
    if (env_or("PM_ZABBIX_TARGET", "sim") == "real") {
        m_dir = env_or("PM_REAL_ZABBIX_DIR", "/tmp/pm-zabbix");
        const auto vars = read_rc(env_or("PM_REAL_ZABBIX_RC", m_dir + "/zabbixrc"));
        const auto var = [&](const std::string& name) {
            const auto it = vars.find(name);
            if (it == vars.end() || it->second.empty()) {
                throw std::runtime_error("the real Zabbix rc file has no " + name);
            }
            return it->second;
        };
        m_url = var("PM_REAL_ZABBIX_URL");
        m_user = var("PM_REAL_ZABBIX_USER");
        m_password = var("PM_REAL_ZABBIX_PASSWORD");
        return;
    }
    m_sim.emplace("zabbix", std::vector<std::string>{"--admin-password", sim_admin_password});
    m_url = m_sim->url() + "/api_jsonrpc.php";
    m_password = sim_admin_password;
}

const Simulator& ZabbixTarget::sim() const {
    if (!m_sim) {
        throw std::logic_error("this step needs the Zabbix simulator");
    }
    return *m_sim;
}

std::string ZabbixTarget::rpc(std::string_view method, std::string_view params,
                              const std::string& auth) const {
    auto transport = http::make_curl_transport({});
    http::Request request;
    request.method = http::Method::post;
    request.url = m_url;
    request.body = R"({"jsonrpc":"2.0","method":")" + std::string(method) + R"(","params":)" +
                   std::string(params) +
                   (auth.empty() ? std::string() : R"(,"auth":")" + auth + "\"") + R"(,"id":1})";
    request.headers.push_back({"Content-Type", "application/json-rpc"});
    const auto response = transport->perform(request, std::chrono::seconds(60));
    if (!response.ok()) {
        throw std::runtime_error("Zabbix " + std::string(method) + ": HTTP " +
                                 std::to_string(response.status));
    }
    return response.body;
}

const std::string& ZabbixTarget::session() const {
    if (m_session.empty()) {
        json::Writer params;
        params.begin_object().member("username", m_user).member("password", m_password);
        params.end_object();
        const auto reply = json::parse(rpc("user.login", params.str(), {}), "user.login");
        m_session = reply.root().at("result").as_string();
    }
    return m_session;
}

json::Document ZabbixTarget::call(std::string_view method, std::string_view params) const {
    auto reply = json::parse(rpc(method, params, session()), method);
    if (reply.root().find("error")) {
        throw std::runtime_error("Zabbix " + std::string(method) + ": " +
                                 reply.root().at("error").at("data").as_string());
    }
    return reply;
}

std::size_t ZabbixTarget::count(std::string_view kind, std::string_view field,
                                std::string_view value) const {
    json::Writer params;
    params.begin_object().key("output").value("extend").key("filter").begin_object();
    params.key(field).begin_array().value(value).end_array().end_object().end_object();
    const auto reply = call(std::string(kind) + ".get", params.str());
    return reply.root().at("result").size();
}

bool ZabbixTarget::login_ok(std::string_view user, std::string_view password) const {
    json::Writer params;
    params.begin_object().member("username", user).member("password", password).end_object();
    const auto reply = json::parse(rpc("user.login", params.str(), {}), "user.login");
    return reply.root().find("result").has_value();
}

std::string ZabbixTarget::secret_macro(std::string_view host, std::string_view macro) const {
    if (m_sim) {
        const auto list = json::parse(
            m_sim->call("GET", "/__sim__/macros?host=" + std::string(host), {}), "macros");
        for (const auto& entry : list.root().at("list").items()) {
            if (entry.at("macro").as_string() == macro) {
                return entry.at("value").as_string();
            }
        }
        return {};
    }
    // Host and macro names are ours ([a-z0-9.{}$-]): safe in the query.
    auto value = sql("select m.value from hostmacro m join hosts h on h.hostid = m.hostid "
                     "where h.host = '" +
                     std::string(host) + "' and m.macro = '" + std::string(macro) + "'");
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) {
        value.pop_back();
    }
    return value;
}

std::string ZabbixTarget::sql(const std::string& query) const {
    const auto r = run({"/usr/bin/psql", "-X", "-A", "-t", "-q", "-h", m_dir + "/pg", "-p", "55432",
                        "-U", "postgres", "-d", "zabbix", "-c", query});
    if (r.exit_code != 0) {
        throw std::runtime_error("psql on the real Zabbix database failed: " + r.err);
    }
    return r.out;
}

std::string ZabbixTarget::recent_audit() const {
    if (m_sim) {
        return {};
    }
    return sql("select details from auditlog order by clock desc limit 500");
}

void ZabbixTarget::forget_customer(std::string_view name, std::string_view email) const {
    const auto ids = [&](std::string_view kind, std::string_view id_field, std::string_view field,
                         std::string_view value) {
        json::Writer params;
        params.begin_object().key("output").begin_array().value(id_field).end_array();
        params.key("filter").begin_object().key(field).begin_array().value(value).end_array();
        params.end_object().end_object();
        json::Writer list;
        list.begin_array();
        std::size_t n = 0;
        const auto reply = call(std::string(kind) + ".get", params.str());
        for (const auto& entry : reply.root().at("result").items()) {
            list.value(entry.at(id_field).as_string());
            ++n;
        }
        list.end_array();
        if (n > 0) {
            (void)call(std::string(kind) + ".delete", list.str());
        }
    };
    const auto groups = call("hostgroup.get", R"({"output":["groupid"],"filter":{"name":[")" +
                                                  std::string(name) + R"("]}})");
    for (const auto& group : groups.root().at("result").items()) {
        const auto hosts = call("host.get", R"({"output":["hostid"],"groupids":[")" +
                                                group.at("groupid").as_string() + R"("]})");
        for (const auto& host : hosts.root().at("result").items()) {
            (void)call("host.delete", R"([")" + host.at("hostid").as_string() + R"("])");
        }
    }
    ids("action", "actionid", "name", name);
    ids("user", "userid", "username", email);
    ids("usergroup", "usrgrpid", "name", name);
    ids("hostgroup", "groupid", "name", name);
}

} // namespace pm::test
