#include "pmvmmgr6/pool/takeover.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/log.hpp"

#include "pmvmmgr6/pool/settings.hpp"
#include "pmvmmgr6/vm/batch.hpp"
#include "pmvmmgr6/vm/create.hpp"
#include "pmvmmgr6/vm/grow.hpp"
#include "pmvmmgr6/vm/item.hpp"

namespace pm::vmmgr6::pool {
namespace {

// The takeover's steps. A claim's stage records those done: the values 0-7 (written before the
// steps ran together) mean "steps 1 to N done"; a value with k_step_set holds one bit per step
// done (1 << step). Stored in the store: never renumber.
enum class Stage : std::int64_t {
    claimed = 0,
    owner = 1,
    domain = 2,
    hostname = 3,
    password = 4,
    recipe = 5,
    resources = 6,
    renamed = 7,
};
constexpr std::int64_t k_step_set = 1 << 10;

// The order's param keeping a recipe step's tasks while they run.
std::string recipe_tasks_param(Stage stage) {
    return fmt::format("pool_step{}_tasks", static_cast<std::int64_t>(stage));
}

std::int64_t bit(Stage stage) {
    return std::int64_t{1} << static_cast<std::int64_t>(stage);
}

// The steps a stored stage says are done, as bits.
std::int64_t steps_done(std::int64_t stage) {
    if ((stage & k_step_set) != 0) {
        return stage & ~k_step_set;
    }
    std::int64_t done = 0;
    for (std::int64_t step = 1; step <= std::min<std::int64_t>(stage, 7); ++step) {
        done |= std::int64_t{1} << step;
    }
    return done;
}

// What a claim copies from the pool item to the order.
constexpr std::array<std::string_view, 3> k_copied{"vm_id", "ip", "ips"};
// The parameter the hostname recipe takes (the simulator's "Set hostname" recipe).
constexpr std::string_view k_hostname_param = "HOSTNAME";
// Servers one open tries at most: an order whose own data VMmanager refuses (a recipe it does
// not know, a password it rejects) fails on every server alike and must not use up the pool.
constexpr std::size_t k_max_candidates = 3;

bool is_windows(const api::Host& host) {
    std::string name = host.os_name;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return name.find("windows") != std::string::npos;
}

class Takeover {
public:
    Takeover(Context& context, const Connection& vm, const Settings& settings, std::int64_t account,
             store::PoolServer server)
        : m_context(context), m_vm(vm), m_settings(settings), m_account(account),
          m_server(std::move(server)) {}

    // True once the VM is the order's; false when the server failed for good (it is then
    // discarded). Temporary failures propagate with the claim kept.
    bool run();

private:
    void take_over();
    api::Host settle();
    [[nodiscard]] bool done(Stage stage) const { return (m_done & bit(stage)) != 0; }
    void record(Stage stage);
    void step(Stage stage, const std::function<void()>& work);
    void add_step(Batch& batch, Stage stage, std::string what, Batch::Send send);
    void set_domain(const std::string& domain);
    std::vector<Awaited> set_hostname(const api::Host& host, const std::string& domain);
    std::vector<Awaited> run_ordered_recipe();
    std::vector<Awaited> run_recipe(Stage stage, std::int64_t recipe,
                                    const std::vector<api::RecipeParam>& params);
    void finish();
    void discard();

