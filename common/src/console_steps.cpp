#include <algorithm>

#include <fmt/format.h>

#include "pm/console.hpp"
#include "pm/errors.hpp"
#include "pm/log.hpp"
#include "pm/password.hpp"
#include "pm/redact.hpp"

namespace pm::console {
namespace {

// Zabbix ids are strings of digits.
using IdList = std::vector<std::string>;

// Permission 3: read-write (api/console-zabbix.md §2.2). Role 1: "User role".
constexpr int k_read_write = 3;
constexpr std::string_view k_user_role = "1";
// Event source 2: auto-registration; condition 24: host metadata, operator 2: contains;
// operations 2: add host, 4: add to host group, 6: link template.
constexpr int k_autoregistration = 2;
constexpr int k_host_metadata = 24;
constexpr int k_contains = 2;

std::string customer_name(const store::Item& item) {
    return fmt::format("pm-customer-{}", item.account_id.value());
}

std::string token_condition(std::string_view token) {
    return fmt::format("cust={}", token);
}

// Saves a param of the target and keeps its view of them current.
void keep(Target& target, std::string_view name, std::string_view value) {
    if (target.params.get_or(name, "") != value) {
        target.save(name, value);
        target.params.set(std::string(name), std::string(value));
    }
}

class Api {
public:
    explicit Api(const zabbix::Client& client) : m_client(client) {}

    // The ids of `kind` objects whose `key` is `value` (`kind`.get with a filter).
    IdList find(std::string_view kind, std::string_view id_field, std::string_view key,
                std::string_view value) const {
        const auto reply = m_client.call(fmt::format("{}.get", kind), [&](json::Writer& w) {
            w.begin_object().key("output").begin_array().value(id_field).end_array();
            w.key("filter").begin_object().key(key).begin_array().value(value).end_array();
            w.end_object().end_object();
        });
        return ids(reply.view(), id_field);
    }

    // Creates with `write` unless `find` finds it; a duplicate-name error (another process,
    // or a create whose reply was lost in a race) means it exists: look again.
    std::string ensure(std::string_view kind, std::string_view id_field, std::string_view key,
                       std::string_view value, const zabbix::ParamsWriter& write,
                       Report& report) const {
        if (auto found = find(kind, id_field, key, value); !found.empty()) {
            return found.front();
        }
        try {
            const auto reply = m_client.call(fmt::format("{}.create", kind), write);
            report.created.push_back(fmt::format("{} {}", kind, value));
            return reply.view().at(fmt::format("{}s", id_field)).at(std::size_t{0}).as_string();
        } catch (const ApiError& e) {
            if (!zabbix::is_duplicate(e)) {
                throw;
            }
            auto found = find(kind, id_field, key, value);
            if (found.empty()) {
                throw;
            }
            return found.front();
        }
    }

    void remove(std::string_view kind, const IdList& ids) const {
        if (ids.empty()) {
            return;
        }
        (void)m_client.call(fmt::format("{}.delete", kind), [&](json::Writer& w) {
            w.begin_array();
            for (const auto& id : ids) {
                w.value(id);
            }
            w.end_array();
        });
    }

    void set_status(std::string_view kind, std::string_view id_field, std::string_view id,
                    std::string_view field, int value) const {
        (void)m_client.call(fmt::format("{}.update", kind), [&](json::Writer& w) {
            w.begin_object().member(id_field, id).member(field, value).end_object();
        });
    }

    [[nodiscard]] const zabbix::Client& client() const { return m_client; }

