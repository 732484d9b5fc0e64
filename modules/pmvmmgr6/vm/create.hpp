// Creating an item's VM, shared by open (a customer's order) and pool_process (a pool server):
// the VMmanager user that owns it, the create request built from the tariff and the item, and
// the VM id saved the moment VMmanager returns it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pm/context.hpp"

#include "pmvmmgr6/api/types.hpp"
#include "pmvmmgr6/vm/connection.hpp"

namespace pm::vmmgr6 {

// The VMmanager user of billing account `account`: found by the account's email, else created
// with role @user and a random password that is never stored (a concurrent creation of the same
// user is tolerated). ConfigError when the account is missing or has no email.
[[nodiscard]] std::int64_t vm_user(const Context& context, const Connection& vm, AccountId account);

// Sends the create of the item's VM (name pm-item-<id>, comment `pm item <id>`), owned by
// VMmanager user `owner`, with the item's os, password, domain and recipe and the resources of
// wanted_resources(); saves vm_id (and the ordered recipe's task ids) at once. Does not wait for
// the tasks. An unclear answer (5xx, 429, no answer) is followed by a lookup by the comment
// before any new create (pm::create_once); a VM found so has no tasks in the result. The
// caller must have looked the VM up by its name (find_item_host) just before.
[[nodiscard]] api::Created start_create(Context& context, const Connection& vm, std::int64_t owner);

// The item's VM as find_item_host finds it; when there is none but a create was sent for the
// item and its answer never arrived (the run was killed with the request in flight), VMmanager
// may still act on that request after this lookup: the VM's name is polled until
// task_appear_s after the create was sent before the item is said to have no VM. Both open and
// pool_process look here before they create.
[[nodiscard]] std::optional<api::Host> find_created_host(Context& context, const Connection& vm);

// Item param: when the item's create was sent (Unix seconds); erased once its answer is saved,
// or when VMmanager refused it.
inline constexpr std::string_view k_create_sent_param = "vm_create_sent";

// Item param: the consul ids of the ordered recipe's tasks, saved with vm_id, so that a rerun
// waits for the recipe; erased once it has finished.
inline constexpr std::string_view k_recipe_tasks_param = "vm_recipe_tasks";
[[nodiscard]] std::vector<api::TaskRef> saved_recipe_tasks(const Context& context);
void forget_recipe_tasks(Context& context);

// Tasks kept in an item param (their consul ids, comma-separated) while they run, so that a
// rerun waits for them instead of sending their change again.
[[nodiscard]] std::vector<api::TaskRef> saved_tasks(const Context& context, std::string_view param);
[[nodiscard]] std::string task_ids(const std::vector<api::TaskRef>& tasks);

} // namespace pm::vmmgr6
