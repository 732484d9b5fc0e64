#include "pmvmmgr6/pool/settings.hpp"

#include <ctime>

#include <fmt/format.h>

#include "pm/errors.hpp"

namespace pm::vmmgr6::pool {
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

} // namespace

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
    settings.hostname_recipe = params.get_int("pool_hostname_recipe");
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

std::string utc_text(std::chrono::system_clock::time_point time) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    std::array<char, 32> buffer{};
    const std::size_t size =
        std::strftime(buffer.data(), buffer.size(), "%Y-%m-%dT%H:%M:%SZ", &parts);
    return {buffer.data(), size};
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

std::optional<std::string> mismatch(const Params& tariff, const Params& item) {
    for (const std::string_view name : {"preset", "net_bandwidth_mbitps"}) {
        const auto own = item.get_int(name);
        if (own && own != tariff.get_int(name)) {
            return fmt::format("its own {} {} differs from the tariff's", name, *own);
        }
    }
    for (const std::string_view name : {"cpu_number", "ram_mib", "hdd_mib", "ipv4_number"}) {
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

} // namespace pm::vmmgr6::pool
