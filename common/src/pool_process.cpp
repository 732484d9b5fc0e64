// pool_process (DESIGN §11, cron every 3 minutes): looks at every pool server of the module,
// deletes the expired, broken and abandoned ones, counts the orders, and starts the creates
// the targets still miss.
//
// One run per module at a time: a run that finds another one holding the module's lock exits
// at once with success and says so (cron comes back in 3 minutes). The lock is freed when its
// holder dies. Creates are not waited for: a server is counted as soon as its create is sent,
// and becomes ready when a later run (or an open) sees it ready. Every step is safe to repeat
// after a kill: a pool item is written before its server is asked for, the backend saves the
// server's id at once and finds a server whose create answer was lost by its mark. --dry-run
// reads the store and the platform's templates and prints the plan.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "pm/coordination.hpp"
#include "pm/errors.hpp"
#include "pm/log.hpp"
#include "pm/password.hpp"
#include "pm/pool.hpp"
#include "pm/progress.hpp"
#include "pm/redact.hpp"

#include "pool_report.hpp"

namespace pm::pool {
namespace {

struct Doomed {
    store::PoolServer server;
    std::string reason; // expired, outdated, failed, abandoned, discarded
};

class Run {
public:
    Run(Context& context, Settings settings, Backend& backend)
        : m_context(context), m_settings(std::move(settings)), m_backend(backend),
          m_dry(context.invocation.dry_run), m_now(std::chrono::system_clock::now()) {
        m_tally.module = context.module->id;
        m_tally.enabled = m_settings.enabled;
        m_tally.dry_run = m_dry;
    }

    void run();

private:
    [[nodiscard]] std::optional<Context> item_context(ItemId id) const;
    [[nodiscard]] const std::vector<Template>& templates();
    [[nodiscard]] bool offered(const std::string& os);
    void review();
    void review_free(const store::PoolServer& server);
    void review_claimed(const store::PoolServer& server);
    void doom(const store::PoolServer& server, store::PoolState from, std::string reason);
    void delete_doomed();
    [[nodiscard]] std::vector<Target> compute_targets();
    void plan();
    void create_missing();
    void create_one(const Target& target);
    std::optional<std::string> send_create(Context& sub);

