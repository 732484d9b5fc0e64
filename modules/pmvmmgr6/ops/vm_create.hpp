// Creating an item's VM, shared by open (a customer's order) and pool_process (a pool server):
// the VMmanager user that owns it, the create request built from the tariff and the item, and
// the VM id saved the moment VMmanager returns it.
#pragma once

#include <cstdint>
#include <string>

#include "pm/context.hpp"

#include "api/types.hpp"
#include "ops/connection.hpp"

namespace pm::vmmgr6 {

// The VMmanager user of billing account `account`: found by the account's email, else created
// with role @user and a random password that is never stored (a concurrent creation of the same
// user is tolerated). ConfigError when the account is missing or has no email.
[[nodiscard]] std::int64_t vm_user(const Context& context, const Connection& vm, AccountId account);

// Sends the create of the item's VM (name pm-item-<id>, comment `pm item <id>`), owned by
// VMmanager user `owner`, with the item's os, password, domain and recipe and the resources of
// wanted_resources(); saves vm_id at once. Does not wait for the task.
[[nodiscard]] api::Created start_create(Context& context, const Connection& vm, std::int64_t owner);

} // namespace pm::vmmgr6
