#include "pmvmmgr6/vm/create.hpp"

#include <chrono>
#include <functional>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pm/create.hpp"
#include "pm/errors.hpp"
#include "pm/item_param.hpp"
#include "pm/log.hpp"
#include "pm/password.hpp"
#include "pm/redact.hpp"

#include "pmvmmgr6/vm/item.hpp"

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
    spec.name = item_vm_name(context.item->id);
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
    const auto& email = account->email;
    const std::function<std::optional<std::int64_t>()> find = [&] {
        return vm.api().find_account(email);
    };
    const std::function<std::int64_t()> create = [&] {
        try {
            const auto id = vm.api().create_account(email, random_password());
            log::info("created VMmanager user {} for {}", id, email);
            return id;
        } catch (const ApiError& e) {
            // Another operation of the same customer may have created it a moment ago.
            if (dynamic_cast<const AuthError*>(&e) == nullptr && !is_ambiguous(e)) {
                if (const auto id = find()) {
                    return *id;
                }
            }
            throw;
        }
    };
    // PROBE D1: an unclear answer to the create is followed by a lookup, never a blind repeat.
    return create_once<std::int64_t>(fmt::format("VMmanager user {}", email), context.deadline,
                                     find, create);
}

std::vector<api::TaskRef> saved_tasks(const Context& context, std::string_view param) {
    std::vector<api::TaskRef> tasks;
    for (const auto& id : context.item_params.get_list(param)) {
        if (const auto consul_id = parse_int(id); consul_id && *consul_id > 0) {
            tasks.push_back(api::TaskRef{*consul_id, {}});
        }
    }
    return tasks;
}

std::string task_ids(const std::vector<api::TaskRef>& tasks) {
    std::vector<std::string> ids;
    for (const auto& task : tasks) {
        ids.push_back(std::to_string(task.consul_id));
    }
    return fmt::format("{}", fmt::join(ids, ","));
}

std::vector<api::TaskRef> saved_recipe_tasks(const Context& context) {
    return saved_tasks(context, k_recipe_tasks_param);
}

void forget_recipe_tasks(Context& context) {
    erase_item_param(context, k_recipe_tasks_param);
}

namespace {

void forget_create_sent(Context& context) {
    erase_item_param(context, k_create_sent_param);
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

std::optional<api::Host> find_created_host(Context& context, const Connection& vm) {
    if (auto host = find_item_host(context, vm)) {
        return host;
    }
    const auto sent = context.item_params.get_int(k_create_sent_param);
    if (!sent) {
        return std::nullopt;
    }
    const auto until = *sent + vm.task_appear().count();
    if (unix_now() >= until) {
        return std::nullopt;
    }
    log::info("item {}: the create sent at {} may still reach VMmanager: waiting for its VM",
              context.item->id, *sent);
    std::optional<api::Host> found;
    vm.wait_until(fmt::format("the VM of item {} to show", context.item->id), [&] {
        const auto hosts = marked_hosts(vm, context.item->id);
        if (!hosts.empty()) {
            found = hosts.front();
        }
        return found || unix_now() >= until;
    });
    if (found) {
        log::info("found VM {} of item {} by its name", found->id, context.item->id);
        save_item_param(context, "vm_id", std::to_string(found->id));
        forget_create_sent(context);
    }
    return found;
}

api::Created start_create(Context& context, const Connection& vm, std::int64_t owner) {
    const auto spec = create_spec(context, vm, owner);
    const auto item = context.item->id;
    // Every caller has just looked the VM up by its name: the first lookup is theirs.
    bool looked = true;
    const std::function<std::optional<api::Created>()> find = [&]() -> std::optional<api::Created> {
        if (std::exchange(looked, false)) {
            return std::nullopt;
        }
        const auto hosts = marked_hosts(vm, item);
        if (hosts.empty()) {
            return std::nullopt;
        }
        // Made by the create whose answer was unclear: its tasks are unknown, its state is
        // what the caller waits for.
        return api::Created{hosts.front().id, std::nullopt, {}};
    };
    const std::function<api::Created()> create = [&] { return vm.api().create_host(spec); };
    // Marked before the first request leaves: a run killed while it is in flight tells the
    // rerun to look for a VM that may still show (find_created_host).
    save_item_param(context, k_create_sent_param, std::to_string(unix_now()));
    std::optional<api::Created> answered;
    try {
        // PROBE D1: an unclear answer to the create is followed by a lookup by the VM's name.
        answered = create_once<api::Created>(fmt::format("VM {}", spec.name), context.deadline,
                                             find, create);
    } catch (const ApiError& e) {
        if (!is_ambiguous(e)) {
            forget_create_sent(context); // refused: nothing will show
        }
        throw;
    }
    const auto& created = *answered;
    ParamMap saved{{"vm_id", std::to_string(created.id)}};
    if (!created.recipe_tasks.empty()) {
        saved.emplace(std::string(k_recipe_tasks_param), task_ids(created.recipe_tasks));
    }
    save_item_params(context, saved, {k_create_sent_param});
    log::info("created VM {} for item {}", created.id, item);
    return created;
}

} // namespace pm::vmmgr6
