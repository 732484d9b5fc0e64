// Everything an operation needs to talk to the module's OpenStack: the service connection of
// the module params (pm/service.hpp: HTTP client, session caches, polling within the
// deadline), the admin client (a token scoped to the admin project, cached per (url, user)),
// and clients scoped to a VDC project for what lands in the token's project (Nova servers,
// Cinder volumes).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "pm/context.hpp"
#include "pm/item_param.hpp" // save_item_param
#include "pm/service.hpp"

#include "pmopenstack/api/cloud.hpp"

namespace pm::openstack {

class Connection {
public:
    // Neither copied nor moved (the clients point into the service connection).
    explicit Connection(Context& context);
    ~Connection();

    // Scoped to the module's admin project.
    [[nodiscard]] const api::Cloud& admin() const { return *m_admin; }
    // Scoped to `project_id`. The module's admin user gets the admin role on the project
    // first when it lacks one (open gives it; VDCs from elsewhere may not have it).
    [[nodiscard]] const api::Cloud& project(const std::string& project_id);

    // Scoped to `project_id` as the VDC's own user `username` (in vdc_domain, a domain name)
    // with `password`: Keystone lets only the user create their application credentials.
    [[nodiscard]] const api::Cloud& as_user(const std::string& username,
                                            const std::string& password,
                                            const std::string& project_id);

    // The module's Keystone URL.
    [[nodiscard]] const std::string& auth_url() const { return m_credentials.auth_url; }

    // The id of the domain VDC projects and users live in (module param vdc_domain, a name
    // or an id, default Default), looked up once; ConfigError when Keystone has none.
    [[nodiscard]] const std::string& vdc_domain_id();

    // Polls `done` until it returns true, within the operation deadline.
    void wait_until(std::string_view what, const std::function<bool()>& done) const;

    [[nodiscard]] const Params& params() const { return m_context.module_params; }

private:
    Context& m_context;
    ServiceConnection m_service;
    api::Credentials m_credentials;
    api::Placement m_placement;
    std::unique_ptr<api::Cloud> m_admin;
    struct Scoped;
    std::map<std::string, std::unique_ptr<Scoped>> m_projects;
    std::string m_domain_id;
};

// "pm item <id>" / "pm object <id>": the marks (project and user descriptions, object
// descriptions or metadata) that let a rerun find what it created before its id was saved.
[[nodiscard]] std::string item_mark(ItemId item);
[[nodiscard]] std::string object_mark(ObjectId object);
// The metadata key of Nova servers and Cinder volumes that holds object_mark().
inline constexpr std::string_view k_mark_key = "pm";

} // namespace pm::openstack
