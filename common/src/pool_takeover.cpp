// open's first choice (DESIGN §11): a pool server of the ordered template and tariff, handed
// over to the order instead of a new one (pm/pool.hpp).
#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/log.hpp"
#include "pm/pool.hpp"

namespace pm::pool {
namespace {

// A claim's stage records the steps done: the values 0-7 (written before the steps could run
// together) mean "steps 1 to N done"; a value with k_step_set holds one bit per step done
// (1 << step). Stored in the store: never change.
constexpr std::int64_t k_step_set = 1 << 10;
constexpr int k_max_step = 9;

std::int64_t bit(int step) {
    if (step < 1 || step > k_max_step) {
        throw ConfigError(fmt::format("pool takeover step {} is not 1 to {}", step, k_max_step));
    }
    return std::int64_t{1} << step;
}

// The steps a stored stage says are done, as bits.
std::int64_t steps_done(std::int64_t stage) {
    if ((stage & k_step_set) != 0) {
        return stage & ~k_step_set;
    }
    std::int64_t done = 0;
    for (std::int64_t step = 1; step <= std::min<std::int64_t>(stage, 7); ++step) {
        done |= std::int64_t{1} << step;
    }
    return done;
}

// Servers one open tries at most: an order whose own data the platform refuses (a recipe it
// does not know, a password it rejects) fails on every server alike and must not use up the
// pool.
constexpr std::size_t k_max_candidates = 3;

class Takeover {
public:
    Takeover(Context& order, Backend& backend, store::PoolServer server)
        : m_backend(backend), m_handover(order, std::move(server)) {}

    // True once the server is the order's; false when it failed for good (it is then
    // discarded). Temporary failures propagate with the claim kept.
    bool run();

private:
    void finish(const std::function<void()>& record);
    void discard();

    Backend& m_backend;
    Handover m_handover;
};

bool Takeover::run() {
    try {
        finish(m_backend.take_over(m_handover));
        return true;
    } catch (const Error& e) {
        // Past the binding step the server is the order's for every later lookup, so it is
        // never discarded; the rerun finishes the takeover.
        if (e.exit_code() != ExitCode::failed || m_handover.done(m_backend.binding_step())) {
            throw;
        }
        log::warn("pool server {} cannot be taken over: {}", m_handover.server().item_id, e.what());
        discard();
        return false;
    }
}

void Takeover::finish(const std::function<void()>& record) {
    auto& order = m_handover.order();
    const auto server = m_handover.server().item_id;
    auto& store = order.store;
    store.transaction([&] {
        record();
        store.set_item_status(order.item->id, store::ItemStatus::active);
        store.record_served(order.item->id, store::Served::pool);
        store.delete_item(server);
    });
    log::info("item {} took over VM {} from pool server {}", order.item->id,
              order.item_params.get_or(m_backend.server_id_param(), "?"), server);
}

// The server leaves the pool for pool_process to delete; the order forgets it.
void Takeover::discard() {
    auto& order = m_handover.order();
    auto& store = order.store;
    const auto handed = m_backend.handed_params();
    store.transaction([&] {
        (void)store.discard_pool_server(m_handover.server().item_id, store::PoolState::claimed);
        for (const auto name : handed) {
            store.erase_item_param(order.item->id, name);
        }
    });
    for (const auto name : handed) {
        order.item_params.erase(name);
    }
    m_backend.forget_takeover(order);
}

// Claims `server` for the order and copies the handed params, in one transaction.
bool claim(Context& order, const Backend& backend, const store::PoolServer& server) {
    auto& store = order.store;
    const auto handed = backend.handed_params();
    ParamMap copied;
    bool claimed = false;
    // The body may run again after a deadlock: it starts from nothing each time.
    store.transaction([&] {
        copied.clear();
        claimed = store.claim_pool_server(server.item_id, order.item->id);
        if (!claimed) {
            return;
        }
        const auto pooled = store.item_params(server.item_id);
        for (const auto name : handed) {
            if (const auto value = pooled.get(name)) {
                copied.emplace(name, *value);
            }
        }
        store.set_item_params(order.item->id, copied);
    });
    for (const auto& [name, value] : copied) {
        order.item_params.set(name, value);
    }
    return claimed;
}

// Free servers of the order's template and tariff whose create was sent: those recorded ready
// first, then those still being built, oldest first in each group.
std::vector<store::PoolServer> candidates(const Context& order, const Backend& backend,
                                          const std::string& os) {
    std::vector<store::PoolServer> ready;
    std::vector<store::PoolServer> building;
    for (auto& server : order.store.pool_servers(order.module->id)) {
        if (server.state != store::PoolState::free || server.os != os ||
            server.pricelist_id != order.item->pricelist_id) {
            continue;
        }
        const auto params = order.store.item_params(server.item_id);
        if (!params.contains(backend.server_id_param())) {
            continue;
        }
        auto& group = backend.recorded_ready(params) ? ready : building;
        group.push_back(std::move(server));
    }
    ready.insert(ready.end(), building.begin(), building.end());
    return ready;
}

} // namespace

Handover::Handover(Context& order, store::PoolServer server)
    : m_order(order), m_server(std::move(server)), m_done(steps_done(m_server.stage)) {}

bool Handover::done(int step) const {
    return (m_done & bit(step)) != 0;
}

void Handover::record(int step) {
    m_done |= bit(step);
    m_order.store.set_pool_stage(m_server.item_id, k_step_set | m_done);
}

void Handover::step(int step, const std::function<void()>& work) {
    if (!done(step)) {
        work();
        record(step);
    }
}

std::optional<ItemId> take_from_pool(Context& order, Backend& backend) {
    const auto settings = read_settings(order.module_params);
    std::size_t tried = 0;
    if (const auto claimed = order.store.pool_claim(order.item->id)) {
        log::info("resuming the takeover of pool server {} at stage {}", claimed->item_id,
                  claimed->stage);
        if (Takeover(order, backend, *claimed).run()) {
            return claimed->item_id;
        }
        tried = 1;
    } else if (!settings.enabled || backend.has_own_server(order)) {
        return std::nullopt;
    }
    if (!settings.enabled) {
        return std::nullopt;
    }
    const auto tariff = order.store.pricelist_params(order.item->pricelist_id);
    if (const auto why = mismatch(tariff, order.item_params, backend.grow_rules())) {
        log::info("item {} is not served from the pool: {}", order.item->id, *why);
        return std::nullopt;
    }
    const auto os = backend.resolve_template(order);
    for (const auto& server : candidates(order, backend, os)) {
        if (tried == k_max_candidates) {
            log::warn("{} pool servers failed for item {}: trying no more", tried, order.item->id);
            break;
        }
        if (!claim(order, backend, server)) {
            continue;
        }
        ++tried;
        if (Takeover(order, backend, server).run()) {
            return server.item_id;
        }
    }
    log::info("no pool server could be taken for item {}: creating a VM", order.item->id);
    return std::nullopt;
}

} // namespace pm::pool
