// The console add-on for VDCs (DESIGN §14): a Keystone application credential of the VDC
// project, minted by the VDC's own user (Keystone refuses one for another user) and pushed by
// pm/console.hpp into the secret macros {$OPENSTACK.AUTH.URL}, {$OPENSTACK.APP.CRED.ID},
// {$OPENSTACK.APP.CRED.SECRET} of console host pm-vdc-<item>. The secret goes from Keystone's
// reply into Zabbix's request and nowhere else.
#pragma once

#include <memory>

#include "pm/console.hpp"
#include "pm/context.hpp"

#include "pmopenstack/ops/connection.hpp"

namespace pm::openstack {

// Credentials named pm-console-<item>-<unix ms>, of the VDC user (item params username,
// password, user_id, project_id).
class AppCredentialFeed : public console::CredentialFeed {
public:
    AppCredentialFeed(Connection& os, ItemId item, Params item_params);
    [[nodiscard]] std::string host_name() const override;
    [[nodiscard]] console::Credential mint() const override;
    void retire_except(std::string_view keep) const override;

private:
    Connection& m_os;
    ItemId m_item;
    Params m_params;
};

// The feed of the context's VDC; nullptr while it has no project or user yet.
[[nodiscard]] std::unique_ptr<console::CredentialFeed> console_feed(Connection& os, ItemId item,
                                                                    const Params& item_params);

// console_sync --module N for VDCs.
void console_sync(Context& context);

} // namespace pm::openstack
