// The pool params and the pure rules built on them (pm/pool.hpp).
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/pool.hpp"
#include "pm/text.hpp"

namespace pm::pool {
namespace {

std::array<std::int64_t, 5> read_steps(const Params& params) {
    const auto text = params.get("pool_steps");
    if (!text) {
        return k_default_steps;
    }
    const auto parts = params.get_list("pool_steps");
    std::array<std::int64_t, 5> steps{};
    bool good = parts.size() == steps.size();
    for (std::size_t i = 0; good && i < steps.size(); ++i) {
        const auto value = parse_int(parts[i]);
        good = value && *value >= 0;
        steps[i] = good ? *value : 0;
    }
    if (!good) {
        throw ConfigError(fmt::format("{}: pool_steps must be five numbers of servers (0 or more) "
                                      "for 1-3, 4-6, 7-10, 11-15 and over 15 orders, not '{}'",
                                      params.owner(), *text));
    }
    return steps;
}

std::int64_t read_at_least(const Params& params, std::string_view name, std::int64_t fallback,
                           std::int64_t low) {
    const auto value = params.get_int(name, fallback);
    if (value < low) {
        throw ConfigError(
            fmt::format("{}: {} must be {} or more, not {}", params.owner(), name, low, value));
    }
    return value;
}

bool same_text(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}

} // namespace

std::vector<ParamSpec> params(const std::vector<ParamSpec>& own) {
    std::vector<ParamSpec> specs{
        {"pool_enabled", "keep a pool of pre-created servers (on/off)", false, ParamKind::on_off},
        {"pool_account", "account id owning pool servers", false, ParamKind::positive},
        {"pool_os", "OS templates always kept in the pool, comma list", false},
        {"pool_max_months", "pool servers older than this are deleted (default 3, 0: never)", false,
         ParamKind::count},
        {"pool_stat_days", "days of orders counted for pool targets (default 30)", false,
         ParamKind::positive},
        {"pool_steps",
         "five pool targets for 1-3, 4-6, 7-10, 11-15, >15 orders (default 1,2,3,4,5)", false},
    };
    specs.insert(specs.end(), own.begin(), own.end());
    specs.push_back({"pool_pricelist", "tariff of pool servers kept for pool_os templates", false,
                     ParamKind::positive});
    return specs;
}

std::vector<std::string> param_names(const std::vector<ParamSpec>& own) {
    std::vector<std::string> names;
    for (const auto& spec : params(own)) {
        names.push_back(spec.name);
    }
    return names;
}

Settings read_settings(const Params& params) {
    Settings settings;
    settings.enabled = params.get_bool("pool_enabled", false);
    if (const auto account = params.get_int("pool_account")) {
        settings.account = AccountId(*account);
    } else if (settings.enabled) {
        throw ConfigError(
            fmt::format("{}: pool_enabled is on but pool_account is not set", params.owner()));
    }
    settings.os = params.get_list("pool_os");
    if (const auto pricelist = params.get_int("pool_pricelist")) {
        settings.pricelist = PricelistId(*pricelist);
    } else if (!settings.os.empty()) {
        throw ConfigError(fmt::format("{}: pool_os is set but pool_pricelist (the tariff of its "
                                      "servers) is not",
                                      params.owner()));
    }
    settings.stat_days = read_at_least(params, "pool_stat_days", k_default_stat_days, 1);
    settings.max_months = read_at_least(params, "pool_max_months", k_default_max_months, 0);
    settings.steps = read_steps(params);
    return settings;
}

std::int64_t target_for(const std::array<std::int64_t, 5>& steps, std::int64_t orders) {
    constexpr std::array<std::int64_t, 4> k_upper{3, 6, 10, 15};
    if (orders <= 0) {
        return 0;
    }
    for (std::size_t i = 0; i < k_upper.size(); ++i) {
        if (orders <= k_upper[i]) {
            return steps[i];
        }
    }
    return steps.back();
}

std::string days_before(std::chrono::system_clock::time_point now, std::int64_t count) {
    return utc_text(now - std::chrono::days(count));
}

std::string months_before(std::chrono::system_clock::time_point now, std::int64_t count) {
    namespace chrono = std::chrono;
    const auto day = chrono::floor<chrono::days>(now);
    const auto time_of_day = now - day;
    auto earlier = chrono::year_month_day(day) - chrono::months(count);
    if (!earlier.ok()) {
        earlier = earlier.year() / earlier.month() / chrono::last;
    }
    return utc_text(chrono::sys_days(earlier) + time_of_day);
}

std::optional<std::string> mismatch(const Params& tariff, const Params& item,
                                    const GrowRules& rules) {
    for (const auto name : rules.equal) {
        const auto own = item.get_int(name);
        if (own && own != tariff.get_int(name)) {
            return fmt::format("its own {} {} differs from the tariff's", name, *own);
        }
    }
    for (const auto name : rules.grow) {
        const auto own = item.get_int(name);
        if (!own) {
            continue;
        }
        const auto base = tariff.get_int(name);
        if (!base) {
            return fmt::format("its own {} {} has no tariff value to grow from", name, *own);
        }
        if (*own < *base) {
            return fmt::format("its own {} {} is below the tariff's {}", name, *own, *base);
        }
    }
    return std::nullopt;
}

const Template* find_template(const std::vector<Template>& templates, std::string_view text) {
    const auto number = parse_int(text);
    for (const auto& candidate : templates) {
        if (candidate.id == text) {
            return &candidate;
        }
    }
    for (const auto& candidate : templates) {
        if (number ? parse_int(candidate.id) == number : same_text(candidate.name, text)) {
            return &candidate;
        }
    }
    return nullptr;
}

std::weak_ordering Key::operator<=>(const Key& other) const {
    const auto mine = parse_int(os);
    const auto theirs = parse_int(other.os);
    // Numbers first, in numeric order; other ids after them, as text.
    const auto by_os = mine && theirs ? std::weak_order(*mine, *theirs)
                       : mine         ? std::weak_ordering::less
                       : theirs       ? std::weak_ordering::greater
                                      : std::weak_order(os, other.os);
    if (by_os != std::weak_ordering::equivalent) {
        return by_os;
    }
    return std::weak_order(pricelist.value(), other.pricelist.value());
}

} // namespace pm::pool
