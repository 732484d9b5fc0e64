#include "pmopenstack/ops/quotas.hpp"

#include <fmt/format.h>

#include "pm/errors.hpp"

namespace pm::openstack {

std::string limit_param(std::string_view billing_name) {
    return fmt::format("limit_{}", billing_name);
}

std::map<std::string, std::int64_t, std::less<>> wanted_limits(const Context& context) {
    const auto tariff = context.store.pricelist_params(context.item->pricelist_id);
    std::map<std::string, std::int64_t, std::less<>> wanted;
    for (const auto& name : k_quota_names) {
        const auto& source =
            context.item_params.contains(name.billing) ? context.item_params : tariff;
        const auto value = source.get_int(name.billing);
        if (!value) {
            continue;
        }
        if (*value < -1) {
            throw ConfigError(fmt::format("{}: {} must be -1 (unlimited) or more, not {}",
                                          source.owner(), name.billing, *value));
        }
        wanted.emplace(std::string(name.billing), *value);
    }
    return wanted;
}

api::Limits service_limits(const std::map<std::string, std::int64_t, std::less<>>& wanted,
                           api::Service service) {
    api::Limits limits;
    for (const auto& name : k_quota_names) {
        if (name.service != service) {
            continue;
        }
        if (const auto it = wanted.find(name.billing); it != wanted.end()) {
            limits.emplace(std::string(name.key), it->second);
        }
    }
    return limits;
}

} // namespace pm::openstack
