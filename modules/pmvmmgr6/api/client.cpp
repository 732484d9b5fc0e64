#include "pmvmmgr6/api/client.hpp"

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/json.hpp"
#include "pm/redact.hpp"

#include "pmvmmgr6/api/parse.hpp"

namespace pm::vmmgr6::api {

struct Client::Reply {
    std::string body;
};

namespace {

// A `where=` string value: quoted, a quote doubled and a backslash escaped (the filter
// parser reads `\x` as `x`), so that no value can end the quote early (PROBE D20).
std::string quote(std::string_view value) {
    std::string out = "'";
    for (const char c : value) {
        if (c == '\\') {
            out += '\\';
        }
        out += c;
        if (c == '\'') {
            out += '\'';
        }
    }
    return out + "'";
}

// Error codes VMmanager uses for a dead or foreign session (api/vmmanager6.md: 1000, 3001).
bool is_auth_failure(long status, std::optional<std::int64_t> code) {
    if (code && (*code == 1000 || *code == 3001)) {
        return true;
    }
    // A 403 with another code is a missing permission (e.g. 1001 "admin only"), which a new
    // login would not cure.
    return status == 401 || (status == 403 && !code);
}

// {"error": {"msg": …, "code": …}}, or an excerpt of a reply that is not that.
http::ServiceError decode_error(long status, std::string_view body) {
    http::ServiceError error;
    std::optional<std::int64_t> code;
    try {
        const auto doc = json::parse(body, "error reply");
        const auto reply = doc.root().at("error");
        if (auto msg = reply.find("msg")) {
            error.message = msg->as_string();
        }
        if (auto c = reply.find("code")) {
            code = c->as_int64_or_string();
        }
    } catch (const Error&) {
        // Masked before it is cut, so that a token quoted in an error page leaves no tail.
        error.message = excerpt(body, 200);
    }
    if (code) {
        error.code = fmt::format("code {}", *code);
    }
    error.is_auth = is_auth_failure(status, code);
    return error;
}

// The session travels as the XSRF header and the ses6 cookie (api/vmmanager6.md §2).
void apply_session(http::Request& request, const Session& session) {
    request.headers.push_back({"x-xsrf-token", session.token});
    request.headers.push_back({"Cookie", "ses6=" + session.token});
}

} // namespace

std::string where_eq(std::string_view field, std::string_view value) {
    return http::percent_encode(fmt::format("({} EQ {})", field, quote(value)), true);
}

Client::Client(http::Client& http, std::string base_url, Credentials credentials,
               const SessionCache& sessions, const Deadline& deadline)
    : m_base_url(std::move(base_url)), m_credentials(std::move(credentials)),
      m_api(http, sessions, deadline,
            {[this](const Deadline& d) { return this->login(d); }, apply_session, decode_error}) {
    while (!m_base_url.empty() && m_base_url.back() == '/') {
        m_base_url.pop_back();
    }
}

Session Client::login(const Deadline& deadline) const {
    json::Writer body;
    body.begin_object()
        .member("email", m_credentials.email)
        .member("password", m_credentials.password)
        .end_object();
    http::Request request{http::Method::post,
                          m_base_url + "/auth/v4/public/token",
                          {{"Content-Type", "application/json"}},
                          body.str()};
    // Login creates nothing: safe to repeat on any failure.
    const auto response = m_api.http().send(request, deadline, http::Idempotency::idempotent);
    if (!response.ok()) {
        m_api.fail("VMmanager login", response);
    }
    Session session;
    session.token = parse_token(response.body);
    register_secret(session.token);
    return session;
}

Client::Reply Client::call(http::Method method, std::string_view path, std::string body,
                           http::Idempotency idempotency) const {
    http::Request request{method, m_base_url + std::string(path), {}, std::move(body)};
    if (method == http::Method::post) {
        request.headers.push_back({"Content-Type", "application/json"});
    }
    const auto what =
        fmt::format("VMmanager {} {}", http::method_name(method), path.substr(0, path.find('?')));
    return Reply{m_api.call(request, what, idempotency).body};
}

MaybeTask Client::post_task(std::string_view path, std::string body, std::string name,
                            http::Idempotency idempotency) const {
    const auto reply = call(http::Method::post, path, std::move(body), idempotency);
    return parse_task(reply.body, path, std::move(name));
}

User Client::whoami() const {
    return parse_user(call(http::Method::get, "/auth/v4/whoami", {}).body);
}

std::optional<Cluster> Client::cluster(std::int64_t id) const {
    const auto reply =
        call(http::Method::get, "/vm/v3/cluster?where=" + where_eq("id", std::to_string(id)), {});
    auto clusters = parse_clusters(reply.body);
    if (clusters.empty()) {
        return std::nullopt;
    }
    return clusters.front();
}

std::vector<Os> Client::os_list() const {
    return parse_os_list(call(http::Method::get, "/vm/v3/os", {}).body);
}

std::optional<std::int64_t> Client::find_account(std::string_view email) const {
    const auto reply =
        call(http::Method::get, "/vm/v3/account?where=" + where_eq("email", email), {});
    return parse_first_id(reply.body);
}

std::int64_t Client::create_account(std::string_view email, std::string_view password) const {
    json::Writer body;
    body.begin_object()
        .member("email", email)
        .member("password", password)
        .member("role", "@user")
        .end_object();
    // Never repeated blindly: the caller looks the user up by email before creating again.
    return parse_id(
        call(http::Method::post, "/vm/v3/account", body.str(), http::Idempotency::not_idempotent)
            .body,
        "account create");
}

std::optional<Host> Client::host(std::int64_t id) const {
    const auto reply =
        call(http::Method::get, "/vm/v3/host?where=" + where_eq("id", std::to_string(id)), {});
    auto hosts = parse_hosts(reply.body);
    if (hosts.empty()) {
        return std::nullopt;
    }
    return hosts.front();
}

std::vector<Address> Client::host_ipv4(std::int64_t host) const {
    return parse_ipv4_list(
        call(http::Method::get, fmt::format("/vm/v3/host/{}/ipv4", host), {}).body);
}

std::vector<Host> Client::hosts_named(std::string_view name) const {
    return parse_hosts(
        call(http::Method::get, "/vm/v3/host?where=" + where_eq("name", name), {}).body);
}

Created Client::create_host(const HostCreate& spec) const {
    // Never repeated blindly: the caller looks the VM up by its comment before creating.
    const auto reply = call(http::Method::post, "/vm/v3/host", host_create_body(spec),
                            http::Idempotency::not_idempotent);
    return parse_created(reply.body);
}

MaybeTask Client::start(std::int64_t host) const {
    return post_task(fmt::format("/vm/v3/host/{}/start", host), "{}", "host_start");
}

MaybeTask Client::stop(std::int64_t host) const {
    return post_task(fmt::format("/vm/v3/host/{}/stop", host), "{}", "host_stop");
}

Restart Client::restart(std::int64_t host) const {
    const auto reply = call(http::Method::post, fmt::format("/vm/v3/host/{}/restart", host), "{}");
    return parse_restart(reply.body);
}

std::optional<MaybeTask> Client::delete_host(std::int64_t host) const {
    try {
        const auto reply = call(http::Method::del, fmt::format("/vm/v3/host/{}", host), {});
        return parse_task(reply.body, "host delete", "host_delete");
    } catch (const ApiError& e) {
        if (e.status() == 404) {
            return std::nullopt;
        }
        throw;
    }
}

MaybeTask Client::change_resources(std::int64_t host, const Resources& resources,
                                   Defer defer) const {
    json::Writer body;
    body.begin_object();
    if (resources.cpu_number) {
        body.member("cpu_number", *resources.cpu_number);
    }
    if (resources.ram_mib) {
        body.member("ram_mib", *resources.ram_mib);
    }
    if (defer == Defer::until_stop) {
        body.key("defer").begin_object().member("action", "host_stop").end_object();
    }
    body.end_object();
    // Absolute values: repeating the same change changes nothing more; a deferred one would
    // queue a second change, so only an immediate one is repeated.
    return post_task(fmt::format("/vm/v3/host/{}/resource", host), body.str(), "host_change_params",
                     defer == Defer::no ? http::Idempotency::idempotent
                                        : http::Idempotency::by_method);
}

MaybeTask Client::resize_disk(std::int64_t disk, std::int64_t size_mib) const {
    json::Writer body;
    body.begin_object().member("size_mib", size_mib).end_object();
    // An absolute size: safe to repeat.
    return post_task(fmt::format("/vm/v3/disk/{}", disk), body.str(), "disk_resize",
                     http::Idempotency::idempotent);
}

MaybeTask Client::change_ipv4(std::int64_t host, std::int64_t delta) const {
    json::Writer body;
    body.begin_object().member("ipv4_number", delta).end_object();
    // A delta: a repeat would add the addresses twice, so it is never repeated blindly.
    return post_task(fmt::format("/vm/v3/host/{}/ip", host), body.str(), "ip_change");
}

MaybeTask Client::reinstall(std::int64_t host, std::int64_t os, std::string_view password) const {
    json::Writer body;
    body.begin_object().member("os", os).member("password", password).end_object();
    return post_task(fmt::format("/vm/v3/host/{}/reinstall", host), body.str(), "host_reinstall");
}

MaybeTask Client::change_password(std::int64_t host, std::string_view password) const {
    json::Writer body;
    body.begin_object().member("password", password).end_object();
    // The task name is unknown (api §2): polled by consul id alone. Setting the same password
    // twice is harmless.
    return post_task(fmt::format("/vm/v3/host/{}/password", host), body.str(), {},
                     http::Idempotency::idempotent);
}

MaybeTask Client::change_owner(std::int64_t host, std::int64_t account) const {
    json::Writer body;
    body.begin_object().member("account", account).end_object();
    // The task name is unknown (api §2): polled by consul id alone. An absolute owner: safe to
    // repeat.
    return post_task(fmt::format("/vm/v3/host/{}/account", host), body.str(), {},
                     http::Idempotency::idempotent);
}

std::vector<TaskRef> Client::run_recipe(std::int64_t host, std::int64_t recipe,
                                        const std::vector<RecipeParam>& params) const {
    json::Writer body;
    body.begin_object().member("recipe", recipe);
    if (!params.empty()) {
        body.key("recipe_params").begin_array();
        for (const auto& param : params) {
            body.begin_object()
                .member("name", param.name)
                .member("value", param.value)
                .end_object();
        }
        body.end_array();
    }
    body.end_object();
    const auto path = fmt::format("/vm/v3/host/{}/runrecipe", host);
    return parse_recipe_run(call(http::Method::post, path, body.str()).body);
}

void Client::rename_host(std::int64_t host, std::string_view name, std::string_view comment) const {
    json::Writer body;
    body.begin_object().member("name", name).member("comment", comment).end_object();
    (void)call(http::Method::post, fmt::format("/vm/v3/host/{}", host), body.str(),
               http::Idempotency::idempotent);
}

void Client::set_ptr(std::int64_t ip, std::string_view domain) const {
    json::Writer body;
    body.begin_object().member("domain", domain).end_object();
    (void)call(http::Method::post, fmt::format("/vm/v3/ip/{}/ptr", ip), body.str(),
               http::Idempotency::idempotent);
}

TaskStatus Client::task(const TaskRef& task) const {
    const std::string where = http::percent_encode(
        task.name.empty() ? fmt::format("(consul_id EQ '{}')", task.consul_id)
                          : fmt::format("((consul_id EQ '{}') AND (name EQ {}))", task.consul_id,
                                        quote(task.name)),
        true);
    return parse_task_status(call(http::Method::get, "/vm/v3/task?where=" + where, {}).body);
}

} // namespace pm::vmmgr6::api
