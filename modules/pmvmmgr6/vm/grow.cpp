// Growing a VM to what the tariff and the item ask for. Disk and IPv4 count change
// hot; CPU/RAM change hot when VMmanager allows it (RAM growing in 1024 MiB steps on a running
// VM, anything on a stopped one), otherwise the change is deferred and the VM restarted.
// Any shrink is refused before anything changes.
#include "pmvmmgr6/vm/grow.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/log.hpp"

#include "pmvmmgr6/vm/item.hpp"

namespace pm::vmmgr6 {
namespace {

constexpr std::int64_t k_hot_ram_step = 1024;

void refuse_shrink(std::string_view what, const std::optional<std::int64_t>& wanted,
                   std::int64_t current) {
    if (wanted && *wanted < current) {
        throw OperationError(fmt::format("cannot shrink {} from {} to {}: VMmanager only grows it",
                                         what, current, *wanted));
    }
}

bool has_resources(const Connection& vm, std::int64_t id, const api::Resources& grow) {
    const auto host = vm.api().host(id);
    return host && (!grow.cpu_number || host->cpu_number >= *grow.cpu_number) &&
           (!grow.ram_mib || host->ram_mib >= *grow.ram_mib);
}

void change_cpu_ram(const Connection& vm, const api::Host& host, const api::Resources& grow) {
    const bool running = host.state == host_states::active;
    const bool ram_hot = !grow.ram_mib || (*grow.ram_mib - host.ram_mib) % k_hot_ram_step == 0;
    if (!running || (!grow.cpu_number && ram_hot)) {
        vm.wait_or_verify(vm.api().change_resources(host.id, grow, api::Defer::no),
                          fmt::format("VM {} to get its new CPU/RAM", host.id),
                          [&] { return has_resources(vm, host.id, grow); });
        return;
    }
    log::info("VM {}: CPU/RAM change deferred until a restart", host.id);
    const auto deferred = vm.api().change_resources(host.id, grow, api::Defer::until_stop);
    restart_and_wait(vm, host.id);
    vm.wait_or_verify(deferred, fmt::format("VM {} to get its new CPU/RAM", host.id),
                      [&] { return has_resources(vm, host.id, grow); });
}

} // namespace

void grow_to_wanted(Context& context, const Connection& vm, const api::Host& host) {
    const auto wanted = wanted_resources(context);
    // Only the main network's addresses count: second_iface adds one on another interface.
    const auto ip_count = static_cast<std::int64_t>(main_addresses(vm, host.id).size());
    refuse_shrink("CPU count", wanted.cpu_number, host.cpu_number);
    refuse_shrink("RAM (MiB)", wanted.ram_mib, host.ram_mib);
    refuse_shrink("disk (MiB)", wanted.hdd_mib, host.disk_mib);
    refuse_shrink("IPv4 count", wanted.ipv4_number, ip_count);

    if (wanted.hdd_mib && *wanted.hdd_mib > host.disk_mib) {
        vm.wait_or_verify(vm.api().resize_disk(host.disk_id, *wanted.hdd_mib),
                          fmt::format("VM {} to get its new disk size", host.id), [&] {
                              const auto now = vm.api().host(host.id);
                              return now && now->disk_mib >= *wanted.hdd_mib;
                          });
    }
    if (wanted.ipv4_number && *wanted.ipv4_number > ip_count) {
        vm.wait_or_verify(vm.api().change_ipv4(host.id, *wanted.ipv4_number - ip_count),
                          fmt::format("VM {} to get its new addresses", host.id), [&] {
                              return static_cast<std::int64_t>(
                                         main_addresses(vm, host.id).size()) >= *wanted.ipv4_number;
                          });
    }
    api::Resources grow;
    if (wanted.cpu_number && *wanted.cpu_number > host.cpu_number) {
        grow.cpu_number = wanted.cpu_number;
    }
    if (wanted.ram_mib && *wanted.ram_mib > host.ram_mib) {
        grow.ram_mib = wanted.ram_mib;
    }
    if (grow.cpu_number || grow.ram_mib) {
        change_cpu_ram(vm, host, grow);
    }
    if (const auto after = vm.api().host(host.id)) {
        record_host(context, *after);
    }
}

} // namespace pm::vmmgr6
