// Request bodies of the oVirt Engine REST API v4 (JSON, ../shared/api/ovirt.md). Scalars are
// sent as strings ("4294967296", "true"), as the engine's own web UI does: that is the form
// the engine is known to read; JSON numbers and booleans are only likely to work (§3.2 [I]).
// The builders check their input first and throw OperationError for a body the engine would
// refuse (§3.5): no name or a name outside the engine's pattern, no cluster or template, a
// guaranteed memory above the memory, a partial CPU topology, a disk size of 0.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pmovirt/api/types.hpp"

namespace pm::ovirt::api {

// A reference to an entity by id, or else by name (§5.1: `cluster.id|name`, `template.id|name`).
struct Ref {
    std::string id;
    std::string name;
};

struct StaticIp {
    std::string nic_name = "eth0";
    std::string address;
    std::string netmask; // dotted, e.g. 255.255.255.0: see netmask_of_prefix
    std::string gateway;
};

// cloud-init through `initialization` (§5.4). Empty fields are left out.
struct Initialization {
    std::string host_name;
    std::string user_name = "root";
    std::string root_password;
    std::string authorized_ssh_keys;
    std::string dns_servers; // space-separated
    std::string dns_search;
    std::string custom_script;
    std::optional<StaticIp> ip;
};

// A template disk of the new VM placed on a storage domain (§5.1 `disk_attachments`).
struct DiskPlacement {
    std::string template_disk_id;
    std::string storage_domain_id;
};

struct VmCreate {
    std::string name;
    std::string description;
    std::string comment;
    Ref cluster;
    // A template version has an id of its own: newest_template() gives the one to use (§5.1).
    Ref template_ref;
    std::int64_t memory = 0; // bytes; 0: the template's (no memory, no memory_policy sent)
    // Unset: guaranteed = memory, max = memory_max_for(memory) (see memory_policy_for).
    std::optional<std::int64_t> memory_guaranteed;
    CpuTopology cpu; // all 0: the template's
    std::optional<Initialization> initialization;
    std::string type = "server";
    // Empty: the disks go where the template's are. Else one `disk_attachment` each, with
    // the disk's id and `storage_domains` (§5.1; nested lists wrapped twice, §3.2).
    std::vector<DiskPlacement> disks;
};

// The memory_policy that keeps `guaranteed ≤ memory ≤ max` (§5.5, ManageIQ's rules): the
// wanted guaranteed (else `memory`) lowered to `memory`; the current max kept while it is
// at least `memory`, else raised to memory_max_for(memory).
[[nodiscard]] MemoryPolicy memory_policy_for(std::int64_t memory,
                                             std::optional<std::int64_t> guaranteed,
                                             MemoryPolicy current = {});
// min(4 × memory, 1 TiB), never below memory: the engine's create default is 4 × memory
// (§5.1), ManageIQ caps the growth at 1 TiB (§5.5).
[[nodiscard]] std::int64_t memory_max_for(std::int64_t memory);

// `vcpus` as sockets × cores × 1 thread: all sockets while they fit the 16 sockets of engines
// up to 4.5 (§5.1 limits; sockets are what hot-plug adds, §5.5), else the fewest cores per
// socket that divide `vcpus` with at most 16 sockets; a prime above 16 → 1 × vcpus cores.
// OperationError outside 1…710 (MaxNumOfVmCpus, the highest of §5.1's limits).
[[nodiscard]] CpuTopology cpu_topology_for(std::int64_t vcpus);
// "255.255.255.0" for 24; OperationError outside 0…32.
[[nodiscard]] std::string netmask_of_prefix(int prefix);

// `POST /vms` (§5.1).
[[nodiscard]] std::string vm_create_body(const VmCreate& spec);

// `PUT /vms/{id}` (§5.5): only what is given. With memory, memory_policy goes along so the
// engine's rules hold: guaranteed as given (else the whole memory, as at create), max kept
// from `current_policy` (the VM's, as read) while it still covers the memory.
struct VmUpdate {
    std::optional<std::string> name; // a rename (unique names: a 409 name in use, §5.1)
    std::optional<std::string> description;
    std::optional<std::string> comment;
    std::optional<std::int64_t> memory;
    std::optional<std::int64_t> memory_guaranteed;
    MemoryPolicy current_policy;
    std::optional<CpuTopology> cpu;
    std::optional<Initialization> initialization; // persisted for later first runs (§11)
};
[[nodiscard]] std::string vm_update_body(const VmUpdate& update);

// `POST VM/nics` `{"name","interface":"virtio","vnic_profile":{"id"}}` (§7, VmNicsService).
[[nodiscard]] std::string nic_add_body(const std::string& name, const std::string& profile_id);
// `PUT VM/nics/{nic}` `{"vnic_profile":{"id"}}` (VmNicService.update: the NIC's profile).
[[nodiscard]] std::string nic_profile_body(const std::string& profile_id);

// `PUT VM/diskattachments/{aid}` `{"disk":{"provisioned_size":"…"}}` (§6, §11 step 6).
[[nodiscard]] std::string disk_extend_body(std::int64_t provisioned_size);

// `POST VM/start` (§5.3, §11 step 7, change password). `use_cloud_init` unset sends no flag
// (the engine applies a stored initialization on the first run by itself); an explicit false
// disables initialization. `run_once` puts `vm.initialization` in the body, which makes the
// engine run the VM once with it, not saved (RunVmOnce).
struct StartOptions {
    std::optional<bool> use_cloud_init;
    std::optional<bool> volatile_run;
    std::optional<Initialization> run_once;
    std::optional<bool> use_sysprep; // Windows templates (§5.3, §12 pitfall 5)
};
[[nodiscard]] std::string start_body(const StartOptions& options = {});

enum class Force { no, yes };
// `POST VM/stop|shutdown|reboot|suspend` (§5.3): `{}`, or `{"force":"true"}`.
[[nodiscard]] std::string action_body(Force force = Force::no);

} // namespace pm::ovirt::api
