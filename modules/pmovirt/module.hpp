// pmovirt: VPS on oVirt from templates (DESIGN §13).
#pragma once

#include "pm/module.hpp"

namespace pm::ovirt {

// The module as the common runner sees it: parameters and commands.
[[nodiscard]] ModuleSpec module_spec();

} // namespace pm::ovirt
