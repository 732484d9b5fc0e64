#include "pm/together.hpp"

#include <exception>
#include <system_error>
#include <thread>

namespace pm {

void run_together(const std::vector<std::function<void()>>& tasks, Together how) {
    if (how == Together::in_turn) {
        for (const auto& task : tasks) {
            task();
        }
        return;
    }
    std::vector<std::exception_ptr> errors(tasks.size());
    const auto run = [&](std::size_t i) {
        try {
            tasks[i]();
        } catch (...) {
            errors[i] = std::current_exception();
        }
    };
    std::vector<std::thread> threads;
    threads.reserve(tasks.size());
    for (std::size_t i = 1; i < tasks.size(); ++i) {
        try {
            threads.emplace_back(run, i);
        } catch (const std::system_error&) {
            run(i); // no thread to be had: the task still runs, only not alongside
        }
    }
    if (!tasks.empty()) {
        run(0);
    }
    for (auto& thread : threads) {
        thread.join();
    }
    for (const auto& error : errors) {
        if (error) {
            std::rethrow_exception(error);
        }
    }
}

} // namespace pm
