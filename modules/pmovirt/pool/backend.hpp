// pmovirt's pool (DESIGN §11, §13): the common engine (pm/pool.hpp) over oVirt. A pool
// server is a VM of the module's cluster made from the newest version of a template (its
// `os` holds that version's id, so servers of an older version serve no order once a newer
// one exists) with the tariff's CPUs and memory, its boot disk grown to the tariff's size,
// and kept down, never started: it is ready once the engine shows it settled (every disk
// ok) at that size. Its first boot is the order's.
//
// The takeover (an order's open) leases the order's address, then in one `PUT VM` renames
// the VM after the order (binding: from then on it is the order's VM for every lookup),
// gives it the order's CPUs and memory and stores the order's initialization (host name,
// password, SSH key, the static address, the console agent's settings); grows the disk to
// the order's size and places the NIC on the module's vNIC profile; then starts it with a
// forced cloud-init (sysprep) run of that initialization, until up: a VM that was started
// while in the pool still gets the order's identity.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pm/context.hpp"
#include "pm/pool.hpp"

#include "pmovirt/vm/connection.hpp"

namespace pm::ovirt {

// pool_process: the engine's run for the module.
void pool_process(Context& context);

namespace pool {

// Takes a pool server for the item being opened (see pm::pool::take_from_pool).
[[nodiscard]] std::optional<ItemId> take_from_pool(Context& context, const Connection& engine);

class Backend final : public pm::pool::Backend {
public:
    explicit Backend(const Connection& engine) : m_engine(engine) {}

    [[nodiscard]] std::vector<pm::pool::Template> templates() override;
    [[nodiscard]] std::string template_scope() const override { return "the oVirt engine"; }
    [[nodiscard]] ParamMap new_server_params() override { return {}; }
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
    const Connection& m_engine;
};

} // namespace pool
} // namespace pm::ovirt
