#include "pmovirt/api/client.hpp"

#include <fmt/format.h>

#include "pm/redact.hpp"

#include "pmovirt/api/body.hpp"
#include "pmovirt/api/error.hpp"
#include "pmovirt/api/parse.hpp"
#include "pmovirt/api/search.hpp"

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

http::Request Client::request(http::Method method, std::string_view path) const {
    return {method,
            fmt::format("{}/api{}", m_engine, path),
            {{"Accept", "application/json"}, {"Version", "4"}},
            {}};
}

std::string Client::get(std::string_view path, std::string_view what) const {
    return m_api.call(request(http::Method::get, path), what).body;
}

ProductInfo Client::product_info() const {
    return parse_api_root(get("", "GET api"));
}

std::vector<Cluster> Client::clusters() const {
    return parse_clusters(get("/clusters", "GET clusters"));
}

std::vector<StorageDomain> Client::storage_domains() const {
    return parse_storage_domains(get("/storagedomains", "GET storagedomains"));
}

std::vector<DiskAttachment>
Client::template_disk_attachments(const std::string& template_id) const {
    return parse_disk_attachments(
        get("/templates/" + http::percent_encode(template_id) + "/diskattachments",
            "GET templates/" + template_id + "/diskattachments"));
}

std::vector<VnicProfile> Client::vnic_profiles() const {
    return parse_vnic_profiles(get("/vnicprofiles", "GET vnicprofiles"));
}

std::vector<Nic> Client::vm_nics(const std::string& vm_id) const {
    const auto path = "/vms/" + http::percent_encode(vm_id) + "/nics";
    const auto response = m_api.call(request(http::Method::get, path), "GET vms/" + vm_id + "/nics",
                                     http::Idempotency::by_method, {404});
    if (response.status == 404) {
        return {};
    }
    return parse_nics(response.body);
}

Outcome Client::add_nic(const std::string& vm_id, const std::string& body,
                        const std::string& correlation_id) const {
    auto post = request(http::Method::post, "/vms/" + http::percent_encode(vm_id) + "/nics");
    post.headers.push_back({"Content-Type", "application/json"});
    post.headers.push_back({"Correlation-Id", sanitized_correlation_id(correlation_id)});
    post.body = body;
    const auto response = m_api.call(post, "POST vms/" + vm_id + "/nics",
                                     http::Idempotency::not_idempotent, {400, 404, 409});
    if (response.status == 400 || response.status == 404 || response.status == 409) {
        const auto decoded = decode_error(response.status, response.body);
        return {false, decoded.kind, response.status, decoded.message};
    }
    return {};
}

Outcome Client::update_nic(const std::string& vm_id, const std::string& nic_id,
                           const std::string& body, const std::string& correlation_id) const {
    auto put =
        request(http::Method::put, fmt::format("/vms/{}/nics/{}", http::percent_encode(vm_id),
                                               http::percent_encode(nic_id)));
    put.headers.push_back({"Content-Type", "application/json"});
    put.headers.push_back({"Correlation-Id", sanitized_correlation_id(correlation_id)});
    put.body = body;
    const auto response = m_api.call(put, fmt::format("PUT vms/{}/nics/{}", vm_id, nic_id),
                                     http::Idempotency::idempotent, {400, 404, 409});
    if (response.status == 400 || response.status == 404 || response.status == 409) {
        const auto decoded = decode_error(response.status, response.body);
        return {false, decoded.kind, response.status, decoded.message};
    }
    return {};
}

std::optional<Vm> Client::vm(const std::string& id) const {
    const auto path = "/vms/" + http::percent_encode(id);
    const auto response = m_api.call(request(http::Method::get, path), "GET vms/" + id,
                                     http::Idempotency::by_method, {404});
    if (response.status == 404) {
        return std::nullopt;
    }
    return parse_vm(response.body);
}

std::optional<Vm> Client::vm_named(const std::string& name) const {
    const auto search = Search::name_is(name);
    const auto path = "/vms?search=" + http::percent_encode(search.text()) + "&case_sensitive=true";
    return find_vm_named(parse_vms(get(path, "GET vms?search=name")), name);
}

std::vector<Template> Client::templates_named(const std::string& name) const {
    const auto search = Search::name_is(name);
    const auto path =
        "/templates?search=" + http::percent_encode(search.text()) + "&case_sensitive=true";
    return parse_templates(get(path, "GET templates?search=name"));
}

std::vector<Template> Client::templates() const {
    return parse_templates(get("/templates", "GET templates"));
}

std::optional<Template> Client::template_by_id(const std::string& id) const {
    const auto path = "/templates/" + http::percent_encode(id);
    const auto response = m_api.call(request(http::Method::get, path), "GET templates/" + id,
                                     http::Idempotency::by_method, {404});
    if (response.status == 404) {
        return std::nullopt;
    }
    return parse_template(response.body);
}

