#include "pmvmmgr6/vm/item.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/item_param.hpp"
#include "pm/log.hpp"

namespace pm::vmmgr6 {
namespace {

bool same_text(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}

} // namespace

std::string item_comment(ItemId item) {
    return fmt::format("pm item {}", item);
}

std::string item_vm_name(ItemId item) {
    return fmt::format("pm-item-{}", item);
}

std::vector<api::Host> marked_hosts(const Connection& vm, ItemId item) {
    return vm.api().hosts_named(item_vm_name(item));
}

std::optional<api::Host> find_item_host(Context& context, const Connection& vm) {
    // PROBE D6: a saved id that is not found is not taken for "no VM": the name decides.
    (void)context.item_params.get_int("vm_id"); // a vm_id that is no number: a clear error
    return find_saved_or_marked<api::Host>(
        context, "vm_id", "VM",
        [&](const std::string& id) { return vm.api().host(parse_int(id).value_or(0)); },
        [&]() -> std::optional<api::Host> {
            auto marked = marked_hosts(vm, context.item->id);
            if (marked.empty()) {
                return std::nullopt;
            }
            return std::move(marked.front());
        },
        [](const api::Host& host) { return std::to_string(host.id); });
}

api::Host require_item_host(Context& context, const Connection& vm) {
    auto host = find_item_host(context, vm);
    if (host && host->state != host_states::active && host->state != host_states::stopped) {
        host = wait_settled(vm, host->id);
    }
    if (!host) {
        throw OperationError(
            fmt::format("item {} has no VM in VMmanager{}", context.item->id,
                        context.item_params.contains("vm_id")
                            ? fmt::format(" (VM {} is gone)", context.item_params.require("vm_id"))
                            : std::string()));
    }
    return *host;
}

std::optional<api::Host> wait_settled(const Connection& vm, std::int64_t id) {
    std::optional<api::Host> host;
    vm.wait_until(fmt::format("VM {} to finish its create or reinstall", id), [&] {
        host = vm.api().host(id);
        return !host ||
               (host->state != host_states::creating && host->state != host_states::reinstalling);
    });
    return host;
}

void wait_host(const Connection& vm, std::int64_t id, std::string_view what,
               const std::function<bool(const api::Host&)>& holds) {
    vm.wait_until(what, [&] {
        const auto host = vm.api().host(id);
        return host && holds(*host);
    });
}

void start_and_wait(const Connection& vm, std::int64_t id) {
    vm.wait_or_verify(vm.api().start(id), fmt::format("VM {} to start", id), [&] {
        const auto host = vm.api().host(id);
        return host && host->state == host_states::active;
    });
}

void stop_and_wait(const Connection& vm, std::int64_t id) {
    vm.wait_or_verify(vm.api().stop(id), fmt::format("VM {} to stop", id), [&] {
        const auto host = vm.api().host(id);
        return host && host->state == host_states::stopped;
    });
}

void restart_and_wait(const Connection& vm, std::int64_t id) {
    vm.wait_or_verify(vm.api().restart(id).start, fmt::format("VM {} to run again", id), [&] {
        const auto host = vm.api().host(id);
        return host && host->state == host_states::active;
    });
}

api::Host wait_addressed(const Connection& vm, std::int64_t id) {
    std::optional<api::Host> host;
    vm.wait_until(fmt::format("VM {} to get its IP addresses", id), [&] {
        host = vm.api().host(id);
        if (!host) {
            throw OperationError(fmt::format("VM {} disappeared after its creation", id));
        }
        return host->state != host_states::creating && host->state != host_states::reinstalling &&
               std::none_of(host->ip4.begin(), host->ip4.end(),
                            [](const api::Address& address) { return address.ip.empty(); });
    });
    return *host;
}

Awaited change_password(const Connection& vm, std::int64_t id, std::string_view password) {
    return {vm.api().change_password(id, password),
            fmt::format("VM {} to be settled after its password change", id),
            [&vm, id] {
                const auto host = vm.api().host(id);
                return host &&
                       (host->state == host_states::active || host->state == host_states::stopped);
            },
            false,
            {}};
}

void set_password(const Connection& vm, std::int64_t id, std::string_view password) {
    vm.await_all({change_password(vm, id, password)});
}

void delete_and_wait(const Connection& vm, std::int64_t id) {
    const auto host = wait_settled(vm, id);
    if (host && host->state != host_states::deleting) {
        if (const auto task = vm.api().delete_host(id); task && *task) {
            vm.wait(**task);
        }
    }
    vm.wait_until(fmt::format("VM {} to be deleted", id),
                  [&] { return !vm.api().host(id).has_value(); });
    log::info("VM {} deleted", id);
}

std::vector<api::Address> main_addresses(const Connection& vm, std::int64_t id) {
    auto addresses = vm.api().host_ipv4(id);
    std::optional<api::Cluster> cluster;
    std::vector<api::Address> main;
    for (auto& address : addresses) {
        if (!address.interface_given && address.ippool != 0) {
            if (!cluster) {
                cluster = vm.api().cluster(vm.cluster()).value_or(api::Cluster{});
            }
            for (const auto& pool : cluster->ippools) {
                if (pool.id == address.ippool) {
                    address.interface = pool.interface;
                }
            }
        }
        if (address.interface == 0) {
            main.push_back(std::move(address));
        }
    }
    return main;
}

void record_host(Context& context, const api::Host& host) {
    std::vector<std::string> ips;
    for (const auto& address : host.ip4) {
        ips.push_back(address.ip);
    }
    ParamMap values{{"vm_id", std::to_string(host.id)},
                    {"ip", ips.empty() ? std::string() : ips.front()},
                    {"ips", fmt::format("{}", fmt::join(ips, ","))},
                    {"domain", host.domain},
                    {"state", host.state}};
    save_item_params(context, values);
}

std::int64_t resolve_os(const Connection& vm, const std::string& os) {
    const auto cluster = vm.cluster();
    const auto id = parse_int(os);
    for (const auto& candidate : vm.api().os_list()) {
        const bool match = id ? candidate.id == *id : same_text(candidate.name, os);
        if (!match) {
            continue;
        }
        if (std::find(candidate.clusters.begin(), candidate.clusters.end(), cluster) ==
            candidate.clusters.end()) {
            throw OperationError(
                fmt::format("OS template '{}' is not available on cluster {}", os, cluster));
        }
        return candidate.id;
    }
    throw OperationError(fmt::format("OS template '{}' not found in VMmanager", os));
}

Wanted wanted_resources(const Context& context) {
    if (!context.store.find_pricelist(context.item->pricelist_id)) {
        throw ConfigError(fmt::format("item {}: its tariff (pricelist {}) is not in the store",
                                      context.item->id, context.item->pricelist_id));
    }
    const auto tariff = context.store.pricelist_params(context.item->pricelist_id);
    // The item's own value (an addon) over the tariff's; a value below `low` is a config error
    // naming where it comes from, never sent to VMmanager.
    const auto pick = [&](std::string_view name, std::int64_t low) -> std::optional<std::int64_t> {
        const auto& source = context.item_params.contains(name) ? context.item_params : tariff;
        const auto value = source.get_int(name);
        if (value && *value < low) {
            throw ConfigError(fmt::format("{}: the param '{}' must be a whole number of {} or "
                                          "more, not '{}'",
                                          source.owner(), name, low, *value));
        }
        return value;
    };
    Wanted wanted;
    wanted.preset = pick("preset", 1);
    wanted.cpu_number = pick("cpu_number", 1);
    wanted.ram_mib = pick("ram_mib", 1);
    wanted.hdd_mib = pick("hdd_mib", 1);
    wanted.ipv4_number = pick("ipv4_number", 0);
    wanted.net_bandwidth_mbitps = pick("net_bandwidth_mbitps", 0);
    return wanted;
}

} // namespace pm::vmmgr6
