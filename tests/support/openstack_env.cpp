#include "support/openstack_env.hpp"

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "support/test_store.hpp"

namespace pm::test {
namespace {

// export OS_X=value lines of an openrc file.
std::map<std::string, std::string> read_openrc(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error("cannot read the real OpenStack openrc " + path.string());
    }
    std::map<std::string, std::string> vars;
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("export ", 0) == 0) {
            line = line.substr(7);
        }
        const auto eq = line.find('=');
        if (eq == std::string::npos || line.rfind("OS_", 0) != 0) {
            continue;
        }
        auto value = line.substr(eq + 1);
        if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"') &&
            value.back() == value.front()) {
            value = value.substr(1, value.size() - 2);
        }
        vars[line.substr(0, eq)] = value;
    }
    return vars;
}

std::string random_prefix() {
    std::random_device random;
    return fmt::format("pmt{:08x}", random());
}

} // namespace

OpenStackSim::OpenStackSim(std::vector<std::string> args)
    : m_sim("openstack", with_env_args(std::move(args), "PM_OPENSTACK_SIM_ARGS")) {}

OpenStackSim::~OpenStackSim() = default;

std::string OpenStackSim::url() const {
    return m_sim.url();
}

json::Document OpenStackSim::get(std::string_view path) const {
    return json::parse(m_sim.call("GET", path, {}), "simulator");
}

json::Document OpenStackSim::post(std::string_view path, std::string_view body) const {
    return json::parse(m_sim.call("POST", path, body), "simulator");
}

std::int64_t OpenStackSim::requests(std::string_view key) const {
    const auto doc = get("/__sim__/counters");
    const auto value = doc.root().at("requests").find(key);
    return value ? value->as_int64() : 0;
}

std::int64_t OpenStackSim::total_requests() const {
    const auto doc = get("/__sim__/counters");
    std::int64_t total = 0;
    for (const auto& member : doc.root().at("requests").members()) {
        total += member.value.as_int64();
    }
    return total;
}

void OpenStackSim::clear_requests() const {
    (void)m_sim.call("DELETE", "/__sim__/requests", {});
}

void OpenStackSim::clear_faults() const {
    (void)m_sim.call("DELETE", "/__sim__/faults", {});
}

OpenStackTarget::OpenStackTarget(std::vector<std::string> sim_args) {
    const char* target = std::getenv("PM_OPENSTACK_TARGET");
    if (target != nullptr && std::string_view(target) == "real") {
        const char* rc = std::getenv("PM_REAL_OPENSTACK_RC");
        const auto vars = read_openrc(rc != nullptr ? rc : "/tmp/oslocal/openrc");
        const auto var = [&](const std::string& name, std::string fallback) {
            const auto it = vars.find(name);
            return it == vars.end() || it->second.empty() ? fallback : it->second;
        };
        m_access.auth_url = var("OS_AUTH_URL", "");
        m_access.username = var("OS_USERNAME", "admin");
        m_access.password = var("OS_PASSWORD", "");
        m_access.user_domain = var("OS_USER_DOMAIN_NAME", "Default");
        m_access.project = var("OS_PROJECT_NAME", "admin");
        m_access.project_domain = var("OS_PROJECT_DOMAIN_NAME", "Default");
        m_access.region = var("OS_REGION_NAME", "RegionOne");
        if (m_access.auth_url.empty()) {
            throw std::runtime_error("the real OpenStack openrc has no OS_AUTH_URL");
        }
        return;
    }
    m_sim.emplace(std::move(sim_args));
    m_access.auth_url = m_sim->url() + "/identity/v3";
    m_access.username = "admin";
    m_access.password = "admin";
}

const OpenStackSim& OpenStackTarget::sim() const {
    if (!m_sim) {
        throw std::logic_error("this test needs the simulator (tag it [sim])");
    }
    return *m_sim;
}

struct OpenStackEnv::Admin {
    std::unique_ptr<http::Transport> transport;
    std::unique_ptr<http::Client> http;
    std::unique_ptr<SessionCache> sessions;
    Deadline deadline = Deadline::never();
    std::unique_ptr<openstack::api::Cloud> cloud;
};

OpenStackEnv::OpenStackEnv(const OpenStackTarget& target)
    : m_target(target), m_store_url(test::store_url(m_dir.path())),
      m_store(store::Store::open(m_store_url)), m_prefix(random_prefix()) {
    const auto& access = target.access();
    m_module = m_store.create_module({"OpenStack", "pmopenstack"});
    const ParamMap params{
        {"url", access.auth_url},
        {"username", access.username},
        {"password", access.password},
        {"user_domain", access.user_domain},
        {"project", access.project},
        {"project_domain", access.project_domain},
        {"region", access.region},
        {"external_network", access.external_network},
        {"project_name_template", m_prefix + "-__ACCID__-__IID__"},
        {"task_poll_ms", target.real() ? "500" : "50"},
        {"op_timeout", target.real() ? "300" : "120"},
    };
    for (const auto& [name, value] : params) {
        m_store.set_module_param(m_module, name, value);
    }
    m_account = m_store.create_account("Customer", "customer@example.com");
    m_pricelist = m_store.create_pricelist("VDC S", "vdc");
    for (const auto& [name, value] : ParamMap{{"cores", "8"},
                                              {"ram_mib", "16384"},
                                              {"instances", "4"},
                                              {"volumes", "6"},
                                              {"gigabytes", "100"},
                                              {"networks", "3"},
                                              {"subnets", "3"},
                                              {"routers", "2"},
                                              {"ports", "30"},
                                              {"loadbalancers", "2"}}) {
        m_store.set_pricelist_param(m_pricelist, name, value);
    }
}

