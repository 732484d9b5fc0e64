// Test support for the console add-on end to end: the Zabbix simulator (tests/sim/zabbix) on a
// free port with a known Admin password, and what a test reads of it: its objects
// (GET /__sim__/state), a user's password check, and an agent's auto-registration.
#pragma once

#include <cstdint>
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
    // Field `id_field` of the `list` entry whose `key` is `value`, "" when there is none.
    [[nodiscard]] std::string id_of(std::string_view list, std::string_view key,
                                    std::string_view value, std::string_view id_field) const;
    // The auto-registration action `name`'s condition values, "," joined ("absent": no action).
    [[nodiscard]] std::string action_conditions(std::string_view name) const;
    // User group `name`'s rights as "<host group id>:<permission>", "," joined.
    [[nodiscard]] std::string rights(std::string_view name) const;
    // Action `name`'s operations as "<type>" or "<type>:<group or template id>", "," joined.
    [[nodiscard]] std::string operations(std::string_view name) const;
    // Host macros (all hosts but the simulator's own), and one's value in clear.
    [[nodiscard]] int macros() const;
    [[nodiscard]] std::string macro_value(std::string_view macro) const;

    // Calls of `method` (e.g. "user.login") since the start or forget_requests(); calls of
    // any *.create.
    [[nodiscard]] std::int64_t calls(std::string_view method) const;
    [[nodiscard]] std::int64_t creates() const;
    void forget_requests() const;
    // The next call of `method` is done, then its reply lost (the connection dropped).
    void drop_reply(std::string_view method) const;
    // Every API call from now on is dropped unanswered (a console that is down).
    void go_down() const;
    // Every session ends (a frontend restart).
    void expire_sessions() const;
    // An operator deletes object `id` of `kind` (user, usergroup, hostgroup, host, action).
    void remove(std::string_view kind, std::string_view id) const;

private:
    Simulator m_sim;
};

} // namespace pm::test
