// pmvmmgr6's pool backend: what pool_process asks of VMmanager, and the entry points.
#include "pmvmmgr6/pool/backend.hpp"

#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "pmvmmgr6/vm/create.hpp"
#include "pmvmmgr6/vm/item.hpp"

namespace pm::vmmgr6 {
namespace pool {

std::vector<ParamSpec> own_params() {
    return {{"pool_hostname_recipe",
             "recipe (id) that sets the hostname inside a VM; takes parameter HOSTNAME", false,
             ParamKind::positive}};
}

Backend::Backend(Context& context, const Connection& vm, std::optional<std::int64_t> owner)
    : m_context(context), m_vm(vm), m_owner(owner) {}

// The OS templates of the module's cluster.
std::vector<pm::pool::Template> Backend::templates() {
    const auto cluster = m_vm.cluster();
    std::vector<pm::pool::Template> list;
    for (auto& os : m_vm.api().os_list()) {
        if (std::find(os.clusters.begin(), os.clusters.end(), cluster) != os.clusters.end()) {
            list.push_back({std::to_string(os.id), std::move(os.name)});
        }
    }
    return list;
}

std::string Backend::template_scope() const {
    return fmt::format("cluster {}", m_vm.cluster());
}

// The VMmanager user of pool_account, which owns the pool's VMs.
std::int64_t Backend::pool_user() {
    if (!m_pool_user) {
        m_pool_user =
            vm_user(m_context, m_vm, pm::pool::read_settings(m_context.module_params).account);
    }
    return *m_pool_user;
}

ParamMap Backend::new_server_params() {
    return {{"vm_account_id", std::to_string(pool_user())}};
}

std::string Backend::send_create(Context& item) {
    return std::to_string(start_create(item, m_vm, pool_user()).id);
}

bool Backend::marked_server_exists(Context& item) {
    return !marked_hosts(m_vm, item.item->id).empty();
}

pm::pool::Inspection Backend::inspect(Context& item) {
    using pm::pool::Readiness;
    const auto host = find_created_host(item, m_vm);
    if (!host) {
        return {Readiness::absent, {}};
    }
    if (host->state == host_states::failed || host->state == host_states::deleting) {
        return {Readiness::failed, {}};
    }
    if (host->state == host_states::active || host->state == host_states::stopped) {
        return {Readiness::ready, [&item, host = *host] { record_host(item, host); }};
    }
    return {Readiness::building, {}};
}

// A VM busy with a create or reinstall is left for the next run (VMmanager refuses to delete
// it meanwhile); one being deleted already is waited for.
pm::pool::Removal Backend::start_delete(Context& item) {
    using Kind = pm::pool::Removal::Kind;
    const auto host = find_item_host(item, m_vm);
    if (!host) {
        return {Kind::absent, {}, {}};
    }
    if (host->state == host_states::creating || host->state == host_states::reinstalling) {
        return {Kind::busy, std::to_string(host->id), {}};
    }
    if (host->state != host_states::deleting) {
        (void)m_vm.api().delete_host(host->id);
    }
    return {Kind::started, std::to_string(host->id), [this, id = host->id] {
                m_vm.wait_until(fmt::format("VM {} to be deleted", id),
                                [&] { return !m_vm.api().host(id).has_value(); });
            }};
}

bool Backend::recorded_ready(const Params& params) const {
    return params.get_or("state", "") == host_states::active;
}

std::string Backend::resolve_template(Context& order) {
    (void)order.item_params.require("password");
    return std::to_string(resolve_os(m_vm, order.item_params.require("os")));
}

// The order has a VM of its own: saved, a create sent (one in flight may still show: the
// usual path waits for it), or created by an earlier attempt whose answer was lost (found by
// the order's name).
bool Backend::has_own_server(Context& order) {
    return order.item_params.contains("vm_id") || order.item_params.contains(k_create_sent_param) ||
           !marked_hosts(m_vm, order.item->id).empty();
}

// setparam only grows a VM, so the order's own cpu_number, ram_mib, hdd_mib and ipv4_number
// must not be below the tariff's; its own preset or net_bandwidth_mbitps must be the tariff's.
pm::pool::GrowRules Backend::grow_rules() const {
    return {{"preset", "net_bandwidth_mbitps"},
            {"cpu_number", "ram_mib", "hdd_mib", "ipv4_number"}};
}

std::vector<std::string_view> Backend::handed_params() const {
    return {"vm_id", "ip", "ips"};
}

std::optional<ItemId> take_from_pool(Context& context, const Connection& vm, std::int64_t account) {
    Backend backend(context, vm, account);
    return pm::pool::take_from_pool(context, backend);
}

} // namespace pool

void pool_process(Context& context) {
    std::unique_ptr<Connection> vm;
    pm::pool::process(context, [&]() -> std::unique_ptr<pm::pool::Backend> {
        vm = std::make_unique<Connection>(context);
        return std::make_unique<pool::Backend>(context, *vm, std::nullopt);
    });
}

} // namespace pm::vmmgr6
