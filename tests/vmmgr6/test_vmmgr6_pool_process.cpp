// pmvmmgr6 pool_process end to end: statistics, targets, creates, expiry, dry runs, overlapping
// runs and kills, through the real binary and the VMmanager 6 simulator.
#include <csignal>
#include <regex>
#include <thread>

#include <catch2/catch.hpp>

#include "pm/file_lock.hpp"
#include "pm/store.hpp"

#include "pool_helpers.hpp"
#include "support/test_store.hpp"
#include "support/vmmgr6_sim.hpp"

using namespace pm;
using pm::test::Process;
using pm::test::RawDb;
using pm::test::Vmmgr6Env;
using pm::test::Vmmgr6Sim;
namespace pool = pm::test::pool;

namespace {

void age(Vmmgr6Env& env, ItemId item, std::string_view created_at) {
    RawDb(env.store_url())
        .exec(fmt::format("UPDATE item SET created_at = '{}' WHERE id = {}", created_at, item));
}

// Everything pool_process may write, as text: the store's items, params and pool tables, and
// the simulator's hosts and mutating requests.
std::vector<std::string> snapshot(Vmmgr6Env& env, const Vmmgr6Sim& sim) {
    RawDb raw(env.store_url());
    std::vector<std::string> rows;
    for (const auto* sql :
         {"SELECT * FROM item ORDER BY id", "SELECT * FROM itemparam ORDER BY item_id, name",
          "SELECT * FROM pm_pool_server ORDER BY item_id", "SELECT * FROM pm_pool_stat"}) {
        for (auto& row : raw.rows(sql)) {
            rows.push_back(std::move(row));
        }
    }
    const auto state = sim.state();
    for (const auto& host : state.root().at("hosts").items()) {
        rows.push_back(fmt::format("host {} {} {}", host.at("id").as_int64(),
                                   host.at("state").as_string(), host.at("comment").as_string()));
    }
    rows.push_back(fmt::format("creates {} deletes {}", sim.requests("POST /vm/v3/host"),
                               sim.requests("DELETE /vm/v3/host/{id:int}")));
    return rows;
}

std::string days_ago(int days) {
    const auto then = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() -
                                                           std::chrono::days(days));
    std::tm parts{};
    gmtime_r(&then, &parts);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", parts.tm_year + 1900,
                       parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec);
}

} // namespace

TEST_CASE("pmvmmgr6 pool_process: targets follow pool_steps at every step boundary") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    env.enable_pool({{"pool_steps", "1,2,3,4,5"}});
    const std::vector<std::pair<int, std::int64_t>> cases{
        {0, 0}, {1, 1}, {3, 1}, {4, 2}, {6, 2}, {7, 3}, {10, 3}, {11, 4}, {15, 4}, {16, 5}};
    int orders = 0;
    for (const auto& [count, expected] : cases) {
        for (; orders < count; ++orders) {
            // The OS by id or by name is the same template.
            env.add_item({{"os", orders % 2 == 0 ? "1" : "debian 12"}});
        }
        INFO(count << " orders");
        const auto doc = pool::process(env, {"--dry-run"});
        CHECK(pool::summary(doc, "orders") == count);
        CHECK(pool::summary(doc, "target") == expected);
        const auto entry = pool::target(doc, 1, env.pricelist());
        if (count == 0) {
            CHECK_FALSE(entry);
            continue;
        }
        REQUIRE(entry);
        CHECK(entry->at("orders").as_string() == std::to_string(count));
        CHECK(entry->at("target").as_string() == std::to_string(expected));
        CHECK(entry->at("missing").as_string() == std::to_string(expected));
        CHECK(entry->at("os_name").as_string() == "Debian 12");
    }
    CHECK(pool::servers(env).empty());
    CHECK(sim.host_count() == 0);
}

