#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "pm/together.hpp"

using pm::run_together;

TEST_CASE("together: the tasks run at the same time, the first on the calling thread") {
    constexpr int k_tasks = 5;
    std::mutex mutex;
    std::condition_variable all_in;
    int arrived = 0;
    std::atomic<int> met{0};
    std::thread::id first_thread;
    std::vector<std::function<void()>> tasks;
    for (int i = 0; i < k_tasks; ++i) {
        tasks.emplace_back([&, i] {
            if (i == 0) {
                first_thread = std::this_thread::get_id();
            }
            std::unique_lock lock(mutex);
            ++arrived;
            all_in.notify_all();
            // Each task waits for all the others: only tasks running at once all get through.
            if (all_in.wait_for(lock, std::chrono::seconds(20),
                                [&] { return arrived == k_tasks; })) {
                ++met;
            }
        });
    }
    run_together(tasks);
    CHECK(met == k_tasks);
    CHECK(first_thread == std::this_thread::get_id());
}

TEST_CASE("together: every task runs to its end, then the first failure in order is thrown") {
    std::atomic<int> done{0};
    const std::vector<std::function<void()>> tasks{
        [&] { ++done; },
        [&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            ++done;
            throw std::runtime_error("second");
        },
        [&] {
            ++done;
            throw std::runtime_error("third");
        },
        [&] { ++done; },
    };
    CHECK_THROWS_WITH(run_together(tasks), "second");
    CHECK(done == 4);
}

TEST_CASE("together: no tasks is nothing to do, one task runs on the calling thread") {
    CHECK_NOTHROW(run_together({}));
    std::thread::id where;
    run_together({[&] { where = std::this_thread::get_id(); }});
    CHECK(where == std::this_thread::get_id());
}

TEST_CASE("together: in turn, the tasks run one after another on the calling thread and stop at "
          "the first failure") {
    std::vector<int> order;
    std::vector<std::thread::id> threads;
    const auto task = [&](int i) {
        return [&, i] {
            order.push_back(i);
            threads.push_back(std::this_thread::get_id());
        };
    };
    pm::run_together({task(1), task(2), task(3)}, pm::Together::in_turn);
    CHECK(order == std::vector<int>{1, 2, 3});
    CHECK(threads == std::vector<std::thread::id>(3, std::this_thread::get_id()));
    order.clear();
    CHECK_THROWS_WITH(
        pm::run_together({task(1), [] { throw std::runtime_error("second"); }, task(3)},
                         pm::Together::in_turn),
        "second");
    CHECK(order == std::vector<int>{1});
}