    Context& m_context;
    Settings m_settings;
    Backend& m_backend;
    bool m_dry;
    std::chrono::system_clock::time_point m_now;
    std::vector<Doomed> m_doomed;
    std::optional<std::vector<Template>> m_templates;
    Tally m_tally;
    std::vector<std::string> m_errors;
};

void Run::run() {
    ProgressLine progress;
    const auto step = [&](std::string_view what) {
        progress.show(fmt::format("pool_process: module {}: {}", m_context.module->id, what));
    };
    step("reviewing the pool servers");
    review();
    step(fmt::format("deleting {} servers", m_doomed.size()));
    delete_doomed();
    if (m_settings.enabled) {
        step("counting orders");
        plan();
        step("creating the missing servers");
        create_missing();
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

// A Context for one pool item, so that the backend's item functions serve it; nullopt when
// the item is gone (an open took the server over meanwhile).
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

// The backend's templates, asked for once a run.
const std::vector<Template>& Run::templates() {
    if (!m_templates) {
        m_templates = m_backend.templates();
    }
    return *m_templates;
}

// Whether orders can still name the template id `os`: a server of a template the platform no
// longer lists (removed, or replaced by a newer version) would never be taken.
bool Run::offered(const std::string& os) {
    const auto& list = templates();
    return std::any_of(list.begin(), list.end(),
                       [&](const Template& entry) { return entry.id == os; });
}

void Run::review() {
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
            } else if (!offered(server->os)) {
                doom(*server, store::PoolState::free, "outdated");
            } else {
                review_free(*server);
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

// Whether a free server is ready; a server the platform shows ready is recorded on its pool
// item (that is what open looks for), one that failed to build is doomed, and a pool item
// whose create was never answered gets it sent (again: the backend's lookup by mark finds one
// that was made).
void Run::review_free(const store::PoolServer& server) {
    const auto params = m_context.store.item_params(server.item_id);
    Readiness readiness = Readiness::building;
    if (m_backend.recorded_ready(params)) {
        readiness = Readiness::ready;
    } else if (!m_dry) {
        auto sub = item_context(server.item_id);
        if (!sub) {
            return;
        }
        const auto seen = m_backend.inspect(*sub);
        switch (seen.readiness) {
        case Readiness::absent:
            log::info("pool server {} has no VM yet: creating it", server.item_id);
            if (!send_create(*sub)) {
                return;
            }
            break;
        case Readiness::failed:
            doom(server, store::PoolState::free, "failed");
            return;
        case Readiness::ready: {
            // An open may have taken the server (and dropped its item) since the listing.
            auto& store = m_context.store;
            bool still_free = false; // set afresh if the body runs again after a deadlock
            store.transaction([&] {
                const auto now = store.find_pool_server(server.item_id);
                still_free = now && now->state == store::PoolState::free;
                if (still_free) {
                    seen.record();
                }
            });
            if (!still_free) {
                return;
            }
            readiness = Readiness::ready;
            break;
        }
        case Readiness::building:
            break;
        }
    }
    ++m_tally.have[Key{server.os, server.pricelist_id}];
    ++(readiness == Readiness::ready ? m_tally.ready : m_tally.building);
}

// A claim whose order is gone or closed will never be finished: its server is deleted.
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

// Deletes the doomed servers: all deletes started first, then the waits. A server the
// platform cannot delete yet (busy with its create) is left for the next run.
void Run::delete_doomed() {
    const auto record = [this](const Doomed& doomed, bool done) {
        m_tally.deleted.push_back({doomed.server.item_id, doomed.reason, done});
    };
    std::vector<std::pair<const Doomed*, Removal>> waiting;
    for (const auto& doomed : m_doomed) {
        if (m_dry) {
            record(doomed, false);
            continue;
        }
        auto sub = item_context(doomed.server.item_id);
        auto removal = sub ? m_backend.start_delete(*sub) : Removal{};
        switch (removal.kind) {
        case Removal::Kind::busy:
            record(doomed, false);
            break;
        case Removal::Kind::absent:
            if (sub) {
                m_context.store.delete_item(doomed.server.item_id);
            }
            record(doomed, true);
            break;
        case Removal::Kind::started:
            waiting.emplace_back(&doomed, std::move(removal));
            break;
        }
    }
    for (const auto& [doomed, removal] : waiting) {
        try {
            removal.wait();
            m_context.store.delete_item(doomed->server.item_id);
            record(*doomed, true);
            log::info("pool server {} ({}): VM {} deleted", doomed->server.item_id, doomed->reason,
                      removal.server);
        } catch (const Error& e) {
            if (e.exit_code() != ExitCode::failed) {
                throw;
            }
            m_errors.push_back(fmt::format("deleting VM {}: {}", removal.server, e.what()));
        }
    }
}

// Steps 1 and 2 (DESIGN §11): the module's orders created since the window's start (pool
// servers excluded) per template and tariff, an item's `os` (id or name) looked up among the
// backend's templates; orders whose template is unknown there are left out with a warning.
// Each pool_os template without any order gets the step-1 target with pool_pricelist. Sorted
// by key. ConfigError for a pool_os entry that names no template.
std::vector<Target> Run::compute_targets() {
    const auto& templates = this->templates();
    std::map<Key, Target> rows;
    const auto counts = m_context.store.count_orders(m_context.module->id, m_context.spec.itemtype,
                                                     "os", m_tally.since);
    for (const auto& count : counts) {
        const auto* os = find_template(templates, count.os);
        if (os == nullptr) {
            log::warn("pool statistics: {} order(s) with OS '{}' left out: no such template on "
                      "{}",
                      count.orders, count.os, m_backend.template_scope());
            continue;
        }
        const Key key{os->id, count.pricelist_id};
        auto& row = rows[key];
        row.key = key;
        row.os_name = os->name;
        row.orders += count.orders;
    }
    for (const auto& entry : m_settings.os) {
        const auto* os = find_template(templates, entry);
        if (os == nullptr) {
            throw ConfigError(fmt::format("{}: pool_os names '{}', which is no OS template of {}",
                                          m_context.module_params.owner(), entry,
                                          m_backend.template_scope()));
        }
        const bool ordered = std::any_of(rows.begin(), rows.end(), [&](const auto& row) {
            return row.first.os == os->id && row.second.orders > 0;
        });
        if (!ordered) {
            const Key key{os->id, *m_settings.pricelist};
            rows[key] = Target{key, os->name, 0, m_settings.steps.front()};
        }
    }
    std::vector<Target> targets;
    for (auto& [key, row] : rows) {
        if (row.orders > 0) {
            row.target = target_for(m_settings.steps, row.orders);
        }
        targets.push_back(std::move(row));
    }
    return targets;
}

void Run::plan() {
    m_tally.since = days_before(m_now, m_settings.stat_days);
    m_tally.targets = compute_targets();
    m_tally.served = m_context.store.count_served(m_context.module->id, m_tally.since);
    if (m_dry) {
        return;
    }
    std::vector<store::PoolStat> stats;
    for (const auto& target : m_tally.targets) {
        stats.push_back({.os = target.key.os,
                         .pricelist_id = target.key.pricelist,
                         .orders = target.orders,
                         .target = target.target,
                         .since = m_tally.since});
    }
    m_context.store.replace_pool_stats(m_context.module->id, stats);
}

void Run::create_missing() {
    for (const auto& target : m_tally.targets) {
        const auto have = m_tally.have[target.key];
        for (auto missing = target.target - have; missing > 0; --missing) {
            if (m_dry) {
                m_tally.created.push_back({std::nullopt, {}, target.key});
                continue;
            }
            const auto errors = m_errors.size();
            create_one(target);
            if (m_errors.size() > errors) {
                break; // the next create of this kind would fail the same way
            }
        }
    }
}

// A pool item first, then its server: a kill in between leaves an item that the next run's
// review sends the create for.
void Run::create_one(const Target& target) {
    auto params = m_backend.new_server_params();
    params.insert_or_assign("os", target.key.os);
    params.insert_or_assign("password", random_password());
    const auto id = m_context.store.create_pool_server({.account_id = m_settings.account,
                                                        .pricelist_id = target.key.pricelist,
                                                        .module_id = m_context.module->id,
                                                        .type = m_context.spec.itemtype,
                                                        .params = std::move(params)},
                                                       target.key.os);
    auto sub = item_context(id);
    if (!sub) {
        throw ConfigError(fmt::format("pool item {} vanished right after its creation", id));
    }
    if (auto created = send_create(*sub)) {
        m_tally.created.push_back({id, std::move(*created), target.key});
    }
}

// Sends the create of a pool item's server. When the platform refuses it, the pool item is
// dropped (unless the answer was unreadable and a server with its mark exists: the next run
// finds it) and the error is kept for the end of the run; temporary failures propagate.
std::optional<std::string> Run::send_create(Context& sub) {
    const auto id = sub.item->id;
    try {
        return m_backend.send_create(sub);
    } catch (const Error& e) {
        if (e.exit_code() != ExitCode::failed) {
            throw;
        }
        if (!m_backend.marked_server_exists(sub)) {
            m_context.store.delete_item(id);
        }
        m_errors.push_back(fmt::format("creating the VM of pool server {} (OS {}, tariff {}): {}",
                                       id, sub.item_params.get_or("os", "?"),
                                       sub.item->pricelist_id, e.what()));
        return std::nullopt;
    }
}

} // namespace

void process(Context& context, const std::function<std::unique_ptr<Backend>()>& connect) {
    auto settings = read_settings(context.module_params);
    HoldPtr lock;
    if (!context.invocation.dry_run) {
        // The module's pool_process lock over all hosts; nullptr when another run holds it.
        lock = module_job_lock(context, "pool_process",
                               fmt::format("{}-pool-{}", context.spec.name, context.module->id));
        if (!lock) {
            return;
        }
    }
    const auto backend = connect();
    Run(context, std::move(settings), *backend).run();
}

} // namespace pm::pool
