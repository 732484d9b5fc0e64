// Keystone v3: projects, users, roles and assignments.
#include <fmt/format.h>

#include "pm/json.hpp"

#include "pmopenstack/api/parse.hpp"
#include "pmopenstack/api/services.hpp"

namespace pm::openstack::api {
namespace {

using http::Method;
constexpr auto k_keystone = Service::identity;

template <typename T, typename Parse>
std::optional<T> first_of(const Reply& reply, std::string_view key, Parse parse) {
    const auto doc = reply.json(fmt::format("reply of Keystone GET /{}", key));
    const auto items = doc.root().at(key).items();
    if (items.empty()) {
        return std::nullopt;
    }
    return parse(items.front());
}

} // namespace

std::optional<Named> find_domain(const Cloud& cloud, std::string_view name_or_id) {
    // Names are what admins write ("Default"); ids are tried when no name matches.
    const auto by_name =
        cloud.call(k_keystone, Method::get, fmt::format("/domains?name={}", encode(name_or_id)));
    if (auto found = first_of<Named>(by_name, "domains", parse_named)) {
        return found;
    }
    const auto by_id = cloud.call(k_keystone, Method::get,
                                  fmt::format("/domains/{}", encode(name_or_id)), {}, {404});
    if (!by_id.ok()) {
        return std::nullopt;
    }
    return parse_named(by_id.json("reply of Keystone GET /domains/{id}").root().at("domain"));
}

std::optional<Project> get_project(const Cloud& cloud, std::string_view id) {
    const auto reply =
        cloud.call(k_keystone, Method::get, fmt::format("/projects/{}", encode(id)), {}, {404});
    if (!reply.ok()) {
        return std::nullopt;
    }
    return parse_project(reply.json("reply of Keystone GET /projects/{id}").root().at("project"));
}

std::optional<Project> find_project(const Cloud& cloud, std::string_view name,
                                    std::string_view domain_id) {
    const auto reply =
        cloud.call(k_keystone, Method::get,
                   fmt::format("/projects?name={}&domain_id={}", encode(name), encode(domain_id)));
    return first_of<Project>(reply, "projects", parse_project);
}

std::optional<Project> create_project(const Cloud& cloud, const NewProject& spec) {
    json::Writer body;
    body.begin_object().key("project").begin_object();
    body.member("name", spec.name)
        .member("domain_id", spec.domain_id)
        .member("description", spec.description)
        .member("enabled", true);
    body.end_object().end_object();
    const auto reply = cloud.call(k_keystone, Method::post, "/projects", body.str(), {409});
    if (reply.status == 409) {
        return std::nullopt;
    }
    return parse_project(reply.json("reply of Keystone POST /projects").root().at("project"));
}

void set_project_enabled(const Cloud& cloud, std::string_view id, bool enabled) {
    json::Writer body;
    body.begin_object().key("project").begin_object().member("enabled", enabled);
    body.end_object().end_object();
    // Setting a flag to a value is safe to repeat.
    (void)cloud.call(k_keystone, Method::patch, fmt::format("/projects/{}", encode(id)), body.str(),
                     {}, http::Idempotency::idempotent);
}

bool delete_project(const Cloud& cloud, std::string_view id) {
    return cloud.call(k_keystone, Method::del, fmt::format("/projects/{}", encode(id)), {}, {404})
        .ok();
}

std::optional<User> get_user(const Cloud& cloud, std::string_view id) {
    const auto reply =
        cloud.call(k_keystone, Method::get, fmt::format("/users/{}", encode(id)), {}, {404});
    if (!reply.ok()) {
        return std::nullopt;
    }
    return parse_user(reply.json("reply of Keystone GET /users/{id}").root().at("user"));
}

std::optional<User> find_user(const Cloud& cloud, std::string_view name,
                              std::string_view domain_id) {
    const auto reply =
        cloud.call(k_keystone, Method::get,
                   fmt::format("/users?name={}&domain_id={}", encode(name), encode(domain_id)));
    return first_of<User>(reply, "users", parse_user);
}

std::optional<User> create_user(const Cloud& cloud, const NewUser& spec) {
    json::Writer body;
    body.begin_object().key("user").begin_object();
    body.member("name", spec.name)
        .member("domain_id", spec.domain_id)
        .member("password", spec.password)
        .member("default_project_id", spec.default_project_id)
        .member("description", spec.description)
        .member("enabled", true);
    body.end_object().end_object();
    const auto reply = cloud.call(k_keystone, Method::post, "/users", body.str(), {409});
    if (reply.status == 409) {
        return std::nullopt;
    }
    return parse_user(reply.json("reply of Keystone POST /users").root().at("user"));
}

void set_user_enabled(const Cloud& cloud, std::string_view id, bool enabled) {
    json::Writer body;
    body.begin_object().key("user").begin_object().member("enabled", enabled);
    body.end_object().end_object();
    (void)cloud.call(k_keystone, Method::patch, fmt::format("/users/{}", encode(id)), body.str(),
                     {}, http::Idempotency::idempotent);
}

bool delete_user(const Cloud& cloud, std::string_view id) {
    return cloud.call(k_keystone, Method::del, fmt::format("/users/{}", encode(id)), {}, {404})
        .ok();
}

std::optional<Named> find_role(const Cloud& cloud, std::string_view name) {
    const auto reply =
        cloud.call(k_keystone, Method::get, fmt::format("/roles?name={}", encode(name)));
    return first_of<Named>(reply, "roles", parse_named);
}

void assign_role(const Cloud& cloud, std::string_view project, std::string_view user,
                 std::string_view role) {
    (void)cloud.call(
        k_keystone, Method::put,
        fmt::format("/projects/{}/users/{}/roles/{}", encode(project), encode(user), encode(role)));
}

bool has_role(const Cloud& cloud, std::string_view project, std::string_view user,
              std::string_view role) {
    return cloud
        .call(k_keystone, Method::head,
              fmt::format("/projects/{}/users/{}/roles/{}", encode(project), encode(user),
                          encode(role)),
              {}, {404})
        .ok();
}

} // namespace pm::openstack::api
