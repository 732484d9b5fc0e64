// pmvmmgr6: VPS on an ISPsystem VMmanager 6 cluster.
#pragma once

#include "pm/module.hpp"

namespace pm::vmmgr6 {

// The module as the common runner sees it: parameters and commands.
[[nodiscard]] ModuleSpec module_spec();

} // namespace pm::vmmgr6
