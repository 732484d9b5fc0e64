// One of the API simulators of tests/sim (`scripts/sim <name>`), on a free port of 127.0.0.1
// for the lifetime of the object, with a plain HTTP call for its control endpoints.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/process.hpp"

namespace pm::test {

class Simulator {
public:
    // Starts `scripts/sim <name> <args…>` and waits (20 s at most) for its "listening on" line.
    Simulator(std::string_view name, const std::vector<std::string>& args);
    ~Simulator(); // SIGTERM, then waits
    Simulator(const Simulator&) = delete;
    Simulator& operator=(const Simulator&) = delete;

    [[nodiscard]] int port() const { return m_port; }
    [[nodiscard]] std::string url() const;
    // The reply body; std::runtime_error on a transport failure or a non-2xx status.
    [[nodiscard]] std::string call(std::string_view method, std::string_view path,
                                   std::string_view body) const;

private:
    TempDir m_dir;
    std::optional<Process> m_process;
    int m_port = 0;
};

// `args` followed by the words of the environment variable `variable` (split on spaces), so
// that ctest can run the same tests under a simulator's variant knobs (PM_VMMGR6_SIM_ARGS,
// PM_OPENSTACK_SIM_ARGS, PM_OVIRT_SIM_ARGS). A value is printed once per process and variable:
// a failure's output names the variant to replay.
std::vector<std::string> with_env_args(std::vector<std::string> args, const char* variable);

} // namespace pm::test
