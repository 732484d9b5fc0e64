// The glue between a service's typed API client and the session cache (STYLE.md's third HTTP
// layer): every call runs inside SessionCache::with_session, carries the session's
// credentials, and turns a non-2xx answer into AuthError (the session is dropped, the module
// logs in once more and the call is sent once more) or ApiError, with the status, the
// service's own message and the remote request id.
//
// A module supplies three policies: how to log in, how a request carries a session
// (headers, a cookie), and how to read the service's error replies.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "pm/deadline.hpp"
#include "pm/http.hpp"
#include "pm/session_cache.hpp"

namespace pm::http {

// What an error reply says, as the module's decoder reads it.
struct ServiceError {
    std::string message;  // the service's message, masked (pm/redact.hpp); may be empty
    std::string code;     // shown after the status, e.g. "code 1000", "over quota"; may be empty
    bool is_auth = false; // a dead or foreign session, which a new login may cure
};

struct ApiPolicies {
    // Logs in within the deadline (called by the session cache, one process at a time).
    SessionCache::Login login;
    // Makes `request` carry `session`.
    std::function<void(Request& request, const Session& session)> apply_auth;
    // Reads a non-2xx reply.
    std::function<ServiceError(long status, std::string_view body)> decode_error;
};

// Throws AuthError (error.is_auth) or ApiError with the text
// "<what>: HTTP <status>[, <code>][: <message>][ (request <id>)]".
[[noreturn]] void throw_service_error(std::string_view what, const Response& response,
                                      const ServiceError& error);

// Not thread-safe (nor is Client): use one per thread.
class AuthenticatedApi {
public:
    AuthenticatedApi(Client& http, const SessionCache& sessions, const Deadline& deadline,
                     ApiPolicies policies);

    // `request` sent with a session (with_session): a reply decoded as an auth failure drops
    // the session, logs in once more and sends once more. A status in `accept` is returned;
    // any other non-2xx status throws (fail()). `what` names the call in messages.
    Response call(const Request& request, std::string_view what,
                  Idempotency idempotency = Idempotency::by_method,
                  std::initializer_list<long> accept = {}) const;

    // The same inside a session the caller holds (in with_session), with no retry of its own.
    Response send(const Session& session, const Request& request, std::string_view what,
                  Idempotency idempotency = Idempotency::by_method,
                  std::initializer_list<long> accept = {}) const;

    // use(session) inside the session cache: on AuthError the session is dropped, a new one
    // got and use() called once more.
    template <typename Use>
    auto with_session(Use&& use) const -> std::invoke_result_t<Use&, const Session&> {
        return m_sessions.with_session(m_policies.login, m_deadline, std::forward<Use>(use));
    }

    // A usable session, from the cache or a new login.
    [[nodiscard]] Session session() const { return m_sessions.get(m_policies.login, m_deadline); }

    // Throws the error the non-2xx `response` means (throw_service_error with the decoder).
    [[noreturn]] void fail(std::string_view what, const Response& response) const;

    [[nodiscard]] Client& http() const { return m_http; }
    [[nodiscard]] const SessionCache& sessions() const { return m_sessions; }
    [[nodiscard]] const Deadline& deadline() const { return m_deadline; }

private:
    Client& m_http;
    const SessionCache& m_sessions;
    const Deadline& m_deadline;
    ApiPolicies m_policies;
};

} // namespace pm::http
