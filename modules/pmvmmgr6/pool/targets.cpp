#include "pmvmmgr6/pool/targets.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/log.hpp"

namespace pm::vmmgr6::pool {
namespace {

bool same_text(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}

// The OS templates of the cluster, looked up the way open resolves an item's `os`.
class Templates {
public:
    Templates(std::vector<api::Os> all, std::int64_t cluster) {
        for (auto& os : all) {
            if (std::find(os.clusters.begin(), os.clusters.end(), cluster) != os.clusters.end()) {
                m_list.push_back(std::move(os));
            }
        }
    }

    [[nodiscard]] const api::Os* find(std::string_view text) const {
        const auto id = parse_int(text);
        for (const auto& os : m_list) {
            if (id ? os.id == *id : same_text(os.name, text)) {
                return &os;
            }
        }
        return nullptr;
    }

private:
    std::vector<api::Os> m_list;
};

} // namespace

std::vector<Target> compute_targets(const Context& context, const Connection& vm,
                                    const Settings& settings, std::string_view since) {
    const Templates templates(vm.api().os_list(), vm.cluster());
    std::map<Key, Target> rows;
    const auto counts = context.store.count_orders(context.module->id, "vds", "os", since);
    for (const auto& count : counts) {
        const auto* os = templates.find(count.os);
        if (os == nullptr) {
            log::warn("pool statistics: {} order(s) with OS '{}' left out: no such template on "
                      "cluster {}",
                      count.orders, count.os, vm.cluster());
            continue;
        }
        auto& row = rows[Key{os->id, count.pricelist_id}];
        row.key = Key{os->id, count.pricelist_id};
        row.os_name = os->name;
        row.orders += count.orders;
    }
    for (const auto& entry : settings.os) {
        const auto* os = templates.find(entry);
        if (os == nullptr) {
            throw ConfigError(fmt::format("{}: pool_os names '{}', which is no OS template of "
                                          "cluster {}",
                                          context.module_params.owner(), entry, vm.cluster()));
        }
        const bool ordered = std::any_of(rows.begin(), rows.end(), [&](const auto& row) {
            return row.first.os == os->id && row.second.orders > 0;
        });
        if (!ordered) {
            const Key key{os->id, *settings.pricelist};
            rows[key] = Target{key, os->name, 0, settings.steps.front()};
        }
    }
    std::vector<Target> targets;
    for (auto& [key, row] : rows) {
        if (row.orders > 0) {
            row.target = target_for(settings.steps, row.orders);
        }
        targets.push_back(std::move(row));
    }
    return targets;
}

} // namespace pm::vmmgr6::pool
