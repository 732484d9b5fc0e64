// pmvmmgr6 open from the pool end to end: the takeover of a pre-created server, matching,
// fallback, concurrent opens and kills, through the real binary and the VMmanager 6 simulator.
#include <algorithm>
#include <csignal>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "pm/store.hpp"

#include "pool_helpers.hpp"
#include "support/vmmgr6_sim.hpp"

using namespace pm;
using pm::test::Process;
using pm::test::Vmmgr6Env;
using pm::test::Vmmgr6Sim;
namespace pool = pm::test::pool;

namespace {

constexpr std::string_view k_owner_change = "POST /vm/v3/host/{id:int}/account";

bool password_matches(const Vmmgr6Sim& sim, std::int64_t vm, const std::string& password) {
    return sim
        .post("/__sim__/check_password",
              fmt::format(R"({{"host":{},"password":"{}"}})", vm, password))
        .root()
        .at("match")
        .as_bool();
}

// The task name the simulator gives an operation whose name no source confirms (knobs
// owner_task_name, password_task_name, recipe_task_name).
std::string task_name(const Vmmgr6Sim& sim, std::string_view knob) {
    return sim.get("/__sim__/config").root().at(knob).as_string();
}

// The next `count` owner changes (of VM `vm` only, when given) fail: their task fails, or,
// when the simulator's owner change names no task (knob owner_reply), VMmanager refuses them.
void fail_owner_change(const Vmmgr6Sim& sim, std::optional<std::int64_t> vm, int count) {
    const auto config = sim.get("/__sim__/config");
    if (config.root().at("owner_reply").as_string() == "task") {
        sim.post("/__sim__/tasks/fail",
                 fmt::format(R"({{"name":"{}","count":{}{}}})",
                             config.root().at("owner_task_name").as_string(), count,
                             vm ? fmt::format(R"(,"host":{})", *vm) : std::string()));
        return;
    }
    sim.post("/__sim__/fault/status",
             fmt::format(R"({{"status":400,"count":{},"method":"POST","prefix":"/vm/v3/host/{}"}})",
                         count, vm ? std::to_string(*vm) : std::string()));
}

// The pool item a successful open took its VM from ("" for a new VM).
std::string pool_server_of(const test::ProcessResult& r) {
    const auto doc = pool::output(r);
    const auto server = doc.root().find("pool_server");
    return server ? server->as_string() : std::string();
}

// A module with the pool on and `count` ready servers of OS 1 and tariff 1.
void ready_pool(Vmmgr6Env& env, const Vmmgr6Sim& sim, int count, ParamMap params = {}) {
    const auto steps = std::to_string(count);
    params.emplace("pool_steps", fmt::format("{0},{0},{0},{0},{0}", steps));
    params.emplace("pool_hostname_recipe", "1");
    env.enable_pool(params);
    env.add_item();
    pool::fill(env, sim);
    REQUIRE(pool::count_in(env, store::PoolState::free) == static_cast<std::size_t>(count));
}

bool request_seen(const Vmmgr6Sim& sim, std::string_view method, std::string_view suffix) {
    const auto log = sim.get("/__sim__/requests");
    for (const auto& entry : log.root().at("list").items()) {
        const auto path = entry.at("path").as_string();
        if (entry.at("method").as_string() == method && path.size() >= suffix.size() &&
            path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) {
            return true;
        }
    }
    return false;
}

} // namespace

