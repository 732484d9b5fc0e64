// The console add-on (DESIGN §14): a Zabbix 6.0 management console for every customer, fed one
// way by the modules (api/console-zabbix.md). Per customer account: host group and user group
// `pm-customer-<account>` (the user group with read-write rights on the host group), a user
// named by the account's email, and an auto-registration action that puts agents whose
// HostMetadata carries `cust=<token>` into the host group (and links console_template).
// Every step looks up by name before it creates, so a rerun after a lost reply creates
// nothing twice.
//
// Item params written (the billing platform shows the first two to the customer):
//   console_login         the console user name (the account's email)
//   console_user_password the console password, generated once per customer and saved before
//                         the user is created (a crash between the two loses nothing)
//   console_token         the customer's registration token (not a secret: it is in every VM's
//                         user data)
//   console_cred_id       the id of the credential the service's console host carries
//   console_pending       the step left for console_sync when the console failed
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pm/context.hpp"
#include "pm/module.hpp"
#include "pm/params.hpp"
#include "pm/store.hpp"
#include "pm/zabbix.hpp"

namespace pm::console {

// The add-on's module params (DESIGN §5), for ModuleSpec::params, and their names.
[[nodiscard]] std::vector<ParamSpec> params();
[[nodiscard]] std::vector<std::string> param_names();

// True for `console = zabbix`, false for off or absent; ConfigError for another value, and
// when on without console_url, console_username with console_password (or console_api_token)
// or console_server_active.
[[nodiscard]] bool enabled(const Params& module_params);

// A host macro; pushed as a secret macro (type 1), whose value Zabbix never returns.
struct Macro {
    std::string name;  // {$NAME}
    std::string value; // the secret: only ever in this object and in Zabbix's request
};

// A credential minted for a service's console host.
struct Credential {
    std::string id; // saved as console_cred_id; never the secret
    std::vector<Macro> macros;
};

// What a module adds for a service whose console host carries cloud credentials (pmopenstack:
// a Keystone application credential of the VDC project).
class CredentialFeed {
public:
    CredentialFeed() = default;
    CredentialFeed(const CredentialFeed&) = delete;
    CredentialFeed& operator=(const CredentialFeed&) = delete;
    virtual ~CredentialFeed() = default;
    // The console host of the service, e.g. pm-vdc-42.
    [[nodiscard]] virtual std::string host_name() const = 0;
    // A new credential, under a new name; its secret goes only into the returned macros.
    [[nodiscard]] virtual Credential mint() const = 0;
    // Deletes every credential of the service but `keep` (all when empty); gone ones count as done.
    virtual void retire_except(std::string_view keep) const = 0;
};

// The item a step works on, how its params are read and written.
struct Target {
    store::Item item;
    std::string email; // the account's
    Params params;     // the item's params
    std::function<void(std::string_view name, std::string_view value)> save;
    std::function<void(std::string_view name)> erase;
};

// What a step found missing and made (for console_sync's drift report).
struct Report {
    std::vector<std::string> created; // "host group pm-customer-7", …
    bool rotated = false;             // the service's host got a fresh credential
};

// The steps over a Zabbix client. `store` answers which other services the customer has
// (items of the account in modules with the add-on on).
class Steps {
public:
    Steps(const zabbix::Client& api, const store::Store& store, std::string template_name);

    // Customer objects, then the service's console host with a fresh credential when `feed`
    // is given and the host is new or its credential unknown.
    Report open(Target& target, const CredentialFeed* feed) const;
    // Disables (suspend) the customer's console access, unless another service of the customer
    // is active; enables it (resume) always.
    void suspend(const Target& target) const;
    void resume(const Target& target) const;
    // Removes the service's console host and credentials; the customer's objects (with every
    // host in the customer's group) when no other service of the customer is left open.
    void close(Target& target, const CredentialFeed* feed) const;
    // New credential, pushed into the host's macros, then the old ones deleted.
    void rotate(Target& target, const CredentialFeed& feed) const;

private:
    void set_access(const Target& target, bool enabled) const;
    [[nodiscard]] bool others(const store::Item& item,
                              const std::vector<store::ItemStatus>& statuses) const;
    [[nodiscard]] std::string shared_param(const Target& target, std::string_view name) const;
    void push(const std::string& host_id, const Credential& credential) const;

    const zabbix::Client& m_api;
    const store::Store& m_store;
    std::string m_template;
};

// Agent settings of a new machine of the context's item: nullopt when the add-on is off or
// the item has no registration token yet (the open's add-on step never got that far).
struct Agent {
    std::string server_active; // console_server_active
    std::string metadata;      // HostMetadata: cust=<token>
};
[[nodiscard]] std::optional<Agent> agent(const Context& context);
// #cloud-config user data that configures and restarts zabbix-agent2 with `agent`; its only
// top-level key is write_files, so a platform may append it to its own (oVirt custom_script).
[[nodiscard]] std::string cloud_init(const Agent& agent);

// The hooks the modules call at the end of open, suspend, resume and close. No-ops when the
// add-on is off. A console that is down, slow or answers an error never fails the operation:
// the step is logged (warning), console_pending is set on the item and console_sync finishes
// it. Store errors propagate.
void on_open(Context& context, const CredentialFeed* feed = nullptr);
void on_suspend(Context& context);
void on_resume(Context& context);
void on_close(Context& context, const CredentialFeed* feed = nullptr);

// console_sync --module N (one run per module at a time): for every open service, recreates
// what is missing (drift, reported), sets access as the statuses say, and rotates credentials
// where `feeds` gives one; finishes closes left pending. Throws TransportError when the
// console failed for some service (exit 3, retried next run).
using FeedFactory =
    std::function<std::unique_ptr<CredentialFeed>(const store::Item& item, const Params& params)>;
void sync(Context& context, const FeedFactory& feeds = {});
// The same over `steps`, without the lock (console_sync's work, for tests).
void sync_services(Context& context, const Steps& steps, const FeedFactory& feeds = {});

} // namespace pm::console