TEST_CASE("pmvmmgr6 pool_process: orders are counted per OS and tariff in the window only") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    env.enable_pool({{"pool_steps", "1,2,3,4,5"}, {"pool_stat_days", "10"}});
    const auto other_tariff = env.store().create_pricelist("VPS M", "vds");
    for (const auto* name : {"cpu_number", "ram_mib", "hdd_mib"}) {
        env.store().set_pricelist_param(
            other_tariff, name, env.store().pricelist_params(env.pricelist()).require(name));
    }
    for (int i = 0; i < 4; ++i) {
        env.add_item({{"os", "2"}});
    }
    const auto old = env.add_item({{"os", "2"}});
    age(env, old, "2001-01-01T00:00:00Z");
    env.store().create_item({.account_id = env.account(),
                             .pricelist_id = other_tariff,
                             .module_id = env.module(),
                             .type = "vds",
                             .params = {{"os", "ubuntu 22.04"}}});
    env.add_item({{"os", "Plan 9"}}); // no such template: left out
    env.add_item({{"os", "5"}});      // not on cluster 1: left out
    const auto other_module = env.store().create_module({"Other", "pmvmmgr6"});
    env.add_item(other_module, {{"os", "2"}});

    const auto doc = pool::process(env);
    CHECK(pool::summary(doc, "orders") == 5);
    const auto main = pool::target(doc, 2, env.pricelist());
    REQUIRE(main);
    CHECK(main->at("orders").as_string() == "4");
    CHECK(main->at("target").as_string() == "2");
    const auto second = pool::target(doc, 2, other_tariff);
    REQUIRE(second);
    CHECK(second->at("orders").as_string() == "1");
    CHECK(pool::summary(doc, "created") == 3);

    // The statistics are kept in the store; the pool servers never count as orders.
    const auto stats = env.store().pool_stats(env.module());
    REQUIRE(stats.size() == 2);
    CHECK(stats[0].os == "2");
    CHECK(stats[0].orders + stats[1].orders == 5);
    const auto again = pool::process(env);
    CHECK(pool::summary(again, "orders") == 5);
    CHECK(pool::summary(again, "created") == 0);
}

TEST_CASE("pmvmmgr6 pool_process: creates the missing servers for the pool account") {
    // The creates end only when the test finishes them (a loaded machine must not turn
    // "building" into "ready" between two runs).
    Vmmgr6Sim sim(
        {"--task-seconds", "0.1", "--task-seconds", "host_create=600", "--task-lag", "0.05"});
    Vmmgr6Env env(sim);
    const auto pool_account = env.enable_pool({{"pool_steps", "2,3,4,5,6"}});
    env.add_item();

    const auto first = pool::process(env);
    CHECK(pool::summary(first, "created") == 2);
    CHECK(pool::summary(first, "building") == 0);
    const auto servers = pool::servers(env);
    REQUIRE(servers.size() == 2);
    const auto state = sim.state();
    std::int64_t pool_user = 0;
    for (const auto& account : state.root().at("accounts").items()) {
        if (account.at("email").as_string() == "pool@example.com") {
            pool_user = account.at("id").as_int64();
        }
    }
    REQUIRE(pool_user != 0);
    for (const auto& server : servers) {
        const auto item = env.store().find_item(server.item_id);
        CHECK(item->status == store::ItemStatus::pool);
        CHECK(item->account_id == pool_account);
        CHECK(item->pricelist_id == env.pricelist());
        CHECK(server.os == "1");
        CHECK(server.state == store::PoolState::free);
        const auto vm = pool::vm_of(env, server.item_id);
        const auto host = pool::host(state, vm);
        REQUIRE(host);
        CHECK(host->at("comment").as_string() == fmt::format("pm item {}", server.item_id));
        CHECK(host->at("account").at("id").as_int64() == pool_user);
        CHECK(host->at("state").as_string() == "creating");
        CHECK(host->at("cpu_number").as_int64() == 1);
        const auto password = env.param(server.item_id, "password");
        CHECK(password.size() == 20);
        CHECK(test::read_file(env.log_file()).find(password) == std::string::npos);
    }

    // Servers being built count: nothing more is created.
    const auto second = pool::process(env);
    CHECK(pool::summary(second, "created") == 0);
    CHECK(pool::summary(second, "building") == 2);
    CHECK(sim.requests("POST /vm/v3/host") == 2);

    // Once built, a run records them as ready.
    pool::finish_tasks(sim);
    const auto third = pool::process(env);
    CHECK(pool::summary(third, "ready") == 2);
    for (const auto& server : pool::servers(env)) {
        CHECK(env.param(server.item_id, "state") == "active");
        CHECK(env.param(server.item_id, "ip").rfind("10.10.1.", 0) == 0);
    }
    CHECK(sim.host_count() == 2);
}

