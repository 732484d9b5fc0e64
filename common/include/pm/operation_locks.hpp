// Serialization of operations (DESIGN §6, README "One operation per item"): one process per
// running operation, and one running operation per item at a time, served in arrival order.
// Behind an interface so that a store shared by several hosts (MariaDB named locks) can bring
// its own; the default keeps flock'ed files under lock_dir, freed by the kernel the moment
// their holder dies.
#pragma once

#include <filesystem>
#include <memory>

#include "pm/deadline.hpp"
#include "pm/hold.hpp"
#include "pm/ids.hpp"
#include "pm/queue.hpp"

namespace pm {

class OperationLocks {
public:
    OperationLocks() = default;
    OperationLocks(const OperationLocks&) = delete;
    OperationLocks& operator=(const OperationLocks&) = delete;
    virtual ~OperationLocks() = default;

    // Claims running operation `id` for this process, waiting at most until `deadline` for a
    // holder to let go; nullptr when another live process still holds it then.
    [[nodiscard]] virtual HoldPtr claim(OperationId id, const Deadline& deadline) = 0;
    // True while another live process holds the claim of running operation `id`.
    [[nodiscard]] virtual bool claimed(OperationId id) = 0;
    // Returns once nobody holds the claim of `id`; throws LockTimeout at the deadline.
    virtual void wait_unclaimed(OperationId id, const Deadline& deadline) = 0;
    // Waits behind every earlier arrival for item `id`; throws LockTimeout at the deadline.
    [[nodiscard]] virtual HoldPtr hold_item(ItemId id, const Deadline& deadline,
                                            const queue::WaitingHook& on_waiting) = 0;
};

// Files under `lock_dir` (created when needed): `operation-<id>.lock` per claimed operation,
// and per item a one-slot queue line `item-<id>`. Throws ConfigError when lock_dir cannot
// hold lock files.
[[nodiscard]] std::unique_ptr<OperationLocks>
file_operation_locks(const std::filesystem::path& lock_dir);

} // namespace pm
