// Steps 1 and 2 of pool_process (DESIGN §11): orders per (OS template, tariff) over the window,
// and the number of servers to keep for each.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pm/context.hpp"

#include "pmvmmgr6/pool/settings.hpp"
#include "pmvmmgr6/vm/connection.hpp"

namespace pm::vmmgr6::pool {

// A kind of pool server: an OS template id on the module's cluster, and a tariff.
struct Key {
    std::int64_t os = 0;
    PricelistId pricelist{};
    auto operator<=>(const Key&) const = default;
};

struct Target {
    Key key;
    std::string os_name;
    std::int64_t orders = 0;
    std::int64_t target = 0;
};

// Counts the module's vds orders created since `since` (pool servers excluded) per OS template
// and tariff, an item's `os` (id or name) resolved on the module's cluster; orders whose OS is
// unknown there are left out with a warning. Each pool_os template without any order gets the
// step-1 target with pool_pricelist. Sorted by key. ConfigError for a pool_os entry that names
// no template of the cluster.
[[nodiscard]] std::vector<Target> compute_targets(const Context& context, const Connection& vm,
                                                  const Settings& settings, std::string_view since);

} // namespace pm::vmmgr6::pool
