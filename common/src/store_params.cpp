#include <algorithm>
#include <array>
#include <charconv>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/params.hpp"
#include "pm/text.hpp"

namespace pm {
namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return std::ranges::equal(a, b, [](char x, char y) {
        const auto lower = [](char c) {
            return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
        };
        return lower(x) == lower(y);
    });
}

} // namespace

std::optional<bool> parse_bool(std::string_view text) {
    constexpr std::array<std::string_view, 4> k_true{"on", "yes", "true", "1"};
    constexpr std::array<std::string_view, 4> k_false{"off", "no", "false", "0"};
    const std::string_view word = trim(text);
    const auto matches = [word](std::string_view candidate) {
        return equals_ignoring_case(word, candidate);
    };
    if (std::ranges::any_of(k_true, matches)) {
        return true;
    }
    if (std::ranges::any_of(k_false, matches)) {
        return false;
    }
    return std::nullopt;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
    std::string_view digits = trim(text);
    if (digits.starts_with('+')) {
        digits.remove_prefix(1);
        if (digits.starts_with('-')) {
            return std::nullopt;
        }
    }
    std::int64_t value = 0;
    const char* end = digits.data() + digits.size();
    const auto [stop, error] = std::from_chars(digits.data(), end, value);
    if (digits.empty() || error != std::errc() || stop != end) {
        return std::nullopt;
    }
    return value;
}

Params::Params(std::string owner, ParamMap values)
    : m_owner(std::move(owner)), m_values(std::move(values)) {}

std::optional<std::string> Params::get(std::string_view name) const {
    const auto found = m_values.find(name);
    if (found == m_values.end() || trim(found->second).empty()) {
        return std::nullopt;
    }
    return found->second;
}

std::string Params::get_or(std::string_view name, std::string_view fallback) const {
    auto value = get(name);
    return value ? std::move(*value) : std::string(fallback);
}

std::string Params::require(std::string_view name) const {
    auto value = get(name);
    if (!value) {
        throw ConfigError(fmt::format("{}: the param '{}' is not set", m_owner, name));
    }
    return std::move(*value);
}

std::optional<std::int64_t> Params::get_int(std::string_view name) const {
    const auto value = get(name);
    if (!value) {
        return std::nullopt;
    }
    const auto number = parse_int(*value);
    if (!number) {
        throw ConfigError(fmt::format("{}: the param '{}' must be an integer, not {}", m_owner,
                                      name, quoted_value(*value)));
    }
    return number;
}

std::int64_t Params::get_int(std::string_view name, std::int64_t fallback) const {
    return get_int(name).value_or(fallback);
}

std::int64_t Params::require_int(std::string_view name) const {
    const auto number = get_int(name);
    if (!number) {
        throw ConfigError(fmt::format("{}: the param '{}' is not set", m_owner, name));
    }
    return *number;
}

std::optional<bool> Params::get_bool(std::string_view name) const {
    const auto value = get(name);
    if (!value) {
        return std::nullopt;
    }
    const auto flag = parse_bool(*value);
    if (!flag) {
        throw ConfigError(fmt::format("{}: the param '{}' must be on or off, not {}", m_owner, name,
                                      quoted_value(*value)));
    }
    return flag;
}

bool Params::get_bool(std::string_view name, bool fallback) const {
    return get_bool(name).value_or(fallback);
}

std::vector<std::string> Params::get_list(std::string_view name) const {
    std::vector<std::string> items;
    const auto value = get(name);
    if (!value) {
        return items;
    }
    std::string_view rest = *value;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string_view item = trim(rest.substr(0, comma));
        if (!item.empty()) {
            items.emplace_back(item);
        }
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    return items;
}

void Params::set(std::string name, std::string value) {
    m_values.insert_or_assign(std::move(name), std::move(value));
}

void Params::erase(std::string_view name) {
    const auto found = m_values.find(name);
    if (found != m_values.end()) {
        m_values.erase(found);
    }
}

} // namespace pm