TEST_CASE("pmvmmgr6 pool_process: pool_os templates are kept even without orders") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    const auto pool_tariff = env.store().create_pricelist("Pool tariff", "vds");
    for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"cpu_number", "2"}, {"ram_mib", "2048"}, {"hdd_mib", "20480"}}) {
        env.store().set_pricelist_param(pool_tariff, name, value);
    }
    env.enable_pool({{"pool_steps", "1,2,3,4,5"},
                     {"pool_os", "Ubuntu 22.04, 4"},
                     {"pool_pricelist", std::to_string(pool_tariff.value())}});

    SECTION("no orders at all: the step-1 target with pool_pricelist") {
        const auto doc = pool::process(env);
        for (const std::int64_t os : {2, 4}) {
            const auto entry = pool::target(doc, os, pool_tariff);
            REQUIRE(entry);
            CHECK(entry->at("orders").as_string() == "0");
            CHECK(entry->at("target").as_string() == "1");
        }
        CHECK(pool::summary(doc, "created") == 2);
        const auto state = sim.state();
        for (const auto& server : pool::servers(env)) {
            CHECK(server.pricelist_id == pool_tariff);
            const auto host = pool::host(state, pool::vm_of(env, server.item_id));
            CHECK(host->at("cpu_number").as_int64() == 2);
        }
    }
    SECTION("a template with orders is kept by its orders alone") {
        for (int i = 0; i < 4; ++i) {
            env.add_item({{"os", "2"}});
        }
        const auto doc = pool::process(env, {"--dry-run"});
        CHECK_FALSE(pool::target(doc, 2, pool_tariff));
        CHECK(pool::target(doc, 2, env.pricelist())->at("target").as_string() == "2");
        CHECK(pool::target(doc, 4, pool_tariff)->at("target").as_string() == "1");
    }
    SECTION("a pool_os entry naming no template is a configuration error") {
        env.store().set_module_param(env.module(), "pool_os", "Plan 9");
        const auto r = env.run_module("pool_process");
        CHECK(r.exit_code == 2);
        CHECK(r.out.find("pool_os names 'Plan 9'") != std::string::npos);
        CHECK(pool::servers(env).empty());
    }
}

TEST_CASE("pmvmmgr6 pool_process: servers older than pool_max_months are deleted") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    env.enable_pool({{"pool_steps", "2,2,2,2,2"}, {"pool_max_months", "2"}});
    env.add_item();
    pool::fill(env, sim);
    const auto before = pool::servers(env);
    REQUIRE(before.size() == 2);
    const auto expired = before.front().item_id;
    const auto expired_vm = pool::vm_of(env, expired);

    SECTION("an expired server is deleted and replaced") {
        age(env, expired, "2000-01-01T00:00:00Z");
        const auto doc = pool::process(env);
        CHECK(pool::summary(doc, "deleted") == 1);
        CHECK(pool::summary(doc, "created") == 1);
        const auto deleted = doc.root().at("deleted").at(std::size_t{0});
        CHECK(deleted.at("item").as_string() == std::to_string(expired.value()));
        CHECK(deleted.at("reason").as_string() == "expired");
        CHECK_FALSE(env.store().find_item(expired));
        CHECK_FALSE(pool::host(sim.state(), expired_vm));
        CHECK(pool::servers(env).size() == 2);
    }
    SECTION("a server just under the limit stays") {
        age(env, expired, days_ago(50));
        const auto doc = pool::process(env);
        CHECK(pool::summary(doc, "deleted") == 0);
        CHECK(env.store().find_item(expired));
    }
    SECTION("pool_max_months 0: servers never expire") {
        env.store().set_module_param(env.module(), "pool_max_months", "0");
        age(env, expired, "2000-01-01T00:00:00Z");
        const auto doc = pool::process(env);
        CHECK(pool::summary(doc, "deleted") == 0);
        CHECK(pool::host(sim.state(), expired_vm));
    }
}

