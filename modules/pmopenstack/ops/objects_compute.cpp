// vdc_vm_* and vdc_volume_*: Nova servers and Cinder volumes, created with a token scoped
// to the VDC's project (they land in the token's project) and marked with metadata
// pm=<object mark>, so that a rerun after a kill between the create and the save of the id
// finds them instead of creating a second one. A server or volume found in ERROR is deleted
// and created again.
#include <fmt/format.h>

#include "pm/console.hpp"
#include "pm/errors.hpp"
#include "pm/log.hpp"

#include "pmopenstack/api/services.hpp"
#include "pmopenstack/ops/commands.hpp"
#include "pmopenstack/ops/objects.hpp"
#include "pmopenstack/ops/teardown.hpp"
#include "pmopenstack/ops/vdc.hpp"

namespace pm::openstack {
namespace {

template <typename T>
bool marked(const T& remote, const std::string& mark) {
    const auto it = remote.metadata.find(std::string(k_mark_key));
    return it != remote.metadata.end() && it->second == mark;
}

std::optional<api::Server> find_server(Context& context, Connection& os,
                                       const std::string& project) {
    if (!external_id(context).empty()) {
        // Gone: an ambiguous create after it may have made another, known by its mark.
        if (auto found = api::get_server(os.admin(), external_id(context))) {
            return found;
        }
    }
    const auto mark = object_mark(context.object->id);
    for (auto& server : api::project_servers(os.admin(), project)) {
        if (marked(server, mark)) {
            save_external_id(context, server.id);
            return server;
        }
    }
    return std::nullopt;
}

std::optional<api::Volume> find_volume(Context& context, Connection& os,
                                       const std::string& project) {
    if (!external_id(context).empty()) {
        // Gone: an ambiguous create after it may have made another, known by its mark.
        if (auto found = api::get_volume(os.admin(), external_id(context))) {
            return found;
        }
    }
    const auto mark = object_mark(context.object->id);
    for (auto& volume : api::project_volumes(os.admin(), project)) {
        if (marked(volume, mark)) {
            save_external_id(context, volume.id);
            return volume;
        }
    }
    return std::nullopt;
}

api::Server create_server(Context& context, Connection& os, const std::string& project) {
    const auto params = object_params(context);
    const auto flavor_name = params.require("flavor");
    const auto image_name = params.require("image");
    const auto flavor = api::find_flavor(os.admin(), flavor_name);
    if (!flavor) {
        throw OperationError(fmt::format("Nova has no flavor {}", flavor_name));
    }
    const auto image = api::find_image(os.admin(), image_name);
    if (!image) {
        throw OperationError(fmt::format("Glance has no image {}", image_name));
    }
    api::NewServer spec{remote_name(context), flavor->id, image->id, {}, {}, {}};
    if (params.contains("network")) {
        spec.network_id = referenced_object(context, "network", "network").external_id;
    }
    spec.metadata.emplace(k_mark_key, object_mark(context.object->id));
    if (const auto agent = console::agent(context)) {
        spec.user_data = console::cloud_init(*agent);
    }
    auto server = api::create_server(os.project(project), spec);
    save_external_id(context, server.id);
    log::info("created server {} for object {}", server.id, context.object->id);
    return server;
}

api::Volume create_volume(Context& context, Connection& os, const std::string& project) {
    const auto params = object_params(context);
    const auto size = params.require_int("size_gb");
    if (size < 1) {
        throw ConfigError(
            fmt::format("{}: size_gb must be at least 1, not {}", params.owner(), size));
    }
    api::NewVolume spec{remote_name(context), size, params.get_or("volume_type", ""), {}};
    spec.metadata.emplace(k_mark_key, object_mark(context.object->id));
    auto volume = api::create_volume(os.project(project), spec);
    save_external_id(context, volume.id);
    log::info("created volume {} for object {}", volume.id, context.object->id);
    return volume;
}

[[noreturn]] void failed(Context& context, std::string message) {
    set_object_status(context, store::ObjectStatus::error);
    throw OperationError(std::move(message));
}

} // namespace

void vdc_vm_open(Context& context) {
    Connection os(context);
    const auto project = require_project_id(context);
    auto server = find_server(context, os, project);
    if (server && server->status == "ERROR") {
        log::info("server {} is in ERROR ({}): deleting it to build again", server->id,
                  server->fault);
        remove_server(os, server->id);
        server.reset();
    }
    if (!server) {
        server = create_after_lookup<api::Server>(
            context, fmt::format("server of object {}", context.object->id),
            [&] { return find_server(context, os, project); },
            [&] { return create_server(context, os, project); });
    }
    const auto id = server->id;
    os.wait_until(fmt::format("server {} to become ACTIVE", id), [&] {
        server = api::get_server(os.admin(), id);
        if (!server) {
            failed(context, fmt::format("server {} disappeared while building", id));
        }
        if (server->status == "ERROR") {
            failed(context, fmt::format("server {} failed to build: {}", id,
                                        server->fault.empty() ? "no message" : server->fault));
        }
        return server->status == "ACTIVE";
    });
    set_object_status(context, store::ObjectStatus::active);
    context.result.add("external_id", id);
}

void vdc_vm_close(Context& context) {
    Connection os(context);
    if (const auto server = find_server(context, os, require_project_id(context))) {
        remove_server(os, server->id);
    }
    set_object_status(context, store::ObjectStatus::closed);
}

void vdc_volume_open(Context& context) {
    Connection os(context);
    const auto project = require_project_id(context);
    auto volume = find_volume(context, os, project);
    if (volume && volume->status == "error") {
        log::info("volume {} is in error: deleting it to create again", volume->id);
        remove_volume(os, volume->id);
        volume.reset();
    }
    if (!volume) {
        volume = create_after_lookup<api::Volume>(
            context, fmt::format("volume of object {}", context.object->id),
            [&] { return find_volume(context, os, project); },
            [&] { return create_volume(context, os, project); });
    }
    const auto id = volume->id;
    os.wait_until(fmt::format("volume {} to become available", id), [&] {
        volume = api::get_volume(os.admin(), id);
        if (!volume) {
            failed(context, fmt::format("volume {} disappeared while being created", id));
        }
        if (volume->status == "error") {
            failed(context, fmt::format("Cinder could not create volume {} (status error)", id));
        }
        return volume->status == "available" || volume->status == "in-use";
    });
    set_object_status(context, store::ObjectStatus::active);
    context.result.add("external_id", id);
}

void vdc_volume_close(Context& context) {
    Connection os(context);
    if (const auto volume = find_volume(context, os, require_project_id(context))) {
        remove_volume(os, volume->id);
    }
    set_object_status(context, store::ObjectStatus::closed);
}

} // namespace pm::openstack
