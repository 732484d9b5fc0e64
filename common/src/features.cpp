#include "pm/features.hpp"

#include <fmt/format.h>

#include "pm/errors.hpp"

namespace pm {

std::vector<ParamSpec> common_params() {
    return {
        {"tls_verify", "verify the TLS certificate (on/off, default on)", false},
        {"session_ttl", "session storage period, seconds (default 3600)", false},
        {"queue_enabled", "start operations in a queue (on/off)", false},
        {"queue_key", "queue key; macros __TYPE__, __PMID__, __IID__", false},
        {"queue_count", "number of queues", false},
        {"max_tries", "failed attempts before an operation goes to manual (default 10)", false},
        {"op_timeout", "seconds an operation may take overall (default 3600)", false},
    };
}

void check_common_params(const Params& params) {
    if (const auto ttl = params.get_int("session_ttl"); ttl && *ttl <= 0) {
        throw ConfigError(fmt::format("{}: session_ttl must be a positive number of seconds, "
                                      "not {}",
                                      params.owner(), *ttl));
    }
    static_cast<void>(params.get_bool("tls_verify"));
}

Result features_result(const ModuleSpec& spec) {
    Result result;
    result.ok_marker = false;
    auto& itemtypes = result.add("itemtypes");
    itemtypes.add("itemtype").attr("name", spec.itemtype);
    auto& params = result.add("params");
    for (const auto& param : spec.params) {
        auto& node = params.add("param").attr("name", param.name);
        if (param.secret) {
            node.attr("crypted", "yes");
        }
    }
    auto& features = result.add("features");
    for (const auto& command : spec.commands) {
        features.add("feature").attr("name", command.name);
    }
    return result;
}

} // namespace pm
