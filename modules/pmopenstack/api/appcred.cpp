// Keystone v3 application credentials (api/console-zabbix.md §3): created by the user
// themselves with a project-scoped token, listed and deleted by the admin.
#include <fmt/format.h>

#include "pm/json.hpp"
#include "pm/redact.hpp"

#include "pmopenstack/api/services.hpp"

namespace pm::openstack::api {

NewAppCredential create_app_credential(const Cloud& own, std::string_view user,
                                       std::string_view name) {
    json::Writer body;
    body.begin_object().key("application_credential").begin_object();
    body.member("name", name).member("description", "pm console add-on");
    body.end_object().end_object();
    // Never repeated blindly: a name taken by a lost create is a 409, and the caller's
    // retire step deletes every credential but the one it keeps.
    const auto reply = own.call(Service::identity, http::Method::post,
                                fmt::format("/users/{}/application_credentials", encode(user)),
                                body.str(), {}, http::Idempotency::not_idempotent);
    const auto doc = reply.json("reply of Keystone POST /users/{id}/application_credentials");
    const auto cred = doc.root().at("application_credential");
    NewAppCredential out{cred.at("id").as_string(), cred.at("name").as_string(),
                         cred.at("secret").as_string()};
    register_secret(out.secret);
    return out;
}

std::vector<Named> app_credentials(const Cloud& cloud, std::string_view user) {
    const auto reply =
        cloud.call(Service::identity, http::Method::get,
                   fmt::format("/users/{}/application_credentials", encode(user)), {}, {404});
    std::vector<Named> out;
    if (!reply.ok()) {
        return out;
    }
    const auto doc = reply.json("reply of Keystone GET /users/{id}/application_credentials");
    for (const auto& cred : doc.root().at("application_credentials").items()) {
        out.push_back(Named{cred.at("id").as_string(), cred.at("name").as_string()});
    }
    return out;
}

bool delete_app_credential(const Cloud& cloud, std::string_view user, std::string_view id) {
    const auto reply = cloud.call(
        Service::identity, http::Method::del,
        fmt::format("/users/{}/application_credentials/{}", encode(user), encode(id)), {}, {404});
    return reply.ok();
}

} // namespace pm::openstack::api