TEST_CASE("pmvmmgr6 pool_process --dry-run prints the plan and changes nothing") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    env.enable_pool({{"pool_steps", "1,3,4,5,6"}});
    env.add_item();
    pool::fill(env, sim);
    for (int i = 0; i < 3; ++i) {
        env.add_item();
    }
    const auto old = pool::servers(env).front().item_id;
    age(env, old, "2000-01-01T00:00:00Z");
    sim.del("/__sim__/requests");
    const auto before = snapshot(env, sim);

    const auto doc = pool::process(env, {"--dry-run"});
    CHECK(snapshot(env, sim) == before);
    CHECK(doc.root().at("summary").at("dry_run").as_string() == "yes");
    CHECK(pool::target(doc, 1, env.pricelist())->at("target").as_string() == "3");
    CHECK(pool::summary(doc, "created") == 3); // 3 wanted, the old one leaves, none building
    CHECK(doc.root().at("created").size() == 3);
    CHECK(pool::summary(doc, "to_delete") == 1);
    CHECK(doc.root().at("deleted").at(std::size_t{0}).at("reason").as_string() == "expired");

    SECTION("and as text for people") {
        const auto text = test::run({test::module_path("pmvmmgr6"), "--command", "pool_process",
                                     "--module", "1", "--dry-run", "--output", "text"},
                                    env.env());
        CHECK(text.exit_code == 0);
        // Aligned for people: the summary as keys and values, the deletions as a table.
        CHECK(
            std::regex_search(text.out, std::regex("\n  summary\n    module +1\n    enabled +yes\n"
                                                   "    dry_run +yes\n")));
        CHECK(std::regex_search(text.out, std::regex("\n  deleted\n    item +reason +done\n"
                                                     "    [0-9]+ +expired +no\n")));
        CHECK(snapshot(env, sim) == before);
    }
}

TEST_CASE("pmvmmgr6 pool_process: one run per module at a time") {
    SECTION("a run finding the module's lock held exits cleanly and does nothing") {
        Vmmgr6Sim sim;
        Vmmgr6Env env(sim);
        env.enable_pool({{"pool_steps", "2,2,2,2,2"}});
        env.add_item();
        auto held = pm::test::hold_job_lock(env.store_url(), env.dir(), "pmvmmgr6-pool-1");
        REQUIRE(held);
        const auto r = env.run_module("pool_process");
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("another pool_process of module 1 is running") != std::string::npos);
        CHECK(pool::servers(env).empty());
        held.release();
        CHECK(pool::summary(pool::process(env), "created") == 2);
    }
    SECTION("overlapping cron runs create every server once") {
        Vmmgr6Sim sim;
        Vmmgr6Env env(sim);
        env.enable_pool({{"pool_steps", "3,3,3,3,3"}});
        env.add_item();
        sim.post("/__sim__/fault/slow",
                 R"({"count":3,"delay_ms":1500,"prefix":"/vm/v3/host","method":"POST"})");
        std::vector<Process> runs;
        for (int i = 0; i < 4; ++i) {
            runs.push_back(Process::spawn(env.module_argv("pool_process"), env.env()));
        }
        int skipped = 0;
        for (auto& run : runs) {
            const auto r = run.wait(std::chrono::seconds(60));
            INFO(r.out << r.err);
            CHECK(r.exit_code == 0);
            skipped += r.out.find("\"skipped\"") != std::string::npos ? 1 : 0;
        }
        CHECK(skipped >= 1);
        CHECK(pool::servers(env).size() == 3);
        CHECK(sim.host_count() == 3);
        CHECK(sim.requests("POST /vm/v3/host") == 3);
    }
}

