// JSON of the VMmanager 6 API to and from the structs of api/types.hpp. Every reader throws
// ProtocolError for a reply of an unexpected shape.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.hpp"

namespace pm::vmmgr6::api {

[[nodiscard]] std::string parse_token(std::string_view body);
[[nodiscard]] User parse_user(std::string_view body);
[[nodiscard]] std::vector<Cluster> parse_clusters(std::string_view body);
[[nodiscard]] std::vector<Os> parse_os_list(std::string_view body);
[[nodiscard]] std::optional<std::int64_t> parse_first_id(std::string_view body);
[[nodiscard]] std::vector<Address> parse_ipv4_list(std::string_view body);
[[nodiscard]] std::vector<Host> parse_hosts(std::string_view body);
// The integer (or digit string) under `key` of a reply object, e.g. `task` or `id`.
[[nodiscard]] std::int64_t parse_task_id(std::string_view body, std::string_view key);
[[nodiscard]] Created parse_created(std::string_view body);
[[nodiscard]] Restart parse_restart(std::string_view body);
[[nodiscard]] TaskStatus parse_task_status(std::string_view body);

[[nodiscard]] std::string host_create_body(const HostCreate& spec);

} // namespace pm::vmmgr6::api