TEST_CASE("pmvmmgr6 open takes a ready pool server and hands it over to the customer") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    ready_pool(env, sim, 2, {{"use_recipes", "on"}});
    const auto oldest = pool::servers(env).front().item_id;
    const auto vm = pool::vm_of(env, oldest);
    const auto ip = env.param(oldest, "ip");
    sim.del("/__sim__/requests");

    const auto item = env.add_item(
        {{"domain", "shop.example.com"}, {"password", "Cust-Root-9"}, {"recipe", "2"}});
    OperationId op;
    const auto r = env.run("open", item, &op);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(pool_server_of(r) == std::to_string(oldest.value()));
    CHECK(env.status(item) == store::ItemStatus::active);
    CHECK(env.store().find_operation(op)->status == store::OperationStatus::done);
    CHECK(pool::vm_of(env, item) == vm);
    CHECK(env.param(item, "ip") == ip);
    CHECK(env.param(item, "ips") == ip);
    CHECK(env.param(item, "domain") == "shop.example.com");
    CHECK(env.param(item, "state") == "active");
    CHECK_FALSE(env.store().find_item(oldest));
    CHECK(pool::servers(env).size() == 1);

    const auto state = sim.state();
    const auto host = pool::host(state, vm);
    REQUIRE(host);
    CHECK(host->at("account").at("email").as_string() == "customer@example.com");
    CHECK(host->at("account").at("id").as_int64() == std::stoll(env.param(item, "vm_account_id")));
    CHECK(host->at("name").as_string() == fmt::format("pm-item-{}", item));
    CHECK(host->at("comment").as_string() == fmt::format("pm item {}", item));
    CHECK(host->at("domain").as_string() == "shop.example.com");
    CHECK(host->at("hostname").as_string() == "shop.example.com");
    const auto recipes = host->at("recipes_run");
    REQUIRE(recipes.size() == 2);
    CHECK(recipes.at(std::size_t{0}).at("recipe").as_int64() == 1);
    CHECK(recipes.at(std::size_t{0}).at("params").at(std::size_t{0}).at("value").as_string() ==
          "shop.example.com");
    CHECK(recipes.at(std::size_t{1}).at("recipe").as_int64() == 2);
    CHECK(password_matches(sim, vm, "Cust-Root-9"));
    CHECK(sim.requests("POST /vm/v3/host") == 0);

    SECTION("an order without a domain keeps the server's hostname") {
        const auto second = env.add_item();
        const auto again = env.run("open", second);
        REQUIRE(again.exit_code == 0);
        CHECK(!pool_server_of(again).empty());
        const auto after_state = sim.state();
        const auto after = pool::host(after_state, pool::vm_of(env, second));
        CHECK(after->at("hostname").as_string().empty());
        CHECK(after->at("recipes_run").size() == 0);
        CHECK(pool::servers(env).empty());

        SECTION("with the pool empty the next order gets a new VM") {
            const auto third = env.add_item();
            const auto cold = env.run("open", third);
            REQUIRE(cold.exit_code == 0);
            CHECK(pool_server_of(cold).empty());
            CHECK(sim.requests("POST /vm/v3/host") == 1);
        }
    }
    SECTION("open again changes nothing") {
        const auto again = env.run("open", item);
        REQUIRE(again.exit_code == 0);
        CHECK(pool::vm_of(env, item) == vm);
        CHECK(pool::servers(env).size() == 1);
        CHECK(sim.requests(k_owner_change) == 1);
    }
}

// The takeover sends its steps together: whether VMmanager queues the tasks of one VM (the
// default), runs them side by side or refuses them while one runs (409, sent again), the
// order gets the pool server with every step done once.
TEST_CASE("pmvmmgr6 open from the pool whatever VMmanager does with a busy VM's tasks") {
    const std::string mode = GENERATE("queue", "parallel", "reject");
    INFO("busy_mode " << mode);
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    ready_pool(env, sim, 1, {{"use_recipes", "on"}});
    const auto server = pool::servers(env).front().item_id;
    const auto vm = pool::vm_of(env, server);
    sim.post("/__sim__/config", fmt::format(R"({{"busy_mode":"{}"}})", mode));
    sim.del("/__sim__/requests");

    const auto item = env.add_item(
        {{"domain", "busy.example.com"}, {"password", "Cust-Busy-7"}, {"recipe", "2"}});
    const auto r = env.run("open", item);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(pool_server_of(r) == std::to_string(server.value()));
    CHECK(pool::vm_of(env, item) == vm);
    CHECK(env.status(item) == store::ItemStatus::active);
    const auto state = sim.state();
    const auto host = pool::host(state, vm);
    REQUIRE(host);
    CHECK(host->at("account").at("email").as_string() == "customer@example.com");
    CHECK(host->at("hostname").as_string() == "busy.example.com");
    CHECK(host->at("recipes_run").size() == 2);
    CHECK(password_matches(sim, vm, "Cust-Busy-7"));
    CHECK(sim.requests(k_owner_change) >= 1);
    CHECK(sim.requests("POST /vm/v3/host") == 0);
    CHECK(sim.host_count() == 1);
}

