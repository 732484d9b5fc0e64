// pmopenstack: Virtual Data Centers on OpenStack.
#pragma once

#include "pm/module.hpp"

namespace pm::openstack {

// The module as the common runner sees it: parameters and commands.
[[nodiscard]] ModuleSpec module_spec();

} // namespace pm::openstack
