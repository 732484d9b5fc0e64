#include "pmopenstack/ops/objects.hpp"

#include <fmt/format.h>

#include "pm/errors.hpp"

namespace pm::openstack {

Params object_params(const Context& context) {
    return context.store.object_params(context.object->id);
}

std::string remote_name(const Context& context) {
    if (auto name = object_params(context).get("name")) {
        return *name;
    }
    if (!context.object->name.empty()) {
        return context.object->name;
    }
    return fmt::format("{}-{}", context.object->type, context.object->id.value());
}

const std::string& external_id(const Context& context) {
    return context.object->external_id;
}

void save_external_id(Context& context, std::string_view id) {
    context.store.set_object_external_id(context.object->id, id);
    context.object->external_id = std::string(id);
}

void save_object_param(Context& context, std::string_view name, std::string_view value) {
    context.store.set_object_param(context.object->id, name, value);
}

void set_object_status(Context& context, store::ObjectStatus status) {
    context.store.set_object_status(context.object->id, status);
    context.object->status = status;
}

store::VdcObject referenced_object(const Context& context, std::string_view param,
                                   std::string_view type) {
    const auto params = object_params(context);
    const auto id = params.require_int(param);
    const auto object = context.store.find_object(ObjectId{id});
    if (!object || object->item_id != context.item->id || object->type != type) {
        throw OperationError(fmt::format("object {}: {} {} is not a {} of the same VDC",
                                         context.object->id, param, id, type));
    }
    if (object->external_id.empty() || object->status == store::ObjectStatus::closed ||
        object->status == store::ObjectStatus::deleted) {
        throw OperationError(
            fmt::format("object {}: {} {} is not open", context.object->id, type, id));
    }
    return *object;
}

std::string referenced_param(const Context& context, const store::VdcObject& object,
                             std::string_view name) {
    auto value = context.store.object_params(object.id).get(name);
    if (!value) {
        throw OperationError(fmt::format("object {}: {} {} has no {}", context.object->id,
                                         object.type, object.id, name));
    }
    return *value;
}

} // namespace pm::openstack
