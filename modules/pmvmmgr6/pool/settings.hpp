// The pool's module params (DESIGN §5, §11) and the pure rules built on them: targets from
// order counts, the time windows, and which orders a pool server can serve.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pm/ids.hpp"
#include "pm/params.hpp"

namespace pm::vmmgr6::pool {

inline constexpr std::int64_t k_default_stat_days = 30;
inline constexpr std::int64_t k_default_max_months = 3;
inline constexpr std::array<std::int64_t, 5> k_default_steps{1, 2, 3, 4, 5};

struct Settings {
    bool enabled = false;
    AccountId account{};                  // pool_account; valid when enabled
    std::vector<std::string> os;          // pool_os, as written (ids or names)
    std::optional<PricelistId> pricelist; // pool_pricelist; set when os is not empty
    std::int64_t stat_days = k_default_stat_days;
    std::int64_t max_months = k_default_max_months; // 0: servers never expire
    std::array<std::int64_t, 5> steps = k_default_steps;
    std::optional<std::int64_t> hostname_recipe; // pool_hostname_recipe
};

// Reads and checks the pool params; ConfigError naming the param and the module for a bad
// value, and for pool_enabled without pool_account or pool_os without pool_pricelist.
[[nodiscard]] Settings read_settings(const Params& module_params);

// The target for `orders` orders in the window: 0 for none, then steps[0] for 1–3, steps[1]
// for 4–6, steps[2] for 7–10, steps[3] for 11–15, steps[4] above 15.
[[nodiscard]] std::int64_t target_for(const std::array<std::int64_t, 5>& steps,
                                      std::int64_t orders);

// ISO-8601 UTC text ("2024-05-01T12:00:00Z"), the store's timestamp format.
[[nodiscard]] std::string utc_text(std::chrono::system_clock::time_point time);
// `now` minus whole days / calendar months (a day past the end of the earlier month becomes
// its last day: 31 May minus 3 months is 28 or 29 February), as utc_text.
[[nodiscard]] std::string days_before(std::chrono::system_clock::time_point now,
                                      std::int64_t count);
[[nodiscard]] std::string months_before(std::chrono::system_clock::time_point now,
                                        std::int64_t count);

// Why a pool server built from the item's tariff cannot become what the item ordered, or
// nullopt when it can. setparam only grows a VM, so the item's own cpu_number, ram_mib,
// hdd_mib and ipv4_number must not be below the tariff's (and the tariff must name them);
// its own preset or net_bandwidth_mbitps must equal the tariff's.
[[nodiscard]] std::optional<std::string> mismatch(const Params& tariff, const Params& item);

} // namespace pm::vmmgr6::pool
