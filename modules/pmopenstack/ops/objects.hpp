// The VDC object a vdc_* command works on (DESIGN §5): its params, its remote id
// (vdcobject.external_id, saved the moment OpenStack returns it) and the objects it refers
// to (a VM's network, an interface's router…).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "pm/context.hpp"
#include "pm/create.hpp"
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

// create_once (pm/create.hpp) for a caller that has just looked the object up and found
// nothing: the first attempt creates at once; after an ambiguous reply (a 5xx or 429 that may
// come after the service acted, a lost reply) `find` looks it up by its mark before anything
// is created again.
template <typename T>
T create_after_lookup(const Context& context, std::string_view what,
                      const std::function<std::optional<T>()>& find,
                      const std::function<T()>& create) {
    bool looked = true;
    return create_once<T>(
        what, context.deadline,
        [&]() -> std::optional<T> {
            if (looked) {
                looked = false;
                return std::nullopt;
            }
            return find();
        },
        create);
}

} // namespace pm::openstack
