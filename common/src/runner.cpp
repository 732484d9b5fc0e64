#include "pm/runner.hpp"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <unistd.h>

#include <fmt/format.h>

#include "pm/context.hpp"
#include "pm/coordination.hpp"
#include "pm/errors.hpp"
#include "pm/features.hpp"
#include "pm/log.hpp"
#include "pm/metrics.hpp"
#include "pm/operation_locks.hpp"
#include "pm/queue.hpp"
#include "pm/redact.hpp"
#include "pm/text.hpp"
#include "pm/watchdog.hpp"

namespace pm {
namespace {

constexpr std::int64_t k_default_op_timeout_s = 3600;
constexpr std::int64_t k_default_max_tries = 10;
constexpr std::chrono::seconds k_watchdog_grace{2};
// Longer op_timeout values are taken as this: "no limit" in practice, and far from the
// overflow of the clock arithmetic (DESIGN §6).
constexpr std::int64_t k_max_op_timeout_s = 366LL * 24 * 3600;
// How long a run waits for another process to let go of the same running operation before
// it calls itself a duplicate: a live duplicate holds it for its whole run, while a process
// that only looks at it (is_held) holds it for an instant.
constexpr std::chrono::seconds k_claim_wait{1};
// Unknown flags named in the log, and how much of each name.
constexpr std::size_t k_max_logged_flags = 20;
constexpr std::size_t k_max_logged_flag = 40;

using Clock = std::chrono::steady_clock;

void print(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

std::string one_line(std::string_view text) {
    return printable(text, LineBreaks::to_space); // also what the store's error column gets
}

ErrorReport report_of(const Error& error) {
    return {error.type(), error.exit_code(), one_line(redact(error.what()))};
}

ErrorReport internal_report(std::string_view what) {
    return {"internal", ExitCode::internal, one_line(redact(what))};
}

// Prints an error: on stdout in the chosen format, and as one line on stderr too when stdout
// is meant for a program, so that cron mail and admins' terminals see it.
void print_error(OutputFormat format, const ErrorReport& report, std::string_view module) {
    print(render_error(format, report));
    // Under cron stdout is often thrown away (>/dev/null): stderr still carries the error.
    if (format != OutputFormat::text || ::isatty(STDOUT_FILENO) != 1) {
        std::fputs(fmt::format("{}: error: {}\n", module, report.message).c_str(), stderr);
    }
}

// One invocation that got past the command line: loads everything, runs the command,
// records the outcome.
class CommandRun {
public:
    CommandRun(const ModuleSpec& spec, const Invocation& invocation, const CommandSpec& command)
        : m_spec(spec), m_invocation(invocation), m_command(command) {}

    int run();
    // Module-wide commands with metrics_dir set: the run's metrics file (DESIGN §15).
    void write_metrics(int exit_code) const;

private:
    void load_rows(Context& context) const;
    void prepare(Context& context);
    queue::Slot take_slot(const Context& context);
    HoldPtr hold_item(const Context& context);
    std::optional<OperationId> older_claimed_operation(const Context& context) const;
    int duplicate_running(OperationId id);
    int duplicate_done(Context& context);
    void log_call() const;
    void on_watchdog(const std::string& reason);
    int execute(Context& context);
    int succeed(Context& context);
    int fail(const ErrorReport& report, bool keep_pending);

    const ModuleSpec& m_spec;
    const Invocation& m_invocation;
    const CommandSpec& m_command;
    Settings m_settings;
    std::optional<Watchdog> m_watchdog;
    std::unique_ptr<Coordination> m_coordination;
    OperationLocks* m_locks = nullptr; // of m_coordination, for mutating commands only
    HoldPtr m_claim;                   // of the running operation, when there is one
    std::optional<store::Store> m_store;
    std::optional<OperationId> m_operation;
    std::int64_t m_max_tries = k_default_max_tries;
    std::atomic<bool> m_started{false}; // the running operation is `running`
    Clock::time_point m_begin = Clock::now();
    std::shared_ptr<metrics::Counts> m_counts = std::make_shared<metrics::Counts>();
    std::optional<ModuleId> m_module; // of the command, once known
};

void CommandRun::load_rows(Context& context) const {
    auto& store = context.store;
    std::optional<ItemId> item_id = m_invocation.item;
    std::optional<ObjectId> object_id;
    std::optional<ModuleId> module_id = m_invocation.module;
    // Where module_id came from, for messages.
    std::string module_origin = module_id ? fmt::format("--module {}", *module_id) : "";
    if (m_invocation.operation) {
        context.operation = store.find_operation(*m_invocation.operation);
        if (!context.operation) {
            throw UsageError(fmt::format("running operation {} not found in the store {}",
                                         *m_invocation.operation, store.path()));
        }
        const auto& op = *context.operation;
        if (item_id && op.item_id && *item_id != *op.item_id) {
            throw UsageError(fmt::format("--item {} contradicts running operation {} (item {})",
                                         *item_id, op.id, *op.item_id));
        }
        item_id = item_id ? item_id : op.item_id;
        object_id = op.object_id;
        if (!module_id && op.module_id) {
            module_id = op.module_id;
            module_origin = fmt::format("running operation {} (module {})", op.id, *module_id);
        }
        // Running it for another command would record the wrong outcome (a `close` marking an
        // `open` done): refused, and the operation is left as it is.
        if (!op.command.empty() && op.command != m_invocation.command) {
            throw UsageError(fmt::format(
                "running operation {} was created for command '{}', not '{}': nothing done", op.id,
                op.command, m_invocation.command));
        }
    }
    if (m_command.scope == Scope::object) {
        if (!object_id) {
            throw UsageError(
                fmt::format("{} needs --runningoperation of a VDC object", m_command.name));
        }
        context.object = store.find_object(*object_id);
        if (!context.object) {
            throw ConfigError(fmt::format("VDC object {} not found in the store", *object_id));
        }
        item_id = item_id ? item_id : context.object->item_id;
        if (context.object->item_id != *item_id) {
            throw ConfigError(fmt::format("VDC object {} belongs to item {}, not {}", *object_id,
                                          context.object->item_id, *item_id));
        }
    }
    if (m_command.scope == Scope::item || m_command.scope == Scope::object) {
        if (!item_id && context.operation) {
            throw UsageError(fmt::format("running operation {} has no item: {} needs one (its "
                                         "item_id, or --item)",
                                         context.operation->id, m_command.name));
        }
        if (!item_id) {
            throw UsageError(fmt::format("{} needs --item or --runningoperation", m_command.name));
        }
        context.item = store.find_item(*item_id);
        if (!context.item) {
            throw UsageError(fmt::format("item {} not found in the store", *item_id));
        }
        if (module_id && *module_id != context.item->module_id) {
            throw UsageError(fmt::format("{} contradicts item {} (module {})", module_origin,
                                         *item_id, context.item->module_id));
        }
        module_id = context.item->module_id;
        context.item_params = store.item_params(*item_id);
        for (const auto& [name, value] : context.item_params.values()) {
            if (is_secret_key(name)) {
                register_secret(value);
            }
        }
    }
    if (m_command.scope != Scope::none) {
        if (!module_id) {
            throw UsageError(fmt::format("{} needs --module", m_command.name));
        }
        load_module(context, *module_id, m_command.mutation == Mutation::mutating);
    }
}

void CommandRun::prepare(Context& context) {
    load_rows(context);
    if (context.operation) {
        m_operation = context.operation->id;
    }
    log::set_context(m_operation ? m_operation->value() : 0,
                     context.item ? context.item->id.value() : 0);
    if (context.module) {
        check_module(context);
        m_max_tries = context.module_params.get_int("max_tries", k_default_max_tries);
        m_watchdog->arm(context.deadline, k_watchdog_grace);
    }
}

queue::Slot CommandRun::take_slot(const Context& context) {
    if (m_command.mutation != Mutation::mutating || !context.module) {
        return {};
    }
    const auto& params = context.module_params;
    queue::Config config;
    config.enabled = params.get_bool("queue_enabled", false);
    config.key = params.get_or("queue_key", "");
    const auto count = params.get_int("queue_count", 0);
    if (count < 0 || count > queue::k_max_count) {
        throw ConfigError(fmt::format("{}: queue_count must be between 0 and {}, not {}",
                                      params.owner(), queue::k_max_count, count));
    }
    config.count = static_cast<int>(count);
    const queue::Context where{m_command.name, context.module->id,
                               context.item ? context.item->id : ItemId()};
    auto slot = m_coordination->acquire_slot(
        config, where, context.deadline, [](const queue::Waiting& waiting) {
            if (waiting.ahead > 0) {
                log::info("waiting in the queue behind {} operation(s)", waiting.ahead);
            }
        });
    if (slot.held()) {
        log::info(
            "queue slot {} taken after {} ms", slot.name(),
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - m_begin).count());
    }
    return slot;
}

// The item's turn (README "One operation per item"): operations of one item run one at a
// time in arrival order, except that an older operation claimed by a live process goes
// first, so that a `close` started a moment after its `open` never overtakes it. Older
// operations nobody runs (left pending by the platform) are not waited for: they cannot block.
HoldPtr CommandRun::hold_item(const Context& context) {
    if (!m_locks || !context.item) {
        return nullptr;
    }
    const ItemId item = context.item->id;
    const auto on_waiting = [item](const queue::Waiting& waiting) {
        if (waiting.ahead > 0) {
            log::info("waiting for {} earlier operation(s) of item {}", waiting.ahead, item);
        }
    };
    try {
        for (;;) {
            HoldPtr hold = m_locks->hold_item(item, context.deadline, on_waiting);
            const auto older = older_claimed_operation(context);
            if (!older) {
                return hold;
            }
            log::info("running operation {} of item {} is older and claimed by another process: "
                      "it goes first",
                      *older, item);
            hold.reset();
            m_locks->wait_unclaimed(*older, context.deadline);
        }
    } catch (const LockTimeout&) {
        throw LockTimeout(fmt::format(
            "timed out (op_timeout) waiting for the other operations of item {} to finish", item));
    }
}

std::optional<OperationId> CommandRun::older_claimed_operation(const Context& context) const {
    if (!m_operation) {
        return std::nullopt;
    }
    store::OperationFilter filter;
    filter.item_id = context.item->id;
    // `error` too: a failed operation being tried again stays `error` until its turn comes.
    filter.statuses = {store::OperationStatus::pending, store::OperationStatus::running,
                       store::OperationStatus::error};
    for (const auto& other : m_store->operations(filter)) {
        if (other.id.value() < m_operation->value() && m_locks->claimed(other.id)) {
            return other.id;
        }
    }
    return std::nullopt;
}

// Another process runs this very operation: nothing is touched, the caller may look later.
int CommandRun::duplicate_running(OperationId id) {
    const ErrorReport report{
        "duplicate", ExitCode::temporary,
        fmt::format("duplicate: running operation {} is already running in another process; "
                    "nothing done",
                    id)};
    log::warn("{}", report.message);
    print_error(m_invocation.output, report, m_spec.name);
    return static_cast<int>(report.code);
}

// The operation was done by an earlier run: it is not run again, its row stays as it is.
int CommandRun::duplicate_done(Context& context) {
    const auto lock = m_watchdog->finishing();
    m_watchdog->mark_finished();
    const std::string note =
        fmt::format("running operation {} is already done; nothing done", *m_operation);
    log::info("duplicate: {}", note);
    context.result.add("duplicate", note);
    print(render_result(m_invocation.output, context.result));
    return 0;
}

int CommandRun::succeed(Context& context) {
    const auto lock = m_watchdog->finishing();
    if (m_operation) {
        m_store->finish_operation(*m_operation);
    }
    m_watchdog->mark_finished();
    log::info(
        "done in {} ms",
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - m_begin).count());
    print(render_result(m_invocation.output, context.result));
    return 0;
}

int CommandRun::fail(const ErrorReport& report, bool keep_pending) {
    const auto lock = m_watchdog ? m_watchdog->finishing() : std::unique_lock<std::mutex>();
    if (m_store && m_operation) {
        try {
            if (keep_pending) {
                m_store->return_to_pending(*m_operation);
            } else {
                const auto status =
                    m_store->fail_operation(*m_operation, report.message, m_max_tries);
                log::info("running operation {} is now {}", *m_operation, store::to_string(status));
            }
        } catch (const Error& e) {
            log::error("could not record the failure on running operation {}: {}", *m_operation,
                       e.what());
        }
    }
    if (m_watchdog) {
        m_watchdog->mark_finished();
    }
    log::error("failed ({}, exit {}): {}", report.type, static_cast<int>(report.code),
               report.message);
    print_error(m_invocation.output, report, m_spec.name);
    return static_cast<int>(report.code);
}

// Runs on the watchdog thread with its own store connection: the main thread may be inside
// a transaction on its own.
void CommandRun::on_watchdog(const std::string& reason) {
    log::error("{}", reason);
    const ErrorReport report{"interrupted", ExitCode::temporary, reason};
    if (m_operation) {
        try {
            // The store's own busy timeout, as the main thread would wait: an interruption
            // while another process writes must still be recorded (a stop signal's sender
            // waits longer than this before SIGKILL, e.g. systemd's 90 s).
            auto store = store::Store::open(m_settings.store, store::k_default_busy_timeout,
                                            m_settings.store_password);
            if (m_started) {
                store.fail_operation(*m_operation, reason, m_max_tries);
            } else {
                store.return_to_pending(*m_operation);
            }
        } catch (const Error& e) {
            log::error("could not record the interruption: {}", e.what());
        }
    }
    print_error(m_invocation.output, report, m_spec.name);
}

int CommandRun::run() {
    try {
        m_settings = load_settings(m_invocation);
        log::open(m_settings.log_dir, m_spec.name, m_settings.log_level);
    } catch (const Error& e) {
        print_error(m_invocation.output, report_of(e), m_spec.name);
        return static_cast<int>(e.exit_code());
    }
    log_call();
    m_watchdog.emplace([this](const std::string& reason) { on_watchdog(reason); },
                       static_cast<int>(ExitCode::temporary));
    try {
        // With a MariaDB/MySQL store the locks are named locks on the server: if their
        // connection is lost while one is held, the process stops as a stop signal would stop
        // it (exit 3, the operation left to run again), before its next side effect.
        m_coordination = make_coordination(
            m_settings, [this](const std::string& reason) { m_watchdog->interrupt(reason); });
        if (m_command.mutation == Mutation::mutating) {
            m_locks = &m_coordination->operation_locks();
            // Claimed before anything else, so that an older operation started a moment
            // earlier is seen as claimed by the newer ones (hold_item).
            if (m_invocation.operation) {
                m_claim = m_locks->claim(*m_invocation.operation, Deadline::after(k_claim_wait));
                if (!m_claim) {
                    return duplicate_running(*m_invocation.operation);
                }
            }
        }
        m_store = store::Store::open(m_settings.store, store::k_default_busy_timeout,
                                     m_settings.store_password);
        Context context{m_spec, m_invocation, m_settings, *m_store, *m_coordination};
        context.metrics = m_counts;
        prepare(context);
        m_module = context.module ? std::optional(context.module->id) : m_invocation.module;
        if (m_claim && context.operation->status == store::OperationStatus::done) {
            return duplicate_done(context);
        }
        const auto item = hold_item(context);
        const auto slot = take_slot(context);
        return execute(context); // item and slot are released after the outcome is recorded
    } catch (const LockTimeout& e) {
        return fail(report_of(e), true);
    } catch (const Error& e) {
        return fail(report_of(e), false);
    } catch (const std::exception& e) {
        return fail(internal_report(e.what()), false);
    }
}

void CommandRun::write_metrics(int exit_code) const {
    const bool module_wide = m_command.scope == Scope::module || m_command.scope == Scope::none;
    if (!module_wide || !m_settings.metrics_dir || m_invocation.dry_run) {
        return; // a dry run changed nothing: the last real run's file stays
    }
    const auto module = m_module ? m_module : m_invocation.module;
    const metrics::Job job{m_spec.name, m_command.name,
                           module ? std::to_string(module->value()) : "all"};
    metrics::write(*m_settings.metrics_dir, job,
                   {exit_code, std::chrono::system_clock::now(), Clock::now() - m_begin},
                   *m_counts);
}

// The call line (its arguments already cut, cli.cpp) shows the unknown arguments with their
// values; they are named once more only by count and flag name.
void CommandRun::log_call() const {
    log::info("{}", m_invocation.call_line);
    const auto& ignored = m_invocation.ignored;
    if (ignored.empty()) {
        return;
    }
    std::string flags;
    std::size_t named = 0;
    for (const auto& argument : ignored) {
        if (!argument.starts_with("-") || named == k_max_logged_flags) {
            continue;
        }
        flags +=
            fmt::format(" {}", argument.substr(0, std::min(argument.find('='), k_max_logged_flag)));
        ++named;
    }
    log::info("ignoring {} unknown argument(s):{}", ignored.size(), flags);
}

int CommandRun::execute(Context& context) {
    try {
        if (m_operation && m_command.mutation == Mutation::mutating) {
            context.operation = m_store->begin_operation(*m_operation);
            m_started = true;
        }
        if (!m_command.handler) {
            throw NotImplemented(
                fmt::format("{} {} is not implemented yet", m_spec.name, m_command.name));
        }
        m_command.handler(context);
        return succeed(context);
    } catch (const Error& e) {
        return fail(report_of(e), false);
    } catch (const std::exception& e) {
        return fail(internal_report(e.what()), false);
    }
}

// The format --output asks for, looked up on its own so that an error in any other flag is
// still printed the way the caller can read; nullopt (the default format) when --output is
// bad itself: missing its value, not a format, or given more than once.
std::optional<OutputFormat> asked_output(int argc, char** argv) {
    std::optional<OutputFormat> format;
    int given = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--output") {
            ++given;
            format = i + 1 < argc ? parse_output_format(argv[i + 1]) : std::nullopt;
        } else if (arg.starts_with("--output=")) {
            ++given;
            format = parse_output_format(arg.substr(std::string_view("--output=").size()));
        }
    }
    return given == 1 ? format : std::nullopt;
}

} // namespace

