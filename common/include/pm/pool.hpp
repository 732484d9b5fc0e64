// The pool of pre-created servers (DESIGN §11) for any module whose items are servers built
// from a template: the pool params and their rules, pool_process (review, delete, statistics,
// creates) and the takeover of a pool server by an order's open. The engine keeps the pool in
// the store (pm_pool_server, pm_pool_stat, pm_pool_order); a module's Backend speaks to its
// platform.
//
// A server is claimed in the store (a conditional update, so that no two orders ever get the
// same one) before anything is changed on the platform; the claim copies the backend's
// handed_params() to the order. The backend's takeover steps then make the server the order's;
// each step done is recorded on the claim, so a rerun after a kill goes on with the same server
// where it stopped. At the end, in one store transaction, the order becomes active and the
// pool item is dropped. A candidate that fails for good (exit code 1) before the backend's
// binding step is discarded (pool_process deletes it) and the next is tried, three at most; a
// temporary failure (exit 3) ends the open with the claim kept, for the rerun.
#pragma once

#include <array>
#include <chrono>
#include <compare>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pm/context.hpp"
#include "pm/ids.hpp"
#include "pm/module.hpp"
#include "pm/params.hpp"
#include "pm/store.hpp"

namespace pm::pool {

inline constexpr std::int64_t k_default_stat_days = 30;
inline constexpr std::int64_t k_default_max_months = 3;
inline constexpr std::array<std::int64_t, 5> k_default_steps{1, 2, 3, 4, 5};

struct Settings {
    bool enabled = false;
    AccountId account{};                  // pool_account; valid when enabled
    std::vector<std::string> os;          // pool_os, as written (ids or names)
    std::optional<PricelistId> pricelist; // pool_pricelist; set when os is not empty
    std::int64_t stat_days = k_default_stat_days;
    std::int64_t max_months = k_default_max_months; // 0: servers never expire
    std::array<std::int64_t, 5> steps = k_default_steps;
};

// The pool params (DESIGN §5): pool_enabled, pool_account, pool_os, pool_max_months,
// pool_stat_days, pool_steps and pool_pricelist, with the module's own pool params `own`
// listed before pool_pricelist. param_names(): their names in the same order.
[[nodiscard]] std::vector<ParamSpec> params(const std::vector<ParamSpec>& own = {});
[[nodiscard]] std::vector<std::string> param_names(const std::vector<ParamSpec>& own = {});

// Reads and checks the pool params; ConfigError naming the param and the module for a bad
// value, and for pool_enabled without pool_account or pool_os without pool_pricelist.
[[nodiscard]] Settings read_settings(const Params& module_params);

// The target for `orders` orders in the window: 0 for none, then steps[0] for 1–3, steps[1]
// for 4–6, steps[2] for 7–10, steps[3] for 11–15, steps[4] above 15.
[[nodiscard]] std::int64_t target_for(const std::array<std::int64_t, 5>& steps,
                                      std::int64_t orders);

// `now` minus whole days / calendar months (a day past the end of the earlier month becomes
// its last day: 31 May minus 3 months is 28 or 29 February), as utc_text (pm/text.hpp).
[[nodiscard]] std::string days_before(std::chrono::system_clock::time_point now,
                                      std::int64_t count);
[[nodiscard]] std::string months_before(std::chrono::system_clock::time_point now,
                                        std::int64_t count);

// How an order's own resource params may differ from its tariff's for a pool server built
// from the tariff to serve it: `equal` ones must be the tariff's, `grow` ones at least the
// tariff's (the platform only grows a server), and the tariff must name them.
struct GrowRules {
    std::vector<std::string_view> equal;
    std::vector<std::string_view> grow;
};
// Why a pool server built from `tariff` cannot become what `item` ordered, or nullopt when it
// can.
[[nodiscard]] std::optional<std::string> mismatch(const Params& tariff, const Params& item,
                                                  const GrowRules& rules);

// A template servers are built from, as the platform lists it.
struct Template {
    std::string id;
    std::string name;
};
// The template `text` names: by id (numbers compared as numbers) when `text` is a whole
// number or equals an id, else by name in any case; nullptr when none.
[[nodiscard]] const Template* find_template(const std::vector<Template>& templates,
                                            std::string_view text);

// A kind of pool server: a template id and a tariff. Numeric ids sort as numbers.
struct Key {
    std::string os;
    PricelistId pricelist{};
    [[nodiscard]] std::weak_ordering operator<=>(const Key& other) const;
    [[nodiscard]] bool operator==(const Key& other) const {
        return (*this <=> other) == std::weak_ordering::equivalent;
    }
};

// What a review learns of a pool server's platform side.
enum class Readiness { absent, building, ready, failed };
struct Inspection {
    Readiness readiness = Readiness::absent;
    // Set for ready: writes what the platform shows of the server onto its item; runs inside
    // the store transaction that finds the server still free.
    std::function<void()> record;
};

// A delete of a pool server's platform side, as started.
struct Removal {
    enum class Kind {
        absent,  // the platform has none: the pool item is dropped at once
        busy,    // the platform cannot delete it now (a create under way): next run
        started, // the delete is under way (sent now or earlier): `wait` for it
    };
    Kind kind = Kind::absent;
    std::string server;         // the platform's id, for messages
    std::function<void()> wait; // started: returns once the platform no longer lists it
};

// One takeover in progress: the order being opened, the claimed server, and which of the
// backend's steps (numbered 1 to 9) are done. Steps done are kept on the claim in the store.
class Handover {
public:
    Handover(Context& order, store::PoolServer server);

