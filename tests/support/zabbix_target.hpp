// The Zabbix a console test talks to: the simulator (tests/sim/zabbix, started here), or — with
// PM_ZABBIX_TARGET=real — the real Zabbix 6.0 of scripts/real-zabbix, described by the rc file
// at PM_REAL_ZABBIX_RC (default /tmp/pm-zabbix/zabbixrc). Assertions go through the Zabbix API
// as its admin, so that one scenario runs on both (label real_zabbix, tests/CMakeLists.txt).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "pm/json.hpp"

#include "support/simulator.hpp"

namespace pm::test {

class ZabbixTarget {
public:
    // `sim_admin_password`: Admin's password of the simulator (the real one's is in the rc).
    explicit ZabbixTarget(const std::string& sim_admin_password);

    [[nodiscard]] bool real() const { return !m_sim.has_value(); }
    [[nodiscard]] const std::string& api_url() const { return m_url; } // …/api_jsonrpc.php
    [[nodiscard]] const std::string& username() const { return m_user; }
    [[nodiscard]] const std::string& password() const { return m_password; }
    // The simulator; std::logic_error on the real target.
    [[nodiscard]] const Simulator& sim() const;

    // `method` called as the admin with `params` (JSON text): the whole reply, whose
    // `result` is there (std::runtime_error on an `error` reply).
    [[nodiscard]] json::Document call(std::string_view method, std::string_view params) const;
    // How many objects `<kind>.get` finds whose `field` is `value`.
    [[nodiscard]] std::size_t count(std::string_view kind, std::string_view field,
                                    std::string_view value) const;
    // True when user.login as `user` with `password` succeeds.
    [[nodiscard]] bool login_ok(std::string_view user, std::string_view password) const;
    // The value of a host's (secret) macro, read around the API, which never returns it: the
    // simulator's control endpoint, or the real server's database.
    [[nodiscard]] std::string secret_macro(std::string_view host, std::string_view macro) const;
    // The details of the newest entries of the real server's audit log (where Zabbix records
    // what each API call changed, secrets masked); empty on the simulator, which keeps none.
    [[nodiscard]] std::string recent_audit() const;
    // Deletes what a console customer left behind (hosts of its group, action, user, user
    // group, host group): the real server is shared and persistent.
    void forget_customer(std::string_view name, std::string_view email) const;

private:
    [[nodiscard]] std::string rpc(std::string_view method, std::string_view params,
                                  const std::string& auth) const;
    [[nodiscard]] const std::string& session() const;
    // A query on the real server's database (psql over its socket), its rows as text.
    [[nodiscard]] std::string sql(const std::string& query) const;

    std::optional<Simulator> m_sim;
    std::string m_url;
    std::string m_user = "Admin";
    std::string m_password;
    std::string m_dir; // the real server's state directory (its database socket)
    mutable std::string m_session;
};

} // namespace pm::test
