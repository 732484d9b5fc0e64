// The VDC behind an item: its Keystone project and user, found by the saved ids, else by
// their deterministic names and the item mark in their description (a rerun after a kill
// between a create and the save of its id).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pm/context.hpp"
#include "pm/together.hpp"

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

// The quota writes of every service whose wanted limits differ from OpenStack's (all of them
// when `compare` is off): one task per service, each on a Connection of its own, to run at
// once with pm::run_together (they touch neither the store nor the context's params).
enum class Compare { no, yes };
// Module param parallel_requests (on/off, default on): off sends those requests one after
// another, for a cloud that limits bursts of API requests.
[[nodiscard]] Together together(const Context& context);
[[nodiscard]] std::vector<std::function<void()>>
quota_tasks(Context& context, const std::string& project, Compare compare,
            const std::map<std::string, std::int64_t, std::less<>>& wanted);
// Records the wanted limits as limit_<name> item params (once OpenStack has them).
void record_limits(Context& context,
                   const std::map<std::string, std::int64_t, std::less<>>& wanted);
// Both: the wanted limits (quotas.hpp) written where they differ, all services at once, then
// recorded.
void apply_quotas(Context& context, const std::string& project, Compare compare);

} // namespace pm::openstack
