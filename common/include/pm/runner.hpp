// The common runner: every invocation of a module binary goes through run(), which parses
// the command line, loads configuration and store rows, takes the queue slot, calls the
// command, and catches every error in one place to record it, print it and pick the exit code.
#pragma once

#include "pm/module.hpp"

namespace pm {

// Runs one invocation of `spec`'s binary and returns the process exit code (DESIGN §3).
[[nodiscard]] int run(const ModuleSpec& spec, int argc, char** argv);

} // namespace pm
