#include "pm/watchdog.hpp"

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

namespace pm {
namespace {

// SIGUSR2 is private to the watchdog: it wakes the thread when the deadline changes or the
// process is done.
constexpr int k_wake_signal = SIGUSR2;

sigset_t watched_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, k_wake_signal);
    return set;
}

timespec to_timespec(std::chrono::milliseconds span) {
    timespec ts{};
    ts.tv_sec = span.count() / 1000;
    ts.tv_nsec = (span.count() % 1000) * 1'000'000;
    return ts;
}

} // namespace

Watchdog::Watchdog(Handler handler, int exit_code)
    : m_handler(std::move(handler)), m_exit_code(exit_code) {
    const sigset_t set = watched_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    m_thread = std::thread([this] { loop(); });
}

Watchdog::~Watchdog() {
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    pthread_kill(m_thread.native_handle(), k_wake_signal);
    m_thread.join();
}

void Watchdog::arm(const Deadline& deadline, std::chrono::milliseconds grace) {
    {
        const std::lock_guard lock(m_mutex);
        m_deadline = deadline.is_never() ? deadline : Deadline::after(deadline.remaining() + grace);
    }
    pthread_kill(m_thread.native_handle(), k_wake_signal);
}

void Watchdog::interrupt(std::string reason) {
    {
        const std::lock_guard lock(m_mutex);
        m_interrupt = std::move(reason);
    }
    pthread_kill(m_thread.native_handle(), k_wake_signal);
}

std::unique_lock<std::mutex> Watchdog::finishing() {
    return std::unique_lock(m_mutex);
}

void Watchdog::mark_finished() {
    m_finished = true;
}

void Watchdog::loop() {
    const sigset_t set = watched_signals();
    for (;;) {
        Deadline deadline = Deadline::never();
        std::string interrupted;
        {
            const std::lock_guard lock(m_mutex);
            if (m_stopping) {
                return;
            }
            deadline = m_deadline;
            interrupted = m_interrupt;
        }
        if (!interrupted.empty()) {
            const std::lock_guard lock(m_mutex);
            if (m_finished || m_stopping) {
                m_interrupt.clear();
                continue;
            }
            m_handler(interrupted);
            std::fflush(stdout);
            _exit(m_exit_code);
        }
        const timespec wait = to_timespec(deadline.remaining());
        const int signal = sigtimedwait(&set, nullptr, &wait);
        if (signal == k_wake_signal || (signal < 0 && errno == EINTR)) {
            continue;
        }
        std::string reason;
        if (signal < 0) {
            if (!deadline.expired()) {
                continue;
            }
            reason = "the operation ran out of time (op_timeout) and was stopped";
        } else {
            reason = fmt::format("interrupted by signal {} (SIG{}); safe to run again", signal,
                                 sigabbrev_np(signal));
        }
        const std::lock_guard lock(m_mutex);
        if (m_finished || m_stopping) {
            continue;
        }
        m_handler(reason);
        std::fflush(stdout);
        _exit(m_exit_code);
    }
}

} // namespace pm
