// open: the customer's VMmanager account, then a server from the pool (pool/backend) or a new
// VM, then its addresses (issue 3 §2, DESIGN §11). Resumable at every step: the account id and
// the VM id are saved as soon as VMmanager returns them, a VM whose id was lost (killed between
// the create and the save) is found again by its comment "pm item <id>" before anything is
// created, and a pool server claimed by an earlier attempt is taken over to the end.
#include <fmt/format.h>

#include "pm/console.hpp"
#include "pm/errors.hpp"
#include "pm/item_param.hpp"
#include "pm/log.hpp"

#include "pmvmmgr6/ops/commands.hpp"
#include "pmvmmgr6/pool/backend.hpp"
#include "pmvmmgr6/vm/create.hpp"
#include "pmvmmgr6/vm/item.hpp"

namespace pm::vmmgr6 {
namespace {

std::int64_t ensure_account(Context& context, const Connection& vm) {
    if (const auto saved = context.item_params.get_int("vm_account_id")) {
        return *saved;
    }
    const auto id = vm_user(context, vm, context.item->account_id);
    save_item_param(context, "vm_account_id", std::to_string(id));
    return id;
}

// The id of the VM an earlier attempt created, once it has settled. One left `failed` (its
// host_create task failed) is deleted, so that this attempt creates a new one instead of
// failing forever.
std::optional<std::int64_t> earlier_vm(Context& context, const Connection& vm) {
    const auto found = find_created_host(context, vm);
    if (!found) {
        return std::nullopt;
    }
    const std::int64_t id = found->id;
    log::info("item {} already has VM {} ({}): resuming", context.item->id, id, found->state);
    const auto settled = wait_settled(vm, id);
    if (settled && settled->state != host_states::failed) {
        // The ordered recipe runs after host_create: a rerun waits for it too.
        vm.wait(saved_recipe_tasks(context));
        forget_recipe_tasks(context);
        return id;
    }
    if (settled) {
        log::warn("VM {} failed to install in an earlier attempt: deleting it to start over", id);
        delete_and_wait(vm, id);
    }
    erase_item_param(context, "vm_id");
    forget_recipe_tasks(context);
    return std::nullopt;
}

void create_vm(Context& context, const Connection& vm, std::int64_t account) {
    std::int64_t id = 0;
    if (const auto existing = earlier_vm(context, vm)) {
        id = *existing;
    } else {
        const auto created = start_create(context, vm, account);
        id = created.id;
        // Only a task the reply names is waited for (a 0 / null / absent one is none); the VM's
        // state settles the rest.
        if (created.task) {
            vm.wait(*created.task);
        }
        if (!created.recipe_tasks.empty() || !created.task) {
            // The recipe runs once the VM is created; without a task, the state tells.
            if (!wait_settled(vm, id)) {
                throw OperationError(fmt::format("VM {} disappeared after its creation", id));
            }
            vm.wait(created.recipe_tasks);
            forget_recipe_tasks(context);
        }
    }
    record_host(context, wait_addressed(vm, id));
    context.store.transaction([&] {
        context.store.set_item_status(context.item->id, store::ItemStatus::active);
        context.store.record_served(context.item->id, store::Served::cold);
    });
}

// The console agent (DESIGN §14): console_agent_recipe run on the new VM with the customer's
// registration settings. Like the add-on's console steps, trouble here is a warning: the VPS
// works without it.
void install_console_agent(Context& context, const Connection& vm) {
    const auto agent = console::agent(context);
    const auto recipe = context.module_params.get_int("console_agent_recipe");
    const auto id = context.item_params.get_int("vm_id");
    if (!agent || !recipe || !id || context.item_params.contains("console_agent")) {
        return;
    }
    try {
        const auto tasks = vm.api().run_recipe(
            *id, *recipe,
            {{"CONSOLE_SERVER", agent->server_active}, {"CONSOLE_METADATA", agent->metadata}});
        vm.wait(tasks);
        save_item_param(context, "console_agent", "installed");
    } catch (const StoreError&) {
        throw;
    } catch (const Error& e) {
        log::warn("VM {}: console agent recipe {} failed: {}", *id, *recipe, e.what());
    }
}

} // namespace

void open(Context& context) {
    if (context.item->status == store::ItemStatus::pool) {
        throw OperationError(fmt::format("item {} is a server of the pool: pool_process builds it, "
                                         "and an order's open takes it over",
                                         context.item->id));
    }
    const Connection vm(context);
    const auto account = ensure_account(context, vm);
    if (const auto server = pool::take_from_pool(context, vm, account)) {
        context.result.add("pool_server", fmt::format("{}", *server));
    } else {
        create_vm(context, vm, account);
    }
    console::on_open(context);
    install_console_agent(context, vm);
    context.result.add("vm_id", context.item_params.get_or("vm_id", ""));
    context.result.add("ip", context.item_params.get_or("ip", ""));
}

} // namespace pm::vmmgr6
