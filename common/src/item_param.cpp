#include "pm/item_param.hpp"

#include <string>

#include "pm/log.hpp"

namespace pm {

void save_item_param(Context& context, std::string_view name, std::string_view value) {
    context.store.set_item_param(context.item->id, name, value);
    context.item_params.set(std::string(name), std::string(value));
}

void erase_item_param(Context& context, std::string_view name) {
    if (!context.item_params.contains(name)) {
        return; // the view holds every param of the item: nothing to remove
    }
    context.store.erase_item_param(context.item->id, name);
    context.item_params.erase(name);
}

void save_item_params(Context& context, const ParamMap& values,
                      std::initializer_list<std::string_view> erased) {
    const auto id = context.item->id;
    context.store.transaction([&] {
        if (!values.empty()) {
            context.store.set_item_params(id, values);
        }
        for (const auto name : erased) {
            context.store.erase_item_param(id, name);
        }
    });
    for (const auto name : erased) {
        context.item_params.erase(name);
    }
    for (const auto& [name, value] : values) {
        context.item_params.set(name, value);
    }
}

namespace detail {

void log_saved_unknown(const Context& context, std::string_view what, std::string_view saved) {
    log::info("{} {} of item {} not found: looking for the item's {} by its mark", what, saved,
              context.item->id.value(), what);
}

void log_found_by_mark(const Context& context, std::string_view what, std::string_view id) {
    log::info("found {} {} of item {} by its mark", what, id, context.item->id.value());
}

} // namespace detail

} // namespace pm
