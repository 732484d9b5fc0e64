#include "pm/features.hpp"

namespace pm {

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
