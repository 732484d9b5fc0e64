#include "pm/store.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <system_error>
#include <thread>
#include <unistd.h>

#include "pm/text.hpp"

#include "db/mariadb_client.hpp"
#include "store_impl.hpp"

namespace pm::store {
namespace {

constexpr std::string_view k_memory = ":memory:";
constexpr std::string_view k_url_help =
    "expected sqlite:/path/to/billing.db or mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE";

constexpr std::array<std::string_view, 6> k_item_statuses{"ordered", "active",  "suspended",
                                                          "closed",  "deleted", "pool"};
constexpr std::array<std::string_view, 5> k_object_statuses{"ordered", "active", "closed",
                                                            "deleted", "error"};
constexpr std::array<std::string_view, 5> k_operation_statuses{"pending", "running", "done",
                                                               "error", "manual"};

template <typename Status, std::size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, Status status) {
    return names.at(static_cast<std::size_t>(status));
}

template <typename Status, std::size_t N>
std::optional<Status> parse_name(const std::array<std::string_view, N>& names,
                                 std::string_view text) {
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == text) {
            return static_cast<Status>(i);
        }
    }
    return std::nullopt;
}

// A store URL as shown in messages: the user info of a `scheme://user:password@host` form is
// masked, since other schemes' URLs (and mistyped sqlite ones) may carry credentials.
std::string shown_url(std::string_view url) {
    const auto authority = url.find("://");
    if (authority == std::string_view::npos) {
        return std::string(url);
    }
    const auto host = authority + 3;
    const auto end = url.find_first_of("/?#", host);
    const auto at = url.substr(0, end).rfind('@');
    if (at == std::string_view::npos || at < host) {
        return std::string(url);
    }
    return fmt::format("{}***{}", url.substr(0, host), url.substr(at));
}

// Only `sqlite:/absolute/path` (or `sqlite:///absolute/path`) and `db::memory:`: a
// relative path would depend on the caller's working directory, and SQLite would take
// `file:` URIs and `?mode=…` literally as file names, creating stray files.
std::string path_from_url(std::string_view url) {
    constexpr std::string_view k_scheme = "sqlite:";
    if (!url.starts_with(k_scheme)) {
        const auto colon = url.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            throw ConfigError(
                fmt::format("store URL '{}' has no scheme: {}", shown_url(url), k_url_help));
        }
        throw ConfigError(
            fmt::format("unsupported store URL scheme '{}': {}", url.substr(0, colon), k_url_help));
    }
    std::string_view path = url.substr(k_scheme.size());
    if (path.starts_with("//")) {
        path.remove_prefix(2);
        if (!path.starts_with('/')) {
            throw ConfigError(fmt::format("store URL {}: a host is not supported: {}",
                                          shown_url(url), k_url_help));
        }
    }
    if (path.empty()) {
        throw ConfigError(fmt::format("store URL '{}' has no path: {}", url, k_url_help));
    }
    if (path == k_memory) {
        return std::string(path);
    }
    if (!path.starts_with('/')) {
        throw ConfigError(fmt::format("store URL '{}': the path must be absolute (no relative "
                                      "paths, no file: URIs): {}",
                                      shown_url(url), k_url_help));
    }
    if (path.find_first_of("?#") != std::string_view::npos) {
        throw ConfigError(fmt::format("store URL '{}': query parameters are not supported: {}",
                                      shown_url(url), k_url_help));
    }
    return std::string(path);
}

// The store file may be created (a first run), its directory never: a typo in the path
// must not start a new, empty billing store. What is there must be usable by us.
void check_location(const std::string& path) {
    if (path == k_memory) {
        return;
    }
    const std::filesystem::path file(path);
    const auto parent = file.parent_path();
    std::error_code error;
    if (!std::filesystem::is_directory(parent, error)) {
        throw ConfigError(fmt::format("store {}: the directory {} does not exist (pm creates "
                                      "the store file, never its directory)",
                                      path, parent.string()));
    }
    const auto status = std::filesystem::status(file, error);
    if (std::filesystem::exists(status)) {
        if (!std::filesystem::is_regular_file(status)) {
            throw ConfigError(fmt::format("store {}: {}, not a database file", path,
                                          std::filesystem::is_directory(status)
                                              ? "it is a directory"
                                              : "it is not a regular file"));
        }
        if (::access(path.c_str(), R_OK | W_OK) != 0) {
            throw ConfigError(fmt::format("store {}: the file is not readable and writable by "
                                          "this user: {}",
                                          path, std::strerror(errno)));
        }
    }
    // SQLite creates the -wal and -shm files (and a new store) next to the store.
    if (::access(parent.c_str(), W_OK | X_OK) != 0) {
        throw ConfigError(fmt::format("store {}: the directory {} is not writable by this "
                                      "user: {}",
                                      path, parent.string(), std::strerror(errno)));
    }
}

