// Decoding the engine's answers that are not a success (../shared/api/ovirt.md §2.1, §3.3,
// §3.5, §12 pitfall 3): whatever the body (a bare CRUD fault, an action with a nested fault,
// an SSO error, an HTML page, nothing at all, or garbage), decode_error returns a message,
// never throws. Decisions rest on the HTTP status and the message text, as go-ovirt-client does.
#pragma once

#include <string>
#include <string_view>

namespace pm::ovirt::api {

// What a failure means to pmovirt's operations, from the status and the engine's text (§3.5).
enum class FaultKind {
    other,
    auth,           // 401, or an SSO error: log in again (once)
    forbidden,      // 403: a missing permission, which a new login does not cure
    not_found,      // 404 (empty body for a missing entity, or "Entity not found")
    name_in_use,    // 409 "The VM name is already in use": adopt the VM of that name (§11)
    locked,         // 409 VM/disk/template locked, related operation in progress: retry later
    vm_running,     // 409 "VM is running": a start already done, a remove too early
    vm_not_running, // 409 "VM is not running" / "VM is not up": a stop already done
    storage_low,    // 409 "Low disk space on Storage Domain"
    quota,          // 409 quota exceeded
    no_host,        // 409 no host satisfies the scheduling constraints
    disk_too_small, // 400 "New disk size must be larger than the current disk size"
    bad_request,    // any other 400
};

struct DecodedError {
    std::string message;  // one line, masked and cut: safe for logs and the store
    std::string code;     // the fault's reason ("Operation Failed"), the SSO error code
                          // ("access_denied", "invalid_grant"), else ""
    bool is_auth = false; // a new token may cure it (401, SSO errors)
    long status = 0;
    FaultKind kind = FaultKind::other;
};

[[nodiscard]] DecodedError decode_error(long status, std::string_view body);
[[nodiscard]] const char* to_string(FaultKind kind);

// `POST /vms` succeeded: 202 with image_locked from a template with disks (§4.1 [I]), 201
// after `Expect: 201-created` or without tasks, 200 accepted by the SDKs (§13): any of them.
[[nodiscard]] bool create_accepted(long status);

} // namespace pm::ovirt::api
