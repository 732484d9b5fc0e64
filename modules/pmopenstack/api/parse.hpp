// Reading OpenStack replies into the structs of types.hpp. Lenient as api/openstack.md asks:
// unknown keys are ignored, null counts as absent, several timestamp forms are accepted.
// Anything else wrong throws ProtocolError naming the reply and the JSON path.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "pm/json.hpp"

#include "pmopenstack/api/types.hpp"

namespace pm::openstack::api {

// "2026-11-22T08:08:08.000000Z", with or without the zone (Z or ±hh:mm), fraction or none.
[[nodiscard]] std::optional<std::chrono::system_clock::time_point>
parse_timestamp(std::string_view text);
// "2026-11-22T08:08:08" in UTC, the form os-simple-tenant-usage takes.
[[nodiscard]] std::string format_timestamp(std::chrono::system_clock::time_point at);

// A string member, "" when absent or null.
[[nodiscard]] std::string text(const json::View& object, std::string_view key);
// A boolean member that services send as true/false or "true"/"false"; `fallback` if absent.
[[nodiscard]] bool flag(const json::View& object, std::string_view key, bool fallback);

// The body of POST /v3/auth/tokens.
[[nodiscard]] TokenInfo parse_token(const json::View& root);
// Why a token cannot serve as a session ("" when it can): no user or project id, a catalog
// without endpoints, an endpoint without type, or one of a service pm uses without an http(s)
// URL (other services' endpoints are not checked); with Expiry::required also a
// missing expires_at (Keystone always sends one; a cached session keeps it elsewhere).
enum class Expiry { required, ignored };
[[nodiscard]] std::string session_problem(const TokenInfo& info, Expiry expiry);
// TokenInfo to and from the opaque data of a cached Session.
[[nodiscard]] std::string serialize_token(const TokenInfo& info);
[[nodiscard]] TokenInfo deserialize_token(std::string_view data);

[[nodiscard]] Project parse_project(const json::View& project);
[[nodiscard]] User parse_user(const json::View& user);
[[nodiscard]] Named parse_named(const json::View& object);
[[nodiscard]] Server parse_server(const json::View& server);
[[nodiscard]] Volume parse_volume(const json::View& volume);
[[nodiscard]] Network parse_network(const json::View& network);
[[nodiscard]] Subnet parse_subnet(const json::View& subnet);
[[nodiscard]] Router parse_router(const json::View& router);
[[nodiscard]] Port parse_port(const json::View& port);
[[nodiscard]] LoadBalancer parse_loadbalancer(const json::View& lb);
// A quota set: each integer member is a limit; {"limit":…} objects (detail forms) too.
[[nodiscard]] Limits parse_limits(const json::View& quota_set);

// {"<key>":{"<name>":<limit>,…}}: the body of a quota update.
[[nodiscard]] std::string limits_body(std::string_view key, const Limits& limits);

// The service's own error message in an error reply (Keystone's error.message, Nova's and
// Cinder's {"<fault>":{"message"}}, Neutron's NeutronError, Octavia's faultstring), and its
// type where the shape has one (the fault key, NeutronError.type). Empty when the body is
// not one of those.
struct ServiceError {
    std::string type;
    std::string message;
};
[[nodiscard]] ServiceError parse_error(std::string_view body);

} // namespace pm::openstack::api
