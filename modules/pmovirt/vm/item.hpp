// The VM behind an item (DESIGN §5, §13): its name, unique per item and the engine's
// idempotency key; finding it by the saved vm_id, else by that name; what its engine status
// means to billing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "pm/context.hpp"
#include "pm/ids.hpp"

#include "pmovirt/api/types.hpp"
#include "pmovirt/vm/connection.hpp"

namespace pm::ovirt {

// "pm-item-<id>": the item's VM name (the same rule as pmvmmgr6's). The engine keeps names
// unique (§5.1), so a rerun finds the VM of an id that was never saved; 15 characters (the
// sysprep limit of Windows templates) hold item ids up to 9,999,999.
[[nodiscard]] std::string item_vm_name(ItemId item);
// The item's VM name for a Windows (sysprep) template, at most 15 characters (§5.1
// MaxVmNameLengthSysprep): item_vm_name() while it fits (ids up to 9,999,999), else "pm" and
// the id in base 36, lower case ("pm5yc1s" for 10,000,000; 13 digits at most for a 64-bit id,
// so 15 characters at most). One name per item, and never another item's: base 36 is one to
// one, and no such name has the hyphen every pm-item-… name has.
[[nodiscard]] std::string item_vm_short_name(ItemId item);
// The name of the item's VM made from a template of `windows` kind.
enum class GuestKind { linux_cloud_init, windows_sysprep };
[[nodiscard]] std::string item_vm_name(ItemId item, GuestKind kind);
// The kind of guest of an engine OS type (§5.4: windows_* use sysprep, the rest cloud-init).
[[nodiscard]] GuestKind guest_kind(std::string_view os_type);
// "pm-item-<id>-<command>": the Correlation-Id of the command's requests (§4.3), which the
// engine's jobs and events carry.
[[nodiscard]] std::string item_correlation_id(const Context& context);

// The item's VM: by the saved vm_id (GET /vms/{id}), else, when there is none or the engine
// answers 404, by its name (item_vm_name, then item_vm_short_name when that differs), saving
// the id found; nullopt when the engine has none of them.
[[nodiscard]] std::optional<api::Vm> find_item_vm(Context& context, const Connection& engine);
// As find_item_vm, but a missing VM is an OperationError naming the item and the VM.
[[nodiscard]] api::Vm require_item_vm(Context& context, const Connection& engine);

// What an engine status means to billing (ovirt.md §11 "Sync"), written as the item's `state`:
// active (up, powering_up, reboot_in_progress, migrating), stopped (down, powering_down),
// suspended (suspended, saving_state, restoring_state), busy (image_locked, wait_for_launch),
// problem (unknown, not_responding, paused, unassigned, and a status this build does not know).
[[nodiscard]] std::string_view billing_state(api::VmStatus status);

// Saves the VM's id and billing_state() in the item.
void record_vm(Context& context, const api::Vm& vm);

} // namespace pm::ovirt