int run(const ModuleSpec& spec, int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    const bool tty = ::isatty(STDOUT_FILENO) == 1;
    OutputFormat output =
        asked_output(argc, argv).value_or(tty ? OutputFormat::text : OutputFormat::xml);
    try {
        auto parsed = parse_command_line(spec, argc, argv, tty);
        if (auto* early = std::get_if<EarlyExit>(&parsed)) {
            print(early->text);
            return early->code;
        }
        const auto& invocation = std::get<Invocation>(parsed);
        output = invocation.output;
        if (invocation.command == "features") {
            // features never touches the store, the log or the network (DESIGN §5).
            print(render_result(output, features_result(spec)));
            return 0;
        }
        CommandRun command(spec, invocation, *spec.find_command(invocation.command));
        const int code = command.run();
        command.write_metrics(code);
        return code;
    } catch (const Error& e) {
        print_error(output, report_of(e), spec.name);
        return static_cast<int>(e.exit_code());
    } catch (const std::exception& e) {
        print_error(output, internal_report(e.what()), spec.name);
        return static_cast<int>(ExitCode::internal);
    }
}

void load_module(Context& context, ModuleId id, bool mutating) {
    const auto& spec = context.spec;
    context.module = context.store.find_module(id);
    if (!context.module) {
        throw UsageError(fmt::format("processing module {} not found in the store", id));
    }
    if (context.module->type != spec.name) {
        throw ConfigError(fmt::format("processing module {} is of type '{}', not {}", id,
                                      context.module->type, spec.name));
    }
    if (!context.module->enabled && mutating) {
        throw ConfigError(fmt::format("processing module {} is disabled", id));
    }
    context.module_params = context.store.module_params(id);
    for (const auto& [name, value] : context.module_params.values()) {
        const auto param = std::find_if(spec.params.begin(), spec.params.end(),
                                        [&](const ParamSpec& p) { return p.name == name; });
        if (is_secret_key(name) || (param != spec.params.end() && param->secret)) {
            register_secret(value);
        }
    }
}

