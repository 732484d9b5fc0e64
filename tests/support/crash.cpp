#include "support/crash.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

namespace pm::test {
namespace {

using Clock = std::chrono::steady_clock;

std::size_t held(const CrashWorld& world) {
    return world.sim_get("/__sim__/held").root().at("list").size();
}

// Waits until the simulator holds a request or the process ends; true when held.
bool wait_held(const CrashWorld& world, Process& process) {
    const auto until = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < until) {
        if (held(world) > 0) {
            return true;
        }
        if (!process.running()) {
            return held(world) > 0;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    FAIL("neither a held request nor the end of the process within 60 s");
    return false;
}

// Runs the operation again until it is done: a temporary failure (exit 3) is run again, as
// the billing platform does; at most five times.
int finish(CrashWorld& world, const std::string& where) {
    for (int run = 1; run <= 5; ++run) {
        const auto result = world.again();
        if (result.exit_code == 0) {
            return run;
        }
        INFO(where << ", rerun " << run << ": exit " << result.exit_code << "\n"
                   << result.out << result.err);
        REQUIRE(result.exit_code == 3);
    }
    FAIL(where << ": not done after five reruns");
    return 0;
}

} // namespace

CrashFigures crash_at_every_request(const std::string& name,
                                    const std::function<std::unique_ptr<CrashWorld>()>& make) {
    CrashFigures figures;
    std::vector<bool> reads; // request k of the clean run only reads (a GET)
    {
        auto world = make();
        const auto before = world->sim_get("/__sim__/requests").root().at("size").as_int64();
        auto process = world->start();
        const auto result = process.wait(std::chrono::seconds(120));
        INFO(name << ", clean run\n" << result.out << result.err);
        REQUIRE(result.exit_code == 0);
        // Counted before the check: a check may send requests of its own (a cron run).
        const auto log = world->sim_get("/__sim__/requests");
        figures.requests = static_cast<int>(log.root().at("size").as_int64() - before);
        const bool trace = std::getenv("PM_CRASH_TRACE") != nullptr; // to read a failure
        int k = 0;
        for (const auto& entry : log.root().at("list").items()) {
            if (++k > before) {
                reads.push_back(entry.at("method").as_string() == "GET");
                if (trace) {
                    std::cerr << name << " request " << k - before << ": "
                              << entry.at("method").as_string() << ' '
                              << entry.at("path").as_string() << '\n';
                }
            }
        }
        world->check(name + ", clean run");
    }
    REQUIRE(figures.requests > 0);
    for (int k = 1; k <= figures.requests; ++k) {
        for (const bool after : {false, true}) {
            // A read changes nothing on the server: killed after it acted is the same world as
            // killed before, so a GET has one crash point.
            const auto index = static_cast<std::size_t>(k - 1);
            if (after && index < reads.size() && reads[index]) {
                ++figures.reads;
                continue;
            }
            const auto where = name + ", request " + std::to_string(k) + " of " +
                               std::to_string(figures.requests) +
                               (after ? " (after the server acted)" : " (before the server acts)");
            ++figures.points;
            auto world = make();
            world->sim_post("/__sim__/fault/hold", R"({"skip":)" + std::to_string(k - 1) +
                                                       R"(,"after":)" + (after ? "true" : "false") +
                                                       "}");
            auto process = world->start();
            if (wait_held(*world, process)) {
                process.kill(SIGKILL);
                (void)process.wait();
                ++figures.killed;
                world->sim_post("/__sim__/release", "{}");
                figures.reruns += finish(*world, where);
            } else {
                const auto result = process.wait(std::chrono::seconds(120));
                INFO(where << ": ended before request k\n" << result.out << result.err);
                REQUIRE(result.exit_code == 0);
                ++figures.not_reached;
                world->clear_faults(); // the checks' own runs must not meet the hold
            }
            world->check(where);
        }
    }
    std::cerr << "crash at every request: " << name << ": " << figures.requests << " requests, "
              << figures.points << " crash points (" << figures.reads
              << " reads with the one point before), " << figures.killed << " killed in flight, "
              << figures.not_reached << " not reached, " << figures.reruns << " reruns, all done\n";
    return figures;
}

} // namespace pm::test
