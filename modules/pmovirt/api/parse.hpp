// Reply bodies of the oVirt Engine REST API v4 (JSON) to the structs of api/types.hpp.
// Every reader goes through pm::json::View: a reply of an unexpected shape (malformed JSON,
// a wrong type, a missing id) is a ProtocolError naming the reply and the JSON path, never a
// crash. Scalars are read as the engine writes them and as it plausibly might (§3.2):
// booleans as "true"/"false" or JSON booleans, integers as digit strings or numbers, dates as
// epoch milliseconds (numbers, or digit strings). Collections are `{"<type>":[…]}`; an empty
// one may be `{}`, `{"<type>":[]}` or `{"<type>":null}` (§3.2 [I]); nested lists are wrapped
// twice (`"nics":{"nic":[…]}`), and an empty wrapper may be `{}` or absent.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pmovirt/api/types.hpp"

namespace pm::ovirt::api {

// VmStatus of its JSON name ("image_locked"); `unrecognised` for any other text.
[[nodiscard]] VmStatus vm_status_of(std::string_view text);
[[nodiscard]] const char* to_string(VmStatus status);

// `POST /ovirt-engine/sso/oauth/token` (§2.1). A body carrying `error` (either SSO error
// shape) throws AuthError; no `access_token` throws ProtocolError. An array-wrapped reply
// (`[{…}]`, accepted by go-ovirt, §8.2) is read as its first element.
[[nodiscard]] Token parse_token(std::string_view body);
// `GET /ovirt-engine/api` (§7): product_info.
[[nodiscard]] ProductInfo parse_api_root(std::string_view body);

// `GET /vms/{id}`, the body of a 200/201/202 to `POST /vms`, and `PUT /vms/{id}` (§3.2, §4.1).
[[nodiscard]] Vm parse_vm(std::string_view body);
// `GET /vms[?search=…]`.
[[nodiscard]] std::vector<Vm> parse_vms(std::string_view body);
// The VM of that exact name (search is case-insensitive and `*`-wildcarded: §7), if any.
[[nodiscard]] std::optional<Vm> find_vm_named(const std::vector<Vm>& vms, std::string_view name);

// `GET VM/diskattachments[?follow=disk]`, `GET|PUT VM/diskattachments/{aid}` (§6).
[[nodiscard]] std::vector<DiskAttachment> parse_disk_attachments(std::string_view body);
[[nodiscard]] DiskAttachment parse_disk_attachment(std::string_view body);
// `GET /disks/{id}`.
[[nodiscard]] Disk parse_disk(std::string_view body);
// The attachment flagged bootable, else the only one; nullopt when neither exists.
[[nodiscard]] std::optional<DiskAttachment>
boot_attachment(const std::vector<DiskAttachment>& attachments);

// `GET /templates[?search=name=…]` and `GET /templates/{id}` (§5.1, §7).
[[nodiscard]] std::vector<Template> parse_templates(std::string_view body);
[[nodiscard]] Template parse_template(std::string_view body);
// The newest version (highest version.version_number; the first of equal ones) of the
// templates named exactly `name`: what the engine itself resolves a name to (§5.1).
[[nodiscard]] std::optional<Template> newest_template(const std::vector<Template>& templates,
                                                      std::string_view name);

// `GET /clusters[?search=name=…]`.
[[nodiscard]] std::vector<Cluster> parse_clusters(std::string_view body);
// `GET /storagedomains`, `GET /storagedomains/{id}` (§7).
[[nodiscard]] std::vector<StorageDomain> parse_storage_domains(std::string_view body);
// `GET /vnicprofiles` (§7).
[[nodiscard]] std::vector<VnicProfile> parse_vnic_profiles(std::string_view body);
[[nodiscard]] StorageDomain parse_storage_domain(std::string_view body);
// `GET /jobs?search=correlation_id=…`, `GET /jobs/{id}` (§4.2).
[[nodiscard]] std::vector<Job> parse_jobs(std::string_view body);
[[nodiscard]] Job parse_job(std::string_view body);
// `GET VM/nics[?follow=reported_devices]` (§7).
[[nodiscard]] std::vector<Nic> parse_nics(std::string_view body);
// `GET VM/reporteddevices` (§7).
[[nodiscard]] std::vector<ReportedDevice> parse_reported_devices(std::string_view body);
// The reply of an action or a DELETE (§4.1): `{}` counts as complete; an empty body too.
[[nodiscard]] ActionResult parse_action(std::string_view body);

// Where the jobs of one correlation id stand (§4.2, §11 step 5): `running` while any is
// `started`, else `failed` when any failed or was aborted, else `finished` (also for none).
enum class JobsState { finished, running, failed };
[[nodiscard]] JobsState jobs_state(const std::vector<Job>& jobs);

} // namespace pm::ovirt::api
