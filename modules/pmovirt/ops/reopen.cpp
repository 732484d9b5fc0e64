// reopen: the item's VM made anew from its template (the item's `os`, newest version) under
// the same name and address (DESIGN §13; ovirt.md §11 "Reinstall": stop → DELETE → until 404
// → create again; the name is free only once the old VM is gone, §5.7). Never two VMs, and
// never the new VM deleted by a rerun: the item param `reopen` says how far the operation got,
// keyed by its running operation:
//   "<op>:<old vm id>"  the VM to delete, saved before anything is asked of the engine;
//   "<op>:gone"         the old VM is gone (or there was none): the VM found now is the new one;
//   "<op>:done"         the new VM is up: a rerun of this operation only reports it.
// A marker of another operation (an earlier reopen) is started over: a new reinstall; so is
// "0:done", the mark of a run by hand without a running operation.
// The new VM is made exactly as open makes it (ops/provision.hpp: the same create body,
// cloud-init with the item's current password, disk growth and start), with the item's leased
// address (its own lease first, so the same one).
#include <fmt/format.h>

#include "pm/item_param.hpp"
#include "pm/log.hpp"

#include "pmovirt/ops/commands.hpp"
#include "pmovirt/vm/item.hpp"
#include "pmovirt/vm/power.hpp"
#include "pmovirt/vm/provision.hpp"

namespace pm::ovirt {
namespace {

constexpr const char* k_marker = "reopen";
constexpr std::string_view k_gone = "gone";
constexpr std::string_view k_done = "done";

// This operation's phase from the marker: "" when the marker is another operation's or none.
std::string phase(const Context& context, const std::string& key) {
    const auto marker = context.item_params.get_or(k_marker, "");
    const auto prefix = key + ":";
    return marker.rfind(prefix, 0) == 0 ? marker.substr(prefix.size()) : std::string();
}

std::string operation_key(const Context& context) {
    return context.operation ? std::to_string(context.operation->id.value()) : "0";
}

} // namespace

void reopen(Context& context) {
    const Connection engine(context);
    const auto key = operation_key(context);
    const auto ip = lease_address(context);
    auto step = phase(context, key);
    if (!context.operation && step == k_done) {
        step.clear(); // run by hand without a running operation: every run reinstalls
    }
    if (step.empty()) {
        const auto old = find_item_vm(context, engine);
        step = old ? old->id : std::string(k_gone);
        save_item_param(context, k_marker, key + ":" + step);
    }
    if (step != k_gone && step != k_done) {
        log::info("reopen of item {}: deleting its VM {}", context.item->id.value(), step);
        remove({engine, step, item_vm_name(context.item->id), item_correlation_id(context)});
        erase_item_param(context, "vm_id");
        save_item_param(context, k_marker, fmt::format("{}:{}", key, k_gone));
        step = k_gone;
    }
    const auto vm = provision(context, engine, ip);
    if (step != k_done) {
        save_item_param(context, k_marker, fmt::format("{}:{}", key, k_done));
    }
    log::info("VM {} ({}) made anew from template {}", vm.name, vm.id,
              context.item_params.get_or("os", ""));
    record_vm(context, vm);
    context.store.set_item_status(context.item->id, store::ItemStatus::active);
    context.result.add("vm_id", vm.id);
    context.result.add("ip", ip);
    context.result.add("state", context.item_params.get_or("state", ""));
}

} // namespace pm::ovirt
