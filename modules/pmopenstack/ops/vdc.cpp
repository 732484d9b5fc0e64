#include "pmopenstack/ops/vdc.hpp"

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/item_param.hpp"
#include "pm/log.hpp"
#include "pm/together.hpp"

#include "pmopenstack/api/services.hpp"
#include "pmopenstack/ops/quotas.hpp"

namespace pm::openstack {
namespace {

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
    for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos)) {
        text.replace(pos, from.size(), to);
        pos += to.size();
    }
    return text;
}

template <typename T>
bool check_mark(const T& found, std::string_view kind, std::string_view mark, Foreign foreign) {
    if (found.description == mark) {
        return true;
    }
    if (foreign == Foreign::refuse) {
        throw OperationError(fmt::format(
            "OpenStack already has a {} named {} ({}) that this item did not create; set the "
            "item's own name or remove it",
            kind, found.name, found.id));
    }
    return false;
}

api::Limits current_limits(const api::Cloud& cloud, api::Service service,
                           const std::string& project) {
    switch (service) {
    case api::Service::compute:
        return api::compute_quota(cloud, project);
    case api::Service::volume:
        return api::volume_quota(cloud, project);
    case api::Service::network:
        return api::network_quota(cloud, project);
    case api::Service::load_balancer:
        return api::lb_quota(cloud, project);
    default:
        return {};
    }
}

void set_limits(const api::Cloud& cloud, api::Service service, const std::string& project,
                const api::Limits& limits) {
    switch (service) {
    case api::Service::compute:
        api::set_compute_quota(cloud, project, limits);
        break;
    case api::Service::volume:
        api::set_volume_quota(cloud, project, limits);
        break;
    case api::Service::network:
        api::set_network_quota(cloud, project, limits);
        break;
    case api::Service::load_balancer:
        api::set_lb_quota(cloud, project, limits);
        break;
    default:
        break;
    }
}

bool differs(const api::Limits& wanted, const api::Limits& current) {
    for (const auto& [key, value] : wanted) {
        const auto it = current.find(key);
        if (it == current.end() || it->second != value) {
            return true;
        }
    }
    return false;
}

} // namespace

std::string project_name(const Context& context) {
    if (auto name = context.item_params.get("project_name")) {
        return *name;
    }
    auto name = context.module_params.get_or("project_name_template", "vdc-__ACCID__-__IID__");
    name = replace_all(std::move(name), "__IID__", std::to_string(context.item->id.value()));
    return replace_all(std::move(name), "__ACCID__",
                       std::to_string(context.item->account_id.value()));
}

std::string user_name(const Context& context) {
    if (auto name = context.item_params.get("username")) {
        return *name;
    }
    return project_name(context);
}

std::optional<api::Project> find_vdc_project(Context& context, Connection& os, Foreign foreign) {
    if (auto id = context.item_params.get("project_id")) {
        return api::get_project(os.admin(), *id);
    }
    const auto name = project_name(context);
    auto found = api::find_project(os.admin(), name, os.vdc_domain_id());
    if (!found || !check_mark(*found, "project", item_mark(context.item->id), foreign)) {
        return std::nullopt;
    }
    save_item_param(context, "project_id", found->id);
    return found;
}

std::optional<api::User> find_vdc_user(Context& context, Connection& os, Foreign foreign) {
    if (auto id = context.item_params.get("user_id")) {
        return api::get_user(os.admin(), *id);
    }
    const auto name = user_name(context);
    auto found = api::find_user(os.admin(), name, os.vdc_domain_id());
    if (!found || !check_mark(*found, "user", item_mark(context.item->id), foreign)) {
        return std::nullopt;
    }
    save_item_param(context, "user_id", found->id);
    return found;
}

std::string require_project_id(const Context& context) {
    auto id = context.item_params.get("project_id");
    if (!id) {
        throw OperationError(
            fmt::format("item {} has no project_id: the VDC is not open", context.item->id));
    }
    return *id;
}

Together together(const Context& context) {
    return context.module_params.get_bool("parallel_requests", true) ? Together::at_once
                                                                     : Together::in_turn;
}

std::vector<std::function<void()>>
quota_tasks(Context& context, const std::string& project, Compare compare,
            const std::map<std::string, std::int64_t, std::less<>>& wanted) {
    std::vector<std::function<void()>> tasks;
    for (const auto service : {api::Service::compute, api::Service::volume, api::Service::network,
                               api::Service::load_balancer}) {
        auto limits = service_limits(wanted, service);
        if (limits.empty()) {
            continue;
        }
        tasks.emplace_back([&context, &project, compare, service, limits = std::move(limits)] {
            // A connection of its own: the HTTP client is not thread-safe.
            Connection os(context);
            if (compare == Compare::yes &&
                !differs(limits, current_limits(os.admin(), service, project))) {
                return;
            }
            set_limits(os.admin(), service, project, limits);
            log::info("{} quotas of project {} set", api::service_name(service), project);
        });
    }
    return tasks;
}

void record_limits(Context& context,
                   const std::map<std::string, std::int64_t, std::less<>>& wanted) {
    ParamMap recorded;
    for (const auto& [name, value] : wanted) {
        recorded.emplace(limit_param(name), std::to_string(value));
    }
    save_item_params(context, recorded);
}

void apply_quotas(Context& context, const std::string& project, Compare compare) {
    const auto wanted = wanted_limits(context);
    run_together(quota_tasks(context, project, compare, wanted), together(context));
    record_limits(context, wanted);
}

} // namespace pm::openstack
