#include "pmvmmgr6/vm/connection.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/log.hpp"
#include "pm/poll.hpp"

namespace pm::vmmgr6 {
namespace {

constexpr std::int64_t k_default_task_appear_s = 120;
constexpr std::string_view k_item_type = "vds";
// The first wait after a call (pm/poll.hpp): it grows by half through task_poll_ms.
constexpr std::chrono::milliseconds k_fast_poll{50};

std::string task_label(const api::TaskRef& task) {
    return task.name.empty() ? fmt::format("with consul id {}", task.consul_id)
                             : fmt::format("{} ({})", task.name, task.consul_id);
}

} // namespace

Connection::Connection(Context& context) : Connection(context, nullptr) {}

Connection::Connection(Context& context, std::unique_ptr<http::Transport> transport)
    : m_context(context) {
    // PROBE D21: a VDC (or any other kind of item) is not this module's to open or close.
    if (context.item && context.item->type != k_item_type) {
        throw OperationError(fmt::format("item {} is of type '{}': pmvmmgr6 serves only '{}' items",
                                         context.item->id, context.item->type, k_item_type));
    }
    const auto& params = context.module_params;
    m_service = std::make_unique<ServiceConnection>(params, context.coordination, context.deadline,
                                                    std::move(transport));
    m_api = std::make_unique<api::Client>(
        m_service->http(), m_service->url(),
        api::Credentials{m_service->username(), m_service->password()}, m_service->sessions(),
        context.deadline);
    const auto appear = params.get_int("task_appear_s", k_default_task_appear_s);
    m_task_appear = std::chrono::seconds(std::max<std::int64_t>(appear, 1));
}

std::int64_t Connection::cluster() const {
    return m_context.module_params.require_int("cluster");
}

PollIntervals Connection::poll_intervals() const {
    auto intervals = m_service->poll_intervals();
    intervals.fast = k_fast_poll;
    return intervals;
}

void Connection::wait_until(std::string_view what, const std::function<bool()>& done) const {
    poll_until(m_service->deadline(), poll_intervals(), what, done);
}

void Connection::wait_until(std::string_view what, const std::function<Polled()>& look) const {
    poll_until(m_service->deadline(), poll_intervals(), what, look);
}

bool Connection::within_task_appear(std::string_view what,
                                    const std::function<bool()>& done) const {
    const auto began = std::chrono::steady_clock::now();
    bool happened = false;
    wait_until(what, [&] {
        happened = done();
        return happened || std::chrono::steady_clock::now() - began >= m_task_appear;
    });
    return happened;
}

namespace {

// A change under watch: how far its wait got.
struct Watched {
    Awaited change;
    std::string label;
    std::chrono::steady_clock::time_point since; // when its wait began
    bool listed = false;
    bool over = false;
};

// One look at a change; true once it is over. A failed task, a task that never shows or an
// outcome that never comes throw.
bool look(const api::Client& api, Watched& watched, std::chrono::steady_clock::duration waited,
          std::chrono::seconds appear) {
    const auto& change = watched.change;
    if (!change.task) {
        if (change.verified()) {
            return true;
        }
        if (!change.long_change && waited >= appear) {
            throw OperationError(fmt::format("VMmanager named no task, and {} did not happen "
                                             "within {} s (param task_appear_s)",
                                             change.what, appear.count()));
        }
        return false;
    }
    const auto status = api.task(*change.task);
    if (!status.listed) {
        if (!watched.listed && waited >= appear) {
            throw OperationError(fmt::format("VMmanager task {} did not appear in the task list "
                                             "within {} s (param task_appear_s)",
                                             watched.label, appear.count()));
        }
        return false;
    }
    watched.listed = true;
    if (status.state == api::TaskState::failed) {
        throw OperationError(
            fmt::format("VMmanager task {} failed: {}",
                        change.task->name.empty() ? watched.label : change.task->name,
                        status.output.empty() ? "no message" : status.output));
    }
    if (status.state == api::TaskState::complete) {
        log::info("task {} complete", watched.label);
        return true;
    }
    return false;
}

} // namespace

void Connection::await_all(std::vector<Awaited> changes, const More& more) const {
    std::vector<Watched> watched;
    const auto watch = [&](std::vector<Awaited>& added) {
        for (auto& change : added) {
            std::string label;
            if (change.task) {
                label = task_label(*change.task);
                log::info("waiting for task {}", label);
            } else {
                label = change.what;
                log::info("the reply names no task: waiting for {}", change.what);
            }
            watched.push_back(
                {std::move(change), std::move(label), std::chrono::steady_clock::now()});
        }
        added.clear();
    };
    watch(changes);
    if (watched.empty() && !more) {
        return;
    }
    std::string what = "VMmanager changes";
    if (watched.size() == 1 && !more) {
        what =
            watched.front().change.task ? "task " + watched.front().label : watched.front().label;
    }
    // A change that ends (or one sent again) is progress: the VM's next queued task may have
    // just begun, and is polled for as fast as right after a call.
    const std::function<Polled()> round = [&] {
        bool all_over = true;
        bool progressed = false;
        if (more) {
            std::vector<Awaited> added;
            all_over = more(added);
            progressed = !added.empty();
            watch(added);
        }
        for (auto& one : watched) {
            if (one.over) {
                continue;
            }
            one.over =
                look(*m_api, one, std::chrono::steady_clock::now() - one.since, m_task_appear);
            if (one.over && one.change.on_over) {
                one.change.on_over();
            }
            progressed = progressed || one.over;
            all_over = all_over && one.over;
        }
        if (all_over) {
            return Polled::done;
        }
        return progressed ? Polled::progressed : Polled::waiting;
    };
    wait_until(what, round);
}

void Connection::wait(const api::TaskRef& task) const {
    await_all({Awaited{task, {}, {}, false, {}}});
}

void Connection::wait(const std::vector<api::TaskRef>& tasks) const {
    std::vector<Awaited> changes;
    for (const auto& task : tasks) {
        changes.push_back(Awaited{task, {}, {}, false, {}});
    }
    await_all(std::move(changes));
}

void Connection::wait_or_verify(const api::MaybeTask& task, std::string_view what,
                                const std::function<bool()>& verified, bool long_change) const {
    await_all({Awaited{task, std::string(what), verified, long_change, {}}});
}

} // namespace pm::vmmgr6
