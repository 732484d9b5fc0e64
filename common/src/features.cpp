#include "pm/features.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/text.hpp"

namespace pm {

std::vector<ParamSpec> common_params() {
    return {
        {"tls_verify", "verify the TLS certificate (on/off, default on)", false, ParamKind::on_off},
        {"session_ttl", "session storage period, seconds (default 3600)", false,
         ParamKind::positive},
        {"queue_enabled", "start operations in a queue (on/off)", false, ParamKind::on_off},
        {"queue_key", "queue key; macros __TYPE__, __PMID__, __IID__", false},
        {"queue_count", "number of queues", false, ParamKind::count},
        {"max_tries", "failed attempts before an operation goes to manual (default 10)", false,
         ParamKind::count},
        {"op_timeout", "seconds an operation may take overall (default 3600)", false,
         ParamKind::positive},
    };
}

namespace {

// What a kind of param expects, for the message; empty when anything goes.
std::string_view expected(ParamKind kind) {
    switch (kind) {
    case ParamKind::text:
        return {};
    case ParamKind::on_off:
        return "on or off";
    case ParamKind::positive:
        return "a whole number of 1 or more";
    case ParamKind::count:
        return "a whole number of 0 or more";
    case ParamKind::id_list:
        return "a comma list of ids (whole numbers of 1 or more)";
    case ParamKind::http_url:
        return "an http:// or https:// URL";
    }
    return {};
}

bool at_least(std::string_view text, std::int64_t low) {
    const auto number = parse_int(text);
    return number && *number >= low;
}

bool valid(ParamKind kind, const Params& params, std::string_view name, std::string_view value) {
    switch (kind) {
    case ParamKind::text:
        return true;
    case ParamKind::on_off:
        return parse_bool(value).has_value();
    case ParamKind::positive:
        return at_least(value, 1);
    case ParamKind::count:
        return at_least(value, 0);
    case ParamKind::id_list:
        return std::ranges::all_of(params.get_list(name),
                                   [](const std::string& id) { return at_least(id, 1); });
    case ParamKind::http_url: {
        const auto url = params.get_or(name, "");
        const auto lower = [](std::string_view text) {
            std::string out(text);
            std::ranges::transform(out, out.begin(), [](unsigned char c) {
                return static_cast<char>(std::tolower(c));
            });
            return out;
        };
        const auto scheme = lower(url.substr(0, url.find("://") + 3));
        return (scheme == "http://" || scheme == "https://") && url.size() > scheme.size() &&
               url.find_first_of(" \t\r\n") == std::string::npos;
    }
    }
    return true;
}

// A bad value as shown in a message, never a secret's.
std::string shown(const ParamSpec& param, std::string_view value) {
    return param.secret ? std::string("the value given") : quoted_value(value);
}

} // namespace

void check_module_params(const std::vector<ParamSpec>& declared, const Params& params) {
    for (const auto& param : declared) {
        const auto value = params.get(param.name);
        if (!value || valid(param.kind, params, param.name, *value)) {
            continue;
        }
        throw ConfigError(fmt::format("{}: the param '{}' must be {}, not {}", params.owner(),
                                      param.name, expected(param.kind), shown(param, *value)));
    }
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
