// pool_process (DESIGN §11, cron every 3 minutes): looks at every pool server of the module,
// deletes the expired, broken and abandoned ones, counts the orders, and starts the creates
// the targets still miss.
//
// One run per module at a time: a run that finds another one holding the module's lock file
// exits at once with success and says so (cron comes back in 3 minutes). The lock is an flock,
// freed by the kernel when its holder dies. Creates are not waited for: a server is counted as
// soon as its create is sent, and becomes ready when a later run (or an open) sees it active.
// Every step is safe to repeat after a kill: a pool item is written before its VM is asked
// for, its VM id is saved at once, and a server whose create answer was lost is found by its
// comment. --dry-run reads the store and VMmanager's OS list and prints the plan.
#include "pmvmmgr6/pool/process.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "pm/coordination.hpp"
#include "pm/errors.hpp"
#include "pm/log.hpp"
#include "pm/password.hpp"
#include "pm/progress.hpp"
#include "pm/redact.hpp"

#include "pmvmmgr6/pool/report.hpp"
#include "pmvmmgr6/pool/settings.hpp"
#include "pmvmmgr6/pool/targets.hpp"
#include "pmvmmgr6/vm/create.hpp"
#include "pmvmmgr6/vm/item.hpp"

namespace pm::vmmgr6 {
namespace pool {
namespace {

enum class Readiness { ready, building };

struct Doomed {
    store::PoolServer server;
    std::string reason; // expired, failed, abandoned, discarded
};

class Run {
public:
    Run(Context& context, Settings settings)
        : m_context(context), m_settings(std::move(settings)), m_dry(context.invocation.dry_run),
          m_now(std::chrono::system_clock::now()) {
        m_tally.module = context.module->id;
        m_tally.enabled = m_settings.enabled;
        m_tally.dry_run = m_dry;
    }

    void run(const Connection& vm);

private:
    [[nodiscard]] std::optional<Context> item_context(ItemId id) const;
    void review(const Connection& vm);
    void review_free(const Connection& vm, const store::PoolServer& server);
    void review_claimed(const store::PoolServer& server);
    void doom(const store::PoolServer& server, store::PoolState from, std::string reason);
    void delete_doomed(const Connection& vm);
    void plan(const Connection& vm);
    void create_missing(const Connection& vm);
    void create_one(const Connection& vm, const Target& target);
    std::optional<api::Created> send_create(const Connection& vm, Context& sub);
    [[nodiscard]] std::int64_t pool_user(const Connection& vm);

