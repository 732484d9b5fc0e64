// The VDC object a vdc_* command works on (DESIGN §5): its params, its remote id
// (vdcobject.external_id, saved the moment OpenStack returns it) and the objects it refers
// to (a VM's network, an interface's router…).
#pragma once

#include <string>
#include <string_view>

#include "pm/context.hpp"
#include "pm/params.hpp"

namespace pm::openstack {

[[nodiscard]] Params object_params(const Context& context);
// The name given to the remote object: param `name`, else the object's name, else
// "<type>-<object id>".
[[nodiscard]] std::string remote_name(const Context& context);
// The saved remote id ("" when none).
[[nodiscard]] const std::string& external_id(const Context& context);
void save_external_id(Context& context, std::string_view id);
void save_object_param(Context& context, std::string_view name, std::string_view value);
void set_object_status(Context& context, store::ObjectStatus status);

// The object named by the id in param `param`: of the same VDC, of type `type`, opened
// (with an external id). OperationError otherwise.
[[nodiscard]] store::VdcObject referenced_object(const Context& context, std::string_view param,
                                                 std::string_view type);
// A param of another object; OperationError naming both when absent.
[[nodiscard]] std::string referenced_param(const Context& context, const store::VdcObject& object,
                                           std::string_view name);

} // namespace pm::openstack
