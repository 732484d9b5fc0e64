// pmovirt's oVirt Engine client: one function per endpoint, over common's authenticated-API
// glue (pm/authenticated_api.hpp). It logs in with an SSO token (../shared/api/ovirt.md §2.1:
// `Accept: application/json` exactly), sends it as `Authorization: Bearer`, and on a 401 (an
// HTML page, §2.1) logs in once more and sends the request once more.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pm/authenticated_api.hpp"
#include "pm/deadline.hpp"
#include "pm/http.hpp"
#include "pm/session_cache.hpp"

#include "pmovirt/api/types.hpp"

namespace pm::ovirt::api {

struct Credentials {
    std::string username; // e.g. admin@internal
    std::string password;
};

class Client {
public:
    // `engine_url` is the engine's base, `https://engine.example.com/ovirt-engine` (DESIGN §5).
    Client(http::Client& http, std::string engine_url, Credentials credentials,
           const SessionCache& sessions, const Deadline& deadline);
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // `GET /api`: the engine's product and version.
    [[nodiscard]] ProductInfo product_info() const;
    // `GET /api/clusters`: every cluster the user sees.
    [[nodiscard]] std::vector<Cluster> clusters() const;

private:
    Session login(const Deadline& deadline) const;
    [[nodiscard]] std::string get(std::string_view path, std::string_view what) const;

    std::string m_engine;
    Credentials m_credentials;
    http::AuthenticatedApi m_api;
};

} // namespace pm::ovirt::api