    Context& m_context;
    Settings m_settings;
    bool m_dry;
    std::chrono::system_clock::time_point m_now;
    std::vector<Doomed> m_doomed;
    Tally m_tally;
    std::vector<std::string> m_errors;
    std::optional<std::int64_t> m_pool_user;
};

void Run::run(const Connection& vm) {
    ProgressLine progress;
    const auto step = [&](std::string_view what) {
        progress.show(fmt::format("pool_process: module {}: {}", m_context.module->id, what));
    };
    step("reviewing the pool servers");
    review(vm);
    step(fmt::format("deleting {} servers", m_doomed.size()));
    delete_doomed(vm);
    if (m_settings.enabled) {
        step("counting orders");
        plan(vm);
        step("creating the missing servers");
        create_missing(vm);
    }
    progress.clear();
    report(m_tally, m_context.result);
    add_metrics(m_tally, *m_context.metrics);
    if (!m_errors.empty()) {
        throw OperationError(fmt::format("pool_process: {}{}", m_errors.front(),
                                         m_errors.size() > 1
                                             ? fmt::format(" (and {} more)", m_errors.size() - 1)
                                             : std::string()));
    }
}

// A Context for one pool item, so that the item operations (find, create, record) serve it;
// nullopt when the item is gone (an open took the server over meanwhile).
std::optional<Context> Run::item_context(ItemId id) const {
    Context sub(m_context.spec, m_context.invocation, m_context.settings, m_context.store,
                m_context.coordination);
    sub.module = m_context.module;
    sub.module_params = m_context.module_params;
    sub.item = m_context.store.find_item(id);
    if (!sub.item) {
        return std::nullopt;
    }
    sub.item_params = m_context.store.item_params(id);
    for (const auto& [name, value] : sub.item_params.values()) {
        if (is_secret_key(name)) {
            register_secret(value);
        }
    }
    sub.deadline = m_context.deadline;
    return sub;
}

void Run::review(const Connection& vm) {
    const auto cutoff = m_settings.max_months > 0
                            ? std::optional(months_before(m_now, m_settings.max_months))
                            : std::nullopt;
    for (const auto& listed : m_context.store.pool_servers(m_context.module->id)) {
        // Re-read: an open may have claimed (or finished taking) it since the listing.
        const auto server = m_context.store.find_pool_server(listed.item_id);
        if (!server) {
            continue;
        }
        switch (server->state) {
        case store::PoolState::free:
            if (cutoff && server->created_at < *cutoff) {
                doom(*server, store::PoolState::free, "expired");
            } else {
                review_free(vm, *server);
            }
            break;
        case store::PoolState::claimed:
            review_claimed(*server);
            break;
        case store::PoolState::discarded:
            m_doomed.push_back({*server, "discarded"});
            break;
        }
    }
}

// Whether a free server is ready; a VM VMmanager shows active is recorded on its pool item
// (that is what open looks for), one that failed to install is doomed, and a pool item whose
// create was never answered gets it sent (again: the comment lookup finds one that was made).
void Run::review_free(const Connection& vm, const store::PoolServer& server) {
    const auto params = m_context.store.item_params(server.item_id);
    Readiness readiness = Readiness::building;
    if (params.get_or("state", "") == host_states::active) {
        readiness = Readiness::ready;
    } else if (!m_dry) {
        auto sub = item_context(server.item_id);
        if (!sub) {
            return;
        }
        const auto host = find_created_host(*sub, vm);
        if (!host) {
            log::info("pool server {} has no VM yet: creating it", server.item_id);
            if (!send_create(vm, *sub)) {
                return;
            }
        } else if (host->state == host_states::failed || host->state == host_states::deleting) {
            doom(server, store::PoolState::free, "failed");
            return;
        } else if (host->state == host_states::active || host->state == host_states::stopped) {
            // An open may have taken the server (and dropped its item) since the listing.
            auto& store = m_context.store;
            bool still_free = false; // set afresh if the body runs again after a deadlock
            store.transaction([&] {
                const auto now = store.find_pool_server(server.item_id);
                still_free = now && now->state == store::PoolState::free;
                if (still_free) {
                    record_host(*sub, *host);
                }
            });
            if (still_free) {
                readiness = Readiness::ready;
            }
            if (readiness != Readiness::ready) {
                return;
            }
        }
    }
    if (const auto os = parse_int(server.os)) {
        ++m_tally.have[Key{*os, server.pricelist_id}];
    }
    ++(readiness == Readiness::ready ? m_tally.ready : m_tally.building);
}

// A claim whose order is gone or closed will never be finished: its VM is deleted.
void Run::review_claimed(const store::PoolServer& server) {
    const auto claimant = m_context.store.find_item(*server.claimed_by);
    if (!claimant || claimant->status == store::ItemStatus::closed ||
        claimant->status == store::ItemStatus::deleted) {
        doom(server, store::PoolState::claimed, "abandoned");
        return;
    }
    ++m_tally.claimed;
}

void Run::doom(const store::PoolServer& server, store::PoolState from, std::string reason) {
    // An open may have claimed it a moment ago: then it is the open's.
    if (!m_dry && !m_context.store.discard_pool_server(server.item_id, from)) {
        log::info("pool server {} changed meanwhile: left alone", server.item_id);
        return;
    }
    m_doomed.push_back({server, std::move(reason)});
}

// Deletes the doomed servers' VMs: all delete requests first, then the waits. A VM busy with
// a create is left for the next run (VMmanager refuses to delete it meanwhile).
void Run::delete_doomed(const Connection& vm) {
    const auto record = [this](const Doomed& doomed, bool done) {
        m_tally.deleted.push_back({doomed.server.item_id, doomed.reason, done});
    };
    std::vector<std::pair<const Doomed*, std::int64_t>> waiting;
    for (const auto& doomed : m_doomed) {
        auto sub = m_dry ? std::nullopt : item_context(doomed.server.item_id);
        const auto host = sub ? find_item_host(*sub, vm) : std::nullopt;
        if (m_dry ||
            (sub && host &&
             (host->state == host_states::creating || host->state == host_states::reinstalling))) {
            record(doomed, false);
        } else if (!host) {
            if (sub) {
                m_context.store.delete_item(doomed.server.item_id);
            }
            record(doomed, true);
        } else {
            if (host->state != host_states::deleting) {
                (void)vm.api().delete_host(host->id);
            }
            waiting.emplace_back(&doomed, host->id);
        }
    }
    for (const auto& [doomed, id] : waiting) {
        try {
            vm.wait_until(fmt::format("VM {} to be deleted", id),
                          [&, vm_id = id] { return !vm.api().host(vm_id).has_value(); });
            m_context.store.delete_item(doomed->server.item_id);
            record(*doomed, true);
            log::info("pool server {} ({}): VM {} deleted", doomed->server.item_id, doomed->reason,
                      id);
        } catch (const Error& e) {
            if (e.exit_code() != ExitCode::failed) {
                throw;
            }
            m_errors.push_back(fmt::format("deleting VM {}: {}", id, e.what()));
        }
    }
}

void Run::plan(const Connection& vm) {
    m_tally.since = days_before(m_now, m_settings.stat_days);
    m_tally.targets = compute_targets(m_context, vm, m_settings, m_tally.since);
    m_tally.served = m_context.store.count_served(m_context.module->id, m_tally.since);
    if (m_dry) {
        return;
    }
    std::vector<store::PoolStat> stats;
    for (const auto& target : m_tally.targets) {
        stats.push_back({.os = std::to_string(target.key.os),
                         .pricelist_id = target.key.pricelist,
                         .orders = target.orders,
                         .target = target.target,
                         .since = m_tally.since});
    }
    m_context.store.replace_pool_stats(m_context.module->id, stats);
}

void Run::create_missing(const Connection& vm) {
    for (const auto& target : m_tally.targets) {
        const auto have = m_tally.have[target.key];
        for (auto missing = target.target - have; missing > 0; --missing) {
            if (m_dry) {
                m_tally.created.push_back({std::nullopt, 0, target.key});
                continue;
            }
            const auto errors = m_errors.size();
            create_one(vm, target);
            if (m_errors.size() > errors) {
                break; // the next create of this kind would fail the same way
            }
        }
    }
}

// A pool item first, then its VM: a kill in between leaves an item that the next run's
// review sends the create for.
void Run::create_one(const Connection& vm, const Target& target) {
    const auto user = pool_user(vm);
    const auto id =
        m_context.store.create_pool_server({.account_id = m_settings.account,
                                            .pricelist_id = target.key.pricelist,
                                            .module_id = m_context.module->id,
                                            .type = "vds",
                                            .params = {{"os", std::to_string(target.key.os)},
                                                       {"password", random_password()},
                                                       {"vm_account_id", std::to_string(user)}}},
                                           std::to_string(target.key.os));
    auto sub = item_context(id);
    if (!sub) {
        throw ConfigError(fmt::format("pool item {} vanished right after its creation", id));
    }
    if (const auto created = send_create(vm, *sub)) {
        m_tally.created.push_back({id, created->id, target.key});
    }
}

// Sends the create of a pool item's VM. When VMmanager refuses it, the pool item is dropped
// (unless the answer was unreadable and a VM with its comment exists: the next run finds it)
// and the error is kept for the end of the run; temporary failures propagate.
std::optional<api::Created> Run::send_create(const Connection& vm, Context& sub) {
    const auto id = sub.item->id;
    try {
        return start_create(sub, vm, pool_user(vm));
    } catch (const Error& e) {
        if (e.exit_code() != ExitCode::failed) {
            throw;
        }
        if (marked_hosts(vm, id).empty()) {
            m_context.store.delete_item(id);
        }
        m_errors.push_back(fmt::format("creating the VM of pool server {} (OS {}, tariff {}): {}",
                                       id, sub.item_params.get_or("os", "?"),
                                       sub.item->pricelist_id, e.what()));
        return std::nullopt;
    }
}

std::int64_t Run::pool_user(const Connection& vm) {
    if (!m_pool_user) {
        m_pool_user = vm_user(m_context, vm, m_settings.account);
    }
    return *m_pool_user;
}

// The module's pool_process lock over all hosts; nullptr when another run holds it.
HoldPtr lock_module(const Context& context) {
    return context.coordination.try_lock(fmt::format("pmvmmgr6-pool-{}", context.module->id));
}

} // namespace
} // namespace pool

void pool_process(Context& context) {
    auto settings = pool::read_settings(context.module_params);
    HoldPtr lock;
    if (!context.invocation.dry_run) {
        lock = pool::lock_module(context);
        if (!lock) {
            log::info("another pool_process of module {} is running: nothing to do",
                      context.module->id);
            context.result.add(
                "skipped",
                fmt::format("another pool_process of module {} is running", context.module->id));
            return;
        }
    }
    const Connection vm(context);
    pool::Run(context, std::move(settings)).run(vm);
}

} // namespace pm::vmmgr6