Client::Created Client::create_vm(const std::string& body, bool clone,
                                  const std::string& correlation_id) const {
    auto post = request(http::Method::post, clone ? "/vms?clone=true" : "/vms");
    post.headers.push_back({"Content-Type", "application/json"});
    post.headers.push_back({"Correlation-Id", sanitized_correlation_id(correlation_id)});
    post.body = body;
    const auto response =
        m_api.call(post, "POST vms", http::Idempotency::not_idempotent, {400, 404, 409});
    if (create_accepted(response.status)) {
        return {parse_vm(response.body), {}};
    }
    const auto decoded = decode_error(response.status, response.body);
    return {std::nullopt, {false, decoded.kind, response.status, decoded.message}};
}

std::vector<DiskAttachment> Client::disk_attachments(const std::string& vm_id) const {
    const auto path = "/vms/" + http::percent_encode(vm_id) + "/diskattachments?follow=disk";
    const auto response =
        m_api.call(request(http::Method::get, path), "GET vms/" + vm_id + "/diskattachments",
                   http::Idempotency::by_method, {404});
    if (response.status == 404) {
        return {};
    }
    return parse_disk_attachments(response.body);
}

Outcome Client::extend_disk(const std::string& vm_id, const std::string& attachment_id,
                            std::int64_t provisioned_size,
                            const std::string& correlation_id) const {
    auto put = request(http::Method::put,
                       fmt::format("/vms/{}/diskattachments/{}", http::percent_encode(vm_id),
                                   http::percent_encode(attachment_id)));
    put.headers.push_back({"Content-Type", "application/json"});
    put.headers.push_back({"Correlation-Id", sanitized_correlation_id(correlation_id)});
    put.body = disk_extend_body(provisioned_size);
    const auto response =
        m_api.call(put, fmt::format("PUT vms/{}/diskattachments/{}", vm_id, attachment_id),
                   http::Idempotency::idempotent, {400, 404, 409});
    if (response.status == 400 || response.status == 404 || response.status == 409) {
        const auto decoded = decode_error(response.status, response.body);
        return {false, decoded.kind, response.status, decoded.message};
    }
    return {};
}

Outcome Client::update_vm(const std::string& id, const std::string& body,
                          const std::string& correlation_id) const {
    auto put = request(http::Method::put, "/vms/" + http::percent_encode(id));
    put.headers.push_back({"Content-Type", "application/json"});
    put.headers.push_back({"Correlation-Id", sanitized_correlation_id(correlation_id)});
    put.body = body;
    const auto response =
        m_api.call(put, "PUT vms/" + id, http::Idempotency::idempotent, {400, 404, 409});
    if (response.status == 400 || response.status == 404 || response.status == 409) {
        const auto decoded = decode_error(response.status, response.body);
        return {false, decoded.kind, response.status, decoded.message};
    }
    return {};
}

Outcome Client::refused_or_done(const http::Response& response) const {
    if (response.status != 404 && response.status != 409) {
        const auto result = parse_action(response.body);
        if (result.fault) { // a 2xx carrying a failed action: the engine's own refusal
            return {false, decode_error(response.status, response.body).kind, response.status,
                    *result.fault};
        }
        return {};
    }
    const auto decoded = decode_error(response.status, response.body);
    return {false, decoded.kind, response.status, decoded.message};
}

Outcome Client::act(const std::string& id, Action action, const std::string& body,
                    const std::string& correlation_id) const {
    auto post = request(http::Method::post,
                        fmt::format("/vms/{}/{}", http::percent_encode(id), to_string(action)));
    post.headers.push_back({"Content-Type", "application/json"});
    post.headers.push_back({"Correlation-Id", sanitized_correlation_id(correlation_id)});
    post.body = body;
    return refused_or_done(m_api.call(post, fmt::format("POST vms/{}/{}", id, to_string(action)),
                                      http::Idempotency::idempotent, {404, 409}));
}

Outcome Client::remove_vm(const std::string& id, const std::string& correlation_id) const {
    auto del = request(http::Method::del, "/vms/" + http::percent_encode(id));
    del.headers.push_back({"Correlation-Id", sanitized_correlation_id(correlation_id)});
    return refused_or_done(
        m_api.call(del, "DELETE vms/" + id, http::Idempotency::idempotent, {404, 409}));
}

const char* to_string(Action action) {
    switch (action) {
    case Action::start:
        return "start";
    case Action::stop:
        return "stop";
    case Action::shutdown:
        return "shutdown";
    case Action::reboot:
        return "reboot";
    }
    return "start";
}

} // namespace pm::ovirt::api
