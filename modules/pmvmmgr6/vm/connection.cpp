#include "pmvmmgr6/vm/connection.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/log.hpp"

namespace pm::vmmgr6 {
namespace {

constexpr std::int64_t k_default_task_appear_s = 120;
constexpr std::string_view k_item_type = "vds";

std::string task_label(const api::TaskRef& task) {
    return task.name.empty() ? fmt::format("with consul id {}", task.consul_id)
                             : fmt::format("{} ({})", task.name, task.consul_id);
}

} // namespace

Connection::Connection(Context& context) : m_context(context) {
    // PROBE D21: a VDC (or any other kind of item) is not this module's to open or close.
    if (context.item && context.item->type != k_item_type) {
        throw OperationError(fmt::format("item {} is of type '{}': pmvmmgr6 serves only '{}' items",
                                         context.item->id, context.item->type, k_item_type));
    }
    const auto& params = context.module_params;
    m_service = std::make_unique<ServiceConnection>(params, context.coordination, context.deadline);
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

void Connection::wait_until(std::string_view what, const std::function<bool()>& done) const {
    m_service->wait_until(what, done);
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

void Connection::wait(const api::TaskRef& task) const {
    const auto label = task_label(task);
    log::info("waiting for task {}", label);
    const auto began = std::chrono::steady_clock::now();
    bool listed = false;
    std::string failure;
    wait_until(fmt::format("task {}", label), [&] {
        const auto status = m_api->task(task);
        if (!status.listed) {
            if (!listed && std::chrono::steady_clock::now() - began >= m_task_appear) {
                throw OperationError(
                    fmt::format("VMmanager task {} did not appear in the task list within {} s "
                                "(param task_appear_s)",
                                label, m_task_appear.count()));
            }
            return false;
        }
        listed = true;
        if (status.state == api::TaskState::failed) {
            failure = status.output.empty() ? "no message" : status.output;
            return true;
        }
        return status.state == api::TaskState::complete;
    });
    if (!failure.empty()) {
        throw OperationError(fmt::format("VMmanager task {} failed: {}",
                                         task.name.empty() ? label : task.name, failure));
    }
    log::info("task {} complete", label);
}

void Connection::wait(const std::vector<api::TaskRef>& tasks) const {
    for (const auto& task : tasks) {
        wait(task);
    }
}

void Connection::wait_or_verify(const api::MaybeTask& task, std::string_view what,
                                const std::function<bool()>& verified, bool long_change) const {
    if (task) {
        wait(*task);
        return;
    }
    log::info("the reply names no task: waiting for {}", what);
    const auto began = std::chrono::steady_clock::now();
    wait_until(what, [&] {
        if (verified()) {
            return true;
        }
        if (!long_change && std::chrono::steady_clock::now() - began >= m_task_appear) {
            throw OperationError(fmt::format("VMmanager named no task, and {} did not happen "
                                             "within {} s (param task_appear_s)",
                                             what, m_task_appear.count()));
        }
        return false;
    });
}

} // namespace pm::vmmgr6
