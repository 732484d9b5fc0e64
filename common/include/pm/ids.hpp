// Distinct id types for store rows, so that passing an item id where a module id is
// expected does not compile.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

#include <fmt/format.h>

namespace pm {

template <typename Tag>
class Id {
public:
    constexpr Id() = default;
    constexpr explicit Id(std::int64_t value) : m_value(value) {}
    [[nodiscard]] constexpr std::int64_t value() const { return m_value; }
    // 0 is never a valid row id: SQLite rowids start at 1.
    [[nodiscard]] constexpr bool valid() const { return m_value > 0; }
    constexpr auto operator<=>(const Id&) const = default;

private:
    std::int64_t m_value = 0;
};

using ModuleId = Id<struct ModuleTag>;
using AccountId = Id<struct AccountTag>;
using PricelistId = Id<struct PricelistTag>;
using ItemId = Id<struct ItemTag>;
using ObjectId = Id<struct ObjectTag>;
using OperationId = Id<struct OperationTag>;

} // namespace pm

template <typename Tag>
struct std::hash<pm::Id<Tag>> {
    std::size_t operator()(const pm::Id<Tag>& id) const noexcept {
        return std::hash<std::int64_t>{}(id.value());
    }
};

template <typename Tag>
struct fmt::formatter<pm::Id<Tag>> : fmt::formatter<std::int64_t> {
    template <typename FormatContext>
    auto format(const pm::Id<Tag>& id, FormatContext& ctx) const {
        return fmt::formatter<std::int64_t>::format(id.value(), ctx);
    }
};
