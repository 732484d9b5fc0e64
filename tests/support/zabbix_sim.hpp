// Test support for the console add-on end to end: the Zabbix simulator (tests/sim/zabbix) on a
// free port with a known Admin password, and what a test reads of it: its objects
// (GET /__sim__/state), a user's password check, and an agent's auto-registration.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pm/json.hpp"

#include "support/simulator.hpp"

namespace pm::test {

class ZabbixSim {
public:
    // The Admin password the modules log in with (console_password).
    static constexpr const char* k_admin_password = "Zbx-c0nsole-Pa55word";

    explicit ZabbixSim(std::vector<std::string> args = {});

    [[nodiscard]] const Simulator& sim() const { return m_sim; }
    // The API URL (console_url).
    [[nodiscard]] std::string api_url() const;
    [[nodiscard]] json::Document state() const;
    // How many of `list` (users, usergroups, hostgroups, actions, hosts) carry `key` = `value`.
    [[nodiscard]] int count(std::string_view list, std::string_view key,
                            std::string_view value) const;
    // Field `key` of the `list` entry named `name`, "absent" when there is none.
    [[nodiscard]] std::string field(std::string_view list, std::string_view name,
                                    std::string_view key) const;
    [[nodiscard]] bool password_matches(const std::string& user, const std::string& password) const;
    // An active agent `host` with HostMetadata `metadata` asks to register (after a
    // configuration cache sync); the answer ({"registered":bool,…}).
    json::Document register_agent(const std::string& host, const std::string& metadata) const;
    // The names of the host groups host `host` is in.
    [[nodiscard]] std::vector<std::string> host_groups(std::string_view host) const;

private:
    Simulator m_sim;
};

} // namespace pm::test
