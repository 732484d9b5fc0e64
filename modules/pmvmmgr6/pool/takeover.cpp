// pmvmmgr6's takeover steps (pool/backend.hpp): a claimed pool server's VM made the order's.
#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/item_param.hpp"
#include "pm/log.hpp"

#include "pmvmmgr6/pool/backend.hpp"
#include "pmvmmgr6/vm/batch.hpp"
#include "pmvmmgr6/vm/create.hpp"
#include "pmvmmgr6/vm/grow.hpp"
#include "pmvmmgr6/vm/item.hpp"

namespace pm::vmmgr6::pool {
namespace {

// The takeover's steps, as the claim records them (pm::pool::Handover): never renumber.
enum class Stage : int {
    owner = 1,
    domain = 2,
    hostname = 3,
    password = 4,
    recipe = 5,
    resources = 6,
    renamed = 7,
};

int number(Stage stage) {
    return static_cast<int>(stage);
}

// The order's param keeping a recipe step's tasks while they run.
std::string recipe_tasks_param(Stage stage) {
    return fmt::format("pool_step{}_tasks", number(stage));
}

// The parameter the hostname recipe takes (the simulator's "Set hostname" recipe).
constexpr std::string_view k_hostname_param = "HOSTNAME";

bool is_windows(const api::Host& host) {
    std::string name = host.os_name;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return name.find("windows") != std::string::npos;
}

class Steps {
public:
    Steps(pm::pool::Handover& handover, const Connection& vm, std::int64_t account)
        : m_handover(handover), m_context(handover.order()), m_vm(vm), m_account(account),
          m_hostname_recipe(m_context.module_params.get_int("pool_hostname_recipe")) {}

    // Runs the steps not done yet; returns what records the VM on the order.
    std::function<void()> run();

private:
    api::Host settle();
    [[nodiscard]] bool done(Stage stage) const { return m_handover.done(number(stage)); }
    void record(Stage stage);
    void add_step(Batch& batch, Stage stage, std::string what, Batch::Send send);
    void set_domain(const std::string& domain);
    std::vector<Awaited> set_hostname(const api::Host& host, const std::string& domain);
    std::vector<Awaited> run_ordered_recipe();
    std::vector<Awaited> run_recipe(Stage stage, std::int64_t recipe,
                                    const std::vector<api::RecipeParam>& params);

    pm::pool::Handover& m_handover;
    Context& m_context;
    const Connection& m_vm;
    std::int64_t m_account;
    std::optional<std::int64_t> m_hostname_recipe;
    std::int64_t m_id = 0;
};

std::function<void()> Steps::run() {
    const auto id = m_context.item_params.get_int("vm_id");
    if (!id) {
        throw OperationError(
            fmt::format("pool server {} has no VM id", m_handover.server().item_id));
    }
    m_id = *id;
    log::info("taking over pool server {} (VM {}) for item {}", m_handover.server().item_id, m_id,
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
    if (!done(Stage::resources)) {
        const auto now = m_vm.api().host(m_id);
        if (!now) {
            throw OperationError(fmt::format("VM {} disappeared during its takeover", m_id));
        }
        grow_to_wanted(m_context, m_vm, *now);
        record(Stage::resources);
    }
    if (!done(Stage::renamed)) {
        m_vm.api().rename_host(m_id, item_vm_name(m_context.item->id),
                               item_comment(m_context.item->id));
        record(Stage::renamed);
    }
    const auto taken = m_vm.api().host(m_id);
    if (!taken) {
        throw OperationError(fmt::format("VM {} disappeared during its takeover", m_id));
    }
    return [&context = m_context, host = *taken] { record_host(context, host); };
}

// The VM ready to be changed: a create still under way is waited for (it ends sooner than a
// new one would), a stopped VM is started.
api::Host Steps::settle() {
    auto host = wait_settled(m_vm, m_id);
    if (host && host->state == host_states::stopped) {
        start_and_wait(m_vm, m_id);
        host = m_vm.api().host(m_id);
    }
    const auto server = m_handover.server().item_id;
    if (!host) {
        throw OperationError(fmt::format("VM {} of pool server {} is gone", m_id, server));
    }
    if (host->state != host_states::active) {
        throw OperationError(
            fmt::format("VM {} of pool server {} is {}", m_id, server, host->state));
    }
    return *host;
}

void Steps::record(Stage stage) {
    m_handover.record(number(stage));
    erase_item_param(m_context, recipe_tasks_param(stage));
}

void Steps::add_step(Batch& batch, Stage stage, std::string what, Batch::Send send) {
    if (!done(stage)) {
        batch.add(fmt::format("VM {}: {}", m_id, what), std::move(send),
                  [this, stage] { record(stage); });
    }
}

void Steps::set_domain(const std::string& domain) {
    if (domain.empty()) {
        return;
    }
    for (const auto& address : main_addresses(m_vm, m_id)) {
        if (address.domain != domain) {
            m_vm.api().set_ptr(address.id, domain);
        }
    }
}

std::vector<Awaited> Steps::set_hostname(const api::Host& host, const std::string& domain) {
    if (domain.empty() || !m_hostname_recipe) {
        log::info("VM {}: hostname left as it is ({})", m_id,
                  domain.empty() ? "no domain ordered" : "pool_hostname_recipe is not set");
        return {};
    }
    if (is_windows(host)) {
        log::info("VM {} runs {}: no hostname recipe", m_id, host.os_name);
        return {};
    }
    return run_recipe(Stage::hostname, *m_hostname_recipe,
                      {{std::string(k_hostname_param), domain}});
}

// Runs a recipe; what to wait for is the tasks its reply names (by consul id: the recipe
// task's name is unknown). They are kept on the order until the step is recorded, so that a
// rerun waits for them instead of running the recipe again.
std::vector<Awaited> Steps::run_recipe(Stage stage, std::int64_t recipe,
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

std::vector<Awaited> Steps::run_ordered_recipe() {
    if (!m_context.module_params.get_bool("use_recipes", false)) {
        return {};
    }
    if (const auto recipe = m_context.item_params.get_int("recipe")) {
        return run_recipe(Stage::recipe, *recipe, {});
    }
    return {};
}

} // namespace

int Backend::binding_step() const {
    // Once renamed, the VM carries the order's name: it is the order's VM for every lookup.
    return number(Stage::renamed);
}

std::function<void()> Backend::take_over(pm::pool::Handover& handover) {
    if (!m_owner) {
        throw ConfigError("a pool takeover needs the customer's VMmanager user");
    }
    return Steps(handover, m_vm, *m_owner).run();
}

void Backend::forget_takeover(Context& order) {
    for (const auto stage : {Stage::hostname, Stage::recipe}) {
        erase_item_param(order, recipe_tasks_param(stage));
    }
}

} // namespace pm::vmmgr6::pool