    static IdList ids(const json::View& list, std::string_view field) {
        IdList out;
        for (const auto& entry : list.items()) {
            const auto id = entry.at(field);
            out.push_back(id.is_string() ? id.as_string() : std::to_string(id.as_int64()));
        }
        return out;
    }

private:
    const zabbix::Client& m_client;
};

// The action's token: the value after "cust=" in its host-metadata condition.
std::optional<std::string> action_token(const Api& api, std::string_view name,
                                        std::string& action_id) {
    const auto reply = api.client().call("action.get", [&](json::Writer& w) {
        w.begin_object().key("output").begin_array().value("actionid").end_array();
        w.member("selectFilter", "extend");
        w.key("filter").begin_object().key("name").begin_array().value(name).end_array();
        w.end_object().end_object();
    });
    const auto list = reply.view().items();
    if (list.empty()) {
        return std::nullopt;
    }
    action_id = list.front().at("actionid").as_string();
    for (const auto& condition : list.front().at("filter").at("conditions").items()) {
        const auto value = condition.at("value").as_string();
        if (value.rfind("cust=", 0) == 0) {
            return value.substr(5);
        }
    }
    return std::string{};
}

std::optional<std::string> find_template(const Api& api, std::string_view name) {
    if (name.empty()) {
        return std::nullopt;
    }
    auto found = api.find("template", "templateid", "host", name);
    if (found.empty()) {
        throw ConfigError(fmt::format("console_template: Zabbix has no template {}", name));
    }
    return found.front();
}

} // namespace

Steps::Steps(const zabbix::Client& api, const store::Store& store, std::string template_name)
    : m_api(api), m_store(store), m_template(std::move(template_name)) {}

bool Steps::others(const store::Item& item, const std::vector<store::ItemStatus>& statuses) const {
    store::ItemFilter filter;
    filter.account_id = item.account_id;
    for (const auto& other : m_store.items(filter)) {
        if (other.id == item.id ||
            std::find(statuses.begin(), statuses.end(), other.status) == statuses.end()) {
            continue;
        }
        // Services of modules with the add-on on, whatever the module.
        const auto params = m_store.module_params(other.module_id);
        if (params.get_or("console", "off") == "zabbix") {
            return true;
        }
    }
    return false;
}

// The item's own value, else one a sibling service of the customer saved, else "".
std::string Steps::shared_param(const Target& target, std::string_view name) const {
    if (auto own = target.params.get(name)) {
        return *own;
    }
    store::ItemFilter filter;
    filter.account_id = target.item.account_id;
    for (const auto& other : m_store.items(filter)) {
        if (other.id == target.item.id) {
            continue;
        }
        if (auto value = m_store.item_params(other.id).get(name)) {
            return *value;
        }
    }
    return {};
}

Report Steps::open(Target& target, const CredentialFeed* feed) const {
    // Saved before anything is created: a crash or a lost reply loses nothing, and the
    // agent's settings exist even while the console is down.
    auto password = shared_param(target, "console_user_password");
    if (password.empty()) {
        password = random_password();
    }
    register_secret(password);
    keep(target, "console_user_password", password);
    keep(target, "console_login", target.email);
    auto mine = shared_param(target, "console_token");
    if (mine.empty()) {
        mine = random_password(24);
    }
    keep(target, "console_token", mine);

    const Api api(m_api);
    Report report;
    const auto name = customer_name(target.item);
    const auto group = api.ensure(
        "hostgroup", "groupid", "name", name,
        [&](json::Writer& w) { w.begin_object().member("name", name).end_object(); }, report);
    const auto usergroup = api.ensure(
        "usergroup", "usrgrpid", "name", name,
        [&](json::Writer& w) {
            w.begin_object().member("name", name).key("rights").begin_array();
            w.begin_object().member("id", group).member("permission", k_read_write).end_object();
            w.end_array().end_object();
        },
        report);

    (void)api.ensure(
        "user", "userid", "username", target.email,
        [&](json::Writer& w) {
            w.begin_object()
                .member("username", target.email)
                .member("passwd", password)
                .member("roleid", k_user_role)
                .key("usrgrps")
                .begin_array()
                .begin_object()
                .member("usrgrpid", usergroup)
                .end_object()
                .end_array()
                .end_object();
        },
        report);

    std::string action_id;
    if (auto token = action_token(api, name, action_id); token && !token->empty()) {
        keep(target, "console_token", *token); // the console's token wins
    } else if (!token) {
        const auto templ = find_template(api, m_template);
        (void)api.ensure(
            "action", "actionid", "name", name,
            [&](json::Writer& w) {
                w.begin_object()
                    .member("name", name)
                    .member("eventsource", k_autoregistration)
                    .member("status", 0);
                w.key("filter").begin_object().member("evaltype", 0).key("conditions");
                w.begin_array().begin_object();
                w.member("conditiontype", k_host_metadata).member("operator", k_contains);
                w.member("value", token_condition(mine)).end_object().end_array().end_object();
                w.key("operations").begin_array();
                w.begin_object().member("operationtype", 2).end_object();
                w.begin_object().member("operationtype", 4).key("opgroup").begin_array();
                w.begin_object().member("groupid", group).end_object().end_array().end_object();
                if (templ) {
                    w.begin_object().member("operationtype", 6).key("optemplate").begin_array();
                    w.begin_object().member("templateid", *templ).end_object();
                    w.end_array().end_object();
                }
                w.end_array().end_object();
            },
            report);
    }

    if (feed == nullptr) {
        return report;
    }
    const auto host_name = feed->host_name();
    const auto hosts = api.find("host", "hostid", "host", host_name);
    if (!hosts.empty()) {
        if (!target.params.contains("console_cred_id")) {
            // The host was made but its credential's id never saved (a lost reply).
            rotate(target, *feed);
            report.rotated = true;
        }
        return report;
    }
    const auto credential = feed->mint();
    (void)api.ensure(
        "host", "hostid", "host", host_name,
        [&](json::Writer& w) {
            w.begin_object().member("host", host_name).key("groups").begin_array();
            w.begin_object().member("groupid", group).end_object().end_array();
            w.key("macros").begin_array();
            for (const auto& macro : credential.macros) {
                register_secret(macro.value);
                w.begin_object().member("macro", macro.name).member("value", macro.value);
                w.member("type", 1).end_object();
            }
            w.end_array().end_object();
        },
        report);
    keep(target, "console_cred_id", credential.id);
    feed->retire_except(credential.id);
    report.rotated = true; // a fresh credential
    return report;
}

void Steps::push(const std::string& host_id, const Credential& credential) const {
    const auto reply = m_api.call("usermacro.get", [&](json::Writer& w) {
        w.begin_object().key("output").begin_array().value("hostmacroid").value("macro");
        w.end_array().key("hostids").begin_array().value(host_id).end_array().end_object();
    });
    std::vector<std::pair<std::string, std::string>> existing;
    for (const auto& macro : reply.view().items()) {
        existing.emplace_back(macro.at("macro").as_string(), macro.at("hostmacroid").as_string());
    }
    for (const auto& macro : credential.macros) {
        register_secret(macro.value);
        const auto at = std::find_if(existing.begin(), existing.end(),
                                     [&](const auto& e) { return e.first == macro.name; });
        if (at != existing.end()) {
            (void)m_api.call("usermacro.update", [&](json::Writer& w) {
                w.begin_object().member("hostmacroid", at->second);
                w.member("value", macro.value).member("type", 1).end_object();
            });
        } else {
            (void)m_api.call("usermacro.create", [&](json::Writer& w) {
                w.begin_object().member("hostid", host_id).member("macro", macro.name);
                w.member("value", macro.value).member("type", 1).end_object();
            });
        }
    }
}

void Steps::rotate(Target& target, const CredentialFeed& feed) const {
    const Api api(m_api);
    const auto hosts = api.find("host", "hostid", "host", feed.host_name());
    if (hosts.empty()) {
        throw OperationError(fmt::format("console host {} is missing", feed.host_name()));
    }
    const auto credential = feed.mint();
    push(hosts.front(), credential);
    keep(target, "console_cred_id", credential.id);
    feed.retire_except(credential.id);
}

void Steps::suspend(const Target& target) const {
    if (others(target.item, {store::ItemStatus::active})) {
        log::info("console: the customer has another active service; console access kept");
        return;
    }
    set_access(target, false);
}

void Steps::resume(const Target& target) const {
    set_access(target, true);
}

// The customer's user group (its users' login) and auto-registration action on or off.
void Steps::set_access(const Target& target, bool enabled) const {
    const Api api(m_api);
    const auto name = customer_name(target.item);
    const int status = enabled ? 0 : 1;
    for (const auto& id : api.find("usergroup", "usrgrpid", "name", name)) {
        api.set_status("usergroup", "usrgrpid", id, "users_status", status);
    }
    for (const auto& id : api.find("action", "actionid", "name", name)) {
        api.set_status("action", "actionid", id, "status", status);
    }
}

void Steps::close(Target& target, const CredentialFeed* feed) const {
    const Api api(m_api);
    if (feed != nullptr) {
        api.remove("host", api.find("host", "hostid", "host", feed->host_name()));
        feed->retire_except({});
        target.erase("console_cred_id");
        target.params.erase("console_cred_id");
    }
    using S = store::ItemStatus;
    if (others(target.item, {S::ordered, S::active, S::suspended})) {
        log::info("console: the customer has other services; their console account stays");
        return;
    }
    const auto name = customer_name(target.item);
    const auto groups = api.find("hostgroup", "groupid", "name", name);
    if (!groups.empty()) {
        const auto reply = m_api.call("host.get", [&](json::Writer& w) {
            w.begin_object().key("output").begin_array().value("hostid").end_array();
            w.key("groupids").begin_array().value(groups.front()).end_array().end_object();
        });
        api.remove("host", Api::ids(reply.view(), "hostid"));
    }
    api.remove("action", api.find("action", "actionid", "name", name));
    api.remove("user", api.find("user", "userid", "username", target.email));
    api.remove("usergroup", api.find("usergroup", "usrgrpid", "name", name));
    api.remove("hostgroup", groups);
    target.erase("console_user_password");
    target.params.erase("console_user_password");
}

} // namespace pm::console