OpenStackEnv::~OpenStackEnv() = default;

std::filesystem::path OpenStackEnv::log_file() const {
    return m_dir / "log" / "pmopenstack.log";
}

ItemId OpenStackEnv::add_vdc(ParamMap params) {
    params.try_emplace("password", "Vdc-Secret-1");
    store::NewItem item;
    item.account_id = m_account;
    item.pricelist_id = m_pricelist;
    item.module_id = m_module;
    item.type = "vdc";
    item.params = std::move(params);
    return m_store.create_item(item);
}

ObjectId OpenStackEnv::add_object(ItemId item, std::string_view type, ParamMap params) {
    store::NewObject object;
    object.item_id = item;
    object.type = std::string(type);
    object.params = std::move(params);
    return m_store.create_object(object);
}

OperationId OpenStackEnv::add_operation(ItemId item, std::optional<ObjectId> object,
                                        std::string_view command) {
    return m_store.create_operation({item, object, m_module, std::string(command)});
}

std::map<std::string, std::string> OpenStackEnv::env() const {
    return {{"PM_STORE", m_store_url},
            {"PM_LOG_DIR", (m_dir / "log").string()},
            {"PM_CACHE_DIR", (m_dir / "cache").string()},
            {"PM_LOCK_DIR", (m_dir / "locks").string()},
            {"PM_CONFIG", "/dev/null"},
            {"PM_LOG_LEVEL", "debug"}};
}

std::vector<std::string> OpenStackEnv::argv(std::string_view command, OperationId op) const {
    return {module_path("pmopenstack"),
            "--command",
            std::string(command),
            "--output",
            "json",
            "--runningoperation",
            std::to_string(op.value())};
}

ProcessResult OpenStackEnv::run(std::string_view command, ItemId item, OperationId* op) {
    const auto id = add_operation(item, std::nullopt, command);
    if (op != nullptr) {
        *op = id;
    }
    return test::run(argv(command, id), env(), std::chrono::seconds(600));
}

ProcessResult OpenStackEnv::run_object(std::string_view command, ObjectId object, OperationId* op) {
    const auto row = m_store.find_object(object);
    if (!row) {
        throw std::logic_error("no object " + std::to_string(object.value()));
    }
    const auto id = add_operation(row->item_id, object, command);
    if (op != nullptr) {
        *op = id;
    }
    return test::run(argv(command, id), env(), std::chrono::seconds(600));
}

ProcessResult OpenStackEnv::run_module(std::string_view command) {
    return test::run({module_path("pmopenstack"), "--command", std::string(command), "--module",
                      std::to_string(m_module.value()), "--output", "json"},
                     env(), std::chrono::seconds(600));
}

Process OpenStackEnv::spawn(std::string_view command, ItemId item, std::optional<ObjectId> object) {
    const auto id = add_operation(item, object, command);
    return Process::spawn(argv(command, id), env());
}

std::string OpenStackEnv::param(ItemId item, std::string_view name) {
    return m_store.item_params(item).get_or(name, "");
}

std::string OpenStackEnv::object_param(ObjectId object, std::string_view name) {
    return m_store.object_params(object).get_or(name, "");
}

store::ItemStatus OpenStackEnv::status(ItemId item) {
    return m_store.find_item(item)->status;
}

store::VdcObject OpenStackEnv::object(ObjectId id) {
    return *m_store.find_object(id);
}

store::RunningOperation OpenStackEnv::operation(OperationId id) {
    return *m_store.find_operation(id);
}

const openstack::api::Cloud& OpenStackEnv::admin() {
    if (!m_admin) {
        const auto& access = m_target.access();
        m_admin = std::make_unique<Admin>();
        m_admin->transport = http::make_curl_transport({});
        m_admin->http = std::make_unique<http::Client>(*m_admin->transport);
        m_admin->sessions = std::make_unique<SessionCache>(m_dir / "test-cache", access.auth_url,
                                                           access.username, std::chrono::hours(1));
        m_admin->cloud = std::make_unique<openstack::api::Cloud>(
            *m_admin->http,
            openstack::api::Credentials{access.auth_url, access.username, access.password,
                                        access.user_domain},
            openstack::api::Scope{{}, access.project, access.project_domain},
            openstack::api::Placement{access.region, "public"}, *m_admin->sessions,
            m_admin->deadline);
    }
    return *m_admin->cloud;
}

} // namespace pm::test