TEST_CASE("pmvmmgr6 pool_process: killed anywhere and run again, nothing is created twice") {
    SECTION("the create's answer is lost: the VM is found by its comment") {
        Vmmgr6Sim sim;
        Vmmgr6Env env(sim);
        env.enable_pool({{"pool_steps", "2,2,2,2,2"}});
        env.add_item();
        sim.post("/__sim__/fault/drop",
                 R"({"count":1,"after":true,"prefix":"/vm/v3/host","method":"POST"})");
        const auto doc = pool::process(env);
        CHECK(pool::summary(doc, "created") == 2);
        REQUIRE(pool::servers(env).size() == 2);
        CHECK(sim.host_count() == 2);
        CHECK(sim.requests("POST /vm/v3/host") == 2);
        for (const auto& server : pool::servers(env)) {
            CHECK(!env.param(server.item_id, "vm_id").empty());
        }
    }
    SECTION("SIGKILL while the creates are being sent") {
        Vmmgr6Sim sim;
        Vmmgr6Env env(sim);
        env.enable_pool({{"pool_steps", "3,3,3,3,3"}});
        // A kill between marking a create sent and sending it leaves a create that never comes:
        // the rerun looks for it until task_appear_s after the mark (120 s by default).
        env.store().set_module_param(env.module(), "task_appear_s", "3");
        env.add_item();
        sim.post("/__sim__/fault/slow",
                 R"({"count":3,"delay_ms":800,"prefix":"/vm/v3/host","method":"POST"})");
        auto run = Process::spawn(env.module_argv("pool_process"), env.env());
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (sim.host_count() < 2 && std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        run.kill(SIGKILL);
        (void)run.wait();
        CHECK(sim.host_count() < 3);

        const auto doc = pool::process(env);
        INFO(doc.root().at("summary").at("created").as_string());
        CHECK(pool::servers(env).size() == 3);
        CHECK(sim.host_count() == 3);
        const auto state = sim.state();
        for (const auto& server : pool::servers(env)) {
            CHECK(pool::host(state, pool::vm_of(env, server.item_id)));
        }
        CHECK(pool::summary(pool::process(env), "created") == 0);
        CHECK(sim.host_count() == 3);
    }
    SECTION("a create in flight at the kill reaches VMmanager after the rerun looked") {
        Vmmgr6Sim sim;
        Vmmgr6Env env(sim);
        env.enable_pool({{"pool_steps", "1,1,1,1,1"}});
        env.add_item();
        // The create stays in flight, and is carried out only when released.
        sim.post("/__sim__/fault/hold",
                 R"({"count":1,"late":true,"prefix":"/vm/v3/host","method":"POST"})");
        auto run = Process::spawn(env.module_argv("pool_process"), env.env());
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (sim.get("/__sim__/held").root().at("list").size() == 0 &&
               std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        run.kill(SIGKILL);
        (void)run.wait();
        REQUIRE(sim.host_count() == 0);

        const auto lookups = sim.requests("GET /vm/v3/host");
        auto rerun = Process::spawn(env.module_argv("pool_process"), env.env());
        while (sim.requests("GET /vm/v3/host") == lookups && rerun.running() &&
               std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        CHECK(sim.post("/__sim__/release").root().at("released").as_int64() == 1);
        CHECK(rerun.wait().exit_code == 0);
        CHECK(sim.host_count() == 1);
        REQUIRE(pool::servers(env).size() == 1);
        const auto state = sim.state();
        CHECK(pool::host(state, pool::vm_of(env, pool::servers(env).front().item_id)));
        CHECK(pool::summary(pool::process(env), "created") == 0);
        CHECK(sim.host_count() == 1);
    }
}

TEST_CASE("pmvmmgr6 pool_process: broken and abandoned servers are deleted") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    env.enable_pool({{"pool_steps", "1,1,1,1,1"}});
    const auto order = env.add_item();

    SECTION("a server whose create failed is replaced") {
        sim.post("/__sim__/tasks/fail", R"({"name":"host_create","msg":"no space on node"})");
        (void)pool::process(env);
        const auto broken = pool::servers(env).front().item_id;
        const auto broken_vm = pool::vm_of(env, broken);
        pool::finish_tasks(sim);
        const auto doc = pool::process(env);
        CHECK(pool::summary(doc, "deleted") == 1);
        CHECK(doc.root().at("deleted").at(std::size_t{0}).at("reason").as_string() == "failed");
        CHECK(pool::summary(doc, "created") == 1);
        CHECK(doc.root().at("deleted").at(std::size_t{0}).at("item").as_string() ==
              std::to_string(broken.value()));
        CHECK_FALSE(pool::host(sim.state(), broken_vm));
        REQUIRE(pool::servers(env).size() == 1);
        CHECK(pool::vm_of(env, pool::servers(env).front().item_id) != broken_vm);
        CHECK(sim.host_count() == 1);
    }
    SECTION("a claim whose order was closed or deleted") {
        pool::fill(env, sim);
        const auto server = pool::servers(env).front().item_id;
        const auto vm = pool::vm_of(env, server);
        const auto claimant = env.add_item();
        REQUIRE(env.store().claim_pool_server(server, claimant));
        const auto kept = pool::process(env);
        CHECK(pool::summary(kept, "claimed") == 1);
        CHECK(pool::summary(kept, "created") == 1); // a claimed server left the pool
        CHECK(pool::host(sim.state(), vm));

        env.store().set_item_status(claimant, store::ItemStatus::closed);
        const auto doc = pool::process(env);
        CHECK(doc.root().at("deleted").at(std::size_t{0}).at("reason").as_string() == "abandoned");
        CHECK_FALSE(pool::host(sim.state(), vm));
        CHECK_FALSE(env.store().find_pool_server(server));
    }
    (void)order;
}

TEST_CASE("pmvmmgr6 pool_process: bad pool params are configuration errors") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    env.add_item();
    SECTION("pool_enabled without pool_account") {
        env.store().set_module_param(env.module(), "pool_enabled", "on");
        const auto r = env.run_module("pool_process");
        CHECK(r.exit_code == 2);
        CHECK(r.out.find("pool_account is not set") != std::string::npos);
    }
    SECTION("pool_steps") {
        env.enable_pool();
        for (const auto* steps : {"1,2,3", "1,2,3,4,x", "1,2,-3,4,5", "1,2,3,4,5,6"}) {
            env.store().set_module_param(env.module(), "pool_steps", steps);
            const auto r = env.run_module("pool_process");
            INFO(steps);
            CHECK(r.exit_code == 2);
            CHECK(r.out.find("pool_steps must be five numbers") != std::string::npos);
        }
    }
    SECTION("pool_os without pool_pricelist") {
        env.enable_pool({{"pool_os", "1"}});
        const auto r = env.run_module("pool_process");
        CHECK(r.exit_code == 2);
        CHECK(r.out.find("pool_pricelist") != std::string::npos);
    }
    SECTION("pool_stat_days") {
        env.enable_pool({{"pool_stat_days", "0"}});
        CHECK(env.run_module("pool_process").exit_code == 2);
    }
    SECTION("a pool account without an email") {
        const auto nameless = env.store().create_account("Nameless", "");
        env.enable_pool();
        env.store().set_module_param(env.module(), "pool_account",
                                     std::to_string(nameless.value()));
        const auto r = env.run_module("pool_process");
        CHECK(r.exit_code == 2);
        CHECK(r.out.find("has no email") != std::string::npos);
    }
    CHECK(sim.host_count() == 0);
}

TEST_CASE("pmvmmgr6 pool_process with the pool off creates nothing and still expires") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    env.enable_pool({{"pool_steps", "1,1,1,1,1"}});
    env.add_item();
    pool::fill(env, sim);
    const auto server = pool::servers(env).front().item_id;
    env.store().set_module_param(env.module(), "pool_enabled", "off");
    for (int i = 0; i < 20; ++i) {
        env.add_item();
    }
    const auto idle = pool::process(env);
    CHECK(idle.root().at("summary").at("enabled").as_string() == "no");
    CHECK(pool::summary(idle, "created") == 0);
    CHECK(pool::summary(idle, "ready") == 1);
    age(env, server, "2000-01-01T00:00:00Z");
    const auto doc = pool::process(env);
    CHECK(pool::summary(doc, "deleted") == 1);
    CHECK(sim.host_count() == 0);
}