// Switching a store to WAL takes a moment of exclusive access, and SQLite answers
// SQLITE_BUSY at once, without its busy handler, while another process is opening or
// converting the same fresh file: wait here instead, within the busy timeout.
void enable_wal(db::Connection& db, std::chrono::milliseconds busy_timeout) {
    const auto until = std::chrono::steady_clock::now() + busy_timeout;
    std::chrono::milliseconds pause{1};
    for (;;) {
        try {
            db.exec("PRAGMA journal_mode = WAL");
            return;
        } catch (const StoreError& e) {
            if (e.exit_code() != ExitCode::temporary || std::chrono::steady_clock::now() >= until) {
                throw;
            }
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(100));
    }
}

void configure(db::Connection& db, std::chrono::milliseconds busy_timeout) {
    db.exec("PRAGMA foreign_keys = ON");
    db.exec("PRAGMA synchronous = NORMAL");
    if (db.name() != k_memory) {
        enable_wal(db, busy_timeout);
    }
}

Module read_module(const db::Statement& row) {
    Module module{.id = row.id<ModuleId>(0),
                  .name = row.text(1),
                  .type = row.text(2),
                  .sorting = row.int64(3),
                  .datacenter = row.text(4),
                  .department = row.text(5)};
    if (!row.is_null(6)) {
        const auto enabled = parse_bool(row.text(6));
        if (!enabled) {
            throw ConfigError(fmt::format("module {} has enabled = '{}', expected 0 or 1",
                                          module.id, row.text(6)));
        }
        module.enabled = *enabled;
    }
    return module;
}

constexpr std::string_view k_select_module =
    "SELECT id, name, type, sorting, datacenter, department, enabled FROM processingmodule ";

} // namespace

std::string_view to_string(ItemStatus status) {
    return name_of(k_item_statuses, status);
}
std::string_view to_string(ObjectStatus status) {
    return name_of(k_object_statuses, status);
}
std::string_view to_string(OperationStatus status) {
    return name_of(k_operation_statuses, status);
}
std::optional<ItemStatus> parse_item_status(std::string_view text) {
    return parse_name<ItemStatus>(k_item_statuses, text);
}
std::optional<ObjectStatus> parse_object_status(std::string_view text) {
    return parse_name<ObjectStatus>(k_object_statuses, text);
}
std::optional<OperationStatus> parse_operation_status(std::string_view text) {
    return parse_name<OperationStatus>(k_operation_statuses, text);
}

namespace detail {

std::string utc_now() {
    return utc_text(std::chrono::system_clock::now());
}

Params read_params(db::Connection& db, std::string_view sql, std::int64_t id, std::string owner) {
    db::Statement query(db, sql);
    query.bind(id);
    ParamMap values;
    while (query.step()) {
        values.insert_or_assign(query.text(0), query.text(1));
    }
    return {std::move(owner), std::move(values)};
}

void require_row(db::Connection& db, std::string_view sql, std::int64_t id, std::string_view what) {
    db::Statement query(db, sql);
    if (!query.bind(id).step()) {
        throw ConfigError(fmt::format("{} {} not found", what, id));
    }
}

void require_changed(const db::Connection& db, std::int64_t id, std::string_view what) {
    if (db.changes() == 0) {
        throw ConfigError(fmt::format("{} {} not found", what, id));
    }
}

} // namespace detail

Store Store::open(std::string_view url, std::chrono::milliseconds busy_timeout,
                  const std::optional<std::string>& password) {
    if (mariadb::is_url(url)) {
        auto connection = db::open_mariadb(url, password, busy_timeout);
        const bool mariadb_server = connection->server_is_mariadb();
        auto impl = std::make_unique<Impl>(std::move(connection), busy_timeout);
        detail::migrate(impl->db, mariadb_server);
        return Store(std::move(impl));
    }
    std::string path = path_from_url(url);
    check_location(path);
    auto impl =
        std::make_unique<Impl>(db::open_sqlite(std::move(path), busy_timeout), busy_timeout);
    configure(impl->db, busy_timeout);
    detail::migrate(impl->db, false);
    return Store(std::move(impl));
}

void Store::Impl::pause_before_retry(int attempt) {
    // 10, 20, 40, 80 ms, with jitter so that the two sides of a deadlock do not meet again.
    const auto base = std::chrono::milliseconds(10 << std::min(attempt - 1, 4));
    const auto jitter = std::chrono::milliseconds(
        static_cast<std::int64_t>(std::hash<std::thread::id>{}(std::this_thread::get_id()) %
                                  static_cast<std::size_t>(base.count())));
    std::this_thread::sleep_for(base + jitter);
}

