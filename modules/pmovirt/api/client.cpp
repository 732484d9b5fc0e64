#include "pmovirt/api/client.hpp"

#include <fmt/format.h>

#include "pm/redact.hpp"

#include "pmovirt/api/error.hpp"
#include "pmovirt/api/parse.hpp"

namespace pm::ovirt::api {
namespace {

http::ServiceError service_error(long status, std::string_view body) {
    const auto decoded = decode_error(status, body);
    return {decoded.message, decoded.code, decoded.is_auth};
}

void apply_token(http::Request& request, const Session& session) {
    request.headers.push_back({"Authorization", "Bearer " + session.token});
}

} // namespace

Client::Client(http::Client& http, std::string engine_url, Credentials credentials,
               const SessionCache& sessions, const Deadline& deadline)
    : m_engine(std::move(engine_url)), m_credentials(std::move(credentials)),
      m_api(http, sessions, deadline,
            {[this](const Deadline& d) { return this->login(d); }, apply_token, service_error}) {
    while (!m_engine.empty() && m_engine.back() == '/') {
        m_engine.pop_back();
    }
}

Session Client::login(const Deadline& deadline) const {
    const std::string form =
        fmt::format("grant_type=password&scope=ovirt-app-api&username={}&password={}",
                    http::percent_encode(m_credentials.username, true),
                    http::percent_encode(m_credentials.password, true));
    http::Request request{
        http::Method::post,
        m_engine + "/sso/oauth/token",
        {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}},
        form};
    // A token request creates nothing that matters: safe to repeat on any failure.
    const auto response = m_api.http().send(request, deadline, http::Idempotency::idempotent);
    if (!response.ok()) {
        m_api.fail("oVirt SSO login", response);
    }
    Session session;
    session.token = parse_token(response.body).access_token;
    register_secret(session.token);
    return session;
}

std::string Client::get(std::string_view path, std::string_view what) const {
    http::Request request{http::Method::get,
                          fmt::format("{}/api{}", m_engine, path),
                          {{"Accept", "application/json"}, {"Version", "4"}},
                          {}};
    return m_api.call(request, what).body;
}

ProductInfo Client::product_info() const {
    return parse_api_root(get("", "GET api"));
}

std::vector<Cluster> Client::clusters() const {
    return parse_clusters(get("/clusters", "GET clusters"));
}

} // namespace pm::ovirt::api
