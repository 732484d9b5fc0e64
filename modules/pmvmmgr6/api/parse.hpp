// JSON of the VMmanager 6 API to and from the structs of api/types.hpp. Every reader throws
// ProtocolError for a reply of an unexpected shape.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pmvmmgr6/api/types.hpp"

namespace pm::vmmgr6::api {

[[nodiscard]] std::string parse_token(std::string_view body);
[[nodiscard]] User parse_user(std::string_view body);
[[nodiscard]] std::vector<Cluster> parse_clusters(std::string_view body);
[[nodiscard]] std::vector<Os> parse_os_list(std::string_view body);
[[nodiscard]] std::optional<std::int64_t> parse_first_id(std::string_view body);
[[nodiscard]] std::vector<Address> parse_ipv4_list(std::string_view body);
[[nodiscard]] std::vector<Host> parse_hosts(std::string_view body);
// The positive `id` of a create reply (a number or a digit string).
[[nodiscard]] std::int64_t parse_id(std::string_view body, std::string_view what);
// The `task` of a reply, named `name`; nullopt when the reply names none (absent, null, 0, "").
[[nodiscard]] MaybeTask parse_task(std::string_view body, std::string_view what, std::string name);
[[nodiscard]] Created parse_created(std::string_view body);
// The tasks of a recipe run, by consul id alone: recipe_task and recipe_task_list, else task.
[[nodiscard]] std::vector<TaskRef> parse_recipe_run(std::string_view body);
[[nodiscard]] Restart parse_restart(std::string_view body);
[[nodiscard]] TaskStatus parse_task_status(std::string_view body);

[[nodiscard]] std::string host_create_body(const HostCreate& spec);

} // namespace pm::vmmgr6::api
