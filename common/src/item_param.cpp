#include "pm/item_param.hpp"

#include <string>

namespace pm {

void save_item_param(Context& context, std::string_view name, std::string_view value) {
    context.store.set_item_param(context.item->id, name, value);
    context.item_params.set(std::string(name), std::string(value));
}

void erase_item_param(Context& context, std::string_view name) {
    context.store.erase_item_param(context.item->id, name);
    context.item_params.erase(name);
}

} // namespace pm
