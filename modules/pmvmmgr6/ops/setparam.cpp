// setparam: grow the item's VM to what the tariff and the item ask for (vm/grow.hpp).
#include "pmvmmgr6/ops/commands.hpp"
#include "pmvmmgr6/vm/grow.hpp"
#include "pmvmmgr6/vm/item.hpp"

namespace pm::vmmgr6 {

void setparam(Context& context) {
    const Connection vm(context);
    grow_to_wanted(context, vm, require_item_host(context, vm));
}

} // namespace pm::vmmgr6
