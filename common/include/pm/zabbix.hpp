// A client of the Zabbix 6.0 JSON-RPC API (api/console-zabbix.md §2.2) over the HTTP layers and
// the session glue (pm/authenticated_api.hpp). Zabbix answers every call with HTTP 200; an
// `error` member in the reply becomes ApiError (status 200, "code -32602: Invalid params.
// <data>") or, for a dead session ("Session terminated, re-login, please.", "Not authorised."),
// AuthError, which drops the cached session, logs in once more and sends once more.
//
// With an API token there is no login and no session cache: the token goes in `auth` as is.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "pm/authenticated_api.hpp"
#include "pm/deadline.hpp"
#include "pm/http.hpp"
#include "pm/json.hpp"
#include "pm/session_cache.hpp"

namespace pm::zabbix {

struct Credentials {
    std::string username;
    std::string password;  // user.login; empty with an API token
    std::string api_token; // used as is when set
};

// Writes the `params` value of a call.
using ParamsWriter = std::function<void(json::Writer&)>;

// The `result` of a call; valid while the object lives.
class Result {
public:
    explicit Result(json::Document document) : m_document(std::move(document)) {}
    [[nodiscard]] json::View view() const { return m_document.root().at("result"); }

private:
    json::Document m_document;
};

// Not thread-safe (nor is http::Client): use one per thread.
class Client {
public:
    // `url` is the API URL (…/api_jsonrpc.php). `sessions` may be null with an API token.
    Client(http::Client& http, std::string url, Credentials credentials,
           const SessionCache* sessions, const Deadline& deadline);
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // user.login, outside the cache (the cache calls it).
    [[nodiscard]] Session login(const Deadline& deadline) const;

    // Calls `method`. Reads (*.get) are idempotent; creates, updates and deletes are sent as
    // not-idempotent requests, never repeated blindly (the callers look up before creating).
    [[nodiscard]] Result call(std::string_view method, const ParamsWriter& params) const;

    [[nodiscard]] const std::string& url() const { return m_url; }

private:
    [[nodiscard]] http::Request request(std::string_view method, const ParamsWriter& params,
                                        const std::string& auth) const;
    [[nodiscard]] Result decode(std::string_view method, const http::Response& response) const;

    std::string m_url;
    Credentials m_credentials;
    std::unique_ptr<http::AuthenticatedApi> m_api;
    http::Client& m_http;
    const Deadline& m_deadline;
};

// True when the error is Zabbix's "… already exists" (a create lost its reply and ran again).
[[nodiscard]] bool is_duplicate(const ApiError& error);

} // namespace pm::zabbix
