#include "pm/ipv4.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/text.hpp"

namespace pm::ipv4 {

std::optional<std::uint32_t> parse_address(std::string_view text) {
    text = trim(text);
    std::uint32_t address = 0;
    for (int octet = 0; octet < 4; ++octet) {
        if (octet > 0) {
            if (text.empty() || text.front() != '.') {
                return std::nullopt;
            }
            text.remove_prefix(1);
        }
        const auto digits = std::min(text.find_first_not_of("0123456789"), text.size());
        if (digits == 0 || digits > 3 || (digits > 1 && text.front() == '0')) {
            return std::nullopt;
        }
        unsigned value = 0;
        std::from_chars(text.data(), text.data() + digits, value);
        if (value > 255) {
            return std::nullopt;
        }
        address = (address << 8U) | value;
        text.remove_prefix(digits);
    }
    if (!text.empty()) {
        return std::nullopt;
    }
    return address;
}

std::string format(std::uint32_t address) {
    return fmt::format("{}.{}.{}.{}", address >> 24U, (address >> 16U) & 0xffU,
                       (address >> 8U) & 0xffU, address & 0xffU);
}

std::vector<Range> parse_ranges(std::string_view text, std::string_view what) {
    std::vector<Range> ranges;
    const auto bad = [&](std::string_view part, std::string_view why) {
        return ConfigError(fmt::format("{}: {} {}; expected addresses and ranges such as "
                                       "203.0.113.10-203.0.113.200, separated by commas",
                                       what, quoted_value(part), why));
    };
    std::string_view rest = text;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string_view item = trim(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        if (item.empty()) {
            continue;
        }
        const auto dash = item.find('-');
        const auto first = parse_address(item.substr(0, dash));
        const auto last =
            dash == std::string_view::npos ? first : parse_address(item.substr(dash + 1));
        if (!first || !last) {
            throw bad(item, "is not an IPv4 address or range");
        }
        if (*last < *first) {
            throw bad(item, "ends before it starts");
        }
        ranges.push_back(Range{*first, *last});
    }
    std::sort(ranges.begin(), ranges.end(),
              [](const Range& a, const Range& b) { return a.first < b.first; });
    std::vector<Range> merged;
    for (const Range& range : ranges) {
        if (!merged.empty() &&
            std::uint64_t{range.first} <= std::uint64_t{merged.back().last} + 1) {
            merged.back().last = std::max(merged.back().last, range.last);
        } else {
            merged.push_back(range);
        }
    }
    return merged;
}

} // namespace pm::ipv4
