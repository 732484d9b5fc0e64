// The billing store (DESIGN §5): typed access to the SQLite database shared with the billing
// platform, and the running-operation lifecycle.
//
// Every call is one short transaction; write transactions start with BEGIN IMMEDIATE, so any
// number of processes may write at once. A Store is one connection: use it from one thread at
// a time, and open another Store on the same URL for another thread (e.g. a signal thread).
// Errors: StoreError{busy} when the database stayed locked for the whole busy timeout (exit 3),
// StoreError{failure} for anything else SQLite reports; ConfigError for rows that make no sense
// or ids that name no row on writes. Lookups of a single row return std::nullopt when missing.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pm/deadline.hpp"
#include "pm/ids.hpp"
#include "pm/ipv4.hpp"
#include "pm/params.hpp"

namespace pm::store {

// The schema version this build creates (PRAGMA user_version); examples/schema.sql matches it.
inline constexpr int k_schema_version = 6;
inline constexpr std::chrono::milliseconds k_default_busy_timeout{30'000};

enum class ItemStatus { ordered, active, suspended, closed, deleted, pool };
enum class ObjectStatus { ordered, active, closed, deleted, error };
enum class OperationStatus { pending, running, done, error, manual };
// A pool server is free for any order, claimed by one order taking it over, or discarded
// (waiting to be deleted: expired, broken, or abandoned by its claimant).
enum class PoolState { free, claimed, discarded };
// How an order's open was served: by taking a pool server over, or by creating its VM.
enum class Served { pool, cold };

[[nodiscard]] std::string_view to_string(ItemStatus status);
[[nodiscard]] std::string_view to_string(ObjectStatus status);
[[nodiscard]] std::string_view to_string(OperationStatus status);
[[nodiscard]] std::optional<ItemStatus> parse_item_status(std::string_view text);
[[nodiscard]] std::optional<ObjectStatus> parse_object_status(std::string_view text);
[[nodiscard]] std::optional<OperationStatus> parse_operation_status(std::string_view text);
[[nodiscard]] std::string_view to_string(PoolState state);
[[nodiscard]] std::optional<PoolState> parse_pool_state(std::string_view text);
[[nodiscard]] std::string_view to_string(Served served);

// Timestamps are ISO-8601 UTC text, e.g. "2024-05-01T12:00:00Z"; NULL columns read as "".
struct Module {
    ModuleId id{};
    std::string name{};
    std::string type{}; // the binary serving it, e.g. "pmvmmgr6"
    std::int64_t sorting = 0;
    std::string datacenter{};
    std::string department{};
    bool enabled = true;
};

struct NewModule {
    std::string name{};
    std::string type{};
    std::int64_t sorting = 0;
    std::string datacenter{};
    std::string department{};
    bool enabled = true;
};

struct Account {
    AccountId id{};
    std::string name{};
    std::string email{};
};

struct Pricelist {
    PricelistId id{};
    std::string name{};
    std::string type{}; // "vds" | "vdc"
};

struct Item {
    ItemId id{};
    AccountId account_id{};
    PricelistId pricelist_id{};
    ModuleId module_id{};
    std::string type{}; // "vds" | "vdc"
    ItemStatus status = ItemStatus::ordered;
    std::string created_at{};
    std::string updated_at{};
};

struct NewItem {
    AccountId account_id{};
    PricelistId pricelist_id{};
    ModuleId module_id{};
    std::string type{};
    ItemStatus status = ItemStatus::ordered;
    ParamMap params{};
};

// Conditions that are set must all hold; an empty filter matches every item.
struct ItemFilter {
    std::optional<ModuleId> module_id{};
    std::optional<AccountId> account_id{};
    std::optional<ItemStatus> status{};
    std::optional<std::string> type{};
};

struct ItemStat {
    ItemId item_id{};
    std::string date{}; // YYYY-MM-DD
    std::string name{};
    double value = 0;
};

struct VdcObject {
    ObjectId id{};
    ItemId item_id{};
    std::string type{}; // vm, volume, network, router, router_interface, loadbalancer
    std::string name{};
    std::string external_id{}; // "" until the remote side returned one
    ObjectStatus status = ObjectStatus::ordered;
    std::string created_at{};
    std::string updated_at{};
};

struct NewObject {
    ItemId item_id{};
    std::string type{};
    std::string name{};
    std::string external_id{};
    ObjectStatus status = ObjectStatus::ordered;
    ParamMap params{};
};

struct RunningOperation {
    OperationId id{};
    std::optional<ItemId> item_id{};
    std::optional<ObjectId> object_id{}; // set for vdc_* commands only
    std::optional<ModuleId> module_id{};
    std::string command{};
    OperationStatus status = OperationStatus::pending;
    std::int64_t trycount = 0;
    std::string error{};               // one line; "" when none
    std::optional<std::int64_t> pid{}; // the process running it, while running
    std::string created_at{};
    std::string updated_at{};
    std::string started_at{}; // when the last attempt began
};

struct NewOperation {
    std::optional<ItemId> item_id{};
    std::optional<ObjectId> object_id{};
    std::optional<ModuleId> module_id{};
    std::string command{};
};

// Conditions that are set must all hold; `statuses` matches any of its entries.
struct OperationFilter {
    std::optional<ItemId> item_id{};
    std::optional<ObjectId> object_id{};
    std::optional<ModuleId> module_id{};
    std::vector<OperationStatus> statuses{};
};

// A pre-created server (DESIGN §11): an item in status `pool` plus a row of the private
// table pm_pool_server. Module, tariff and creation time are the item's.
struct PoolServer {
    ItemId item_id{};
    ModuleId module_id{};
    PricelistId pricelist_id{};
    std::string os{}; // the OS template it was built with, as the module names it
    PoolState state = PoolState::free;
    std::optional<ItemId> claimed_by{}; // the order taking it over (claimed, discarded)
    std::int64_t stage = 0;             // how far that takeover got; the module's own numbers
    std::string created_at{};
};

// Orders of one (OS template, tariff): the count_orders() result.
struct OrderCount {
    std::string os{};
    PricelistId pricelist_id{};
    std::int64_t orders = 0;
};

// One row of the pool statistics a module keeps (private table pm_pool_stat).
struct PoolStat {
    std::string os{};
    PricelistId pricelist_id{};
    std::int64_t orders = 0;
    std::int64_t target = 0;
    std::string since{};      // start of the window the orders were counted in
    std::string updated_at{}; // set by replace_pool_stats()
};

class Store {
public:
    // Opens `url` and creates or migrates the schema:
    //  * sqlite:/abs/path (or sqlite:///abs/path, sqlite::memory:) — the file is created when
    //    missing, its directory never;
    //  * mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE (or mariadb://) — a MariaDB ≥ 10.5 or
    //    MySQL ≥ 8.0 server; `password` (store_password) when the URL has none.
    // ConfigError for an unsupported or malformed URL, a wrong password, an unknown database;
    // StoreError{busy} (temporary) for a server that cannot be reached; StoreError{failure} for
    // a schema newer than k_schema_version. The password never appears in an error.
    static Store open(std::string_view url,
                      std::chrono::milliseconds busy_timeout = k_default_busy_timeout,
                      const std::optional<std::string>& password = std::nullopt);
    // Waits for locks no longer than the deadline allows (and never more than the default).
    static Store open(std::string_view url, const Deadline& deadline,
                      const std::optional<std::string>& password = std::nullopt) {
        return open(url, deadline.cap(k_default_busy_timeout), password);
    }

    Store(Store&& other) noexcept;
    Store& operator=(Store&& other) noexcept;
    ~Store();

    [[nodiscard]] const std::string& path() const;

    // Runs `body` in one write transaction: store calls inside it join it, it commits when
    // `body` returns and rolls back when it throws. Keep it short: it blocks every writer.
    void transaction(const std::function<void()>& body);

    // Modules and their params (processingmodule, processingparam); modules() lists those of
    // `type` (all when empty) by sorting, then id.
    [[nodiscard]] std::optional<Module> find_module(ModuleId id) const;
    [[nodiscard]] std::vector<Module> modules(std::string_view type = {}) const;
    [[nodiscard]] Params module_params(ModuleId id) const;
    ModuleId create_module(const NewModule& module);
    void set_module_param(ModuleId id, std::string_view name, std::string_view value);

    [[nodiscard]] std::optional<Account> find_account(AccountId id) const;
    AccountId create_account(std::string_view name, std::string_view email);

    // Tariffs (pricelist, pricelistparam).
    [[nodiscard]] std::optional<Pricelist> find_pricelist(PricelistId id) const;
    [[nodiscard]] Params pricelist_params(PricelistId id) const;
    PricelistId create_pricelist(std::string_view name, std::string_view type);
    void set_pricelist_param(PricelistId id, std::string_view name, std::string_view value);

    // Items (services) and their params; every change also updates item.updated_at.
    // delete_item() also removes its params, statistics and VDC objects.
    [[nodiscard]] std::optional<Item> find_item(ItemId id) const;
    [[nodiscard]] std::vector<Item> items(const ItemFilter& filter = {}) const;
    ItemId create_item(const NewItem& item);
    void set_item_status(ItemId id, ItemStatus status);
    void delete_item(ItemId id);
    [[nodiscard]] Params item_params(ItemId id) const;
    void set_item_param(ItemId id, std::string_view name, std::string_view value);
    void set_item_params(ItemId id, const ParamMap& params);
    void erase_item_param(ItemId id, std::string_view name);

    // Statistics (itemstat): set_item_stat replaces the value of (item, date, name).
    void set_item_stat(const ItemStat& stat);
    [[nodiscard]] std::vector<ItemStat> item_stats(ItemId id,
                                                   std::string_view since_date = {}) const;

    // VDC objects and their params; every change also updates vdcobject.updated_at.
    // An empty external id is stored as NULL.
    [[nodiscard]] std::optional<VdcObject> find_object(ObjectId id) const;
    [[nodiscard]] std::vector<VdcObject> objects(ItemId item) const;
    [[nodiscard]] std::vector<VdcObject> objects_of_module(ModuleId module) const;
    // The same one row at a time, in id order, without a list of them all (a large provider's
    // half a million rows would take 150 MB as VdcObjects); `each` must not write to the store.
    void each_object_of_module(ModuleId module, const std::function<void(VdcObject&&)>& each) const;
    [[nodiscard]] std::size_t count_objects_of_module(ModuleId module) const;
    ObjectId create_object(const NewObject& object);
    void set_object_external_id(ObjectId id, std::string_view external_id);
    void set_object_status(ObjectId id, ObjectStatus status);
    void delete_object(ObjectId id);
    [[nodiscard]] Params object_params(ObjectId id) const;
    void set_object_param(ObjectId id, std::string_view name, std::string_view value);
    void erase_object_param(ObjectId id, std::string_view name);

    // The pool of pre-created servers. A pool server is dropped with delete_item(), which
    // removes its pool row too.
    //
    // Creates the item (status forced to pool) and its pool row, free, in one transaction.
    ItemId create_pool_server(const NewItem& item, std::string_view os);
    [[nodiscard]] std::optional<PoolServer> find_pool_server(ItemId item) const;
    // Every pool server of the module, in any state, oldest first.
    [[nodiscard]] std::vector<PoolServer> pool_servers(ModuleId module) const;
    // The server `claimant` holds claimed, if any.
    [[nodiscard]] std::optional<PoolServer> pool_claim(ItemId claimant) const;
    // Atomically free → claimed by `claimant` (stage 0). False when the server is not free:
    // another claim or a discard came first. ConfigError when `claimant` already holds a
    // claim (one order takes one server) or names no item.
    bool claim_pool_server(ItemId server, ItemId claimant);
    // Records the takeover's progress; ConfigError for an unknown server.
    void set_pool_stage(ItemId server, std::int64_t stage);
    // Atomically `from` → discarded; false when the server was not in state `from`.
    bool discard_pool_server(ItemId server, PoolState from);
    // Orders per (value of the item param `os_param`, tariff): items of the module and type
    // created at or after `since` (ISO-8601 text), pool servers (status pool) excluded.
    // Items without the param count under os "".
    [[nodiscard]] std::vector<OrderCount> count_orders(ModuleId module, std::string_view type,
                                                       std::string_view os_param,
                                                       std::string_view since) const;
    // Replaces the module's statistics with `stats`, stamping updated_at.
    void replace_pool_stats(ModuleId module, const std::vector<PoolStat>& stats);
    [[nodiscard]] std::vector<PoolStat> pool_stats(ModuleId module) const;
    // Records how the order's open was served (private table pm_pool_order); a later record
    // of the same order replaces it. Join the transaction that makes the order active.
    void record_served(ItemId order, Served served);
    // Orders of the module created at or after `since` (ISO-8601 text) whose open was served
    // each way; orders not opened yet count in neither.
    [[nodiscard]] std::map<Served, std::int64_t> count_served(ModuleId module,
                                                              std::string_view since) const;

    // Addresses a module hands out to its VMs (private table pm_ipv4_lease: one row per module
    // and address, so that no address is leased twice in a module). Leases `count` addresses
    // of `ranges` to `item`: the item's own leases count first (a rerun gets the same ones,
    // even after the ranges changed), then the lowest free addresses. Returns the item's
    // addresses, lowest first; nullopt, leasing nothing, when the ranges have too few free.
    [[nodiscard]] std::optional<std::vector<std::string>>
    lease_ipv4(ModuleId module, ItemId item, const std::vector<ipv4::Range>& ranges,
               std::int64_t count = 1);
    // The item's leased addresses, lowest first.
    [[nodiscard]] std::vector<std::string> ipv4_leases(ItemId item) const;
    // Frees the item's addresses (its VM is gone); returns how many were leased.
    std::int64_t release_ipv4(ItemId item);

    // Running operations, oldest first.
    [[nodiscard]] std::optional<RunningOperation> find_operation(OperationId id) const;
    [[nodiscard]] std::vector<RunningOperation>
    operations(const OperationFilter& filter = {}) const;
    // A new operation in status pending with trycount 0 (the billing platform's job; for
    // tests, demos and module-wide jobs).
    OperationId create_operation(const NewOperation& operation);

    // The lifecycle of DESIGN §5. All throw ConfigError for an unknown id.
    //
    // Starts an attempt: status running, trycount + 1, pid and started_at recorded, the last
    // error kept for reference. Any status but manual may start: done runs again (commands
    // are idempotent), running is taken over (its process died without a word). manual
    // throws OperationError: a person has to look at it and reset_operation() it.
    RunningOperation begin_operation(OperationId id);
    // Status done, error cleared.
    void finish_operation(OperationId id);
    // Records a failed attempt: status error, or manual once trycount >= max_tries
    // (max_tries <= 0: no limit); `message` is stored as one line. Call it once per attempt:
    // when the operation is not running (the attempt failed before begin_operation), it
    // counts the attempt itself. Operations already done or manual are left as they are, so a
    // late call (e.g. from a SIGTERM handler racing finish_operation) never undoes an outcome.
    // Returns the status afterwards.
    OperationStatus fail_operation(OperationId id, std::string_view message,
                                   std::int64_t max_tries);
    // Undoes begin_operation of an attempt that never started its work (queue wait deadline):
    // running → pending with trycount - 1. Any other status is left alone.
    void return_to_pending(OperationId id);
    // Back to pending with trycount 0 and no error, whatever the status (admins, tests).
    void reset_operation(OperationId id);

    struct Impl;
    // The driver underneath, for the store's own tools (store_copy.cpp).
    [[nodiscard]] Impl& impl() { return *m_impl; }

private:
    explicit Store(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace pm::store
