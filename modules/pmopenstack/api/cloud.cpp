#include "pmopenstack/api/cloud.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/log.hpp"
#include "pm/redact.hpp"

#include "pmopenstack/api/parse.hpp"

namespace pm::openstack::api {
namespace {

std::string strip_slash(std::string url) {
    while (!url.empty() && url.back() == '/') {
        url.pop_back();
    }
    return url;
}

bool ends_with(std::string_view text, std::string_view tail) {
    return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Catalog service types of each service, in order of preference (api/openstack.md).
std::vector<std::string_view> service_types(Service service) {
    switch (service) {
    case Service::identity:
        return {"identity"};
    case Service::compute:
        return {"compute"};
    case Service::volume:
        return {"block-storage", "volumev3", "volume"};
    case Service::network:
        return {"network"};
    case Service::load_balancer:
        return {"load-balancer"};
    case Service::image:
        return {"image"};
    }
    return {};
}

// Catalog URLs are often versionless (Neutron's always is): add the API version we speak.
std::string versioned(Service service, std::string url, std::string_view project_id) {
    url = strip_slash(std::move(url));
    switch (service) {
    case Service::network:
        return ends_with(url, "/v2.0") ? url : url + "/v2.0";
    case Service::load_balancer:
        return ends_with(url, "/v2") || ends_with(url, "/v2.0") ? url : url + "/v2";
    case Service::image:
        return ends_with(url, "/v2") ? url : url + "/v2";
    case Service::compute:
        return contains(url, "/v2") ? url : url + "/v2.1";
    case Service::volume:
        return contains(url, "/v3") ? url : fmt::format("{}/v3/{}", url, project_id);
    case Service::identity:
        return url;
    }
    return url;
}

constexpr std::size_t k_body_excerpt = 200;

bool is_over_quota(long status, const ServiceError& error) {
    if (status == 413 || error.type == "OverQuota" || error.type == "overLimit") {
        return true;
    }
    const auto message = lower(error.message);
    return (status == 403 || status == 409) &&
           (contains(message, "quota") || contains(message, "over limit"));
}

// The error of any service (parse_error reads every shape), masked before it is cut: an error
// page that quotes our token (a gateway's header dump, "session <token> has expired") must not
// leave a tail of it that no longer matches.
http::ServiceError decode_error(long status, std::string_view body) {
    const auto error = parse_error(body);
    http::ServiceError decoded;
    decoded.message = redact(error.message);
    if (decoded.message.empty() && !body.empty()) {
        decoded.message = excerpt(body, k_body_excerpt);
    }
    if (is_over_quota(status, error)) {
        decoded.code = "over quota";
    }
    decoded.is_auth = status == 401;
    return decoded;
}

void apply_token(http::Request& request, const Session& session) {
    request.headers.push_back({"X-Auth-Token", session.token});
}

// `ours` with each key the link sets replaced by the link's value, and the link's other keys
// added: the query of the next page.
std::string merge_query(std::string_view ours, std::string_view link) {
    const auto split = [](std::string_view query) {
        std::vector<std::pair<std::string, std::string>> pairs;
        while (!query.empty()) {
            const auto amp = query.find('&');
            const auto part = query.substr(0, amp);
            const auto eq = part.find('=');
            if (!part.empty()) {
                pairs.emplace_back(std::string(part.substr(0, eq)),
                                   eq == std::string_view::npos ? std::string()
                                                                : std::string(part.substr(eq + 1)));
            }
            query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        }
        return pairs;
    };
    auto merged = split(ours);
    for (auto& [key, value] : split(link)) {
        const auto it = std::find_if(merged.begin(), merged.end(),
                                     [&](const auto& pair) { return pair.first == key; });
        if (it == merged.end()) {
            merged.emplace_back(key, value);
        } else {
            it->second = value;
        }
    }
    std::string out;
    for (const auto& [key, value] : merged) {
        out += (out.empty() ? "" : "&") + key + "=" + value;
    }
    return out;
}

// A login reply that cannot serve as a session: a glitch of Keystone or of a proxy in front
// of it, never cached, and temporary (exit 3): the next run logs in again.
class UnusableLogin final : public ProtocolError {
public:
    using ProtocolError::ProtocolError;
    [[nodiscard]] ExitCode exit_code() const noexcept override { return ExitCode::temporary; }
};

std::string what_of(Service service, http::Method method, std::string_view path) {
    return fmt::format("{} {} {}", service_name(service), http::method_name(method),
                       path.substr(0, path.find('?')));
}

} // namespace

std::string_view service_name(Service service) {
    switch (service) {
    case Service::identity:
        return "Keystone";
    case Service::compute:
        return "Nova";
    case Service::volume:
        return "Cinder";
    case Service::network:
        return "Neutron";
    case Service::load_balancer:
        return "Octavia";
    case Service::image:
        return "Glance";
    }
    return "OpenStack";
}

std::string encode(std::string_view text) {
    return http::percent_encode(text);
}

json::Document Reply::json(std::string_view context) const {
    return json::parse(body, context);
}

Cloud::Cloud(http::Client& http, Credentials credentials, Scope scope, Placement placement,
             const SessionCache& sessions, const Deadline& deadline)
    : m_credentials(std::move(credentials)), m_scope(std::move(scope)),
      m_placement(std::move(placement)),
      m_api(http, sessions, deadline,
            {[this](const Deadline& d) { return this->login(d); }, apply_token, decode_error}) {
    m_credentials.auth_url = strip_slash(m_credentials.auth_url);
    if (!ends_with(m_credentials.auth_url, "/v3")) {
        m_credentials.auth_url += "/v3";
    }
    if (m_placement.interface.empty()) {
        m_placement.interface = "public";
    }
}

Session Cloud::login(const Deadline& deadline) const {
    json::Writer body;
    body.begin_object().key("auth").begin_object();
    body.key("identity").begin_object();
    body.key("methods").begin_array().value("password").end_array();
    body.key("password").begin_object().key("user").begin_object();
    body.member("name", m_credentials.username);
    body.key("domain").begin_object().member("name", m_credentials.user_domain).end_object();
    body.member("password", m_credentials.password);
    body.end_object().end_object().end_object(); // user, password, identity
    body.key("scope").begin_object().key("project").begin_object();
    if (!m_scope.project_id.empty()) {
        body.member("id", m_scope.project_id);
    } else {
        body.member("name", m_scope.project_name);
        body.key("domain").begin_object().member("name", m_scope.project_domain).end_object();
    }
    body.end_object().end_object(); // project, scope
    body.end_object().end_object(); // auth, root
    http::Request request{http::Method::post,
                          m_credentials.auth_url + "/auth/tokens",
                          {{"Content-Type", "application/json"}, {"Accept", "application/json"}},
                          body.str()};
    // A login creates nothing: safe to repeat on any failure.
    const auto response = m_api.http().send(request, deadline, http::Idempotency::idempotent);
    if (!response.ok()) {
        m_api.fail("Keystone login", response);
    }
    const auto token = response.header("X-Subject-Token");
    if (!token || token->empty()) {
        throw ProtocolError("Keystone login: the reply has no X-Subject-Token header");
    }
    register_secret(*token);
    TokenInfo info;
    try {
        info = parse_token(json::parse(response.body, "reply of Keystone login").root());
    } catch (const ProtocolError& e) {
        throw UnusableLogin(e.what());
    }
    if (const auto problem = session_problem(info, Expiry::required); !problem.empty()) {
        throw UnusableLogin(
            fmt::format("Keystone login: the reply is not a usable session: {}", problem));
    }
    Session session;
    session.token = *token;
    session.expires_at = info.expires_at;
    session.data = serialize_token(info);
    return session;
}

Session Cloud::session() const {
    auto session = m_api.session();
    if (const auto problem = cached_problem(session); !problem.empty()) {
        log::warn("the cached Keystone session is not usable ({}); logging in again", problem);
        m_api.sessions().drop(session.token, deadline());
        session = m_api.session();
    }
    return session;
}

std::string Cloud::cached_problem(const Session& session) const {
    try {
        return session_problem(info(session), Expiry::ignored);
    } catch (const ProtocolError& e) {
        m_info_token.clear();
        return e.what();
    }
}

const TokenInfo& Cloud::info(const Session& session) const {
    if (m_info_token != session.token) {
        m_info = deserialize_token(session.data);
        m_info_token = session.token;
    }
    return m_info;
}

TokenInfo Cloud::token() const {
    return info(session());
}

TokenInfo Cloud::fresh_token() const {
    auto session = login(deadline());
    session.created_at = std::chrono::system_clock::now();
    m_api.sessions().store(session);
    return info(session);
}

std::string Cloud::endpoint(Service service) const {
    return endpoint(info(session()), service);
}

std::string Cloud::endpoint(const TokenInfo& token, Service service) const {
    if (service == Service::identity) {
        return m_credentials.auth_url;
    }
    for (const auto type : service_types(service)) {
        for (const auto& e : token.endpoints) {
            if (e.type == type && e.interface == m_placement.interface &&
                (m_placement.region.empty() || e.region == m_placement.region)) {
                return versioned(service, e.url, token.project_id);
            }
        }
    }
    throw ConfigError(fmt::format(
        "the OpenStack catalog has no {} endpoint ({}) for region {} and interface {}",
        service_name(service), service_types(service).front(),
        m_placement.region.empty() ? "(any)" : m_placement.region, m_placement.interface));
}

Reply Cloud::call(Service service, http::Method method, std::string_view path, std::string body,
                  std::initializer_list<long> accept, http::Idempotency idempotency,
                  const std::vector<http::Header>& headers) const {
    return m_api.with_session([&](const Session& session) {
        if (const auto problem = cached_problem(session); !problem.empty()) {
            // A cache written before its reply was checked: dropped, and a fresh login.
            throw AuthError(fmt::format("the cached Keystone session is not usable: {}", problem),
                            0);
        }
        http::Request request{method, endpoint(info(session), service) + std::string(path), headers,
                              body};
        request.headers.push_back({"Accept", "application/json"});
        if (!body.empty() || method == http::Method::post || method == http::Method::put ||
            method == http::Method::patch) {
            request.headers.push_back({"Content-Type", "application/json"});
        }
        const auto response =
            m_api.send(session, request, what_of(service, method, path), idempotency, accept);
        return Reply{response.status, response.body, response.request_id};
    });
}

void Cloud::for_each_page(Service service, std::string_view path, std::string_view links_key,
                          const std::function<void(const json::View&)>& page,
                          const std::vector<http::Header>& headers) const {
    const std::string base(path.substr(0, path.find('?')));
    std::string current(path);
    for (;;) {
        const auto reply = call(service, http::Method::get, current, {}, {},
                                http::Idempotency::by_method, headers);
        const auto doc = reply.json(fmt::format("reply of {} GET {}", service_name(service), base));
        const auto root = doc.root();
        page(root);
        std::string next;
        if (auto links = root.find(links_key)) {
            for (const auto& link : links->items()) {
                if (text(link, "rel") == "next") {
                    next = link.at("href").as_string();
                }
            }
        }
        if (next.empty()) {
            return;
        }
        // Follow the link on our own endpoint (services behind proxies write their internal
        // address into links), keeping our filters: Octavia's links carry only limit, sort
        // and marker.
        const auto q = next.find('?');
        const auto ours = current.find('?');
        const std::string current_query =
            ours == std::string::npos ? std::string() : current.substr(ours + 1);
        const std::string query = merge_query(
            current_query,
            q == std::string::npos ? std::string_view() : std::string_view(next).substr(q + 1));
        if (q == std::string::npos || query == current_query) {
            throw ProtocolError(fmt::format("{} GET {}: the next-page link does not move on: {}",
                                            service_name(service), base, redact(next)));
        }
        current = base + "?" + query;
    }
}

} // namespace pm::openstack::api
