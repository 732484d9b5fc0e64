// Bringing an existing VM to a state, and waiting until it is there (ovirt.md §5.2-§5.7, §11
// "every step checks state before acting"). Each function reads the VM, acts only when its
// status asks for it, and polls (ServiceConnection::wait_until, within the operation
// deadline) until the VM is where it should be; a rerun after a kill at any point therefore
// picks up where the engine stands. The engine's 409 for "already so" (VM is running, VM is
// not running) is success; a 409 for "locked" (an operation of its own under way) is waited
// out. A status from which the wanted one cannot come (§5.2: unassigned; not_responding or
// unknown for a start) is an OperationError at once, never a wait until the deadline.
#pragma once

#include <chrono>
#include <string>

#include "pmovirt/api/body.hpp"
#include "pmovirt/api/types.hpp"
#include "pmovirt/vm/connection.hpp"

namespace pm::ovirt {

struct PowerRequest {
    const Connection& engine;
    std::string vm_id;
    std::string vm_name;        // for messages
    std::string correlation_id; // of every action sent (§4.3)
    // What each `start` carries: none by default (a first run applies the stored
    // initialization by itself); a forced cloud-init or sysprep run for a new password.
    api::StartOptions start = {};
};

// Until `down`: a running VM gets an ACPI `shutdown`; when it is not down after `grace` (the
// guest may ignore ACPI, §5.6) or cannot take a shutdown (paused, not responding, suspended),
// a power-off `stop`. A grace of 0 powers off at once. Returns the VM as last read (down).
api::Vm power_off(const PowerRequest& request, std::chrono::seconds grace);
// Until `up`: `start` from down, suspended (restored, §5.6) or paused. Returns the VM (up).
api::Vm power_on(const PowerRequest& request);
// A `reboot` of a VM that is up, then until `up` again; a VM that is down, suspended or
// paused is started instead, and a reboot already under way (reboot_in_progress) is waited
// for, not repeated. Returns the VM (up).
api::Vm restart(const PowerRequest& request);
// Until the engine answers 404 for the VM (§5.7: a deleted VM stays visible, its name taken,
// until its disks are removed): powered off first when running, a create or a delete under
// way (image_locked) waited for, then `DELETE`. A VM already gone is success.
void remove(const PowerRequest& request);
// `PUT VM` with `update` until the engine took it: a 409 "locked" (an operation of the engine's
// own) is sent again at the next poll; any other refusal is an OperationError "oVirt refused
// to give VM <name> <what>: <the engine's words>". `what` also names the wait, e.g. "its new
// resources".
void update(const PowerRequest& request, const api::VmUpdate& update, std::string_view what);

} // namespace pm::ovirt
