#include "pm/authenticated_api.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "pm/errors.hpp"

namespace pm::http {

void throw_service_error(std::string_view what, const Response& response,
                         const ServiceError& error) {
    std::string text =
        fmt::format("{}: HTTP {}{}{}{}{}", what, response.status, error.code.empty() ? "" : ", ",
                    error.code, error.message.empty() ? "" : ": ", error.message);
    if (!response.request_id.empty()) {
        text += fmt::format(" (request {})", response.request_id);
    }
    if (error.is_auth) {
        throw AuthError(text, response.status, error.message, response.request_id);
    }
    throw ApiError(text, response.status, error.message, response.request_id);
}

AuthenticatedApi::AuthenticatedApi(Client& http, const SessionCache& sessions,
                                   const Deadline& deadline, ApiPolicies policies)
    : m_http(http), m_sessions(sessions), m_deadline(deadline), m_policies(std::move(policies)) {}

Response AuthenticatedApi::call(const Request& request, std::string_view what,
                                Idempotency idempotency, std::initializer_list<long> accept) const {
    return with_session(
        [&](const Session& session) { return send(session, request, what, idempotency, accept); });
}

Response AuthenticatedApi::send(const Session& session, const Request& request,
                                std::string_view what, Idempotency idempotency,
                                std::initializer_list<long> accept) const {
    Request authenticated = request;
    m_policies.apply_auth(authenticated, session);
    auto response = m_http.send(authenticated, m_deadline, idempotency);
    if (response.ok() || (!response.failure && std::find(accept.begin(), accept.end(),
                                                         response.status) != accept.end())) {
        return response;
    }
    fail(what, response);
}

void AuthenticatedApi::fail(std::string_view what, const Response& response) const {
    throw_service_error(what, response, m_policies.decode_error(response.status, response.body));
}

} // namespace pm::http
