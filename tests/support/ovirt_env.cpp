#include "support/ovirt_env.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "pm/http.hpp"

#include "support/test_store.hpp"

namespace pm::test {
namespace {

constexpr const char* k_admin_password = "Engine-Secret-7";

http::Method method_of(std::string_view method) {
    if (method == "GET") {
        return http::Method::get;
    }
    if (method == "PUT") {
        return http::Method::put;
    }
    if (method == "DELETE") {
        return http::Method::del;
    }
    return http::Method::post;
}

// The admin password, then the options in PM_OVIRT_SIM_ARGS after a test's own, e.g.
// "--variants 3" (tests/sim/ovirt/README.md, "Knobs").
std::vector<std::string> with_password(std::vector<std::string> args) {
    args.insert(args.end(), {"--admin-password", k_admin_password});
    return with_env_args(std::move(args), "PM_OVIRT_SIM_ARGS");
}

} // namespace

OvirtEnv::OvirtEnv(std::vector<std::string> sim_args)
    : m_sim("ovirt", with_password(std::move(sim_args))), m_store_url(store_url(m_dir.path())),
      m_store(store::Store::open(m_store_url)) {
    m_module = m_store.create_module({"oVirt", "pmovirt"});
    const ParamMap params{{"url", m_sim.url() + "/ovirt-engine"},
                          {"username", "admin@internal"},
                          {"password", k_admin_password},
                          {"cluster", "Default"},
                          {"task_poll_ms", "50"},
                          {"op_timeout", "60"}};
    for (const auto& [name, value] : params) {
        m_store.set_module_param(m_module, name, value);
    }
    m_account = m_store.create_account("Customer", "customer@example.com");
    m_pricelist = m_store.create_pricelist("VPS S", "vds");
}

ItemId OvirtEnv::add_item(ParamMap params) {
    store::NewItem item;
    item.account_id = m_account;
    item.pricelist_id = m_pricelist;
    item.module_id = m_module;
    item.type = "vds";
    item.params = std::move(params);
    return m_store.create_item(item);
}

OperationId OvirtEnv::add_operation(ItemId item, std::string_view command) {
    return m_store.create_operation({item, std::nullopt, m_module, std::string(command)});
}

std::vector<std::string> OvirtEnv::argv(std::string_view command, OperationId op) const {
    return {module_path("pmovirt"),
            "--command",
            std::string(command),
            "--output",
            "json",
            "--runningoperation",
            std::to_string(op.value())};
}

std::vector<std::string> OvirtEnv::module_argv(std::string_view command) const {
    return {module_path("pmovirt"),
            "--command",
            std::string(command),
            "--module",
            std::to_string(m_module.value()),
            "--output",
            "json"};
}

ProcessResult OvirtEnv::run_module(std::string_view command) const {
    return pm::test::run(module_argv(command), env());
}

void OvirtEnv::enable_pool(const ParamMap& extra) {
    ParamMap params{{"ipv4_range", "203.0.113.10-203.0.113.20"},
                    {"ipv4_prefix", "24"},
                    {"pool_enabled", "on"},
                    {"pool_account", std::to_string(m_account.value())},
                    {"pool_os", "debian12"},
                    {"pool_pricelist", std::to_string(m_pricelist.value())}};
    for (const auto& [name, value] : extra) {
        params.insert_or_assign(name, value);
    }
    for (const auto& [name, value] : params) {
        m_store.set_module_param(m_module, name, value);
    }
    m_store.set_pricelist_param(m_pricelist, "cpu_number", "2");
    m_store.set_pricelist_param(m_pricelist, "ram_mib", "2048");
    m_store.set_pricelist_param(m_pricelist, "hdd_mib", "20480");
}

ProcessResult OvirtEnv::fill_pool(int runs) {
    ProcessResult last;
    for (int run = 0; run < runs; ++run) {
        last = run_module("pool_process");
        if (last.exit_code != 0) {
            return last;
        }
        const auto summary = json::parse(last.out, "pool_process output");
        const auto& root = summary.root().at("summary");
        if (root.at("building").as_string() == "0" && root.at("created").as_string() == "0" &&
            root.at("ready").as_string() != "0") {
            return last;
        }
        control("POST", "/__sim__/jobs/finish");
    }
    return last;
}

std::map<std::string, std::string> OvirtEnv::env() const {
    return {{"PM_STORE", m_store_url},
            {"PM_LOG_DIR", (m_dir.path() / "log").string()},
            {"PM_CACHE_DIR", (m_dir.path() / "cache").string()},
            {"PM_LOCK_DIR", (m_dir.path() / "locks").string()},
            {"PM_CONFIG", "/dev/null"},
            {"PM_LOG_LEVEL", "debug"}};
}

ProcessResult OvirtEnv::run(std::string_view command, ItemId item, OperationId* op) {
    const auto id = add_operation(item, command);
    if (op != nullptr) {
        *op = id;
    }
    return rerun(command, id);
}

ProcessResult OvirtEnv::rerun(std::string_view command, OperationId op) const {
    return test::run(argv(command, op), env());
}

std::string OvirtEnv::param(ItemId item, std::string_view name) {
    return m_store.item_params(item).get_or(name, "");
}

store::ItemStatus OvirtEnv::status(ItemId item) {
    return m_store.find_item(item)->status;
}

store::RunningOperation OvirtEnv::operation(OperationId op) {
    return *m_store.find_operation(op);
}

std::string OvirtEnv::log() const {
    std::ifstream in(m_dir.path() / "log" / "pmovirt.log");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string OvirtEnv::engine(std::string_view method, std::string_view path, std::string_view body,
                             long* status) const {
    auto transport = http::make_curl_transport({});
    if (m_token.empty()) {
        http::Request login{
            http::Method::post,
            m_sim.url() + "/ovirt-engine/sso/oauth/token",
            {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}},
            std::string("grant_type=password&scope=ovirt-app-api&username=admin%"
                        "40internal&password=") +
                k_admin_password};
        const auto reply = transport->perform(login, std::chrono::seconds(30));
        if (!reply.ok()) {
            throw std::runtime_error("engine login: HTTP " + std::to_string(reply.status));
        }
        m_token = json::parse(reply.body, "token").root().at("access_token").as_string();
    }
    http::Request request{
        method_of(method),
        m_sim.url() + "/ovirt-engine/api" + std::string(path),
        {{"Authorization", "Bearer " + m_token}, {"Accept", "application/json"}, {"Version", "4"}},
        std::string(body)};
    if (!body.empty()) {
        request.headers.push_back({"Content-Type", "application/json"});
    }
    const auto reply = transport->perform(request, std::chrono::seconds(30));
    if (status != nullptr) {
        *status = reply.status;
    } else if (!reply.ok()) {
        throw std::runtime_error(std::string(method) + " " + std::string(path) + ": HTTP " +
                                 std::to_string(reply.status) + " " + reply.body);
    }
    return reply.body;
}

std::string OvirtEnv::create_vm(const std::string& name, const std::string& template_name,
                                const std::string& extra) const {
    const auto body = R"({"name":")" + name +
                      R"(","cluster":{"name":"Default"},"template":{"name":")" + template_name +
                      "\"}" + (extra.empty() ? "" : "," + extra) + "}";
    const auto id = json::parse(engine("POST", "/vms", body), "VM").root().at("id").as_string();
    control("POST", "/__sim__/jobs/finish");
    return id;
}

std::string OvirtEnv::running_vm(const std::string& name) const {
    const auto id = create_vm(name);
    act(id, "start");
    return id;
}

void OvirtEnv::act(const std::string& id, std::string_view action) const {
    (void)engine("POST", "/vms/" + id + "/" + std::string(action), "{}");
    control("POST", "/__sim__/jobs/finish");
}

std::optional<std::string> OvirtEnv::vm_status(const std::string& id) const {
    long status = 0;
    const auto body = engine("GET", "/vms/" + id, {}, &status);
    if (status == 404) {
        return std::nullopt;
    }
    if (status != 200) {
        throw std::runtime_error("GET vm: HTTP " + std::to_string(status));
    }
    return json::parse(body, "VM").root().at("status").as_string();
}

json::Document OvirtEnv::control(std::string_view method, std::string_view path,
                                 std::string_view body) const {
    return json::parse(m_sim.call(method, path, method == "GET" ? std::string_view{} : body),
                       "simulator control reply");
}

std::int64_t OvirtEnv::requests(std::string_view method, std::string_view suffix) const {
    const auto log = control("GET", "/__sim__/requests");
    std::int64_t count = 0;
    for (const auto& entry : log.root().at("list").items()) {
        const auto path = entry.at("path").as_string();
        if (entry.at("method").as_string() == method && path.size() >= suffix.size() &&
            path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) {
            ++count;
        }
    }
    return count;
}

} // namespace pm::test
