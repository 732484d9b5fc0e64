#include "pmopenstack/ops/console.hpp"

#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/log.hpp"

#include "pmopenstack/api/services.hpp"

namespace pm::openstack {
namespace {

std::string prefix(ItemId item) {
    return fmt::format("pm-console-{}-", item.value());
}

} // namespace

AppCredentialFeed::AppCredentialFeed(Connection& os, ItemId item, Params item_params)
    : m_os(os), m_item(item), m_params(std::move(item_params)) {}

std::string AppCredentialFeed::host_name() const {
    return fmt::format("pm-vdc-{}", m_item.value());
}

console::Credential AppCredentialFeed::mint() const {
    const auto user = m_params.require("user_id");
    // The item's username, else Keystone's name of the user: open names the user after the
    // project when the platform gives none, and saves no username then.
    auto username = m_params.get_or("username", "");
    if (username.empty()) {
        const auto found = api::get_user(m_os.admin(), user);
        if (!found) {
            throw OperationError(fmt::format("user {} is gone from Keystone", user));
        }
        username = found->name;
    }
    const auto& own =
        m_os.as_user(username, m_params.require("password"), m_params.require("project_id"));
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const auto name = fmt::format("{}{}", prefix(m_item), now);
    api::NewAppCredential cred;
    try {
        cred = api::create_app_credential(own, user, name);
    } catch (const AuthError&) {
        // Keystone rejects a token issued in the same second as the user's password was set
        // (api/console-zabbix.md §3.4): the VDC's open has just set it.
        std::this_thread::sleep_for(std::chrono::milliseconds(1100));
        cred = api::create_app_credential(own, user, name);
    }
    return console::Credential{cred.id,
                               {{"{$OPENSTACK.AUTH.URL}", m_os.auth_url()},
                                {"{$OPENSTACK.APP.CRED.ID}", cred.id},
                                {"{$OPENSTACK.APP.CRED.SECRET}", cred.secret}}};
}

void AppCredentialFeed::retire_except(std::string_view keep) const {
    const auto user = m_params.get("user_id");
    if (!user) {
        return;
    }
    for (const auto& cred : api::app_credentials(m_os.admin(), *user)) {
        if (cred.id != keep && cred.name.rfind(prefix(m_item), 0) == 0) {
            (void)api::delete_app_credential(m_os.admin(), *user, cred.id);
            log::info("deleted application credential {} of user {}", cred.id, *user);
        }
    }
}

std::unique_ptr<console::CredentialFeed> console_feed(Connection& os, ItemId item,
                                                      const Params& item_params) {
    if (!item_params.contains("project_id") || !item_params.contains("user_id")) {
        return nullptr;
    }
    return std::make_unique<AppCredentialFeed>(os, item, item_params);
}

void console_sync(Context& context) {
    if (!console::enabled(context.module_params)) {
        console::sync(context);
        return;
    }
    Connection os(context);
    console::sync(context, [&](const store::Item& item, const Params& params) {
        return console_feed(os, item.id, params);
    });
}

} // namespace pm::openstack
