// The steps of open (ops/open.cpp) that reopen, setparam, change_password and the pool share:
// the ordered resources, the item's leased address, the one cloud-init/sysprep
// `initialization` builder, the boot disk grown, and the whole make-and-start of the item's VM.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "pm/context.hpp"

#include "pmovirt/api/body.hpp"
#include "pmovirt/api/types.hpp"
#include "pmovirt/vm/connection.hpp"
#include "pmovirt/vm/item.hpp"

namespace pm::ovirt {

constexpr std::int64_t k_mib = std::int64_t{1} << 20;

struct Resources {
    std::optional<std::int64_t> cpu_number;
    std::optional<std::int64_t> ram_mib;
    std::optional<std::int64_t> hdd_mib;
};

// The item's own cpu_number, ram_mib, hdd_mib (addons) over its tariff's (DESIGN §5);
// ConfigError for a value below 1 or a tariff missing from the store.
[[nodiscard]] Resources ordered_resources(const Context& context);

// The item's address from the module's ipv4_range (its own lease first, else the lowest free
// one), saved as `ip` and `ips`. ConfigError without a range, OperationError when none is free.
std::string lease_address(Context& context);

// The VM's `initialization` (§5.4), the one builder of open, reopen and change_password:
// host name, the item's password, and for cloud-init the SSH key, DNS and the static address
// `ip`; for sysprep (Windows) the password of Administrator and a computer name of at most 15
// characters, nothing cloud-init only.
[[nodiscard]] api::Initialization vm_initialization(const Context& context,
                                                    const std::string& vm_name,
                                                    const std::string& ip, GuestKind kind);

// The template of the item's VM: the newest version of the one named by its `os`; a pool
// server's `os` is the id of the version the pool chose. OperationError when there is none.
[[nodiscard]] api::Template item_template(const Context& context, const Connection& engine);

// The item's VM found (saved vm_id, else its name) or created once from item_template() with
// the ordered resources, its id saved the moment the engine answers; without an address `ip`
// (a pool server) it gets no initialization. Does not wait for its disks.
[[nodiscard]] api::Vm find_or_create_vm(Context& context, const Connection& engine,
                                        const std::string& ip);
// Until `vm` has left image_locked and every disk is ok; an illegal disk or a VM gone fails.
[[nodiscard]] api::Vm settle_vm(const Connection& engine, const api::Vm& vm);

// The module's vnic_profile as a profile id, "" when unset (ConfigError when unknown).
[[nodiscard]] std::string module_vnic_profile(const Context& context, const Connection& engine);
// The VM's first NIC on `profile` (changed or added), until the engine shows it there.
void place_first_nic(const Connection& engine, const api::Vm& vm, const std::string& profile,
                     const std::string& correlation);

// The boot disk of `vm` at least `bytes` (grow only), then until it is ok at that size.
void grow_boot_disk(const Connection& engine, const api::Vm& vm, std::int64_t bytes,
                    const std::string& correlation);

// open's steps 2 to 6 with the address `ip`: the item's VM found or created from its template,
// settled, its disk grown and NIC placed before its first boot, started, until up.
api::Vm provision(Context& context, const Connection& engine, const std::string& ip);

} // namespace pm::ovirt
