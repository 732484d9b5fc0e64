// pmvmmgr6 depends only on what the reference is sure of (issue 17), and creates each remote
// object once (PROBE D1, D6, D20, D21). These run under every simulator knob and variant seed
// (ctest label `variants`); a test that needs one reply shape sets it through /__sim__/config.
#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>

#include "pm/store.hpp"

#include "support/vmmgr6_sim.hpp"

using namespace pm;
using pm::test::Process;
using pm::test::Vmmgr6Env;
using pm::test::Vmmgr6Sim;

namespace {

std::string read_log(const Vmmgr6Env& env) {
    std::ifstream in(env.log_file());
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::int64_t> host_ids(const Vmmgr6Sim& sim) {
    std::vector<std::int64_t> ids;
    const auto state = sim.state();
    for (const auto& host : state.root().at("hosts").items()) {
        ids.push_back(host.at("id").as_int64());
    }
    return ids;
}

std::size_t recipes_run(const Vmmgr6Sim& sim, std::int64_t id) {
    const auto state = sim.state();
    for (const auto& host : state.root().at("hosts").items()) {
        if (host.at("id").as_int64() == id) {
            return host.at("recipes_run").items().size();
        }
    }
    return 0;
}

// True when one line of the module's log holds both texts.
bool log_line_has(const Vmmgr6Env& env, std::string_view a, std::string_view b) {
    std::istringstream lines(read_log(env));
    for (std::string line; std::getline(lines, line);) {
        if (line.find(a) != std::string::npos && line.find(b) != std::string::npos) {
            return true;
        }
    }
    return false;
}

// The simulator's accounts with this email.
std::vector<std::int64_t> accounts_with(const Vmmgr6Sim& sim, std::string_view email) {
    std::vector<std::int64_t> ids;
    const auto state = sim.state();
    for (const auto& account : state.root().at("accounts").items()) {
        if (account.at("email").as_string() == email) {
            ids.push_back(account.at("id").as_int64());
        }
    }
    return ids;
}

std::string operation_error(Vmmgr6Env& env, OperationId op) {
    const auto row = env.store().find_operation(op);
    return row ? row->error : std::string();
}

} // namespace

TEST_CASE("pmvmmgr6 open finishes when host_create completes: 0 and [] are no task (issue 17)") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    // Exactly {"id":N,"task":T,"recipe_task":0,"recipe_task_list":[],"spice_task":0}.
    sim.post("/__sim__/config", R"({"create_reply":"sentinels"})");
    // A wait on consul id 0 would never end: it would run into this deadline (exit 3).
    env.store().set_module_param(env.module(), "op_timeout", "30");
    const auto item = env.add_item();
    const auto r = env.run("open", item);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(env.status(item) == store::ItemStatus::active);
    const auto log = read_log(env);
    CHECK(log.find("task host_create (") != std::string::npos);
    CHECK(log.find("consul id 0") == std::string::npos);
    CHECK(log.find("(0)") == std::string::npos);
    CHECK(env.param(item, "vm_recipe_tasks").empty());
}

TEST_CASE("pmvmmgr6 a task that never shows in the task list fails after task_appear_s") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    sim.post("/__sim__/config", R"({"task_lag":120})");
    env.store().set_module_param(env.module(), "task_appear_s", "2");
    env.store().set_module_param(env.module(), "op_timeout", "90");
    const auto item = env.add_item();
    OperationId op{};
    const auto r = env.run("open", item, &op);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(operation_error(env, op).find("did not appear in the task list within 2 s") !=
          std::string::npos);
}

TEST_CASE("pmvmmgr6 an unclear answer to a create never makes a second object (PROBE D1)") {
    const auto fault =
        GENERATE(as<std::string>{}, R"("status":503)", R"("status":429)", R"("status":"drop")");
    INFO(fault);
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    SECTION("the VM") {
        const auto item = env.add_item();
        sim.post("/__sim__/fault/act_then",
                 "{" + fault + R"(,"count":3,"prefix":"/vm/v3/host","method":"POST"})");
        const auto r = env.run("open", item);
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        const auto ids = host_ids(sim);
        REQUIRE(ids.size() == 1);
        CHECK(env.param(item, "vm_id") == std::to_string(ids.front()));
        CHECK(sim.requests("POST /vm/v3/host") == 1);
        CHECK(env.status(item) == store::ItemStatus::active);
    }
    SECTION("the customer's VMmanager user") {
        const auto item = env.add_item();
        sim.post("/__sim__/fault/act_then",
                 "{" + fault + R"(,"count":3,"prefix":"/vm/v3/account","method":"POST"})");
        const auto r = env.run("open", item);
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        const auto users = accounts_with(sim, "customer@example.com");
        REQUIRE(users.size() == 1);
        CHECK(env.param(item, "vm_account_id") == std::to_string(users.front()));
        CHECK(host_ids(sim).size() == 1);
    }
    SECTION("a pool server") {
        env.enable_pool({{"pool_steps", "1,1,1,1,1"}});
        env.add_item();
        sim.post("/__sim__/fault/act_then",
                 "{" + fault + R"(,"count":3,"prefix":"/vm/v3/host","method":"POST"})");
        const auto r = env.run_module("pool_process");
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        const auto ids = host_ids(sim);
        REQUIRE(ids.size() == 1);
        const auto servers = env.store().pool_servers(env.module());
        REQUIRE(servers.size() == 1);
        CHECK(env.param(servers.front().item_id, "vm_id") == std::to_string(ids.front()));
    }
}

