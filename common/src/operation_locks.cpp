#include "pm/operation_locks.hpp"

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/file_lock.hpp"

namespace pm {
namespace {

namespace fs = std::filesystem;

class FileHold : public Hold {
public:
    explicit FileHold(FileLock lock) : m_lock(std::move(lock)) {}
    // A claim file marks a live process: removed when let go, so they do not pile up.
    ~FileHold() override { m_lock.remove(); }

private:
    FileLock m_lock;
};

class SlotHold : public Hold {
public:
    explicit SlotHold(queue::Slot slot) : m_slot(std::move(slot)) {}

private:
    queue::Slot m_slot;
};

class FileOperationLocks : public OperationLocks {
public:
    explicit FileOperationLocks(fs::path dir) : m_dir(std::move(dir)) {
        ensure_lock_directory(m_dir);
    }

    HoldPtr claim(OperationId id, const Deadline& deadline) override {
        try {
            return std::make_unique<FileHold>(FileLock::lock(claim_path(id), deadline));
        } catch (const LockTimeout&) {
            return nullptr;
        }
    }

    bool claimed(OperationId id) override { return is_held(claim_path(id)); }

    void wait_unclaimed(OperationId id, const Deadline& deadline) override {
        (void)wait_until_free(claim_path(id), deadline);
    }

    HoldPtr hold_item(ItemId id, const Deadline& deadline,
                      const queue::WaitingHook& on_waiting) override {
        // '+' never appears in a queue line name (queue::file_name_part escapes it), and the
        // slot files have their own prefix: the queue's keys cannot meet these.
        const std::string slot = std::to_string(id.value());
        const queue::SlotSet set{{slot}, fmt::format("item+{}", slot), "item-"};
        const fs::path slot_path = m_dir / fmt::format("item-{}.lock", slot);
        // The queue counts those waiting in line; the operation holding the item counts too.
        const auto count_holder = [&](const queue::Waiting& waiting) {
            queue::Waiting ahead = waiting;
            if (is_held(slot_path)) {
                ++ahead.ahead;
            }
            if (on_waiting) {
                on_waiting(ahead);
            }
        };
        return std::make_unique<SlotHold>(queue::acquire(m_dir, set, deadline, count_holder));
    }

private:
    [[nodiscard]] fs::path claim_path(OperationId id) const {
        return m_dir / fmt::format("operation-{}.lock", id.value());
    }

    fs::path m_dir;
};

} // namespace

std::unique_ptr<OperationLocks> file_operation_locks(const fs::path& lock_dir) {
    return std::make_unique<FileOperationLocks>(lock_dir);
}

} // namespace pm
