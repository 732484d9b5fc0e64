// Deleting OpenStack objects and waiting until they are gone — shared by the vdc_*_close
// commands and by close, which empties a whole project. Every function treats "already
// gone" as success and waits within the operation deadline.
#pragma once

#include <string>

#include "pmopenstack/ops/connection.hpp"

namespace pm::openstack {

void remove_loadbalancer(Connection& os, const std::string& id);
void remove_server(Connection& os, const std::string& id);
// Waits for a volume in a transitional state (creating, attaching, detaching…) first.
void remove_volume(Connection& os, const std::string& id);
// Removes the router's interface on `subnet`.
void remove_interface(Connection& os, const std::string& router, const std::string& subnet);
// OperationError naming the interfaces when some are still attached (409).
void remove_router(Connection& os, const std::string& id);
// The network with its subnets. `project_ports` also removes leftover ports of the
// project on it (a whole-VDC close); otherwise a network in use is an OperationError.
enum class LeftoverPorts { keep, remove };
void remove_network(Connection& os, const std::string& id, LeftoverPorts leftovers);

} // namespace pm::openstack
