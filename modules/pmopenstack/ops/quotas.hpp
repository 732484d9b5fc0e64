// VDC quota limits (DESIGN §5): the tariff's limits (pricelistparam) with the item's own
// overriding them, mapped onto each service's quota keys. A limit neither sets is left to
// OpenStack. The limits in force are recorded as item params `limit_<name>`, apart from the
// names the billing platform writes, so that a recorded value never becomes an override.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "pm/context.hpp"

#include "pmopenstack/api/types.hpp"

namespace pm::openstack {

struct QuotaName {
    std::string_view billing; // tariff / item param: cores, ram_mib…
    api::Service service;
    std::string_view key; // the service's quota key: cores, ram…
};

inline constexpr std::array<QuotaName, 10> k_quota_names{{
    {"cores", api::Service::compute, "cores"},
    {"ram_mib", api::Service::compute, "ram"},
    {"instances", api::Service::compute, "instances"},
    {"volumes", api::Service::volume, "volumes"},
    {"gigabytes", api::Service::volume, "gigabytes"},
    {"networks", api::Service::network, "network"},
    {"subnets", api::Service::network, "subnet"},
    {"routers", api::Service::network, "router"},
    {"ports", api::Service::network, "port"},
    {"loadbalancers", api::Service::load_balancer, "load_balancer"},
}};

// "limit_cores"…
[[nodiscard]] std::string limit_param(std::string_view billing_name);

// Wanted limits by billing name; ConfigError naming the param when a value is not an
// integer of at least -1 (unlimited).
[[nodiscard]] std::map<std::string, std::int64_t, std::less<>>
wanted_limits(const Context& context);

// The wanted limits of one service, by the service's keys.
[[nodiscard]] api::Limits
service_limits(const std::map<std::string, std::int64_t, std::less<>>& wanted,
               api::Service service);

} // namespace pm::openstack
