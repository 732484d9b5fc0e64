// vdc_sync_all: for each pmopenstack module (or the one --module names) under a lock of its
// own, the store is read, OpenStack listed in parallel, the changes planned and — unless
// --dry-run — applied (modules/pmopenstack/SYNC.md).
#include "pmopenstack/sync/sync.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "pm/coordination.hpp"
#include "pm/errors.hpp"
#include "pm/log.hpp"
#include "pm/progress.hpp"
#include "pm/redact.hpp"
#include "pm/runner.hpp"

#include "pmopenstack/sync/report.hpp"
#include "pmopenstack/sync/steps.hpp"

namespace pm::openstack {
namespace {

using sync::Tally;

constexpr std::int64_t k_default_threads = 4;
constexpr std::int64_t k_max_threads = 32;
constexpr std::int64_t k_default_page_size = 1000;
constexpr std::int64_t k_max_page_size = 10000;
constexpr std::int64_t k_default_grace_s = 600;
// Changes per store transaction: short enough not to hold billing writers up for long.
constexpr std::size_t k_batch = 500;

// Several modules failed: exit 3 (retry) only when every failure was temporary.
class SyncFailed : public Error {
public:
    SyncFailed(std::string message, ExitCode code) : Error(std::move(message)), m_code(code) {}
    [[nodiscard]] ExitCode exit_code() const noexcept override { return m_code; }
    [[nodiscard]] const char* type() const noexcept override { return "sync"; }

private:
    ExitCode m_code;
};

struct Failure {
    ModuleId module;
    ExitCode code;
    std::string message;
};

std::int64_t int_param(const Params& params, std::string_view name, std::int64_t fallback,
                       std::int64_t low, std::int64_t high) {
    const auto value = params.get_int(name, fallback);
    if (value < low || value > high) {
        throw ConfigError(fmt::format("{}: {} must be between {} and {}, not {}", params.owner(),
                                      name, low, high, value));
    }
    return value;
}

// One module: read the store, list OpenStack, plan, apply (or show the plan).
class ModuleSync {
public:
    ModuleSync(Context& context, const store::Module& module, ProgressLine& progress)
        : m_module(job_scope(context, module.id)), m_dry_run(context.invocation.dry_run),
          m_progress(progress) {
        const auto& params = m_module.module_params;
        m_collect.threads = static_cast<int>(
            int_param(params, "sync_threads", k_default_threads, 1, k_max_threads));
        m_collect.page_size = static_cast<int>(
            int_param(params, "sync_page_size", k_default_page_size, 1, k_max_page_size));
        m_grace = std::chrono::seconds(
            int_param(params, "sync_grace", k_default_grace_s, 0, 365L * 24 * 3600));
    }

    // False when another sync holds the module.
    bool run(ResultNode& changes) {
        const auto& module = *m_module.module;
        HoldPtr lock;
        if (!m_dry_run) {
            // One sync per module over all hosts (DESIGN §7).
            lock =
                module_job_lock(m_module, "vdc_sync_all", fmt::format("sync-module-{}", module.id));
            if (!lock) {
                return false;
            }
        }
        log::info("module {} ({}): sync{} started", module.id, module.name,
                  m_dry_run ? " (dry run)" : "");
        const auto snapshot = sync::load_snapshot(m_module.store, module.id, m_grace);
        const auto plan = make_plan(snapshot, list(snapshot));
        if (m_dry_run) {
            sync::add_changes(changes, module, plan);
            m_tally = plan.tally;
        } else {
            apply(plan, snapshot.young_since);
        }
        m_progress.clear();
        log::info("module {}: {}{}", module.id, m_dry_run ? "planned: " : "",
                  sync::summary_line(m_tally));
        return true;
    }

    [[nodiscard]] const Tally& tally() const { return m_tally; }

private:
    sync::Inventory list(const sync::Snapshot& snapshot) {
        if (snapshot.vdcs.empty()) {
            return {}; // nothing to compare: no request at all
        }
        sync::Progress counters;
        const auto id = m_module.module->id;
        return sync::collect(m_module, snapshot, m_collect, counters, [&] {
            m_progress.show(fmt::format("module {}: {} objects listed, quotas {}/{}", id,
                                        counters.objects.load(), counters.quotas_done.load(),
                                        counters.quotas_total));
        });
    }

