#include "pm/console.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "pm/coordination.hpp"
#include "pm/errors.hpp"
#include "pm/item_param.hpp"
#include "pm/log.hpp"
#include "pm/redact.hpp"

namespace pm::console {
namespace {

constexpr std::int64_t k_default_timeout_s = 30;
constexpr std::int64_t k_default_session_ttl_s = 3600;

// The add-on's own HTTP connection: its own deadline (console_timeout, never past the
// operation's) and few retries, so that a console that is down or slow costs the billing
// operation little.
class Connection {
public:
    enum class Budget { step, whole };
    // Budget::step: console_timeout, never past `outer`; Budget::whole: `outer` (console_sync).
    Connection(const Params& params, Coordination& coordination, const Deadline& outer,
               Budget budget = Budget::step)
        : m_deadline(budget == Budget::whole
                         ? outer
                         : Deadline::after(outer.cap(std::chrono::seconds(
                               params.get_int("console_timeout", k_default_timeout_s))))) {
        http::TransportOptions transport;
        transport.tls_verify = params.get_bool("tls_verify", true);
        transport.connect_timeout = std::chrono::milliseconds(5000);
        m_transport = http::make_curl_transport(transport);
        http::ClientOptions options;
        options.retry.max_attempts = 3;
        options.retry.max_delay = std::chrono::milliseconds(2000);
        m_http = std::make_unique<http::Client>(*m_transport, options);
        zabbix::Credentials credentials{params.get_or("console_username", ""),
                                        params.get_or("console_password", ""),
                                        params.get_or("console_api_token", "")};
        const auto url = params.require("console_url");
        if (credentials.api_token.empty()) {
            const auto ttl = params.get_int("session_ttl", k_default_session_ttl_s);
            m_sessions = coordination.session_cache(
                url, credentials.username, std::chrono::seconds(std::max<std::int64_t>(ttl, 1)));
        }
        m_api = std::make_unique<zabbix::Client>(*m_http, url, std::move(credentials),
                                                 m_sessions.get(), m_deadline);
    }
    [[nodiscard]] const zabbix::Client& api() const { return *m_api; }

private:
    Deadline m_deadline;
    std::unique_ptr<http::Transport> m_transport;
    std::unique_ptr<http::Client> m_http;
    std::unique_ptr<SessionCache> m_sessions;
    std::unique_ptr<zabbix::Client> m_api;
};

Target target_of(Context& context) {
    const auto account = context.store.find_account(context.item->account_id);
    if (!account || account->email.empty()) {
        throw ConfigError(fmt::format("item {}: account {} has no email for the console user",
                                      context.item->id.value(), context.item->account_id.value()));
    }
    return Target{
        *context.item, account->email, context.item_params,
        [&context](std::string_view n, std::string_view v) { save_item_param(context, n, v); },
        [&context](std::string_view n) { erase_item_param(context, n); }};
}

// Runs one add-on step of a billing operation: console trouble is logged and left for
// console_sync, never an error of the operation.
template <typename Step>
void guarded(Context& context, std::string_view name, Step&& step) {
    if (!enabled(context.module_params)) {
        return;
    }
    auto target = target_of(context);
    try {
        const Connection connection(context.module_params, context.coordination, context.deadline);
        const Steps steps(connection.api(), context.store,
                          context.module_params.get_or("console_template", ""));
        step(steps, target);
        if (target.params.contains("console_pending")) {
            target.erase("console_pending");
        }
    } catch (const StoreError&) {
        throw;
    } catch (const Error& e) {
        log::warn("console: {} of item {} left for console_sync: {}", name,
                  context.item->id.value(), redact(e.what()));
        target.save("console_pending", name);
    }
}

} // namespace

std::vector<ParamSpec> params() {
    return {
        {"console", "management console add-on: off (default) or zabbix"},
        {"console_url", "Zabbix API URL, e.g. https://zabbix.example.com/api_jsonrpc.php", false,
         ParamKind::http_url},
        {"console_username", "Zabbix user the add-on logs in as"},
        {"console_password", "password of console_username", true},
        {"console_api_token", "Zabbix API token (instead of console_username/password)", true},
        {"console_server_active", "address agents report to (ServerActive), e.g. zbx:10051"},
        {"console_template", "template linked to every customer host (optional)"},
        {"console_timeout",
         "seconds an add-on step may take before it is left to console_sync "
         "(default 30)",
         false, ParamKind::positive},
        {"console_agent_recipe",
         "recipe (id) that installs the console agent; takes CONSOLE_SERVER and CONSOLE_METADATA",
         false, ParamKind::positive},
    };
}

std::vector<std::string> param_names() {
    std::vector<std::string> names;
    for (const auto& p : params()) {
        names.push_back(p.name);
    }
    return names;
}

bool enabled(const Params& module_params) {
    const auto mode = module_params.get_or("console", "off");
    if (mode == "off") {
        return false;
    }
    if (mode != "zabbix") {
        throw ConfigError(fmt::format("{}: console must be off or zabbix, not '{}'",
                                      module_params.owner(), mode));
    }
    (void)module_params.require("console_url");
    (void)module_params.require("console_server_active");
    if (!module_params.contains("console_api_token")) {
        (void)module_params.require("console_username");
        (void)module_params.require("console_password");
    }
    return true;
}

std::optional<Agent> agent(const Context& context) {
    if (!enabled(context.module_params)) {
        return std::nullopt;
    }
    const auto token = context.item_params.get("console_token");
    if (!token) {
        return std::nullopt;
    }
    return Agent{context.module_params.require("console_server_active"), "cust=" + *token};
}

// Only write_files: user data the platform composes with its own (oVirt appends a VM's
// custom_script to the YAML it writes, `runcmd` included) must not repeat a top-level key. The
// agent is restarted by a per-instance script, run in cloud-init's final stage. The file holds
// nothing secret and is read by the agent's own user (0644). Its empty Hostname= undoes the
// packaged zabbix_agent2.conf's `Hostname=Zabbix server` (which wins over HostnameItem: every
// VM would register as one host), as observed with zabbix_agent2 6.0.14 from Debian 12.
std::string cloud_init(const Agent& agent) {
    return fmt::format("#cloud-config\n"
                       "write_files:\n"
                       "  - path: /etc/zabbix/zabbix_agent2.d/console.conf\n"
                       "    permissions: '0644'\n"
                       "    content: |\n"
                       "      ServerActive={}\n"
                       "      Hostname=\n"
                       "      HostnameItem=system.hostname\n"
                       "      HostMetadata={}\n"
                       "  - path: /var/lib/cloud/scripts/per-instance/pm-console-agent\n"
                       "    permissions: '0755'\n"
                       "    content: |\n"
                       "      #!/bin/sh\n"
                       "      systemctl restart zabbix-agent2\n",
                       agent.server_active, agent.metadata);
}

void on_open(Context& context, const CredentialFeed* feed) {
    guarded(context, "open",
            [&](const Steps& steps, Target& target) { (void)steps.open(target, feed); });
}

void on_suspend(Context& context) {
    guarded(context, "suspend", [&](const Steps& steps, Target& target) { steps.suspend(target); });
}

void on_resume(Context& context) {
    guarded(context, "resume", [&](const Steps& steps, Target& target) {
        (void)steps.open(target, nullptr);
        steps.resume(target);
    });
}

void on_close(Context& context, const CredentialFeed* feed) {
    guarded(context, "close",
            [&](const Steps& steps, Target& target) { steps.close(target, feed); });
}

namespace {

// The counts of one console_sync run.
struct SyncCounts {
    int services = 0;
    int recreated = 0;
    int rotated = 0;
    int closed = 0;
    int failed = 0;
};

// One service of console_sync; returns what it did.
void sync_item(Context& context, const Steps& steps, const FeedFactory& feeds,
               const store::Item& item, SyncCounts& counts) {
    const auto account = context.store.find_account(item.account_id);
    Target target{item, account ? account->email : std::string{},
                  context.store.item_params(item.id),
                  [&](std::string_view n, std::string_view v) {
                      context.store.set_item_param(item.id, n, v);
                  },
                  [&](std::string_view n) { context.store.erase_item_param(item.id, n); }};
    const auto pending = target.params.get_or("console_pending", "");
    const bool open =
        item.status == store::ItemStatus::active || item.status == store::ItemStatus::suspended;
    if (!open && pending.empty()) {
        return;
    }
    if (target.email.empty()) {
        throw ConfigError(fmt::format("account {} has no email", item.account_id.value()));
    }
    ++counts.services;
    const auto feed = feeds ? feeds(item, target.params) : nullptr;
    if (!open) {
        steps.close(target, feed.get());
        ++counts.closed;
    } else {
        const auto report = steps.open(target, feed.get());
        for (const auto& made : report.created) {
            context.result.add(
                "drift", fmt::format("item {}: {} was missing, recreated", item.id.value(), made));
        }
        counts.recreated += static_cast<int>(report.created.size());
        if (item.status == store::ItemStatus::suspended) {
            steps.suspend(target);
        } else if (pending == "resume" || pending == "suspend") {
            steps.resume(target);
        }
        // A suspended VDC's user is disabled: its credential is rotated after the resume.
        if (feed && item.status == store::ItemStatus::active) {
            if (!report.rotated && target.params.contains("console_cred_id")) {
                steps.rotate(target, *feed);
            }
            ++counts.rotated;
        }
    }
    if (target.params.contains("console_pending")) {
        target.erase("console_pending");
    }
}

} // namespace

void sync(Context& context, const FeedFactory& feeds) {
    const auto module = context.module->id.value();
    if (!enabled(context.module_params)) {
        context.result.add("skipped", fmt::format("console is off for module {}", module));
        return;
    }
    const auto lock =
        module_job_lock(context, "console_sync", fmt::format("console-sync-{}", module));
    if (!lock) {
        return;
    }
    const Connection connection(context.module_params, context.coordination, context.deadline,
                                Connection::Budget::whole);
    const Steps steps(connection.api(), context.store,
                      context.module_params.get_or("console_template", ""));
    sync_services(context, steps, feeds);
}

void sync_services(Context& context, const Steps& steps, const FeedFactory& feeds) {
    SyncCounts counts;
    std::string first_error;
    store::ItemFilter filter;
    filter.module_id = context.module->id;
    for (const auto& item : context.store.items(filter)) {
        try {
            sync_item(context, steps, feeds, item, counts);
        } catch (const StoreError&) {
            throw;
        } catch (const Error& e) {
            ++counts.failed;
            log::warn("console_sync: item {}: {}", item.id.value(), redact(e.what()));
            if (first_error.empty()) {
                first_error = fmt::format("item {}: {}", item.id.value(), redact(e.what()));
            }
        }
    }
    const auto count = [&](std::string_view name, std::string_view help, int value) {
        context.metrics->set(fmt::format("pm_console_{}", name), help, value);
        context.result.add(std::string(name), std::to_string(value));
    };
    count("services", "services the run looked at", counts.services);
    count("recreated", "console objects found missing and recreated", counts.recreated);
    count("rotated", "credentials rotated", counts.rotated);
    count("closed", "closes finished for the billing operation", counts.closed);
    count("failed", "services the console failed for (retried next run)", counts.failed);
    if (counts.failed > 0) {
        throw TransportError(fmt::format("console_sync: {} of {} services failed, first: {}",
                                         counts.failed, counts.services, first_error));
    }
}

} // namespace pm::console
