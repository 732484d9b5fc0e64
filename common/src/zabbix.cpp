#include "pm/zabbix.hpp"

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/redact.hpp"

namespace pm::zabbix {
namespace {

// Zabbix's messages for a session it no longer knows (6.0 CApiService / CJsonRpc).
bool is_session_error(std::string_view text) {
    return text.find("re-login") != std::string_view::npos ||
           text.find("Not authorised") != std::string_view::npos ||
           text.find("Not authorized") != std::string_view::npos;
}

// {"error": {"code": -32602, "message": "Invalid params.", "data": "…"}}
http::ServiceError service_error(const json::View& error) {
    http::ServiceError out;
    std::string message;
    if (auto m = error.find("message"); m && m->is_string()) {
        message = m->as_string();
    }
    if (auto d = error.find("data"); d && d->is_string()) {
        message += (message.empty() ? "" : " ") + d->as_string();
    }
    out.message = redact(message);
    if (auto c = error.find("code"); c && c->is_number()) {
        out.code = fmt::format("code {}", c->as_int64());
    }
    out.is_auth = is_session_error(message);
    return out;
}

// A non-2xx answer (a proxy, PHP dying): no JSON-RPC error inside.
http::ServiceError http_error(long status, std::string_view body) {
    http::ServiceError out;
    out.message = excerpt(body, 200);
    out.is_auth = status == 401;
    return out;
}

bool is_read(std::string_view method) {
    return method.size() > 4 && method.substr(method.size() - 4) == ".get";
}

} // namespace

bool is_duplicate(const ApiError& error) {
    return error.service_message().find("already exists") != std::string::npos;
}

Client::Client(http::Client& http, std::string url, Credentials credentials,
               const SessionCache* sessions, const Deadline& deadline)
    : m_url(std::move(url)), m_credentials(std::move(credentials)), m_http(http),
      m_deadline(deadline) {
    register_secret(m_credentials.password);
    register_secret(m_credentials.api_token);
    if (m_credentials.api_token.empty()) {
        if (sessions == nullptr) {
            throw std::logic_error("zabbix::Client: a password login needs a session cache");
        }
        // The session travels in the body (`auth`), which request() writes: apply_auth adds
        // nothing, call() builds each request with the session it is given.
        m_api = std::make_unique<http::AuthenticatedApi>(
            http, *sessions, deadline,
            http::ApiPolicies{[this](const Deadline& d) { return this->login(d); },
                              [](http::Request&, const Session&) {}, http_error});
    }
}

http::Request Client::request(std::string_view method, const ParamsWriter& params,
                              const std::string& auth) const {
    json::Writer body;
    body.begin_object().member("jsonrpc", "2.0").member("method", method).key("params");
    params(body);
    body.member("id", 1);
    if (!auth.empty()) {
        body.member("auth", auth);
    }
    body.end_object();
    return http::Request{
        http::Method::post, m_url, {{"Content-Type", "application/json-rpc"}}, body.str()};
}

Result Client::decode(std::string_view method, const http::Response& response) const {
    const auto what = fmt::format("Zabbix {}", method);
    if (!response.ok()) {
        http::throw_service_error(what, response, http_error(response.status, response.body));
    }
    auto document = json::parse(response.body, fmt::format("reply of {}", what));
    if (auto error = document.root().find("error")) {
        http::throw_service_error(what, response, service_error(*error));
    }
    (void)document.root().at("result");
    return Result(std::move(document));
}

Session Client::login(const Deadline& deadline) const {
    const auto req = request("user.login",
                             [&](json::Writer& w) {
                                 w.begin_object()
                                     .member("username", m_credentials.username)
                                     .member("password", m_credentials.password)
                                     .end_object();
                             },
                             {});
    // A login creates nothing: safe to repeat on any failure.
    const auto response = m_http.send(req, deadline, http::Idempotency::idempotent);
    auto reply = decode("user.login", response);
    Session session;
    session.token = reply.view().as_string();
    register_secret(session.token);
    return session;
}

Result Client::call(std::string_view method, const ParamsWriter& params) const {
    const auto idempotency =
        is_read(method) ? http::Idempotency::idempotent : http::Idempotency::not_idempotent;
    if (!m_api) {
        return decode(method, m_http.send(request(method, params, m_credentials.api_token),
                                          m_deadline, idempotency));
    }
    return m_api->with_session([&](const Session& session) {
        register_secret(session.token);
        return decode(method,
                      m_http.send(request(method, params, session.token), m_deadline, idempotency));
    });
}

} // namespace pm::zabbix
