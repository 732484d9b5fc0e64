// Writing an item's params during a command: the store first, then the handler's view of them
// (Context::item_params), so that what the handler reads next is what the store holds. Modules
// write an item's params only through these (no hand-mirrored copies of a store write).
#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "pm/context.hpp"
#include "pm/params.hpp"

namespace pm {

// Writes one param of the context's item (Scope::item or object); throws StoreError.
void save_item_param(Context& context, std::string_view name, std::string_view value);
// Removes one param of the context's item, the store first. A param not in the view (which
// holds every param of the item: the runner loads them all, every write goes through here) is
// no error and costs no store write.
void erase_item_param(Context& context, std::string_view name);
// Writes `values` and removes `erased` in one store transaction (all or none), then the view.
void save_item_params(Context& context, const ParamMap& values,
                      std::initializer_list<std::string_view> erased = {});

namespace detail {
void log_saved_unknown(const Context& context, std::string_view what, std::string_view saved);
void log_found_by_mark(const Context& context, std::string_view what, std::string_view id);
} // namespace detail

// The look-up half of DESIGN §6's protocol (the create half is pm/create.hpp) for the remote
// object of the context's item whose id the item keeps in param `id_param`: the saved id
// asked for (`by_id`); when none is saved, or the service does not know it (a list glitch, an
// object re-created by hand: not taken for "none", the mark decides), the object carrying the
// item's mark (`by_mark`), whose id (`id_of`) is then saved at once. `what` names the object
// in log lines ("VM"). nullopt when neither finds one.
template <typename T>
std::optional<T>
find_saved_or_marked(Context& context, std::string_view id_param, std::string_view what,
                     const std::function<std::optional<T>(const std::string&)>& by_id,
                     const std::function<std::optional<T>()>& by_mark,
                     const std::function<std::string(const T&)>& id_of) {
    const auto saved = context.item_params.get_or(id_param, "");
    if (!saved.empty()) {
        if (auto found = by_id(saved)) {
            return found;
        }
        detail::log_saved_unknown(context, what, saved);
    }
    auto found = by_mark();
    if (found) {
        const auto id = id_of(*found);
        if (id != saved) {
            detail::log_found_by_mark(context, what, id);
            save_item_param(context, id_param, id);
        }
    }
    return found;
}

} // namespace pm
