// `features`: what a module serves, its parameters and its commands (DESIGN §3).
#pragma once

#include "pm/module.hpp"
#include "pm/output.hpp"

namespace pm {

// <itemtypes>, <params> (secrets crypted="yes") and <features> with every command.
[[nodiscard]] Result features_result(const ModuleSpec& spec);

} // namespace pm
