// Ends a process cleanly when it is told to stop (SIGTERM, SIGINT, SIGHUP) or when its
// operation overruns the deadline: a handler records why, then the process exits. This is
// how an operation is never left `running` when the process ends, short of SIGKILL.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "pm/deadline.hpp"

namespace pm {

class Watchdog {
public:
    // Called on the watchdog thread with a one-line reason; the process exits with
    // `exit_code` when it returns.
    using Handler = std::function<void(const std::string& reason)>;

    // Blocks the stop signals in the calling thread (and so in every thread it starts later):
    // construct it before any other thread exists.
    Watchdog(Handler handler, int exit_code);
    ~Watchdog();
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    // Fires the handler once `deadline` plus `grace` has passed. The grace lets the regular
    // deadline checks inside the operation speak first.
    void arm(const Deadline& deadline, std::chrono::milliseconds grace);

    // Held by the main thread while it records the outcome and prints it; a signal arriving
    // meanwhile waits, and is ignored once the outcome is recorded.
    [[nodiscard]] std::unique_lock<std::mutex> finishing();
    void mark_finished();

    // Fires the handler with `reason` now, as a stop signal would (from any thread); ignored
    // once the outcome is recorded.
    void interrupt(std::string reason);

private:
    void loop();

    Handler m_handler;
    int m_exit_code;
    std::mutex m_mutex; // guards m_finished and m_deadline; held while finishing
    bool m_finished = false;
    bool m_stopping = false;
    Deadline m_deadline = Deadline::never();
    std::string m_interrupt; // a reason from interrupt(), until the thread acts on it
    std::thread m_thread;
};

} // namespace pm
