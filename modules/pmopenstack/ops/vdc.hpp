// The VDC behind an item: its Keystone project and user, found by the saved ids, else by
// their deterministic names and the item mark in their description (a rerun after a kill
// between a create and the save of its id).
#pragma once

#include <optional>
#include <string>

#include "pm/context.hpp"

#include "pmopenstack/api/types.hpp"
#include "pmopenstack/ops/connection.hpp"

namespace pm::openstack {

// The item's project name: item param project_name, else the module's
// project_name_template (default vdc-__ACCID__-__IID__) with __IID__ (item id) and __ACCID__
// (account id) expanded.
[[nodiscard]] std::string project_name(const Context& context);
// The item's user name: item param username, else the project name.
[[nodiscard]] std::string user_name(const Context& context);

// What to do with a project or user that has the item's name but not its mark: refuse
// (OperationError: someone else's) or skip (as if there were none).
enum class Foreign { refuse, skip };
// The item's project: by project_id, else by name and mark (saving the id found). nullopt
// when OpenStack has none.
[[nodiscard]] std::optional<api::Project> find_vdc_project(Context& context, Connection& os,
                                                           Foreign foreign = Foreign::refuse);
// The same for the user (user_id).
[[nodiscard]] std::optional<api::User> find_vdc_user(Context& context, Connection& os,
                                                     Foreign foreign = Foreign::refuse);
// The saved project id; OperationError when the VDC was never opened.
[[nodiscard]] std::string require_project_id(const Context& context);

// Writes the wanted quota limits of every service whose limits differ from OpenStack's (all
// of them when `compare` is off), and records them as limit_<name> item params.
enum class Compare { no, yes };
void apply_quotas(Context& context, Connection& os, const std::string& project, Compare compare);

} // namespace pm::openstack
