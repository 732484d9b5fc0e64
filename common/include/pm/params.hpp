// Named string parameters (module, tariff, item and VDC-object params of DESIGN §5) with
// typed getters. A value that is empty or only blanks counts as absent everywhere, because
// billing platforms store cleared form fields as empty strings.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pm {

using ParamMap = std::map<std::string, std::string, std::less<>>;

// on/yes/true/1 and off/no/false/0, any case, surrounding blanks ignored; nullopt otherwise.
[[nodiscard]] std::optional<bool> parse_bool(std::string_view text);
// A whole decimal integer (optional sign, surrounding blanks ignored); nullopt otherwise.
[[nodiscard]] std::optional<std::int64_t> parse_int(std::string_view text);

class Params {
public:
    Params() = default;
    // `owner` names where the params come from ("module 3", "item 42") in error messages.
    Params(std::string owner, ParamMap values);

    [[nodiscard]] const std::string& owner() const { return m_owner; }
    [[nodiscard]] const ParamMap& values() const { return m_values; }
    [[nodiscard]] bool contains(std::string_view name) const { return get(name).has_value(); }

    // The value as stored; nullopt when absent or blank.
    [[nodiscard]] std::optional<std::string> get(std::string_view name) const;
    [[nodiscard]] std::string get_or(std::string_view name, std::string_view fallback) const;
    // Throws ConfigError naming the param and its owner when absent or blank.
    [[nodiscard]] std::string require(std::string_view name) const;

    // Typed getters: `fallback` (or nullopt) when absent; ConfigError naming the param, its
    // owner and the bad value when present but not of the type.
    [[nodiscard]] std::optional<std::int64_t> get_int(std::string_view name) const;
    [[nodiscard]] std::int64_t get_int(std::string_view name, std::int64_t fallback) const;
    [[nodiscard]] std::int64_t require_int(std::string_view name) const;
    [[nodiscard]] std::optional<bool> get_bool(std::string_view name) const;
    [[nodiscard]] bool get_bool(std::string_view name, bool fallback) const;
    // A comma-separated list, items trimmed, empty items dropped; empty when absent.
    [[nodiscard]] std::vector<std::string> get_list(std::string_view name) const;

    void set(std::string name, std::string value);
    void erase(std::string_view name);

private:
    std::string m_owner;
    ParamMap m_values;
};

} // namespace pm
