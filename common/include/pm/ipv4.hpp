// IPv4 address ranges of a module param such as `ipv4_range` (DESIGN §5): the addresses a
// module hands out to the VMs it creates, leased in the store (Store::lease_ipv4).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pm::ipv4 {

// Both ends included, first <= last.
struct Range {
    std::uint32_t first = 0;
    std::uint32_t last = 0;

    [[nodiscard]] std::uint64_t size() const { return std::uint64_t{last} - first + 1; }
    friend bool operator==(const Range&, const Range&) = default;
};

// A dotted quad of four decimal numbers 0-255 without leading zeros ("010" could be octal to
// other tools); surrounding blanks ignored; nullopt otherwise.
[[nodiscard]] std::optional<std::uint32_t> parse_address(std::string_view text);
[[nodiscard]] std::string format(std::uint32_t address);

// A comma-separated list of addresses and ranges "first-last" ("203.0.113.10-203.0.113.200,
// 198.51.100.7"), blanks allowed around each part; sorted, overlapping and adjacent ranges
// merged. Throws ConfigError naming `what` (e.g. "module 3 param 'ipv4_range'") and the bad
// part when a part is not an address or a range, or a range ends before it starts; an empty
// text is an empty list.
[[nodiscard]] std::vector<Range> parse_ranges(std::string_view text, std::string_view what);

} // namespace pm::ipv4
