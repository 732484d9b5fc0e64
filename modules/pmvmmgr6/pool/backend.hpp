// pmvmmgr6's pool (DESIGN §11): the common engine (pm/pool.hpp) over VMmanager. Pool servers
// are VMs of the module's cluster built from an OS template and a tariff, owned by the
// VMmanager user of pool_account; a VM is ready once VMmanager shows it active.
//
// The takeover moves the VM to the customer's VMmanager user, sets the PTR of its main
// addresses and (not on Windows, through the recipe pool_hostname_recipe) the hostname to the
// ordered domain, resets the root password and runs the ordered recipe (those five sent
// together, waited for together), grows the resources as setparam does, and renames the VM
// after the order: from then on it is the order's VM for every lookup.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pm/context.hpp"
#include "pm/pool.hpp"

#include "pmvmmgr6/vm/connection.hpp"

namespace pm::vmmgr6 {

// pool_process: the engine's run for the module.
void pool_process(Context& context);

namespace pool {

// The module's own pool param, listed with the engine's (pm::pool::params).
[[nodiscard]] std::vector<ParamSpec> own_params();

// Takes a pool server for the item being opened, for VMmanager user `account` (see
// pm::pool::take_from_pool).
[[nodiscard]] std::optional<ItemId> take_from_pool(Context& context, const Connection& vm,
                                                   std::int64_t account);

class Backend final : public pm::pool::Backend {
public:
    // `owner`: the customer's VMmanager user a takeover hands the VM to (none in pool_process).
    Backend(Context& context, const Connection& vm, std::optional<std::int64_t> owner);

    [[nodiscard]] std::vector<pm::pool::Template> templates() override;
    [[nodiscard]] std::string template_scope() const override;
    [[nodiscard]] ParamMap new_server_params() override;
    [[nodiscard]] std::string send_create(Context& item) override;
    [[nodiscard]] bool marked_server_exists(Context& item) override;
    [[nodiscard]] pm::pool::Inspection inspect(Context& item) override;
    [[nodiscard]] pm::pool::Removal start_delete(Context& item) override;
    [[nodiscard]] bool recorded_ready(const Params& params) const override;
    [[nodiscard]] std::string_view server_id_param() const override { return "vm_id"; }

    [[nodiscard]] std::string resolve_template(Context& order) override;
    [[nodiscard]] bool has_own_server(Context& order) override;
    [[nodiscard]] pm::pool::GrowRules grow_rules() const override;
    [[nodiscard]] std::vector<std::string_view> handed_params() const override;
    [[nodiscard]] int binding_step() const override;
    [[nodiscard]] std::function<void()> take_over(pm::pool::Handover& handover) override;
    void forget_takeover(Context& order) override;

private:
    [[nodiscard]] std::int64_t pool_user();

    Context& m_context;
    const Connection& m_vm;
    std::optional<std::int64_t> m_owner;
    std::optional<std::int64_t> m_pool_user;
};

} // namespace pool
} // namespace pm::vmmgr6
