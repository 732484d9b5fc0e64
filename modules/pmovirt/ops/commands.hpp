// pmovirt's commands (DESIGN §3, §13), one function each, run by the common runner.
#pragma once

#include "pm/context.hpp"

namespace pm::ovirt {

void check_connection(Context& context);

} // namespace pm::ovirt
