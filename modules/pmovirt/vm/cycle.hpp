// A VM taken down by a command that needs it down (setparam, change_password) and started
// again afterwards, across kills. Two item params carry what a rerun must know:
// * `restart_after` ("1"): the VM was running when the command took it down; saved before
//   the shutdown, cleared once the VM is up again;
// * `init_boot` ("1"): the VM's stored initialization holds a new password, so the next start
//   pm sends forces a cloud-init (sysprep on Windows) run with it (§5.3, §5.4: the stored one
//   is applied by itself only on the first run); "sent" just before that start is sent (a
//   rerun that finds the VM booting waits for it rather than cycling it again); cleared once
//   that start has the VM up.
#pragma once

#include <chrono>

#include "pm/context.hpp"

#include "pmovirt/api/types.hpp"
#include "pmovirt/vm/connection.hpp"

namespace pm::ovirt {

inline constexpr const char* k_restart_after = "restart_after";
inline constexpr const char* k_init_boot = "init_boot";
inline constexpr const char* k_init_sent = "sent";

// A new password waits for a boot (`init_boot` "1" or "sent").
[[nodiscard]] bool init_pending(const Context& context);

// The module param shutdown_timeout: the seconds a guest gets to shut down on ACPI before it
// is powered off (default 120, 0: at once).
[[nodiscard]] std::chrono::seconds shutdown_grace(const Context& context);

// Until `vm` is down (shutdown, then a power-off after shutdown_grace); a running VM first
// gets `restart_after`. Returns the VM as read (down).
api::Vm take_down(Context& context, const Connection& engine, const api::Vm& vm);

// `start` of the item's VM until up: a plain start, or with `init_boot` a forced
// initialization run carrying the whole initialization (run-once, as ovirt.md §11 "Change
// password" recommends; a VM found running with `init_boot` "1" is taken down first: it was
// not started by pm); `init_boot` and `restart_after` are cleared once it is up.
api::Vm start_item_vm(Context& context, const Connection& engine, const api::Vm& vm);

// After a change made while down: the VM started again (start_item_vm) when `restart_after`
// says it ran before; else left down. Returns the VM as last read.
api::Vm bring_back(Context& context, const Connection& engine, const api::Vm& vm);

} // namespace pm::ovirt