    Context& m_context;
    const Connection& m_vm;
    const Settings& m_settings;
    std::int64_t m_account;
    store::PoolServer m_server;
    std::int64_t m_done = steps_done(m_server.stage);
    std::int64_t m_id = 0;
};

bool Takeover::run() {
    try {
        take_over();
        return true;
    } catch (const Error& e) {
        // Once renamed, the VM carries the order's comment: it is the order's VM for every
        // later lookup, so it is never discarded; the rerun finishes the takeover.
        if (e.exit_code() != ExitCode::failed || done(Stage::renamed)) {
            throw;
        }
        log::warn("pool server {} cannot be taken over: {}", m_server.item_id, e.what());
        discard();
        return false;
    }
}

void Takeover::take_over() {
    const auto id = m_context.item_params.get_int("vm_id");
    if (!id) {
        throw OperationError(fmt::format("pool server {} has no VM id", m_server.item_id));
    }
    m_id = *id;
    log::info("taking over pool server {} (VM {}) for item {}", m_server.item_id, m_id,
              m_context.item->id);
    const auto host = settle();
    const auto domain = m_context.item_params.get_or("domain", "");
    // The steps up to the ordered recipe are independent: sent together, waited for together.
    Batch batch(m_vm);
    add_step(batch, Stage::owner, "the owner change", [&] {
        std::vector<Awaited> waits;
        if (host.account_id != m_account) {
            waits.push_back({m_vm.api().change_owner(m_id, m_account),
                             fmt::format("VM {} to belong to user {}", m_id, m_account),
                             [&] {
                                 const auto now = m_vm.api().host(m_id);
                                 return now && now->account_id == m_account;
                             },
                             false,
                             {}});
        }
        return waits;
    });
    add_step(batch, Stage::domain, "the PTR records", [&] {
        set_domain(domain);
        return std::vector<Awaited>{};
    });
    add_step(batch, Stage::hostname, "the hostname recipe",
             [&] { return set_hostname(host, domain); });
    add_step(batch, Stage::password, "the password change", [&] {
        return std::vector<Awaited>{
            change_password(m_vm, m_id, m_context.item_params.require("password"))};
    });
    add_step(batch, Stage::recipe, "the ordered recipe", [&] { return run_ordered_recipe(); });
    batch.run();
    step(Stage::resources, [&] {
        const auto now = m_vm.api().host(m_id);
        if (!now) {
            throw OperationError(fmt::format("VM {} disappeared during its takeover", m_id));
        }
        grow_to_wanted(m_context, m_vm, *now);
    });
    step(Stage::renamed, [&] {
        m_vm.api().rename_host(m_id, item_vm_name(m_context.item->id),
                               item_comment(m_context.item->id));
    });
    finish();
}

// The VM ready to be changed: a create still under way is waited for (it ends sooner than a
// new one would), a stopped VM is started.
api::Host Takeover::settle() {
    auto host = wait_settled(m_vm, m_id);
    if (host && host->state == host_states::stopped) {
        start_and_wait(m_vm, m_id);
        host = m_vm.api().host(m_id);
    }
    if (!host) {
        throw OperationError(
            fmt::format("VM {} of pool server {} is gone", m_id, m_server.item_id));
    }
    if (host->state != host_states::active) {
        throw OperationError(
            fmt::format("VM {} of pool server {} is {}", m_id, m_server.item_id, host->state));
    }
    return *host;
}

void Takeover::record(Stage stage) {
    m_done |= bit(stage);
    m_context.store.set_pool_stage(m_server.item_id, k_step_set | m_done);
    forget_item_param(m_context, recipe_tasks_param(stage));
}

void Takeover::step(Stage stage, const std::function<void()>& work) {
    if (!done(stage)) {
        work();
        record(stage);
    }
}

void Takeover::add_step(Batch& batch, Stage stage, std::string what, Batch::Send send) {
    if (!done(stage)) {
        batch.add(fmt::format("VM {}: {}", m_id, what), std::move(send),
                  [this, stage] { record(stage); });
    }
}

void Takeover::set_domain(const std::string& domain) {
    if (domain.empty()) {
        return;
    }
    for (const auto& address : main_addresses(m_vm, m_id)) {
        if (address.domain != domain) {
            m_vm.api().set_ptr(address.id, domain);
        }
    }
}

std::vector<Awaited> Takeover::set_hostname(const api::Host& host, const std::string& domain) {
    const auto& recipe = m_settings.hostname_recipe;
    if (domain.empty() || !recipe) {
        log::info("VM {}: hostname left as it is ({})", m_id,
                  domain.empty() ? "no domain ordered" : "pool_hostname_recipe is not set");
        return {};
    }
    if (is_windows(host)) {
        log::info("VM {} runs {}: no hostname recipe", m_id, host.os_name);
        return {};
    }
    return run_recipe(Stage::hostname, *recipe, {{std::string(k_hostname_param), domain}});
}

// Runs a recipe; what to wait for is the tasks its reply names (by consul id: the recipe
// task's name is unknown). They are kept on the order until the step is recorded, so that a
// rerun waits for them instead of running the recipe again.
std::vector<Awaited> Takeover::run_recipe(Stage stage, std::int64_t recipe,
                                          const std::vector<api::RecipeParam>& params) {
    const auto param = recipe_tasks_param(stage);
    auto tasks = saved_tasks(m_context, param);
    if (!tasks.empty()) {
        log::info("VM {}: recipe {} already runs: waiting for it", m_id, recipe);
    } else {
        tasks = m_vm.api().run_recipe(m_id, recipe, params);
        if (tasks.empty()) {
            log::warn("VM {}: the reply to recipe {} names no task: nothing to wait for", m_id,
                      recipe);
        } else {
            save_item_param(m_context, param, task_ids(tasks));
        }
    }
    std::vector<Awaited> waits;
    for (const auto& task : tasks) {
        waits.push_back({task, {}, {}, false, {}});
    }
    return waits;
}

std::vector<Awaited> Takeover::run_ordered_recipe() {
    if (!m_context.module_params.get_bool("use_recipes", false)) {
        return {};
    }
    if (const auto recipe = m_context.item_params.get_int("recipe")) {
        return run_recipe(Stage::recipe, *recipe, {});
    }
    return {};
}

void Takeover::finish() {
    const auto host = m_vm.api().host(m_id);
    if (!host) {
        throw OperationError(fmt::format("VM {} disappeared during its takeover", m_id));
    }
    auto& store = m_context.store;
    store.transaction([&] {
        record_host(m_context, *host);
        store.set_item_status(m_context.item->id, store::ItemStatus::active);
        store.record_served(m_context.item->id, store::Served::pool);
        store.delete_item(m_server.item_id);
    });
    log::info("item {} took over VM {} from pool server {}", m_context.item->id, m_id,
              m_server.item_id);
}

// The server leaves the pool for pool_process to delete; the order forgets its VM.
void Takeover::discard() {
    auto& store = m_context.store;
    store.transaction([&] {
        (void)store.discard_pool_server(m_server.item_id, store::PoolState::claimed);
        for (const auto name : k_copied) {
            store.erase_item_param(m_context.item->id, name);
        }
    });
    for (const auto name : k_copied) {
        m_context.item_params.erase(name);
    }
    for (const auto stage : {Stage::hostname, Stage::recipe}) {
        forget_item_param(m_context, recipe_tasks_param(stage));
    }
}

// Claims `server` for the order and copies its VM's params, in one transaction.
bool claim(Context& context, const store::PoolServer& server) {
    auto& store = context.store;
    ParamMap copied;
    bool claimed = false;
    // The body may run again after a deadlock: it starts from nothing each time.
    store.transaction([&] {
        copied.clear();
        claimed = store.claim_pool_server(server.item_id, context.item->id);
        if (!claimed) {
            return;
        }
        const auto pooled = store.item_params(server.item_id);
        for (const auto name : k_copied) {
            if (const auto value = pooled.get(name)) {
                copied.emplace(name, *value);
            }
        }
        store.set_item_params(context.item->id, copied);
    });
    for (const auto& [name, value] : copied) {
        context.item_params.set(name, value);
    }
    return claimed;
}

// Free servers of the order's OS and tariff whose VM create was sent: those VMmanager has
// shown active first, then those still being built, oldest first in each group.
std::vector<store::PoolServer> candidates(const Context& context, std::int64_t os) {
    std::vector<store::PoolServer> ready;
    std::vector<store::PoolServer> building;
    for (auto& server : context.store.pool_servers(context.module->id)) {
        if (server.state != store::PoolState::free || server.os != std::to_string(os) ||
            server.pricelist_id != context.item->pricelist_id) {
            continue;
        }
        const auto params = context.store.item_params(server.item_id);
        if (!params.contains("vm_id")) {
            continue;
        }
        auto& group = params.get_or("state", "") == host_states::active ? ready : building;
        group.push_back(std::move(server));
    }
    ready.insert(ready.end(), building.begin(), building.end());
    return ready;
}

// True when the order has no VM of its own yet: none saved, no create sent (one in flight may
// still show: the usual path waits for it), and none created by an earlier attempt whose
// answer was lost (found by the order's comment).
bool has_no_vm(Context& context, const Connection& vm) {
    return !context.item_params.contains("vm_id") &&
           !context.item_params.contains(k_create_sent_param) &&
           marked_hosts(vm, context.item->id).empty();
}

} // namespace

std::optional<ItemId> take_from_pool(Context& context, const Connection& vm, std::int64_t account) {
    const auto settings = read_settings(context.module_params);
    std::size_t tried = 0;
    if (const auto claimed = context.store.pool_claim(context.item->id)) {
        log::info("resuming the takeover of pool server {} at stage {}", claimed->item_id,
                  claimed->stage);
        if (Takeover(context, vm, settings, account, *claimed).run()) {
            return claimed->item_id;
        }
        tried = 1;
    } else if (!settings.enabled || !has_no_vm(context, vm)) {
        return std::nullopt;
    }
    if (!settings.enabled) {
        return std::nullopt;
    }
    const auto tariff = context.store.pricelist_params(context.item->pricelist_id);
    if (const auto why = mismatch(tariff, context.item_params)) {
        log::info("item {} is not served from the pool: {}", context.item->id, *why);
        return std::nullopt;
    }
    (void)context.item_params.require("password");
    const auto os = resolve_os(vm, context.item_params.require("os"));
    for (const auto& server : candidates(context, os)) {
        if (tried == k_max_candidates) {
            log::warn("{} pool servers failed for item {}: trying no more", tried,
                      context.item->id);
            break;
        }
        if (!claim(context, server)) {
            continue;
        }
        ++tried;
        if (Takeover(context, vm, settings, account, server).run()) {
            return server.item_id;
        }
    }
    log::info("no pool server could be taken for item {}: creating a VM", context.item->id);
    return std::nullopt;
}

} // namespace pm::vmmgr6::pool
