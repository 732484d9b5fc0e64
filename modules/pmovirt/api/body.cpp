#include "pmovirt/api/body.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/json.hpp"

namespace pm::ovirt::api {
namespace {

constexpr std::int64_t k_tib = std::int64_t{1} << 40;
constexpr std::int64_t k_max_sockets = 16; // MaxNumOfVmSockets up to engine 4.5 (§5.1)
constexpr std::size_t k_max_name = 64;     // MaxVmNameLength (§5.1)
constexpr std::int64_t k_max_vcpus = 710;  // MaxNumOfVmCpus, x86, cluster level 4.8 (§5.1)

[[noreturn]] void reject(const std::string& what) {
    throw OperationError(fmt::format("oVirt request: {}", what));
}

// Scalars as strings (§3.2).
std::string number(std::int64_t value) {
    return std::to_string(value);
}
const char* boolean(bool value) {
    return value ? "true" : "false";
}

void check_name(const std::string& name) {
    // `^[\p{L}0-9._-]*$`, 1…64 characters (§5.1): ASCII letters, digits, . _ - and any
    // non-ASCII character (UTF-8 lead and continuation bytes; letters among them are the
    // engine's to judge).
    std::size_t characters = 0;
    for (const char c : name) {
        const auto u = static_cast<unsigned char>(c);
        const bool ascii_ok = (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') ||
                              (u >= 'A' && u <= 'Z') || c == '.' || c == '_' || c == '-';
        if (u < 0x80 && !ascii_ok) {
            reject(fmt::format("VM name {:?} may hold only letters, digits, '.', '_', '-'", name));
        }
        characters += (u & 0xC0U) != 0x80U ? 1 : 0;
    }
    if (characters == 0 || characters > k_max_name) {
        reject(fmt::format("VM name {:?} must have 1 to {} characters", name, k_max_name));
    }
}

void write_ref(json::Writer& w, std::string_view key, const Ref& ref, std::string_view what) {
    if (ref.id.empty() && ref.name.empty()) {
        reject(fmt::format("no {} given", what));
    }
    w.key(key).begin_object();
    if (!ref.id.empty()) {
        w.member("id", ref.id);
    } else {
        w.member("name", ref.name);
    }
    w.end_object();
}

void write_topology(json::Writer& w, const CpuTopology& cpu) {
    if (cpu.sockets < 1 || cpu.cores < 1 || cpu.threads < 1) {
        reject(fmt::format("CPU topology {}×{}×{} needs at least 1 of each", cpu.sockets, cpu.cores,
                           cpu.threads));
    }
    w.key("cpu").begin_object().key("topology").begin_object();
    w.member("sockets", number(cpu.sockets))
        .member("cores", number(cpu.cores))
        .member("threads", number(cpu.threads));
    w.end_object().end_object();
}

void write_memory(json::Writer& w, std::int64_t memory, const MemoryPolicy& policy) {
    w.member("memory", number(memory));
    w.key("memory_policy").begin_object();
    w.member("guaranteed", number(policy.guaranteed)).member("max", number(policy.max));
    w.end_object();
}

void member_if(json::Writer& w, std::string_view key, const std::string& value) {
    if (!value.empty()) {
        w.member(key, value);
    }
}

void write_initialization(json::Writer& w, const Initialization& init) {
    w.key("initialization").begin_object();
    member_if(w, "host_name", init.host_name);
    // The password and the keys go to `user_name` (§5.4).
    if (!init.root_password.empty() || !init.authorized_ssh_keys.empty()) {
        w.member("user_name", init.user_name.empty() ? std::string("root") : init.user_name);
    }
    member_if(w, "root_password", init.root_password);
    member_if(w, "authorized_ssh_keys", init.authorized_ssh_keys);
    member_if(w, "dns_servers", init.dns_servers);
    member_if(w, "dns_search", init.dns_search);
    member_if(w, "custom_script", init.custom_script);
    if (init.ip) {
        const auto& ip = *init.ip;
        if (ip.address.empty() || ip.netmask.empty()) {
            reject("a static address needs an address and a netmask");
        }
        w.key("nic_configurations").begin_object().key("nic_configuration").begin_array();
        w.begin_object()
            .member("name", ip.nic_name.empty() ? std::string("eth0") : ip.nic_name)
            .member("on_boot", boolean(true))
            .member("boot_protocol", "static");
        w.key("ip").begin_object();
        w.member("address", ip.address).member("netmask", ip.netmask);
        member_if(w, "gateway", ip.gateway);
        w.member("version", "v4");
        w.end_object().end_object().end_array().end_object();
    }
    w.end_object();
}

} // namespace

std::int64_t memory_max_for(std::int64_t memory) {
    if (memory <= 0) {
        return 0;
    }
    const std::int64_t four_times = memory > k_tib / 4 ? k_tib : memory * 4;
    return std::max(std::min(four_times, k_tib), memory);
}

MemoryPolicy memory_policy_for(std::int64_t memory, std::optional<std::int64_t> guaranteed,
                               MemoryPolicy current) {
    if (memory <= 0) {
        reject(fmt::format("memory must be positive, not {}", memory));
    }
    MemoryPolicy policy;
    policy.guaranteed = std::min(guaranteed.value_or(memory), memory);
    if (policy.guaranteed < 0) {
        reject(fmt::format("guaranteed memory must not be negative, not {}", policy.guaranteed));
    }
    policy.max = current.max >= memory ? current.max : memory_max_for(memory);
    return policy;
}

CpuTopology cpu_topology_for(std::int64_t vcpus) {
    if (vcpus < 1 || vcpus > k_max_vcpus) {
        reject(fmt::format("the number of CPUs is 1 to {}, not {}", k_max_vcpus, vcpus));
    }
    for (std::int64_t cores = 1; cores <= vcpus; ++cores) {
        if (vcpus % cores == 0 && vcpus / cores <= k_max_sockets) {
            return {vcpus / cores, cores, 1};
        }
    }
    return {1, vcpus, 1}; // unreachable: cores == vcpus always fits
}

std::string netmask_of_prefix(int prefix) {
    if (prefix < 0 || prefix > 32) {
        reject(fmt::format("an IPv4 prefix is 0 to 32, not {}", prefix));
    }
    const std::uint32_t mask =
        prefix == 0 ? 0U : ~std::uint32_t{0} << static_cast<unsigned>(32 - prefix);
    return fmt::format("{}.{}.{}.{}", mask >> 24U, (mask >> 16U) & 0xFFU, (mask >> 8U) & 0xFFU,
                       mask & 0xFFU);
}

std::string vm_create_body(const VmCreate& spec) {
    check_name(spec.name);
    json::Writer w;
    w.begin_object().member("name", spec.name);
    member_if(w, "description", spec.description);
    member_if(w, "comment", spec.comment);
    write_ref(w, "cluster", spec.cluster, "cluster");
    write_ref(w, "template", spec.template_ref, "template");
    member_if(w, "type", spec.type);
    if (spec.memory > 0) {
        write_memory(w, spec.memory, memory_policy_for(spec.memory, spec.memory_guaranteed));
    } else if (spec.memory_guaranteed) {
        reject("a guaranteed memory without the memory");
    }
    const auto& cpu = spec.cpu;
    if (cpu.sockets != 0 || cpu.cores != 0 || cpu.threads != 0) {
        write_topology(w, cpu);
    }
    if (spec.initialization) {
        write_initialization(w, *spec.initialization);
    }
    if (!spec.disks.empty()) {
        w.key("disk_attachments").begin_object().key("disk_attachment").begin_array();
        for (const auto& disk : spec.disks) {
            if (disk.template_disk_id.empty() || disk.storage_domain_id.empty()) {
                reject("a disk placement without the disk or the storage domain");
            }
            w.begin_object().key("disk").begin_object().member("id", disk.template_disk_id);
            w.key("storage_domains").begin_object().key("storage_domain").begin_array();
            w.begin_object().member("id", disk.storage_domain_id).end_object();
            w.end_array().end_object();
            w.end_object().end_object();
        }
        w.end_array().end_object();
    }
    return w.end_object().str();
}

std::string vm_update_body(const VmUpdate& update) {
    json::Writer w;
    w.begin_object();
    if (update.name) {
        check_name(*update.name);
        w.member("name", *update.name);
    }
    if (update.description) {
        w.member("description", *update.description);
    }
    if (update.comment) {
        w.member("comment", *update.comment);
    }
    if (update.memory) {
        const auto policy =
            memory_policy_for(*update.memory, update.memory_guaranteed, update.current_policy);
        write_memory(w, *update.memory, policy);
    } else if (update.memory_guaranteed) {
        reject("a guaranteed memory without the memory");
    }
    if (update.cpu) {
        write_topology(w, *update.cpu);
    }
    if (update.initialization) {
        write_initialization(w, *update.initialization);
    }
    return w.end_object().str();
}

std::string nic_add_body(const std::string& name, const std::string& profile_id) {
    if (name.empty() || profile_id.empty()) {
        reject("a NIC without a name or a vNIC profile");
    }
    json::Writer w;
    w.begin_object().member("name", name).member("interface", "virtio");
    w.key("vnic_profile").begin_object().member("id", profile_id).end_object();
    return w.end_object().str();
}

std::string nic_profile_body(const std::string& profile_id) {
    if (profile_id.empty()) {
        reject("no vNIC profile given");
    }
    json::Writer w;
    w.begin_object().key("vnic_profile").begin_object().member("id", profile_id).end_object();
    return w.end_object().str();
}

std::string disk_extend_body(std::int64_t provisioned_size) {
    if (provisioned_size <= 0) {
        reject(fmt::format("a disk size must be positive, not {}", provisioned_size));
    }
    json::Writer w;
    w.begin_object().key("disk").begin_object();
    w.member("provisioned_size", number(provisioned_size));
    return w.end_object().end_object().str();
}

std::string start_body(const StartOptions& options) {
    json::Writer w;
    w.begin_object();
    if (options.use_cloud_init) {
        w.member("use_cloud_init", boolean(*options.use_cloud_init));
    }
    if (options.use_sysprep) {
        w.member("use_sysprep", boolean(*options.use_sysprep));
    }
    if (options.volatile_run) {
        w.member("volatile", boolean(*options.volatile_run));
    }
    if (options.run_once) {
        w.key("vm").begin_object();
        write_initialization(w, *options.run_once);
        w.end_object();
    }
    return w.end_object().str();
}

std::string action_body(Force force) {
    json::Writer w;
    w.begin_object();
    if (force == Force::yes) {
        w.member("force", boolean(true));
    }
    return w.end_object().str();
}

} // namespace pm::ovirt::api
