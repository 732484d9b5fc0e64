// open, setparam, suspend and resume of a VDC (issue 4 §2).
//
// open: project, user, member role, quotas — each id saved the moment Keystone returns it,
// and found again by name and mark on a rerun, so a kill anywhere never creates anything
// twice. The module's admin user also gets the admin role on the project: servers and
// volumes land in the project of the token that creates them.
//
// suspend disables the project and the user and stops the project's running servers,
// remembering which (item param suspend_stopped, saved before the first stop); resume
// enables both and starts only those servers.
#include <algorithm>
#include <functional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pm/console.hpp"
#include "pm/errors.hpp"
#include "pm/item_param.hpp"
#include "pm/log.hpp"
#include "pm/password.hpp"
#include "pm/together.hpp"

#include "pmopenstack/api/services.hpp"
#include "pmopenstack/ops/commands.hpp"
#include "pmopenstack/ops/console.hpp"
#include "pmopenstack/ops/objects.hpp"
#include "pmopenstack/ops/quotas.hpp"
#include "pmopenstack/ops/vdc.hpp"

namespace pm::openstack {
namespace {

constexpr std::string_view k_stopped_param = "suspend_stopped";

// Created first and looked up only on a conflict (a rerun after a kill between the create
// and the save meets its own project, 409, and finds it by name and mark), or after an
// ambiguous reply (a 503 or 429 from a gateway after Keystone acted, a lost reply): names are
// unique in a domain, so the project or user found by name and mark is the one we made.
template <typename T>
T create_or_find(Context& context, std::string_view what,
                 const std::function<std::optional<T>()>& find,
                 const std::function<std::optional<T>()>& create) {
    return create_after_lookup<T>(context, what, find, [&]() -> T {
        if (auto created = create()) {
            return *created;
        }
        if (auto found = find()) {
            return *found;
        }
        throw OperationError(fmt::format("Keystone refused {}: name taken", what));
    });
}

api::Project ensure_project(Context& context, Connection& os) {
    if (auto saved = context.item_params.get("project_id")) {
        if (auto found = api::get_project(os.admin(), *saved)) {
            return *found;
        }
        throw OperationError(
            fmt::format("project {} of item {} is gone from Keystone", *saved, context.item->id));
    }
    const auto name = project_name(context);
    return create_or_find<api::Project>(
        context, fmt::format("project {}", name), [&] { return find_vdc_project(context, os); },
        [&]() -> std::optional<api::Project> {
            auto created = api::create_project(
                os.admin(), {name, os.vdc_domain_id(), item_mark(context.item->id)});
            if (created) {
                save_item_param(context, "project_id", created->id);
                log::info("created project {} ({})", created->name, created->id);
            }
            return created;
        });
}

api::User ensure_user(Context& context, Connection& os, const std::string& project) {
    if (auto saved = context.item_params.get("user_id")) {
        if (auto found = api::get_user(os.admin(), *saved)) {
            return *found;
        }
        throw OperationError(
            fmt::format("user {} of item {} is gone from Keystone", *saved, context.item->id));
    }
    std::string password;
    if (auto given = context.item_params.get("password")) {
        password = *given;
    } else {
        password = random_password();
        save_item_param(context, "password", password);
    }
    const auto name = user_name(context);
    return create_or_find<api::User>(
        context, fmt::format("user {}", name), [&] { return find_vdc_user(context, os); },
        [&]() -> std::optional<api::User> {
            auto created = api::create_user(os.admin(), {name, os.vdc_domain_id(), password,
                                                         project, item_mark(context.item->id)});
            if (created) {
                save_item_param(context, "user_id", created->id);
                log::info("created user {} ({})", created->name, created->id);
            }
            return created;
        });
}

std::string role_id(const Connection& os, const std::string& name) {
    const auto role = api::find_role(os.admin(), name);
    if (!role) {
        throw ConfigError(fmt::format("Keystone has no role {}", name));
    }
    return role->id;
}

void set_enabled(Context& context, Connection& os, bool enabled) {
    const auto project = require_project_id(context);
    api::set_project_enabled(os.admin(), project, enabled);
    if (auto user = context.item_params.get("user_id")) {
        if (api::get_user(os.admin(), *user)) {
            api::set_user_enabled(os.admin(), *user, enabled);
        }
    }
}

// Waits until each server is in `status` or gone.
void wait_servers(Connection& os, const std::vector<std::string>& ids, std::string_view status) {
    for (const auto& id : ids) {
        os.wait_until(fmt::format("server {} to be {}", id, status), [&] {
            const auto server = api::get_server(os.admin(), id);
            if (server && server->status == "ERROR") {
                throw OperationError(
                    fmt::format("server {} went into ERROR: {}", id,
                                server->fault.empty() ? "no message" : server->fault));
            }
            return !server || server->status == status;
        });
    }
}

} // namespace

// The requests that do not wait for one another run at once (issue 18): the domain and the
// two roles are looked up together; then, once the project exists, the user (and its member
// role), the admin role of the module's user and the quotas of every service. Each is
// idempotent (lookups, PUTs, creates found again by name and mark), so a kill with any of
// them in flight is finished by the rerun.
void open(Context& context) {
    Connection os(context);
    const auto wanted = wanted_limits(context); // a bad limit stops the open before anything
    const auto member = context.module_params.get_or("member_role", "member");
    std::string member_id;
    std::string admin_id;
    const bool creates =
        !context.item_params.contains("project_id") || !context.item_params.contains("user_id");
    run_together({
                     [&] {
                         if (creates) {
                             (void)os.vdc_domain_id();
                         }
                     },
                     [&] { member_id = role_id(Connection(context), member); },
                     [&] { admin_id = role_id(Connection(context), "admin"); },
                 },
                 together(context));
    const auto project = ensure_project(context, os);
    std::string user_id;
    auto tasks = quota_tasks(context, project.id, Compare::no, wanted);
    tasks.insert(tasks.begin(), {[&] {
                                     user_id = ensure_user(context, os, project.id).id;
                                     api::assign_role(os.admin(), project.id, user_id, member_id);
                                 },
                                 [&] {
                                     const Connection side(context);
                                     api::assign_role(side.admin(), project.id,
                                                      side.admin().token().user_id, admin_id);
                                 }});
    run_together(tasks, together(context));
    record_limits(context, wanted);
    context.store.set_item_status(context.item->id, store::ItemStatus::active);
    context.result.add("project_id", project.id);
    context.result.add("user_id", user_id);
    const auto feed = console_feed(os, context.item->id, context.item_params);
    console::on_open(context, feed.get());
}

void setparam(Context& context) {
    apply_quotas(context, require_project_id(context), Compare::yes);
}

void suspend(Context& context) {
    Connection os(context);
    set_enabled(context, os, false);
    auto stopped = context.item_params.get_list(k_stopped_param);
    for (const auto& server : api::project_servers(os.admin(), require_project_id(context))) {
        if (server.status != "ACTIVE" ||
            std::find(stopped.begin(), stopped.end(), server.id) != stopped.end()) {
            continue;
        }
        stopped.push_back(server.id);
        save_item_param(context, k_stopped_param, fmt::format("{}", fmt::join(stopped, ",")));
        api::server_power(os.admin(), server.id, api::Power::stop);
        log::info("stopping server {}", server.id);
    }
    wait_servers(os, stopped, "SHUTOFF");
    context.store.set_item_status(context.item->id, store::ItemStatus::suspended);
    context.result.add("stopped", std::to_string(stopped.size()));
    console::on_suspend(context);
}

void resume(Context& context) {
    Connection os(context);
    set_enabled(context, os, true);
    const auto stopped = context.item_params.get_list(k_stopped_param);
    std::vector<std::string> started;
    for (const auto& id : stopped) {
        const auto server = api::get_server(os.admin(), id);
        if (!server) {
            continue;
        }
        if (server->status == "SHUTOFF") {
            api::server_power(os.admin(), id, api::Power::start);
            log::info("starting server {}", id);
        }
        started.push_back(id);
    }
    wait_servers(os, started, "ACTIVE");
    erase_item_param(context, k_stopped_param);
    context.store.set_item_status(context.item->id, store::ItemStatus::active);
    context.result.add("started", std::to_string(started.size()));
    console::on_resume(context);
}

} // namespace pm::openstack