TEST_CASE("pmvmmgr6 open from the pool applies the ordered resources, or does not match") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    ready_pool(env, sim, 1);
    const auto vm = pool::vm_of(env, pool::servers(env).front().item_id);
    SECTION("overrides above the tariff are grown as setparam does") {
        const auto item = env.add_item(
            {{"cpu_number", "2"}, {"ram_mib", "2048"}, {"hdd_mib", "20480"}, {"ipv4_number", "2"}});
        const auto r = env.run("open", item);
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(!pool_server_of(r).empty());
        const auto host_state = sim.state();
        const auto host = pool::host(host_state, vm);
        CHECK(host->at("cpu_number").as_int64() == 2);
        CHECK(host->at("ram_mib").as_int64() == 2048);
        CHECK(host->at("disk").at("disk_mib").as_int64() == 20480);
        CHECK(host->at("ip4").size() == 2);
        CHECK(env.param(item, "ips").find(',') != std::string::npos);
    }
    SECTION("an override below the tariff, an own preset or another OS get a new VM") {
        for (const auto& params : std::vector<ParamMap>{
                 {{"ram_mib", "512"}}, {{"preset", "2"}}, {{"os", "Ubuntu 22.04"}}}) {
            const auto item = env.add_item(params);
            const auto r = env.run("open", item);
            INFO(r.out << r.err);
            REQUIRE(r.exit_code == 0);
            CHECK(pool_server_of(r).empty());
            CHECK(pool::vm_of(env, item) != vm);
        }
        CHECK(pool::count_in(env, store::PoolState::free) == 1);
        CHECK(sim.requests(k_owner_change) == 0);
    }
}

TEST_CASE("pmvmmgr6 open from the pool sets no hostname inside a Windows VM") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    env.enable_pool({{"pool_steps", "1,1,1,1,1"},
                     {"pool_os", "Windows Server 2022"},
                     {"pool_pricelist", "1"},
                     {"pool_hostname_recipe", "1"}});
    pool::fill(env, sim);
    REQUIRE(pool::servers(env).size() == 1);
    const auto vm = pool::vm_of(env, pool::servers(env).front().item_id);
    const auto item = env.add_item({{"os", "3"}, {"domain", "win.example.com"}});
    const auto r = env.run("open", item);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(pool::vm_of(env, item) == vm);
    const auto host_state = sim.state();
    const auto host = pool::host(host_state, vm);
    CHECK(host->at("recipes_run").size() == 0);
    CHECK(host->at("domain").as_string() == "win.example.com");
    CHECK(password_matches(sim, vm, "Root-Secret-1"));
}

TEST_CASE("pmvmmgr6 open tries the next pool server when one fails, then a new VM") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    ready_pool(env, sim, 2);
    const auto servers = pool::servers(env);
    const auto first = servers[0].item_id;
    const auto second = servers[1].item_id;
    const auto first_vm = pool::vm_of(env, first);
    const auto second_vm = pool::vm_of(env, second);

    SECTION("a failing owner change on the first: the second is taken") {
        fail_owner_change(sim, first_vm, 1);
        const auto item = env.add_item();
        const auto r = env.run("open", item);
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(pool_server_of(r) == std::to_string(second.value()));
        CHECK(pool::vm_of(env, item) == second_vm);
        const auto broken = env.store().find_pool_server(first);
        REQUIRE(broken);
        CHECK(broken->state == store::PoolState::discarded);

        // pool_process deletes the discarded one and builds a replacement.
        const auto doc = pool::process(env);
        CHECK(doc.root().at("deleted").at(std::size_t{0}).at("reason").as_string() == "discarded");
        CHECK_FALSE(pool::host(sim.state(), first_vm));
        CHECK(pool::summary(doc, "created") == 2);
    }
    SECTION("the first VM vanished from VMmanager: the second is taken") {
        sim.del(fmt::format("/__sim__/hosts/{}", first_vm));
        const auto item = env.add_item();
        const auto r = env.run("open", item);
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(pool::vm_of(env, item) == second_vm);
        CHECK(env.store().find_pool_server(first)->state == store::PoolState::discarded);
    }
    SECTION("every candidate fails: a new VM, and the order keeps nothing of them") {
        fail_owner_change(sim, std::nullopt, 2);
        const auto item = env.add_item();
        const auto r = env.run("open", item);
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(pool_server_of(r).empty());
        const auto vm = pool::vm_of(env, item);
        CHECK(vm != first_vm);
        CHECK(vm != second_vm);
        CHECK(sim.requests("POST /vm/v3/host") == 3);
        CHECK(pool::count_in(env, store::PoolState::discarded) == 2);
        CHECK(env.status(item) == store::ItemStatus::active);
        CHECK(pool::host(sim.state(), vm)->at("comment").as_string() ==
              fmt::format("pm item {}", item));
    }
}

