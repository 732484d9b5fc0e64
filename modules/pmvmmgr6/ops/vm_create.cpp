#include "ops/vm_create.hpp"

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/log.hpp"
#include "pm/password.hpp"
#include "pm/redact.hpp"

#include "ops/item_vm.hpp"

namespace pm::vmmgr6 {
namespace {

std::optional<api::SecondInterface> second_interface(const Context& context, const Connection& vm) {
    if (!context.module_params.get_bool("second_iface", false)) {
        return std::nullopt;
    }
    const auto cluster = vm.api().cluster(vm.cluster());
    if (cluster) {
        for (const auto& pool : cluster->ippools) {
            if (pool.interface == 1) {
                return api::SecondInterface{pool.id, 1};
            }
        }
    }
    throw OperationError(fmt::format(
        "second_iface is on but cluster {} has no IP pool on a second interface", vm.cluster()));
}

api::HostCreate create_spec(const Context& context, const Connection& vm, std::int64_t owner) {
    const auto& item = context.item_params;
    api::HostCreate spec;
    spec.name = fmt::format("pm-item-{}", context.item->id);
    spec.comment = item_comment(context.item->id);
    spec.cluster = vm.cluster();
    spec.os = resolve_os(vm, item.require("os"));
    spec.password = item.require("password");
    spec.account = owner;
    spec.domain = item.get_or("domain", "");
    const auto wanted = wanted_resources(context);
    if (wanted.preset) {
        spec.preset = wanted.preset;
    } else {
        spec.cpu_number = wanted.cpu_number;
        spec.ram_mib = wanted.ram_mib;
        spec.hdd_mib = wanted.hdd_mib;
    }
    spec.ipv4_number = wanted.ipv4_number;
    spec.net_bandwidth_mbitps = wanted.net_bandwidth_mbitps;
    for (const auto& pool : context.module_params.get_list("ipv4_pool")) {
        if (const auto id = parse_int(pool)) {
            spec.ipv4_pool.push_back(*id);
        }
    }
    if (context.module_params.get_bool("use_recipes", false)) {
        if (const auto recipe = item.get_int("recipe")) {
            spec.recipe = api::RecipeRef{*recipe};
        }
    }
    spec.second_interface = second_interface(context, vm);
    return spec;
}

} // namespace

std::int64_t vm_user(const Context& context, const Connection& vm, AccountId account_id) {
    const auto account = context.store.find_account(account_id);
    if (!account || account->email.empty()) {
        throw ConfigError(fmt::format("account {} {}", account_id,
                                      account ? "has no email" : "not found in the store"));
    }
    auto id = vm.api().find_account(account->email);
    if (!id) {
        try {
            id = vm.api().create_account(account->email, random_password());
            log::info("created VMmanager user {} for {}", *id, account->email);
        } catch (const ApiError& e) {
            // Another operation of the same customer may have created it a moment ago.
            id = vm.api().find_account(account->email);
            if (!id || dynamic_cast<const AuthError*>(&e) != nullptr) {
                throw;
            }
        }
    }
    return *id;
}

api::Created start_create(Context& context, const Connection& vm, std::int64_t owner) {
    const auto spec = create_spec(context, vm, owner);
    const auto created = vm.api().create_host(spec);
    save_item_param(context, "vm_id", std::to_string(created.id));
    log::info("created VM {} for item {}", created.id, context.item->id);
    return created;
}

} // namespace pm::vmmgr6
