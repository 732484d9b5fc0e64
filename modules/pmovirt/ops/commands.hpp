// pmovirt's commands (DESIGN §3, §13), one function each, run by the common runner.
#pragma once

#include "pm/context.hpp"

namespace pm::ovirt {

void check_connection(Context& context);
// open: an address leased from ipv4_range, the VM created from the newest version of the
// template `os` with the ordered resources and cloud-init, its boot disk grown, started and
// up; item active.
void open(Context& context);
// suspend: the VM shut down (ACPI, then a power-off after shutdown_timeout), item suspended.
void suspend(Context& context);
// resume: the VM started and up, item active.
void resume(Context& context);
// reboot: the VM rebooted (started when it was down) and up again.
void reboot(Context& context);
// close: the VM powered off, deleted and gone (a VM already gone is success), item closed.
void close(Context& context);
// sync_item: the VM's engine status as the item's state; a VM gone marks the item deleted.
void sync_item(Context& context);

// setparam: the VM brought to the ordered CPUs, memory and (grow only) disk while it is down,
// started again when it ran.
void setparam(Context& context);
// change_password: the item's password delivered by cloud-init (sysprep) on a restart, stored
// in the VM's initialization for later first runs.
void change_password(Context& context);
// reopen: the VM deleted and made anew from its template, same name and address.
void reopen(Context& context);

} // namespace pm::ovirt