    sync::Plan make_plan(const sync::Snapshot& snapshot, const sync::Inventory& inventory) const {
        auto& store = m_module.store;
        return sync::make_plan(snapshot, inventory,
                               [&](ObjectId id) { return store.find_object(id).has_value(); });
    }

    void apply(const sync::Plan& plan, const std::string& young_since) {
        const auto total = plan.vdcs.size();
        const auto id = m_module.module->id;
        m_tally = sync::apply(m_module.store, plan, {k_batch, young_since}, [&](std::size_t done) {
            m_progress.show(fmt::format("module {}: {}/{} VDCs updated", id, done, total));
        });
    }

    Context m_module;
    bool m_dry_run;
    ProgressLine& m_progress;
    sync::CollectOptions m_collect;
    std::chrono::seconds m_grace{k_default_grace_s};
    Tally m_tally;
};

ExitCode overall(const std::vector<Failure>& failures) {
    const auto has = [&](ExitCode code) {
        return std::any_of(failures.begin(), failures.end(),
                           [&](const Failure& f) { return f.code == code; });
    };
    for (const auto code : {ExitCode::internal, ExitCode::usage, ExitCode::failed}) {
        if (has(code)) {
            return code;
        }
    }
    return ExitCode::temporary;
}

// A failed module, on stderr too when stdout is text (the runner then writes errors only
// there, and cron jobs send stdout to /dev/null).
void report_failure(const Context& context, const store::Module& module, const Error& error) {
    const auto message = redact(error.what());
    log::error("module {}: sync failed ({}, exit {}): {}", module.id, error.type(),
               static_cast<int>(error.exit_code()), message);
    if (context.invocation.output == OutputFormat::text) {
        std::fputs(fmt::format("{}: vdc_sync_all: module {} ({}): {}\n", context.spec.name,
                               module.id, module.name, message)
                       .c_str(),
                   stderr);
    }
}

} // namespace

void vdc_sync_all(Context& context) {
    const auto modules = job_modules(context);
    ProgressLine progress;
    auto summary = ResultNode::list("modules");
    auto changes = ResultNode::list("changes");
    std::vector<Failure> failures;
    Tally total;
    sync::ModuleOutcomes outcomes;
    for (const auto& module : modules) {
        try {
            ModuleSync run(context, module, progress);
            const bool ran = run.run(changes);
            sync::add(total, run.tally());
            ++(ran ? outcomes.done : outcomes.skipped);
            summary.children.push_back(sync::module_summary(
                module, ran ? (context.invocation.dry_run ? "planned" : "done") : "skipped",
                run.tally()));
        } catch (const Error& e) {
            progress.clear();
            report_failure(context, module, e);
            if (context.invocation.module) {
                throw;
            }
            failures.push_back({module.id, e.exit_code(), redact(e.what())});
        } catch (const std::exception& e) {
            progress.clear();
            if (context.invocation.module) {
                throw;
            }
            log::error("module {}: sync failed (internal): {}", module.id, e.what());
            failures.push_back({module.id, ExitCode::internal, redact(e.what())});
        }
    }
    outcomes.failed = static_cast<std::int64_t>(failures.size());
    sync::add_metrics(*context.metrics, total, outcomes);
    if (!failures.empty()) {
        std::string message =
            fmt::format("{} of {} modules failed", failures.size(), modules.size());
        for (const auto& failure : failures) {
            message += fmt::format("; module {}: {}", failure.module, failure.message);
        }
        throw SyncFailed(message, overall(failures));
    }
    if (modules.empty()) {
        log::info("no enabled {} module in the store: nothing to sync", context.spec.name);
    }
    context.result.nodes.push_back(std::move(summary));
    if (context.invocation.dry_run) {
        context.result.nodes.push_back(std::move(changes));
    }
}

} // namespace pm::openstack
