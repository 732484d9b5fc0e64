// Writing an item's params during a command: the store first, then the handler's view of them
// (Context::item_params), so that what the handler reads next is what the store holds.
#pragma once

#include <string_view>

#include "pm/context.hpp"

namespace pm {

// Writes one param of the context's item (Scope::item or object); throws StoreError.
void save_item_param(Context& context, std::string_view name, std::string_view value);
// Removes one param of the context's item, the store first; a param not there is no error.
void erase_item_param(Context& context, std::string_view name);

} // namespace pm