TEST_CASE("pmvmmgr6 open tries three pool servers at most") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    ready_pool(env, sim, 4, {{"use_recipes", "on"}});
    // VMmanager refuses this order's recipe on every server alike.
    sim.post("/__sim__/tasks/fail",
             fmt::format(R"({{"name":"{}","count":4,"msg":"no such script"}})",
                         task_name(sim, "recipe_task_name")));
    sim.del("/__sim__/requests");
    const auto item = env.add_item({{"recipe", "3"}});
    OperationId op;
    const auto r = env.run("open", item, &op);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1); // the new VM's recipe fails the same way
    CHECK(r.out.find("no such script") != std::string::npos);
    CHECK(pool::count_in(env, store::PoolState::discarded) == 3);
    CHECK(pool::count_in(env, store::PoolState::free) == 1);
    CHECK_FALSE(env.store().pool_claim(item));
    CHECK(sim.requests("POST /vm/v3/host") == 1);
}

TEST_CASE("pmvmmgr6 open with bad pool params fails before claiming anything") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    ready_pool(env, sim, 1);
    env.store().set_module_param(env.module(), "pool_hostname_recipe", "set-hostname");
    const auto item = env.add_item({{"domain", "a.example.com"}});
    const auto r = env.run("open", item);
    CHECK(r.exit_code == 2);
    CHECK(r.out.find("pool_hostname_recipe") != std::string::npos);
    CHECK(pool::count_in(env, store::PoolState::free) == 1);
    CHECK(env.param(item, "vm_id").empty());
}

TEST_CASE("pmvmmgr6 opens running at once never share a pool server") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    ready_pool(env, sim, 3);
    std::set<std::int64_t> pool_vms;
    for (const auto& server : pool::servers(env)) {
        pool_vms.insert(pool::vm_of(env, server.item_id));
    }
    // Every open gets the OS list, which comes right before it picks its candidates, at about
    // the same moment: they all go for the same servers at once.
    sim.post("/__sim__/fault/slow",
             R"({"count":6,"delay_ms":1000,"prefix":"/vm/v3/os","method":"GET"})");
    std::vector<ItemId> items;
    std::vector<Process> opens;
    for (int i = 0; i < 6; ++i) {
        items.push_back(env.add_item());
        opens.push_back(Process::spawn(
            env.argv("open", items.back(), env.add_operation(items.back(), "open")), env.env()));
    }
    int from_pool = 0;
    for (auto& process : opens) {
        const auto r = process.wait(std::chrono::seconds(90));
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        from_pool += pool_server_of(r).empty() ? 0 : 1;
    }
    std::set<std::int64_t> vms;
    const auto state = sim.state();
    for (const auto item : items) {
        const auto vm = pool::vm_of(env, item);
        CHECK(vms.insert(vm).second);
        const auto host = pool::host(state, vm);
        REQUIRE(host);
        CHECK(host->at("account").at("email").as_string() == "customer@example.com");
        CHECK(host->at("comment").as_string() == fmt::format("pm item {}", item));
        CHECK(env.status(item) == store::ItemStatus::active);
    }
    CHECK(from_pool == 3);
    CHECK(std::count_if(vms.begin(), vms.end(),
                        [&](std::int64_t vm) { return pool_vms.contains(vm); }) == 3);
    CHECK(pool::servers(env).empty());
    CHECK(sim.host_count() == 6);
}

