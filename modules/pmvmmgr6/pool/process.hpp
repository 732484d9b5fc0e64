// The pool of pre-created servers (DESIGN §11), the module-wide job of pmvmmgr6: see
// pool/process.cpp.
#pragma once

#include "pm/context.hpp"

namespace pm::vmmgr6 {

void pool_process(Context& context);

} // namespace pm::vmmgr6