TEST_CASE("pmvmmgr6 open with a saved vm_id that is not found looks for its VM first (PROBE D6)") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    const auto item = env.add_item();
    REQUIRE(env.run("open", item).exit_code == 0);
    const auto vm_id = env.param(item, "vm_id");
    // One empty answer to the lookup by id (a list glitch) must not orphan the VM.
    env.store().set_item_param(item, "vm_id", "999999");
    const auto r = env.run("open", item);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(host_ids(sim).size() == 1);
    CHECK(env.param(item, "vm_id") == vm_id);
    CHECK(sim.requests("POST /vm/v3/host") == 1);
}

TEST_CASE("pmvmmgr6 emails with a backslash or a quote find their VMmanager user (PROBE D20)") {
    const auto email = GENERATE(as<std::string>{}, R"(o\'brien@example.com)",
                                R"(tail@example.com\)", "it's@example.com");
    INFO(email);
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    const auto account = env.store().create_account("Quote", email);
    store::NewItem row;
    row.account_id = account;
    row.pricelist_id = env.pricelist();
    row.module_id = env.module();
    row.type = "vds";
    row.params = {{"os", "1"}, {"password", "Root-Secret-1"}};
    const auto first = env.store().create_item(row);
    const auto second = env.store().create_item(row);
    const auto r1 = env.run("open", first);
    INFO(r1.out << r1.err);
    REQUIRE(r1.exit_code == 0);
    const auto r2 = env.run("open", second);
    INFO(r2.out << r2.err);
    REQUIRE(r2.exit_code == 0);
    // The second order found the user the first one created.
    const auto users = accounts_with(sim, email);
    REQUIRE(users.size() == 1);
    CHECK(env.param(second, "vm_account_id") == std::to_string(users.front()));
}

TEST_CASE("pmvmmgr6 refuses an item that is not a vds (PROBE D21)") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    store::NewItem row;
    row.account_id = env.account();
    row.pricelist_id = env.pricelist();
    row.module_id = env.module();
    row.type = "vdc";
    row.params = {{"os", "1"}, {"password", "Root-Secret-1"}};
    const auto item = env.store().create_item(row);
    OperationId op{};
    const auto r = env.run("open", item, &op);
    CHECK(r.exit_code == 1);
    CHECK(operation_error(env, op).find("serves only 'vds' items") != std::string::npos);
    CHECK(host_ids(sim).empty());
    CHECK(sim.requests("POST /vm/v3/host") == 0);
}

TEST_CASE("pmvmmgr6 a rerun after a kill during the ordered recipe waits for it (issue 17)") {
    Vmmgr6Sim sim({"--task-seconds", "0.1", "--task-seconds", "host_create=0.5"});
    Vmmgr6Env env(sim);
    env.store().set_module_param(env.module(), "use_recipes", "on");
    // The recipe runs long, whatever its task is called.
    const auto config = sim.get("/__sim__/config");
    const auto name = config.root().at("recipe_task_name").as_string();
    sim.post("/__sim__/config", R"({"task_seconds":{")" + name + R"(":6}})");
    const auto item = env.add_item({{"recipe", "2"}});
    auto process =
        Process::spawn(env.argv("open", item, env.add_operation(item, "open")), env.env());
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!log_line_has(env, "task host_create (", ") complete")) {
        REQUIRE(std::chrono::steady_clock::now() < until);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    process.kill(SIGKILL);
    (void)process.wait(std::chrono::seconds(10));
    REQUIRE(!env.param(item, "vm_recipe_tasks").empty());
    const auto r = env.run("open", item);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(sim.requests("POST /vm/v3/host") == 1);
    const auto id = std::stoll(env.param(item, "vm_id"));
    // The recipe ran to its end before the rerun reported the VM ready.
    CHECK(recipes_run(sim, id) == 1);
    CHECK(env.param(item, "vm_recipe_tasks").empty());
    CHECK(read_log(env).find("waiting for task with consul id") != std::string::npos);
}
