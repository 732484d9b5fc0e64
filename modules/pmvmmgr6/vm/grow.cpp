// Growing a VM to what the tariff and the item ask for. Disk and IPv4 count change
// hot; CPU/RAM change hot when VMmanager allows it (RAM growing in 1024 MiB steps on a running
// VM, anything on a stopped one), otherwise the change is deferred and the VM restarted.
// Any shrink is refused before anything changes.
//
// Two steps are not idempotent by themselves, so each leaves a note in the item's params
// while it is under way, and a run that finds the note (the previous one was killed) settles
// it first: the IPv4 call adds a *delta* (api §4.6), so `pending_ipv4` = "COUNT:TARGET" makes
// the rerun wait (task_appear_s at most) for addresses the killed run may have asked for
// before it counts again; the deferred CPU/RAM change stops the VM through a restart, so
// `pending_restart` makes the rerun wait for the VM to run again, and start it when the
// restart never came.
#include "pmvmmgr6/vm/grow.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/item_param.hpp"
#include "pm/log.hpp"

#include "pmvmmgr6/vm/item.hpp"

namespace pm::vmmgr6 {
namespace {

constexpr std::int64_t k_hot_ram_step = 1024;
constexpr std::string_view k_pending_ipv4 = "pending_ipv4";
constexpr std::string_view k_pending_restart = "pending_restart";

std::int64_t main_count(const Connection& vm, std::int64_t id) {
    return static_cast<std::int64_t>(main_addresses(vm, id).size());
}

// What a killed run left under way (the notes above), settled; the host as it is now.
api::Host settle_interrupted(Context& context, const Connection& vm, api::Host host) {
    if (!context.item_params.contains(k_pending_ipv4) &&
        !context.item_params.contains(k_pending_restart)) {
        return host; // nothing was under way: the host the caller just read is current
    }
    if (const auto note = context.item_params.get(k_pending_ipv4)) {
        const auto colon = note->find(':');
        const auto before = parse_int(note->substr(0, colon));
        if (before && colon != std::string::npos && main_count(vm, host.id) == *before) {
            log::info("VM {}: an interrupted run may have asked for more addresses: waiting for "
                      "them to show",
                      host.id);
            (void)vm.within_task_appear(fmt::format("VM {} to get its new addresses", host.id),
                                        [&] { return main_count(vm, host.id) != *before; });
        }
        erase_item_param(context, k_pending_ipv4);
    }
    if (context.item_params.contains(k_pending_restart)) {
        const auto running = [&] {
            const auto now = vm.api().host(host.id);
            return now && now->state == host_states::active;
        };
        if (!vm.within_task_appear(fmt::format("VM {} to run again", host.id), running)) {
            log::info("VM {}: the restart of an interrupted run did not happen: starting it",
                      host.id);
            start_and_wait(vm, host.id);
        }
        erase_item_param(context, k_pending_restart);
    }
    auto now = vm.api().host(host.id);
    if (!now) {
        throw OperationError(fmt::format("VM {} disappeared during setparam", host.id));
    }
    return *now;
}

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

void change_cpu_ram(Context& context, const Connection& vm, const api::Host& host,
                    const api::Resources& grow) {
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
    save_item_param(context, k_pending_restart, "1");
    restart_and_wait(vm, host.id);
    vm.wait_or_verify(deferred, fmt::format("VM {} to get its new CPU/RAM", host.id),
                      [&] { return has_resources(vm, host.id, grow); });
    erase_item_param(context, k_pending_restart);
}

} // namespace

void grow_to_wanted(Context& context, const Connection& vm, const api::Host& found) {
    const auto host = settle_interrupted(context, vm, found);
    const auto wanted = wanted_resources(context);
    // Only the main network's addresses count: second_iface adds one on another interface.
    const auto ip_count = main_count(vm, host.id);
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
        save_item_param(context, k_pending_ipv4,
                        fmt::format("{}:{}", ip_count, *wanted.ipv4_number));
        vm.wait_or_verify(vm.api().change_ipv4(host.id, *wanted.ipv4_number - ip_count),
                          fmt::format("VM {} to get its new addresses", host.id),
                          [&] { return main_count(vm, host.id) >= *wanted.ipv4_number; });
        erase_item_param(context, k_pending_ipv4);
    }
    api::Resources grow;
    if (wanted.cpu_number && *wanted.cpu_number > host.cpu_number) {
        grow.cpu_number = wanted.cpu_number;
    }
    if (wanted.ram_mib && *wanted.ram_mib > host.ram_mib) {
        grow.ram_mib = wanted.ram_mib;
    }
    const bool changed = (wanted.hdd_mib && *wanted.hdd_mib > host.disk_mib) ||
                         (wanted.ipv4_number && *wanted.ipv4_number > ip_count) ||
                         grow.cpu_number || grow.ram_mib;
    if (grow.cpu_number || grow.ram_mib) {
        change_cpu_ram(context, vm, host, grow);
    }
    if (!changed) {
        record_host(context, host);
    } else if (const auto after = vm.api().host(host.id)) {
        record_host(context, *after);
    }
}

} // namespace pm::vmmgr6
