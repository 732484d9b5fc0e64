// The pmopenstack commands (DESIGN §3, issue 4 §2), each a handler over the Context. They
// throw on failure; the common runner records the outcome.
#pragma once

#include "pm/context.hpp"

namespace pm::openstack {

void check_connection(Context& context);
void open(Context& context);
void close(Context& context);
void suspend(Context& context);
void resume(Context& context);
void setparam(Context& context);

void vdc_vm_open(Context& context);
void vdc_vm_close(Context& context);
void vdc_volume_open(Context& context);
void vdc_volume_close(Context& context);
void vdc_network_open(Context& context);
void vdc_network_close(Context& context);
void vdc_router_open(Context& context);
void vdc_router_close(Context& context);
void vdc_router_interface_open(Context& context);
void vdc_router_interface_close(Context& context);
void vdc_loadbalancer_open(Context& context);
void vdc_loadbalancer_close(Context& context);

void vdc_stat(Context& context);

} // namespace pm::openstack
