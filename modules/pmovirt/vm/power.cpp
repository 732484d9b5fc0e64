#include "pmovirt/vm/power.hpp"

#include <optional>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/log.hpp"

#include "pmovirt/api/body.hpp"
#include "pmovirt/api/parse.hpp"

namespace pm::ovirt {
namespace {

using api::Action;
using api::FaultKind;
using api::VmStatus;
using Clock = std::chrono::steady_clock;

// Starts sent before a VM that keeps falling back to down is given up on (a start the engine
// took, then a boot that failed: no host, a guest that powers itself off).
constexpr int k_max_starts = 3;

enum class Sent { taken, retry };

[[noreturn]] void gone(const PowerRequest& r, std::string_view doing) {
    throw OperationError(
        fmt::format("VM {} ({}) disappeared from oVirt while {}", r.vm_name, r.vm_id, doing));
}

[[noreturn]] void impossible(const PowerRequest& r, const api::Vm& vm, std::string_view wanted) {
    throw OperationError(fmt::format(
        "VM {} is {} in oVirt: it cannot be {} from that status (the engine or its host must "
        "recover it first)",
        r.vm_name, vm.status_text.empty() ? api::to_string(vm.status) : vm.status_text, wanted));
}

api::Vm read(const PowerRequest& r, std::string_view doing) {
    auto vm = r.engine.api().vm(r.vm_id);
    if (!vm) {
        gone(r, doing);
    }
    return *vm;
}

// Sends `action`. Taken: the engine did it, answered that the VM is already so (`already`),
// or does not know the VM (the next read tells what that means). Retry: the VM is locked by an
// operation of the engine's own, or (`retry_too`) in a status that changed under us. Any other
// refusal is an OperationError with the engine's words.
Sent send(const PowerRequest& r, Action action, std::optional<FaultKind> already,
          std::optional<FaultKind> retry_too = std::nullopt) {
    const auto body = action == Action::start ? api::start_body(r.start) : api::action_body();
    const auto outcome = r.engine.api().act(r.vm_id, action, body, r.correlation_id);
    if (outcome.done) {
        log::info("VM {}: {} accepted", r.vm_name, api::to_string(action));
        return Sent::taken;
    }
    if (outcome.refusal == already || outcome.refusal == FaultKind::not_found) {
        log::info("VM {}: {} not needed ({})", r.vm_name, api::to_string(action), outcome.message);
        return Sent::taken;
    }
    if (outcome.refusal == FaultKind::locked || outcome.refusal == retry_too) {
        log::info("VM {}: {} refused for now ({}): trying again", r.vm_name, api::to_string(action),
                  outcome.message);
        return Sent::retry;
    }
    throw OperationError(fmt::format("oVirt refused to {} VM {}: {}", api::to_string(action),
                                     r.vm_name, outcome.message));
}

bool stop(const PowerRequest& r) {
    return send(r, Action::stop, FaultKind::vm_not_running) == Sent::taken;
}

bool start(const PowerRequest& r) {
    return send(r, Action::start, FaultKind::vm_running) == Sent::taken;
}

bool is_problem(VmStatus status) {
    return status == VmStatus::unassigned || status == VmStatus::unrecognised ||
           status == VmStatus::not_responding || status == VmStatus::unknown;
}

// A status that is on its way somewhere by itself (§5.2).
bool is_transition(VmStatus status) {
    switch (status) {
    case VmStatus::image_locked:
    case VmStatus::wait_for_launch:
    case VmStatus::powering_up:
    case VmStatus::powering_down:
    case VmStatus::reboot_in_progress:
    case VmStatus::saving_state:
    case VmStatus::restoring_state:
    case VmStatus::migrating:
        return true;
    default:
        return false;
    }
}

} // namespace

api::Vm power_off(const PowerRequest& r, std::chrono::seconds grace) {
    const auto acpi_until = Clock::now() + grace;
    bool shutdown_sent = false;
    bool stop_sent = false;
    api::Vm vm;
    r.engine.service().wait_until(fmt::format("VM {} to be down", r.vm_name), [&] {
        vm = read(r, "it was being shut down");
        const bool late = Clock::now() >= acpi_until;
        switch (vm.status) {
        case VmStatus::down:
            return true;
        case VmStatus::up:
            if (!late && !shutdown_sent) {
                shutdown_sent = send(r, Action::shutdown, FaultKind::vm_not_running) == Sent::taken;
            } else if (late) {
                log::info("VM {} is still up {} s after its shutdown (shutdown_timeout): "
                          "powering it off",
                          r.vm_name, grace.count());
                stop_sent = stop(r);
            }
            return false;
        case VmStatus::unassigned:
        case VmStatus::unrecognised:
            impossible(r, vm, "shut down");
        case VmStatus::suspended: // a shutdown needs a running guest: these get a power-off
        case VmStatus::paused:
        case VmStatus::not_responding:
        case VmStatus::unknown:
            stop_sent = stop_sent || stop(r);
            return false;
        default: // on its way: a power-off only once ACPI had its time
            if (late && !stop_sent && vm.status != VmStatus::image_locked &&
                vm.status != VmStatus::saving_state && vm.status != VmStatus::restoring_state) {
                stop_sent = stop(r);
            }
            return false;
        }
    });
    return vm;
}

api::Vm power_on(const PowerRequest& r) {
    int starts = 0;
    api::Vm vm;
    r.engine.service().wait_until(fmt::format("VM {} to be up", r.vm_name), [&] {
        vm = read(r, "it was being started");
        if (vm.status == VmStatus::up) {
            return true;
        }
        if (is_problem(vm.status)) {
            impossible(r, vm, "started");
        }
        if (is_transition(vm.status)) {
            return false;
        }
        if (starts == k_max_starts) { // down, suspended or paused again after our starts
            throw OperationError(fmt::format("VM {} is {} again after {} starts: see the engine's "
                                             "events for why it does not run",
                                             r.vm_name, vm.status_text, starts));
        }
        starts += start(r) ? 1 : 0;
        return false;
    });
    return vm;
}

api::Vm restart(const PowerRequest& r) {
    bool booted = false;
    api::Vm vm;
    r.engine.service().wait_until(fmt::format("VM {} to be up after its reboot", r.vm_name), [&] {
        vm = read(r, "it was being rebooted");
        if (vm.status == VmStatus::up) {
            if (booted) {
                return true;
            }
            booted =
                send(r, Action::reboot, std::nullopt, FaultKind::vm_not_running) == Sent::taken;
            return false;
        }
        if (is_problem(vm.status)) {
            impossible(r, vm, "rebooted");
        }
        if (vm.status == VmStatus::reboot_in_progress) {
            booted = true; // a reboot under way (a rerun after a kill): not repeated
        } else if (!is_transition(vm.status)) {
            booted = start(r) || booted; // down, suspended, paused: a start is a boot
        }
        return false;
    });
    return vm;
}

void remove(const PowerRequest& r) {
    bool stop_sent = false;
    r.engine.service().wait_until(fmt::format("VM {} to be deleted", r.vm_name), [&] {
        const auto vm = r.engine.api().vm(r.vm_id);
        if (!vm) {
            return true;
        }
        switch (vm->status) {
        case VmStatus::down:
        case VmStatus::unassigned: {
            const auto outcome = r.engine.api().remove_vm(r.vm_id, r.correlation_id);
            if (outcome.done) {
                log::info("VM {}: delete accepted", r.vm_name);
            } else if (outcome.refusal == FaultKind::not_found) {
                return true;
            } else if (outcome.refusal != FaultKind::locked &&
                       outcome.refusal != FaultKind::vm_running) {
                throw OperationError(
                    fmt::format("oVirt refused to delete VM {}: {}", r.vm_name, outcome.message));
            }
            return false;
        }
        case VmStatus::image_locked: // a create or a delete under way
        case VmStatus::saving_state:
        case VmStatus::restoring_state:
            return false;
        case VmStatus::up:
            stop_sent = stop(r);
            return false;
        default: // powering down, starting, suspended, paused, not responding…: powered off
            stop_sent = stop_sent || stop(r);
            return false;
        }
    });
    log::info("VM {} ({}) deleted", r.vm_name, r.vm_id);
}

void update(const PowerRequest& r, const api::VmUpdate& update, std::string_view what) {
    const auto body = api::vm_update_body(update);
    r.engine.service().wait_until(fmt::format("VM {} to take {}", r.vm_name, what), [&] {
        const auto outcome = r.engine.api().update_vm(r.vm_id, body, r.correlation_id);
        if (outcome.done) {
            return true;
        }
        if (outcome.refusal == FaultKind::locked) {
            return false;
        }
        throw OperationError(
            fmt::format("oVirt refused to give VM {} {}: {}", r.vm_name, what, outcome.message));
    });
}

} // namespace pm::ovirt