void check_module(Context& context) {
    const auto& params = context.module_params;
    check_common_params(params);
    check_module_params(context.spec.params, params);
    auto timeout = params.get_int("op_timeout", k_default_op_timeout_s);
    if (timeout <= 0) {
        throw ConfigError(
            fmt::format("{}: op_timeout must be a positive number of seconds", params.owner()));
    }
    if (timeout > k_max_op_timeout_s) {
        log::warn("{}: op_timeout {} is taken as {} s (a year: no limit in practice)",
                  params.owner(), timeout, k_max_op_timeout_s);
        timeout = k_max_op_timeout_s;
    }
    context.deadline = Deadline::after(std::chrono::seconds(timeout));
}

Context job_scope(const Context& job, ModuleId module) {
    Context scope(job.spec, job.invocation, job.settings, job.store, job.coordination);
    load_module(scope, module, true);
    check_module(scope);
    return scope;
}

std::vector<store::Module> job_modules(const Context& context) {
    if (const auto id = context.invocation.module) {
        Context probe(context.spec, context.invocation, context.settings, context.store,
                      context.coordination);
        load_module(probe, *id, true);
        return {*probe.module};
    }
    std::vector<store::Module> out;
    for (auto& module : context.store.modules(context.spec.name)) {
        if (module.enabled) {
            out.push_back(std::move(module));
        } else {
            log::info("module {} is disabled: left out", module.id);
        }
    }
    return out;
}

} // namespace pm