TEST_CASE("pmvmmgr6 open killed during a takeover goes on with the same server") {
    Vmmgr6Sim sim;
    // The kill lands while the password task runs: whatever the variant, the password call
    // answers with a task here (a change without a task is applied before the kill could land).
    sim.post("/__sim__/config",
             fmt::format(R"({{"password_reply":"task","task_seconds":{{"{}":3}}}})",
                         task_name(sim, "password_task_name")));
    Vmmgr6Env env(sim);
    ready_pool(env, sim, 2);
    const auto item = env.add_item({{"domain", "a.example.com"}, {"password", "Cust-A-1"}});
    const auto op = env.add_operation(item, "open");
    auto process = Process::spawn(env.argv("open", item, op), env.env());
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!request_seen(sim, "POST", "/password") && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    process.kill(SIGKILL);
    (void)process.wait();
    const auto claim = env.store().pool_claim(item);
    REQUIRE(claim);
    const auto vm = pool::vm_of(env, item);

    // The claimed server belongs to that order: a cron run and another order leave it alone.
    const auto doc = pool::process(env);
    CHECK(pool::summary(doc, "claimed") == 1);
    CHECK(pool::summary(doc, "to_delete") == 0);
    const auto other = env.add_item();
    REQUIRE(env.run("open", other).exit_code == 0);
    CHECK(pool::vm_of(env, other) != vm);

    const auto again = test::run(env.argv("open", item, op), env.env());
    INFO(again.out << again.err);
    REQUIRE(again.exit_code == 0);
    CHECK(pool_server_of(again) == std::to_string(claim->item_id.value()));
    CHECK(pool::vm_of(env, item) == vm);
    CHECK(env.store().find_operation(op)->status == store::OperationStatus::done);
    CHECK_FALSE(env.store().pool_claim(item));
    const auto host_state = sim.state();
    const auto host = pool::host(host_state, vm);
    CHECK(host->at("hostname").as_string() == "a.example.com");
    CHECK(host->at("recipes_run").size() == 1); // the hostname recipe ran once
    CHECK(password_matches(sim, vm, "Cust-A-1"));
    CHECK(sim.requests(k_owner_change) == 2); // this order's once, the other order's once
}

TEST_CASE("pmvmmgr6 open waits for a pool server still being built") {
    Vmmgr6Sim sim(
        {"--task-seconds", "0.1", "--task-seconds", "host_create=2", "--task-lag", "0.05"});
    Vmmgr6Env env(sim);
    env.enable_pool({{"pool_steps", "1,1,1,1,1"}});
    env.add_item();
    (void)pool::process(env);
    const auto server = pool::servers(env).front().item_id;
    const auto vm = pool::vm_of(env, server);
    const auto item = env.add_item();
    const auto r = env.run("open", item);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(pool_server_of(r) == std::to_string(server.value()));
    CHECK(pool::vm_of(env, item) == vm);
    CHECK(!env.param(item, "ip").empty());
    CHECK(sim.requests("POST /vm/v3/host") == 1);
}

TEST_CASE("pmvmmgr6 open leaves the pool alone when it is off or the order has a VM") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    ready_pool(env, sim, 1);
    SECTION("pool_enabled off") {
        env.store().set_module_param(env.module(), "pool_enabled", "off");
        const auto item = env.add_item();
        const auto r = env.run("open", item);
        REQUIRE(r.exit_code == 0);
        CHECK(pool_server_of(r).empty());
        CHECK(pool::count_in(env, store::PoolState::free) == 1);
    }
    SECTION("an earlier attempt created the order's VM but lost the answer") {
        const auto item = env.add_item();
        env.store().set_module_param(env.module(), "pool_enabled", "off");
        CHECK(env.run("open", item).exit_code == 0);
        // As if killed between the create and the save of its id.
        env.store().erase_item_param(item, "vm_id");
        env.store().set_module_param(env.module(), "pool_enabled", "on");
        const auto r = env.run("open", item);
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(pool_server_of(r).empty());
        CHECK(pool::count_in(env, store::PoolState::free) == 1);
        CHECK(sim.host_count() == 2);
    }
}

TEST_CASE("pmvmmgr6 open refuses a pool server's own item") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    ready_pool(env, sim, 1);
    const auto server = pool::servers(env).front().item_id;
    const auto r = env.run("open", server);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("is a server of the pool") != std::string::npos);
    CHECK(env.status(server) == store::ItemStatus::pool);
    CHECK(pool::count_in(env, store::PoolState::free) == 1);
}

TEST_CASE("pmvmmgr6 open from the pool writes no password to its log") {
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    ready_pool(env, sim, 1);
    const auto pool_password = env.param(pool::servers(env).front().item_id, "password");
    const auto item = env.add_item({{"password", "Cust-Secret-77"}, {"domain", "x.example.com"}});
    REQUIRE(env.run("open", item).exit_code == 0);
    const auto log = test::read_file(env.log_file());
    CHECK(log.find("/runrecipe") != std::string::npos);
    CHECK(log.find("Cust-Secret-77") == std::string::npos);
    CHECK(log.find(pool_password) == std::string::npos);
}
