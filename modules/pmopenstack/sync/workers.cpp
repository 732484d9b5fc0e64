#include "pmopenstack/sync/workers.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

#include "pm/errors.hpp"

#include "pmopenstack/ops/connection.hpp"

namespace pm::openstack::sync {
namespace {

constexpr auto k_tick = std::chrono::milliseconds(250);

} // namespace

void run_tasks(Context& module, int threads, const std::vector<Task>& tasks,
               std::atomic<bool>& failed, const std::function<void()>& tick) {
    std::atomic<std::size_t> next{0};
    std::mutex mutex;
    std::condition_variable finished;
    int running = 0;
    std::exception_ptr error;
    const auto worker = [&] {
        try {
            Connection os(module);
            for (auto i = next++; i < tasks.size() && !failed; i = next++) {
                tasks[i](os.admin());
            }
        } catch (const Cancelled&) {
        } catch (...) {
            const std::lock_guard lock(mutex);
            if (!error) {
                error = std::current_exception();
            }
            failed = true;
        }
        const std::lock_guard lock(mutex);
        --running;
        finished.notify_all();
    };
    if (tasks.empty()) {
        return;
    }
    const auto count = std::clamp<std::size_t>(static_cast<std::size_t>(threads), 1, tasks.size());
    std::vector<std::thread> pool;
    try {
        for (std::size_t i = 0; i < count; ++i) {
            {
                const std::lock_guard lock(mutex);
                ++running;
            }
            pool.emplace_back(worker);
        }
    } catch (const std::system_error& e) {
        // No more threads (a host limit): stop the ones started, then report it.
        const std::lock_guard lock(mutex);
        --running;
        failed = true;
        if (!error) {
            error = std::make_exception_ptr(
                SystemError(std::string("cannot start a listing thread: ") + e.what()));
        }
    }
    {
        std::unique_lock lock(mutex);
        while (!finished.wait_for(lock, k_tick, [&] { return running == 0; })) {
            lock.unlock();
            tick();
            lock.lock();
        }
    }
    for (auto& thread : pool) {
        thread.join();
    }
    if (error) {
        std::rethrow_exception(error);
    }
}

} // namespace pm::openstack::sync
