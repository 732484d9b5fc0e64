// `features`: what a module serves, its parameters and its commands (DESIGN §3).
#pragma once

#include <vector>

#include "pm/module.hpp"
#include "pm/output.hpp"
#include "pm/params.hpp"

namespace pm {

// <itemtypes>, <params> (secrets crypted="yes") and <features> with every command.
[[nodiscard]] Result features_result(const ModuleSpec& spec);

// Checks the values of the common params that the runner does not read itself (those the
// HTTP layer and the session cache use): ConfigError for a session_ttl that is not a positive
// number of seconds or a tls_verify that is not on/off.
void check_common_params(const Params& params);

// Checks every declared param present in `params` against its kind (ParamKind): ConfigError
// naming the param, its owner, what it expects and the bad value (never a secret's value).
void check_module_params(const std::vector<ParamSpec>& declared, const Params& params);

} // namespace pm
