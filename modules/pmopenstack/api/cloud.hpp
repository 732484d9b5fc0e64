// The transport-level client of one OpenStack cloud (api/openstack.md): a Keystone
// project-scoped token from the session cache, the endpoint of each service picked from the
// token's catalog (service type with aliases, then interface, then region), and one call
// function that turns every service's own error shape into ApiError.
//
// An auth failure (401) drops the cached token, logs in once more and retries once. Any
// other non-2xx answer throws ApiError — unless the caller listed the status in `accept`,
// which makes "not found" and "conflict" values rather than exceptions. A reply that is not
// the JSON it should be throws ProtocolError.
#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "pm/authenticated_api.hpp"
#include "pm/deadline.hpp"
#include "pm/http.hpp"
#include "pm/json.hpp"
#include "pm/session_cache.hpp"

#include "pmopenstack/api/types.hpp"

namespace pm::openstack::api {

struct Credentials {
    std::string auth_url; // Keystone v3, e.g. https://cloud:5000/v3
    std::string username;
    std::string password;
    std::string user_domain; // domain name, e.g. Default
};

// The project the token is scoped to: by id, or by name in a domain (name).
struct Scope {
    std::string project_id;
    std::string project_name;
    std::string project_domain;
};

struct Placement {
    std::string region;    // "" = any
    std::string interface; // public, internal or admin
};

struct Reply {
    long status = 0;
    std::string body;
    std::string request_id;

    [[nodiscard]] bool ok() const { return status >= 200 && status < 300; }
    [[nodiscard]] json::Document json(std::string_view context) const;
};

// Not thread-safe (nor is http::Client): use one per thread.
class Cloud {
public:
    Cloud(http::Client& http, Credentials credentials, Scope scope, Placement placement,
          const SessionCache& sessions, const Deadline& deadline);
    // The policies of the session glue point back at this object: neither copied nor moved.
    Cloud(const Cloud&) = delete;
    Cloud& operator=(const Cloud&) = delete;

    // POST /v3/auth/tokens, outside the cache (the cache calls it).
    [[nodiscard]] Session login(const Deadline& deadline) const;

    // The current token's content (logging in when the cache has none).
    [[nodiscard]] TokenInfo token() const;
    // Logs in now, whatever the cache holds, and caches the new token (check_connection:
    // proves the credentials work).
    [[nodiscard]] TokenInfo fresh_token() const;
    // The URL of `service` from the catalog of the current token; ConfigError naming the
    // service, region and interface when the catalog has none. Identity is the configured
    // Keystone URL.
    [[nodiscard]] std::string endpoint(Service service) const;

    // One request to `service`; `path` is relative to the service's endpoint and may carry
    // a query. A status in `accept` is returned instead of thrown.
    Reply call(Service service, http::Method method, std::string_view path, std::string body = {},
               std::initializer_list<long> accept = {},
               http::Idempotency idempotency = http::Idempotency::by_method,
               const std::vector<http::Header>& headers = {}) const;

    // GETs `path` and the pages after it, following the `links_key` link with rel "next"
    // (limit/marker pagination); `page` gets each reply's root object. Stops when a page has
    // no next link. A next link that repeats the last one is a ProtocolError.
    void for_each_page(Service service, std::string_view path, std::string_view links_key,
                       const std::function<void(const json::View&)>& page,
                       const std::vector<http::Header>& headers = {}) const;

    [[nodiscard]] const Deadline& deadline() const { return m_api.deadline(); }
    [[nodiscard]] const Credentials& credentials() const { return m_credentials; }

private:
    [[nodiscard]] Session session() const;
    [[nodiscard]] const TokenInfo& info(const Session& session) const;
    // Why a session read from the cache cannot be used ("" when it can).
    [[nodiscard]] std::string cached_problem(const Session& session) const;
    [[nodiscard]] std::string endpoint(const TokenInfo& info, Service service) const;

    Credentials m_credentials;
    Scope m_scope;
    Placement m_placement;
    http::AuthenticatedApi m_api;
    // The parsed catalog of the last token seen, so that it is parsed once per token.
    mutable std::string m_info_token;
    mutable TokenInfo m_info;
};

[[nodiscard]] std::string_view service_name(Service service); // Nova, Cinder…
// Percent-encodes a query value.
[[nodiscard]] std::string encode(std::string_view text);

} // namespace pm::openstack::api
