// The pmvmmgr6 commands (DESIGN §3, issue 3 §2), each a handler over the Context. They throw
// on failure; the common runner records the outcome.
#pragma once

#include "pm/context.hpp"

namespace pm::vmmgr6 {

void check_connection(Context& context);
void open(Context& context);
void close(Context& context);
void suspend(Context& context);
void resume(Context& context);
void reboot(Context& context);
void setparam(Context& context);
void reopen(Context& context);
void change_password(Context& context);
// Refreshes state and IPs. A VM gone from VMmanager sets the item `deleted` and its `state`
// param `deleted`, and is reported in the result (<gone/>); it is not an error.
void sync_item(Context& context);

} // namespace pm::vmmgr6
