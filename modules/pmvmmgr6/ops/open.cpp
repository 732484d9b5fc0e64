// open: the customer's VMmanager account, then the VM, then its addresses (issue 3 §2).
// Resumable at every step: the account id and the VM id are saved as soon as VMmanager
// returns them, and a VM whose id was lost (killed between the create and the save) is
// found again by its comment "pm item <id>" before anything is created.
#include <random>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/log.hpp"
#include "pm/redact.hpp"

#include "ops/commands.hpp"
#include "ops/item_vm.hpp"

namespace pm::vmmgr6 {
namespace {

std::string generate_password() {
    static constexpr std::string_view k_chars =
        "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    std::random_device random;
    std::uniform_int_distribution<std::size_t> pick(0, k_chars.size() - 1);
    std::string password;
    for (int i = 0; i < 20; ++i) {
        password += k_chars[pick(random)];
    }
    register_secret(password);
    return password;
}

std::int64_t ensure_account(Context& context, const Connection& vm) {
    if (const auto saved = context.item_params.get_int("vm_account_id")) {
        return *saved;
    }
    const auto account = context.store.find_account(context.item->account_id);
    if (!account || account->email.empty()) {
        throw ConfigError(fmt::format("item {}: account {} has no email", context.item->id,
                                      context.item->account_id));
    }
    auto id = vm.api().find_account(account->email);
    if (!id) {
        try {
            id = vm.api().create_account(account->email, generate_password());
            log::info("created VMmanager user {} for {}", *id, account->email);
        } catch (const ApiError& e) {
            // Another operation of the same customer may have created it a moment ago.
            id = vm.api().find_account(account->email);
            if (!id || dynamic_cast<const AuthError*>(&e) != nullptr) {
                throw;
            }
        }
    }
    save_item_param(context, "vm_account_id", std::to_string(*id));
    return *id;
}

std::optional<api::SecondInterface> second_interface(Context& context, const Connection& vm) {
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

api::HostCreate create_spec(Context& context, const Connection& vm, std::int64_t account) {
    const auto& item = context.item_params;
    api::HostCreate spec;
    spec.name = fmt::format("pm-item-{}", context.item->id);
    spec.comment = item_comment(context.item->id);
    spec.cluster = vm.cluster();
    spec.os = resolve_os(vm, item.require("os"));
    spec.password = item.require("password");
    spec.account = account;
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

// The id of the VM an earlier attempt created, once it has settled. One left `failed` (its
// host_create task failed) is deleted, so that this attempt creates a new one instead of
// failing forever.
std::optional<std::int64_t> earlier_vm(Context& context, const Connection& vm) {
    const auto found = find_item_host(context, vm);
    if (!found) {
        return std::nullopt;
    }
    const std::int64_t id = found->id;
    log::info("item {} already has VM {} ({}): resuming", context.item->id, id, found->state);
    const auto settled = wait_settled(vm, id);
    if (settled && settled->state != host_states::failed) {
        return id;
    }
    if (settled) {
        log::warn("VM {} failed to install in an earlier attempt: deleting it to start over", id);
        delete_and_wait(vm, id);
    }
    context.store.erase_item_param(context.item->id, "vm_id");
    context.item_params.erase("vm_id");
    return std::nullopt;
}

} // namespace

void open(Context& context) {
    const Connection vm(context);
    const auto account = ensure_account(context, vm);
    std::int64_t id = 0;
    if (const auto existing = earlier_vm(context, vm)) {
        id = *existing;
    } else {
        const auto spec = create_spec(context, vm, account);
        const auto created = vm.api().create_host(spec);
        id = created.id;
        save_item_param(context, "vm_id", std::to_string(id));
        log::info("created VM {} for item {}", id, context.item->id);
        vm.wait(created.task);
        if (created.recipe_task) {
            vm.wait(*created.recipe_task);
        }
    }
    const auto host = vm.api().host(id);
    if (!host) {
        throw OperationError(fmt::format("VM {} disappeared after its creation", id));
    }
    record_host(context, *host);
    context.store.set_item_status(context.item->id, store::ItemStatus::active);
    context.result.add("vm_id", std::to_string(id));
    context.result.add("ip", context.item_params.get_or("ip", ""));
}

} // namespace pm::vmmgr6