Store::Store(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Store::Store(Store&& other) noexcept = default;
Store& Store::operator=(Store&& other) noexcept = default;
Store::~Store() = default;

const std::string& Store::path() const {
    return m_impl->db.name();
}

void Store::transaction(const std::function<void()>& body) {
    m_impl->write([&] { body(); });
}

std::optional<Module> Store::find_module(ModuleId id) const {
    db::Statement query(m_impl->db, fmt::format("{} WHERE id = ?1", k_select_module));
    if (!query.bind(id).step()) {
        return std::nullopt;
    }
    return read_module(query);
}

std::vector<Module> Store::modules(std::string_view type) const {
    db::Statement query(m_impl->db, fmt::format("{} WHERE ?1 = '' OR type = ?1 "
                                                "ORDER BY sorting, id",
                                                k_select_module));
    query.bind(type);
    std::vector<Module> modules;
    while (query.step()) {
        modules.push_back(read_module(query));
    }
    return modules;
}

Params Store::module_params(ModuleId id) const {
    return detail::read_params(m_impl->db,
                               "SELECT name, value FROM processingparam WHERE module_id = ?1",
                               id.value(), fmt::format("module {}", id));
}

ModuleId Store::create_module(const NewModule& module) {
    ModuleId id;
    m_impl->write([&] {
        db::Statement insert(m_impl->db,
                             "INSERT INTO processingmodule (name, type, sorting, datacenter, "
                             "department, enabled) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        insert.bind(module.name, module.type, module.sorting, module.datacenter, module.department,
                    module.enabled);
        insert.run();
        id = ModuleId(m_impl->db.last_insert_id());
    });
    return id;
}

void Store::set_module_param(ModuleId id, std::string_view name, std::string_view value) {
    m_impl->write([&] {
        detail::require_row(m_impl->db, "SELECT 1 FROM processingmodule WHERE id = ?1", id.value(),
                            "module");
        db::Statement(m_impl->db, db::upsert(m_impl->db,
                                             "INSERT INTO processingparam (module_id, name, value) "
                                             "VALUES (?1, ?2, ?3)",
                                             "module_id, name", "value"))
            .bind(id, name, value)
            .run();
    });
}

std::optional<Account> Store::find_account(AccountId id) const {
    db::Statement query(m_impl->db, "SELECT id, name, email FROM account WHERE id = ?1");
    if (!query.bind(id).step()) {
        return std::nullopt;
    }
    return Account{.id = query.id<AccountId>(0), .name = query.text(1), .email = query.text(2)};
}

AccountId Store::create_account(std::string_view name, std::string_view email) {
    AccountId id;
    m_impl->write([&] {
        db::Statement(m_impl->db, "INSERT INTO account (name, email) VALUES (?1, ?2)")
            .bind(name, email)
            .run();
        id = AccountId(m_impl->db.last_insert_id());
    });
    return id;
}

std::optional<Pricelist> Store::find_pricelist(PricelistId id) const {
    db::Statement query(m_impl->db, "SELECT id, name, type FROM pricelist WHERE id = ?1");
    if (!query.bind(id).step()) {
        return std::nullopt;
    }
    return Pricelist{.id = query.id<PricelistId>(0), .name = query.text(1), .type = query.text(2)};
}

Params Store::pricelist_params(PricelistId id) const {
    return detail::read_params(m_impl->db,
                               "SELECT name, value FROM pricelistparam WHERE pricelist_id = ?1",
                               id.value(), fmt::format("pricelist {}", id));
}

PricelistId Store::create_pricelist(std::string_view name, std::string_view type) {
    PricelistId id;
    m_impl->write([&] {
        db::Statement(m_impl->db, "INSERT INTO pricelist (name, type) VALUES (?1, ?2)")
            .bind(name, type)
            .run();
        id = PricelistId(m_impl->db.last_insert_id());
    });
    return id;
}

void Store::set_pricelist_param(PricelistId id, std::string_view name, std::string_view value) {
    m_impl->write([&] {
        detail::require_row(m_impl->db, "SELECT 1 FROM pricelist WHERE id = ?1", id.value(),
                            "pricelist");
        db::Statement(m_impl->db,
                      db::upsert(m_impl->db,
                                 "INSERT INTO pricelistparam (pricelist_id, name, value) "
                                 "VALUES (?1, ?2, ?3)",
                                 "pricelist_id, name", "value"))
            .bind(id, name, value)
            .run();
    });
}

} // namespace pm::store
