#include "support/vmmgr6_sim.hpp"

#include <cstdlib>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "support/test_store.hpp"

namespace pm::test {
Vmmgr6Sim::Vmmgr6Sim(std::vector<std::string> args)
    : m_sim("vmmgr6", with_env_args(std::move(args), "PM_VMMGR6_SIM_ARGS")) {}

Vmmgr6Sim::~Vmmgr6Sim() = default;

json::Document Vmmgr6Sim::get(std::string_view path) const {
    return json::parse(m_sim.call("GET", path, {}), "simulator");
}

json::Document Vmmgr6Sim::post(std::string_view path, std::string_view body) const {
    return json::parse(m_sim.call("POST", path, body), "simulator");
}

void Vmmgr6Sim::del(std::string_view path) const {
    (void)m_sim.call("DELETE", path, {});
}

std::int64_t Vmmgr6Sim::requests(std::string_view key) const {
    const auto doc = counters();
    const auto value = doc.root().at("requests").find(key);
    return value ? value->as_int64() : 0;
}

std::int64_t Vmmgr6Sim::logins() const {
    return counters().root().at("logins").as_int64();
}

std::size_t Vmmgr6Sim::host_count() const {
    return state().root().at("hosts").size();
}

Vmmgr6Env::Vmmgr6Env(const Vmmgr6Sim& sim)
    : m_store_url(test::store_url(m_dir.path())), m_store(store::Store::open(m_store_url)) {
    m_module = m_store.create_module({"VMmanager", "pmvmmgr6"});
    const ParamMap params{{"url", sim.url()},     {"username", "admin@example.com"},
                          {"password", "admin"},  {"cluster", "1"},
                          {"task_poll_ms", "50"}, {"op_timeout", "120"}};
    for (const auto& [name, value] : params) {
        m_store.set_module_param(m_module, name, value);
    }
    m_account = m_store.create_account("Customer", "customer@example.com");
    m_pricelist = m_store.create_pricelist("VPS S", "vds");
    m_store.set_pricelist_param(m_pricelist, "cpu_number", "1");
    m_store.set_pricelist_param(m_pricelist, "ram_mib", "1024");
    m_store.set_pricelist_param(m_pricelist, "hdd_mib", "10240");
    m_store.set_pricelist_param(m_pricelist, "ipv4_number", "1");
}

std::filesystem::path Vmmgr6Env::log_file() const {
    return m_dir / "log" / "pmvmmgr6.log";
}

ItemId Vmmgr6Env::add_item(ParamMap params) {
    return add_item(m_module, std::move(params));
}

ItemId Vmmgr6Env::add_item(ModuleId module, ParamMap params) {
    params.try_emplace("os", "1");
    params.try_emplace("password", "Root-Secret-1");
    store::NewItem item;
    item.account_id = m_account;
    item.pricelist_id = m_pricelist;
    item.module_id = module;
    item.type = "vds";
    item.params = std::move(params);
    return m_store.create_item(item);
}

OperationId Vmmgr6Env::add_operation(ItemId item, std::string_view command) {
    const auto row = m_store.find_item(item);
    return m_store.create_operation(
        {item, std::nullopt, row ? row->module_id : m_module, std::string(command)});
}

std::map<std::string, std::string> Vmmgr6Env::env() const {
    return {{"PM_STORE", m_store_url},
            {"PM_LOG_DIR", (m_dir / "log").string()},
            {"PM_CACHE_DIR", (m_dir / "cache").string()},
            {"PM_LOCK_DIR", (m_dir / "locks").string()},
            {"PM_CONFIG", "/dev/null"},
            {"PM_LOG_LEVEL", "debug"}};
}

std::vector<std::string> Vmmgr6Env::argv(std::string_view command, ItemId item,
                                         std::optional<OperationId> op) const {
    std::vector<std::string> args = {module_path("pmvmmgr6"), "--command", std::string(command),
                                     "--output", "json"};
    if (op) {
        args.insert(args.end(), {"--runningoperation", std::to_string(op->value())});
    } else {
        args.insert(args.end(), {"--item", std::to_string(item.value())});
    }
    return args;
}

ProcessResult Vmmgr6Env::run(std::string_view command, ItemId item, OperationId* op) {
    const auto id = add_operation(item, command);
    if (op != nullptr) {
        *op = id;
    }
    return test::run(argv(command, item, id), env());
}

std::vector<std::string> Vmmgr6Env::module_argv(std::string_view command,
                                                std::vector<std::string> extra) const {
    std::vector<std::string> args = {module_path("pmvmmgr6"),
                                     "--command",
                                     std::string(command),
                                     "--module",
                                     std::to_string(m_module.value()),
                                     "--output",
                                     "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

ProcessResult Vmmgr6Env::run_module(std::string_view command, std::vector<std::string> extra) {
    return test::run(module_argv(command, std::move(extra)), env());
}

AccountId Vmmgr6Env::enable_pool(const ParamMap& params) {
    const auto pool = m_store.create_account("Pool", "pool@example.com");
    m_store.set_module_param(m_module, "pool_enabled", "on");
    m_store.set_module_param(m_module, "pool_account", std::to_string(pool.value()));
    for (const auto& [name, value] : params) {
        m_store.set_module_param(m_module, name, value);
    }
    return pool;
}

std::string Vmmgr6Env::param(ItemId item, std::string_view name) {
    return m_store.item_params(item).get_or(name, "");
}

store::ItemStatus Vmmgr6Env::status(ItemId item) {
    return m_store.find_item(item)->status;
}

} // namespace pm::test
