#include "pmvmmgr6/vm/batch.hpp"

#include <chrono>
#include <optional>

#include "pm/errors.hpp"
#include "pm/log.hpp"

namespace pm::vmmgr6 {
namespace {

// VMmanager's answer to work on a VM that is busy with another task.
constexpr long k_busy_status = 409;

} // namespace

void Batch::add(std::string what, Send send, std::function<void()> done) {
    m_changes.push_back({std::move(what), std::move(send), std::move(done)});
}

void Batch::finish_one(std::size_t index) {
    auto& change = m_changes[index];
    if (--change.pending == 0 && change.done) {
        change.done();
    }
}

bool Batch::try_send(std::size_t index, std::vector<Awaited>& waits, bool last_chance) {
    auto& change = m_changes[index];
    std::vector<Awaited> sent;
    try {
        sent = change.send();
    } catch (const ApiError& e) {
        if (last_chance || e.status() != k_busy_status ||
            dynamic_cast<const AuthError*>(&e) != nullptr) {
            throw;
        }
        log::info("{}: VMmanager is busy ({}): sending it again later", change.what, e.what());
        return false;
    }
    change.sent = true;
    change.pending = sent.size() + 1;
    for (auto& wait : sent) {
        wait.on_over = [this, index] { finish_one(index); };
        waits.push_back(std::move(wait));
    }
    finish_one(index); // the send itself is over
    return true;
}

void Batch::run() {
    std::vector<Awaited> waits;
    std::size_t unsent = 0;
    for (std::size_t index = 0; index < m_changes.size(); ++index) {
        if (!try_send(index, waits, false)) {
            ++unsent;
        }
    }
    if (unsent == 0) {
        m_vm.await_all(std::move(waits));
        return;
    }
    // Some change was refused as busy: it is sent again each round.
    std::optional<std::chrono::steady_clock::time_point> idle_since;
    m_vm.await_all(std::move(waits), [&](std::vector<Awaited>& added) {
        bool busy_elsewhere = false;
        for (const auto& change : m_changes) {
            busy_elsewhere = busy_elsewhere || (change.sent && change.pending > 0);
        }
        for (std::size_t index = 0; index < m_changes.size() && unsent > 0; ++index) {
            if (m_changes[index].sent) {
                continue;
            }
            // Once nothing of ours has explained the refusal for task_appear_s, it is final.
            const bool last_chance =
                !busy_elsewhere && idle_since &&
                std::chrono::steady_clock::now() - *idle_since >= m_vm.task_appear();
            if (try_send(index, added, last_chance)) {
                --unsent;
            }
        }
        if (busy_elsewhere) {
            idle_since.reset();
        } else if (!idle_since) {
            idle_since = std::chrono::steady_clock::now();
        }
        return unsent == 0;
    });
}

} // namespace pm::vmmgr6
