// The queue (DESIGN §7): limits on simultaneous operations. An operation holds one slot of
// its queue key while it runs; slots are flock'ed files under lock_dir, global on the host,
// freed by the kernel the moment their holder dies. Waiters are served in arrival order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "pm/deadline.hpp"
#include "pm/file_lock.hpp"
#include "pm/hold.hpp"
#include "pm/ids.hpp"

namespace pm::queue {

// The module params queue_enabled, queue_key, queue_count.
struct Config {
    bool enabled = false;
    std::string key; // may hold the macros __TYPE__, __PMID__, __IID__
    int count = 0;   // 0: not set, the one slot <key>
};

// What the key macros expand to.
struct Context {
    std::string command; // __TYPE__
    ModuleId module;     // __PMID__
    ItemId item;         // __IID__ (empty when not valid)
};

inline constexpr int k_max_count = 256;

// The key with its macros expanded.
[[nodiscard]] std::string expand_key(std::string_view key, const Context& context);

// The slots one operation chooses from, and the line its waiters stand in: operations with
// the same slots wait in the same line.
struct SlotSet {
    std::vector<std::string> slots; // empty when the queue is off
    std::string line;               // file-system-safe name of the line
    // Slot files are lock_dir/<file_prefix><file_name_part(slot)>.lock; other users of the
    // waiting machinery (per-item serialization) keep apart from the queue with their own.
    std::string file_prefix = "slot-";
};

// <key>_1 … <key>_N (1 … N when the key is empty) with count N, else the one slot <key>;
// no slot when the queue is off. Throws ConfigError for a count below 0 or above k_max_count.
[[nodiscard]] SlotSet slot_set(const Config& config, const Context& context);

// A file-system-safe, injective name for any string (bytes outside [A-Za-z0-9_-] are
// %-escaped; very long names are shortened with a hash).
[[nodiscard]] std::string file_name_part(std::string_view name);

// A held slot; released on destruction, by release(), or when the process dies (the kernel
// frees a flock, the database server a named lock). Empty when the queue is off.
class Slot {
public:
    Slot() = default;
    Slot(std::string name, HoldPtr hold) : m_name(std::move(name)), m_hold(std::move(hold)) {}
    Slot(std::string name, FileLock lock);

    [[nodiscard]] bool held() const noexcept { return m_hold != nullptr; }
    [[nodiscard]] const std::string& name() const noexcept { return m_name; }
    void release() noexcept { m_hold.reset(); }

private:
    std::string m_name;
    HoldPtr m_hold;
};

// Reported once an operation stands in line, before it waits.
struct Waiting {
    std::uint64_t ticket = 0;
    std::size_t ahead = 0; // waiters in line before it when it arrived (some may be gone)
};
using WaitingHook = std::function<void(const Waiting&)>;

// Takes one of the slots, waiting behind every operation of the same line that arrived
// earlier; an empty Slot when the set is empty. Creates lock_dir if needed. Throws
// LockTimeout at the deadline, ConfigError when lock_dir is not a usable directory,
// SystemError when lock files cannot be used.
[[nodiscard]] Slot acquire(const std::filesystem::path& lock_dir, const SlotSet& set,
                           const Deadline& deadline, const WaitingHook& on_waiting = {});

// slot_set() then acquire(): the slot of one operation (DESIGN §7).
[[nodiscard]] Slot acquire(const std::filesystem::path& lock_dir, const Config& config,
                           const Context& context, const Deadline& deadline,
                           const WaitingHook& on_waiting = {});

} // namespace pm::queue
