// The oVirt Engine REST API v4 objects pmovirt reads and writes (../shared/api/ovirt.md).
// Sizes are bytes, times are epoch milliseconds (§3.2). A field the reply left out keeps its
// default: an empty string, 0, false or nullopt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pm::ovirt::api {

// `model:types/VmStatus.java` (§5.2); `unrecognised` is a value this build does not know,
// kept in `status_text`.
enum class VmStatus {
    unassigned,
    down,
    up,
    powering_up,
    paused,
    migrating,
    unknown,
    not_responding,
    wait_for_launch,
    reboot_in_progress,
    saving_state,
    restoring_state,
    suspended,
    image_locked,
    powering_down,
    unrecognised,
};

// `model:types/DiskStatus.java` (§6).
enum class DiskStatus { ok, locked, illegal, unrecognised };
// Template status (§7): the same three values as a disk's.
enum class TemplateStatus { ok, locked, illegal, unrecognised };
// `model:types/JobStatus.java` (§4.2).
enum class JobStatus { started, finished, failed, aborted, unknown, unrecognised };

struct CpuTopology {
    std::int64_t sockets = 0;
    std::int64_t cores = 0;
    std::int64_t threads = 0;
    [[nodiscard]] std::int64_t vcpus() const { return sockets * cores * threads; }
};

struct MemoryPolicy {
    std::int64_t guaranteed = 0; // bytes; 0 when not given
    std::int64_t max = 0;        // bytes; 0 when not given
};

// The SSO token reply (§2.1). `exp` is not kept: it is no useful lifetime.
struct Token {
    std::string access_token;
    std::string token_type;
    std::string scope;
};

struct ProductInfo {
    std::string name;
    std::string vendor;
    std::string version; // full_version, else "major.minor"
};

struct Disk {
    std::string id;
    std::string name;                 // `name`, else `alias`
    std::optional<DiskStatus> status; // nullopt when the reply has only the reference
    std::string status_text;
    std::optional<std::int64_t> provisioned_size;
    std::optional<std::int64_t> actual_size;
    std::string format; // cow | raw
    std::vector<std::string> storage_domain_ids;
};

// `GET VM/diskattachments[?follow=disk]` (§6): the attachment id equals the disk id.
struct DiskAttachment {
    std::string id;
    bool bootable = false;
    bool active = false;
    std::string interface;
    Disk disk; // only `id` unless followed
};

struct Ip {
    std::string address;
    std::string version; // v4 | v6
};

// `GET VM/reporteddevices` (§7): what the guest agent reports.
struct ReportedDevice {
    std::string name;
    std::string type;
    std::string mac;
    std::vector<Ip> ips;
};

struct Nic {
    std::string id;
    std::string name;
    std::string interface;
    std::string mac;
    std::string vnic_profile_id;
    bool plugged = false;
    std::vector<ReportedDevice> reported_devices; // when followed
};

struct Vm {
    std::string id;
    std::string name;
    VmStatus status = VmStatus::unrecognised;
    std::string status_text;
    std::string description;
    std::string comment;
    std::int64_t memory = 0;
    MemoryPolicy memory_policy;
    CpuTopology cpu;
    std::string template_id;
    std::string cluster_id;
    std::string os_type;
    std::string fqdn;
    std::string host_name; // initialization.host_name
    bool stateless = false;
    bool run_once = false;
    bool next_run_configuration_exists = false;
    std::string creation_status; // of a 202 create reply (§4.1): pending|in_progress|…
    std::optional<std::int64_t> creation_time;
    std::optional<std::int64_t> start_time;
    std::optional<std::int64_t> stop_time;
    std::vector<DiskAttachment> disk_attachments; // with ?follow=disk_attachments.disk
    std::vector<Nic> nics;                        // with ?follow=nics
};

struct TemplateVersion {
    std::int64_t number = 0; // 0 when the reply names no version
    std::string name;
    std::string base_template_id;
};

struct Template {
    std::string id;
    std::string name;
    std::string description;
    TemplateStatus status = TemplateStatus::unrecognised;
    std::string status_text;
    TemplateVersion version;
    std::int64_t memory = 0;
    CpuTopology cpu;
    std::string os_type;
};

struct Cluster {
    std::string id;
    std::string name;
    std::string data_center_id;
};

// `GET /vnicprofiles` (§7): a profile belongs to a network; its name is unique only there.
struct VnicProfile {
    std::string id;
    std::string name;
    std::string network_id;
};

struct StorageDomain {
    std::string id;
    std::string name;
    std::string type;   // data | iso | export
    std::string status; // absent for attached domains seen through /storagedomains
    std::optional<std::int64_t> available;
    std::optional<std::int64_t> used;
    std::optional<std::int64_t> committed;
};

struct Job {
    std::string id;
    std::string description;
    JobStatus status = JobStatus::unrecognised;
    std::string status_text;
    std::optional<std::int64_t> start_time;
    std::optional<std::int64_t> end_time;
};

// The reply to an action (`POST VM/start` …, `DELETE VM`) (§4.1): `status` is
// complete|pending|in_progress|failed; a failed action carries a fault.
struct ActionResult {
    std::string status;
    std::string job_id;
    bool async = false;
    std::optional<std::string> fault; // "reason: detail"
};

} // namespace pm::ovirt::api
