// pmovirt's oVirt Engine client: one function per endpoint, over common's authenticated-API
// glue (pm/authenticated_api.hpp). It logs in with an SSO token (../shared/api/ovirt.md §2.1:
// `Accept: application/json` exactly), sends it as `Authorization: Bearer`, and on a 401 (an
// HTML page, §2.1) logs in once more and sends the request once more.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pm/authenticated_api.hpp"
#include "pm/deadline.hpp"
#include "pm/http.hpp"
#include "pm/session_cache.hpp"

#include "pmovirt/api/error.hpp"
#include "pmovirt/api/types.hpp"

namespace pm::ovirt::api {

// The engine's answer to an action or a delete: done, or refused with a 404 or 409 (the VM
// gone, not in a state for it, locked: §3.5), decoded. Any other failure throws.
struct Outcome {
    bool done = true;
    FaultKind refusal = FaultKind::other; // when !done
    long status = 0;                      // when !done
    std::string message;                  // when !done
};

// The power actions of §5.3 that pmovirt sends.
enum class Action { start, stop, shutdown, reboot };
[[nodiscard]] const char* to_string(Action action);

struct Credentials {
    std::string username; // e.g. admin@internal
    std::string password;
};

class Client {
public:
    // `engine_url` is the engine's base, `https://engine.example.com/ovirt-engine` (DESIGN §5).
    Client(http::Client& http, std::string engine_url, Credentials credentials,
           const SessionCache& sessions, const Deadline& deadline);
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // `GET /api`: the engine's product and version.
    [[nodiscard]] ProductInfo product_info() const;
    // `GET /api/clusters`: every cluster the user sees.
    [[nodiscard]] std::vector<Cluster> clusters() const;

    // `GET /api/storagedomains`: every storage domain the user sees (§7).
    [[nodiscard]] std::vector<StorageDomain> storage_domains() const;
    // `GET /api/templates/{id}/diskattachments` (§7): the template's disks (attachment id =
    // disk id, §6).
    [[nodiscard]] std::vector<DiskAttachment>
    template_disk_attachments(const std::string& template_id) const;

    // `GET /api/vnicprofiles` (§7).
    [[nodiscard]] std::vector<VnicProfile> vnic_profiles() const;
    // `GET /api/vms/{id}/nics` (§7); empty when the VM is gone.
    [[nodiscard]] std::vector<Nic> vm_nics(const std::string& vm_id) const;
    // `POST /api/vms/{id}/nics` with `body` (nic_add_body): sent once (not idempotent: the
    // caller reads the NICs again after an ambiguous failure); a 400/404/409 refusal (name in
    // use, unknown profile, VM gone) as an Outcome.
    [[nodiscard]] Outcome add_nic(const std::string& vm_id, const std::string& body,
                                  const std::string& correlation_id) const;
    // `PUT /api/vms/{id}/nics/{nic}` with `body` (nic_profile_body); refusals as an Outcome.
    [[nodiscard]] Outcome update_nic(const std::string& vm_id, const std::string& nic_id,
                                     const std::string& body,
                                     const std::string& correlation_id) const;

    // `GET /api/vms/{id}`; nullopt when the engine answers 404 (§3.3: no such VM, any more).
    [[nodiscard]] std::optional<Vm> vm(const std::string& id) const;
    // The VM of exactly that name (`GET /api/vms?search=name="…"`, compared exactly, §7).
    [[nodiscard]] std::optional<Vm> vm_named(const std::string& name) const;
    // `POST /api/vms/{id}/<action>` with `body` (api/body.hpp) and `correlation_id` (§4.3).
    // Sent again after a failure with no answer: the caller checks the VM's state first, and
    // the engine refuses a repeated start, stop or reboot with a 409 (§3.5).
    [[nodiscard]] Outcome act(const std::string& id, Action action, const std::string& body,
                              const std::string& correlation_id) const;
    // `GET /api/templates?search=name="…"`: every version of the templates of exactly that
    // name (§5.1: versions share one name; newest_template picks the one to use).
    [[nodiscard]] std::vector<Template> templates_named(const std::string& name) const;
    // `GET /api/templates`: every version of every template the user sees (§7).
    [[nodiscard]] std::vector<Template> templates() const;
    // `GET /api/templates/{id}`; nullopt when the engine answers 404.
    [[nodiscard]] std::optional<Template> template_by_id(const std::string& id) const;
    // `POST /api/vms[?clone=true]` with `body` (vm_create_body) and `correlation_id` (§5.1,
    // §11 step 4). Sent once (a create is not idempotent: the caller looks the VM up by its
    // name after an ambiguous failure). The VM of a 200/201/202 (image_locked while its disks
    // are copied), else the engine's 400/404/409 refusal decoded (name in use, locked, low
    // space, entity not found…) in `refusal`.
    struct Created {
        std::optional<Vm> vm;
        Outcome refusal; // when !vm
    };
    [[nodiscard]] Created create_vm(const std::string& body, bool clone,
                                    const std::string& correlation_id) const;
    // `GET /api/vms/{id}/diskattachments?follow=disk` (§6); empty when the VM is gone.
    [[nodiscard]] std::vector<DiskAttachment> disk_attachments(const std::string& vm_id) const;
    // `PUT /api/vms/{id}/diskattachments/{aid}` `{"disk":{"provisioned_size":"N"}}` (§6): done,
    // or a 400/404/409 refusal (disk locked, smaller than it is, VM gone) as an Outcome.
    [[nodiscard]] Outcome extend_disk(const std::string& vm_id, const std::string& attachment_id,
                                      std::int64_t provisioned_size,
                                      const std::string& correlation_id) const;
    // `PUT /api/vms/{id}` with `body` (vm_update_body) (§5.5): done (the engine answers 200
    // with the VM), or a 400/404/409 refusal (locked, memory rules, VM gone) as an Outcome.
    // Idempotent: the same body twice leaves the VM as once.
    [[nodiscard]] Outcome update_vm(const std::string& id, const std::string& body,
                                    const std::string& correlation_id) const;
    // `DELETE /api/vms/{id}` (§5.7): a 404 (already gone) or 409 comes back as an Outcome.
    [[nodiscard]] Outcome remove_vm(const std::string& id, const std::string& correlation_id) const;

private:
    Session login(const Deadline& deadline) const;
    [[nodiscard]] std::string get(std::string_view path, std::string_view what) const;
    [[nodiscard]] http::Request request(http::Method method, std::string_view path) const;
    [[nodiscard]] Outcome refused_or_done(const http::Response& response) const;

    std::string m_engine;
    Credentials m_credentials;
    http::AuthenticatedApi m_api;
};

} // namespace pm::ovirt::api
