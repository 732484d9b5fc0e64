#include "pm/queue.hpp"

#include <cstdint>

#include <fmt/format.h>

#include "pm/errors.hpp"

namespace pm::queue {
namespace {

// Longer escaped names are cut and made unique again with a hash, keeping file names well
// under NAME_MAX once the prefixes and the ticket are added.
constexpr std::size_t k_max_part = 120;
constexpr std::size_t k_kept_part = 80;

// FNV-1a: stable across builds and hosts, unlike std::hash.
std::uint64_t stable_hash(std::string_view text) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ULL;
    }
    return hash;
}

bool is_plain(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

void replace_all(std::string& text, std::string_view macro, std::string_view value) {
    for (auto at = text.find(macro); at != std::string::npos;
         at = text.find(macro, at + value.size())) {
        text.replace(at, macro.size(), value);
    }
}

std::string id_text(std::int64_t value) {
    return value > 0 ? std::to_string(value) : "";
}

} // namespace

Slot::Slot(std::string name, FileLock lock)
    : m_name(std::move(name)), m_hold(hold(std::move(lock))) {}

std::string expand_key(std::string_view key, const Context& context) {
    std::string expanded(key);
    replace_all(expanded, "__TYPE__", context.command);
    replace_all(expanded, "__PMID__", id_text(context.module.value()));
    replace_all(expanded, "__IID__", id_text(context.item.value()));
    return expanded;
}

std::string file_name_part(std::string_view name) {
    std::string part;
    part.reserve(name.size());
    for (const char c : name) {
        if (is_plain(c)) {
            part += c;
        } else {
            part += fmt::format("%{:02X}", static_cast<unsigned char>(c));
        }
    }
    if (part.size() > k_max_part) {
        // '~' never appears in an escaped name, so shortened names cannot meet short ones.
        part = fmt::format("{}~{:016x}", part.substr(0, k_kept_part), stable_hash(name));
    }
    return part;
}

SlotSet slot_set(const Config& config, const Context& context) {
    if (!config.enabled) {
        return {};
    }
    if (config.count < 0 || config.count > k_max_count) {
        throw ConfigError(fmt::format("queue_count must be between 1 and {} (or unset), not {}",
                                      k_max_count, config.count));
    }
    const std::string key = expand_key(config.key, context);
    SlotSet set;
    if (config.count == 0) {
        set.slots.push_back(key);
    }
    for (int i = 1; i <= config.count; ++i) {
        set.slots.push_back(key.empty() ? std::to_string(i) : fmt::format("{}_{}", key, i));
    }
    // The line is named after the slot set alone, so that keys expanding to the same slots
    // ("a" with count 1, "a_1" without) share one line. '@' never appears in an escaped name.
    set.line = set.slots.size() == 1 ? file_name_part(set.slots.front())
                                     : fmt::format("{}@{}", file_name_part(key), config.count);
    return set;
}

Slot acquire(const std::filesystem::path& lock_dir, const Config& config, const Context& context,
             const Deadline& deadline, const WaitingHook& on_waiting) {
    return acquire(lock_dir, slot_set(config, context), deadline, on_waiting);
}

} // namespace pm::queue
