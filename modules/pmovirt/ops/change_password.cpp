// change_password: the item's `password` (written by billing before it runs the command)
// delivered through cloud-init (sysprep on Windows) on a restart (DESIGN §13; ovirt.md §11
// "Change password": there is no live password-set API). The VM is shut down (restart_after
// saved when it ran, ops/cycle.hpp), its stored `initialization` replaced with `PUT VM` (the
// whole of it, built as open builds it, with the new password: persisted, so a later reopen or
// first run uses it), `init_boot` saved, then, when it ran, started with a forced cloud-init
// run carrying that initialization (run-once, §5.3): every such boot is a new instance to the
// guest (§5.4), which sets the password again. A VM that was down stays down; the next start
// pm sends (resume, reboot, setparam) delivers the password. The password travels only in
// those request bodies (masked in the log as `root_password`), never in a URL, a message or a
// command line.
#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/item_param.hpp"
#include "pm/log.hpp"

#include "pmovirt/api/body.hpp"
#include "pmovirt/ops/commands.hpp"
#include "pmovirt/vm/cycle.hpp"
#include "pmovirt/vm/item.hpp"
#include "pmovirt/vm/power.hpp"
#include "pmovirt/vm/provision.hpp"

namespace pm::ovirt {
namespace {

// `PUT VM` `{"initialization":{…}}` until the engine took it.
void store_initialization(Context& context, const Connection& engine, const api::Vm& vm) {
    api::VmUpdate update;
    update.initialization =
        vm_initialization(context, vm.name, lease_address(context), guest_kind(vm.os_type));
    ovirt::update({engine, vm.id, vm.name, item_correlation_id(context)}, update,
                  "the initialization with its new password");
    log::info("VM {}: initialization with the new password stored", vm.name);
}

} // namespace

void change_password(Context& context) {
    const Connection engine(context);
    (void)context.item_params.require("password");
    auto vm = require_item_vm(context, engine);
    if (!init_pending(context) || context.item_params.get_or(k_restart_after, "") != "1" ||
        vm.status == api::VmStatus::down) {
        // Stored again on every run that finds the VM down: a rerun after the command was done
        // once (a second change) sends the password of now.
        vm = take_down(context, engine, vm);
        store_initialization(context, engine, vm);
        save_item_param(context, k_init_boot, "1");
    }
    vm = bring_back(context, engine, vm);
    record_vm(context, vm);
    if (init_pending(context)) {
        log::info("VM {} is down: its next start by pm delivers the new password", vm.name);
        context.result.add("delivery", "next_start");
    }
    context.result.add("state", context.item_params.get_or("state", ""));
}

} // namespace pm::ovirt
