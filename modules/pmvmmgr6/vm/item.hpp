// The VM behind an item: finding it (saved vm_id, else the deterministic comment), recording
// what VMmanager says about it in the item params, and what the tariff asks for.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pm/context.hpp"
#include "pm/item_param.hpp" // save_item_param

#include "pmvmmgr6/api/types.hpp"
#include "pmvmmgr6/vm/connection.hpp"

namespace pm::vmmgr6 {

// Host states of api/vmmanager6.md and the simulator's guesses; unknown ones mean "busy".
namespace host_states {
inline constexpr std::string_view creating = "creating";
inline constexpr std::string_view active = "active";
inline constexpr std::string_view stopped = "stopped";
inline constexpr std::string_view reinstalling = "reinstalling";
inline constexpr std::string_view deleting = "deleting";
inline constexpr std::string_view failed = "failed";
} // namespace host_states

// "pm item <id>": the comment every VM of an item carries (for people reading VMmanager).
[[nodiscard]] std::string item_comment(ItemId item);
// "pm-item-<id>": the VM's name, the mark that lets a rerun find a VM whose id was never saved
// (hosts are filtered by name, which the reference confirms, not by comment).
[[nodiscard]] std::string item_vm_name(ItemId item);
// The item's VMs found by their name.
[[nodiscard]] std::vector<api::Host> marked_hosts(const Connection& vm, ItemId item);

// The item's VM: by the saved vm_id, else by the item comment (saving the id found).
// nullopt when VMmanager has none.
[[nodiscard]] std::optional<api::Host> find_item_host(Context& context, const Connection& vm);
// As find_item_host, but a missing VM is an OperationError, and a VM being created or
// reinstalled is waited for first (VMmanager answers 409 to anything else meanwhile).
[[nodiscard]] api::Host require_item_host(Context& context, const Connection& vm);

// Polls the VM until it is in no transient state (creating, reinstalling); nullopt when it
// is gone.
[[nodiscard]] std::optional<api::Host> wait_settled(const Connection& vm, std::int64_t id);
// Polls the VM until `holds` is true of it (false while it is gone).
void wait_host(const Connection& vm, std::int64_t id, std::string_view what,
               const std::function<bool(const api::Host&)>& holds);
// Waits for the task of a start (stop) when the reply named one, else until the VM is active
// (stopped).
void start_and_wait(const Connection& vm, std::int64_t id);
void stop_and_wait(const Connection& vm, std::int64_t id);
// Restarts the VM and waits for its start: `start_task` (host_start), else the reply's `task`,
// else until the VM is active again.
void restart_and_wait(const Connection& vm, std::int64_t id);
// Sets the root password and waits for its task (by consul id alone: its name is unknown);
// a reply without a task is success once the VM is listed and settled.
void set_password(const Connection& vm, std::int64_t id, std::string_view password);
// The same change sent, and what to wait for.
[[nodiscard]] Awaited change_password(const Connection& vm, std::int64_t id,
                                      std::string_view password);
// The VM once it is settled (not creating or reinstalling) and every address it lists has its
// IP (a listed address with an empty "ip" is not ready yet); OperationError when it is gone.
[[nodiscard]] api::Host wait_addressed(const Connection& vm, std::int64_t id);
// Deletes the VM (waiting first for a create or reinstall under way, or joining a delete
// already started) and waits until VMmanager no longer lists it.
void delete_and_wait(const Connection& vm, std::int64_t id);

// The VM's addresses on the main network (GET /vm/v3/host/{id}/ipv4). An address's network
// is its `interface` where the reply gives one, else that of its IP pool on the module's
// cluster (`ippools[].interface`, sure); an address of no known pool counts as main.
[[nodiscard]] std::vector<api::Address> main_addresses(const Connection& vm, std::int64_t id);

// Saves ip (the first address), ips (comma list), domain and state.
void record_host(Context& context, const api::Host& host);

// The OS template id for `os` (an id or a name, any case) on the module's cluster;
// OperationError when there is none.
[[nodiscard]] std::int64_t resolve_os(const Connection& vm, const std::string& os);

// Resources ordered: the tariff's values with the item's own overriding them.
struct Wanted {
    std::optional<std::int64_t> preset;
    std::optional<std::int64_t> cpu_number;
    std::optional<std::int64_t> ram_mib;
    std::optional<std::int64_t> hdd_mib;
    std::optional<std::int64_t> ipv4_number;
    std::optional<std::int64_t> net_bandwidth_mbitps;
};
[[nodiscard]] Wanted wanted_resources(const Context& context);

} // namespace pm::vmmgr6