    [[nodiscard]] Context& order() { return m_order; }
    [[nodiscard]] const store::PoolServer& server() const { return m_server; }
    [[nodiscard]] bool done(int step) const;
    // Records the step as done (in the store at once).
    void record(int step);
    // Runs `work` unless the step is done, then records it.
    void step(int step, const std::function<void()>& work);

private:
    Context& m_order;
    store::PoolServer m_server;
    std::int64_t m_done;
};

// What the pool needs from a platform. Item functions get a Context of the item they serve
// (a pool item's during pool_process, the order's during a takeover). Errors with exit code 1
// mean the platform refused for good; others propagate.
class Backend {
public:
    Backend() = default;
    Backend(const Backend&) = delete;
    Backend& operator=(const Backend&) = delete;
    virtual ~Backend() = default;

    // pool_process.
    // The templates orders may name, and where they are (e.g. "cluster 3"), for messages.
    [[nodiscard]] virtual std::vector<Template> templates() = 0;
    [[nodiscard]] virtual std::string template_scope() const = 0;
    // Params of a new pool item besides os and password (e.g. the platform user owning it).
    [[nodiscard]] virtual ParamMap new_server_params() = 0;
    // Sends the create of the pool item's server, saving its id on the item at once; returns
    // the id. Does not wait for the server to be built.
    [[nodiscard]] virtual std::string send_create(Context& item) = 0;
    // Whether the platform shows a server marked as the item's (after a create was refused).
    [[nodiscard]] virtual bool marked_server_exists(Context& item) = 0;
    // The pool item's server as the platform shows it; absent when no create reached it (a
    // create sent but unanswered is looked for first).
    [[nodiscard]] virtual Inspection inspect(Context& item) = 0;
    // Starts deleting the pool item's server.
    [[nodiscard]] virtual Removal start_delete(Context& item) = 0;
    // Whether a server's item params say it is ready (as an Inspection's record wrote them).
    [[nodiscard]] virtual bool recorded_ready(const Params& params) const = 0;
    // The item param holding a server's platform id.
    [[nodiscard]] virtual std::string_view server_id_param() const = 0;

    // The takeover.
    // The id of the template the order names (as pool servers record it); an error when the
    // order cannot be served (its template unknown, what the takeover needs missing).
    [[nodiscard]] virtual std::string resolve_template(Context& order) = 0;
    // Whether the order has a server of its own already (saved, sent, or found by its mark).
    [[nodiscard]] virtual bool has_own_server(Context& order) = 0;
    [[nodiscard]] virtual GrowRules grow_rules() const = 0;
    // The item params a claim copies from the pool item to the order (the server id first).
    [[nodiscard]] virtual std::vector<std::string_view> handed_params() const = 0;
    // The step after which the server is the order's for every lookup: a failure then is
    // never a reason to discard it.
    [[nodiscard]] virtual int binding_step() const = 0;
    // Makes the claimed server the order's through the steps not done yet; returns what
    // records the server on the order, run in the transaction that activates the order.
    [[nodiscard]] virtual std::function<void()> take_over(Handover& handover) = 0;
    // Forgets what the steps kept on the order, once its server is discarded.
    virtual void forget_takeover(Context& order) = 0;
};

// pool_process for the context's module: one run per module at a time (another run holding
// the module's lock is success, reported as skipped); `connect` is called once the lock is
// held. Deletes expired, outdated (their template no longer listed by the backend: removed, or
// replaced by a newer version), failed, abandoned and discarded servers, counts the orders and
// starts the creates the targets still miss; --dry-run reads and plans only.
void process(Context& context, const std::function<std::unique_ptr<Backend>()>& connect);

// Takes a pool server over for the order being opened and returns the pool item it was;
// nullopt when the server is to be created as usual: the pool is off, the order already has a
// server of its own, its overrides cannot be reached by growing (see mismatch()), or no
// candidate could be taken. A claim of an earlier attempt is resumed first.
[[nodiscard]] std::optional<ItemId> take_from_pool(Context& order, Backend& backend);

} // namespace pm::pool
