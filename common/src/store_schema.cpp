// The schema and its migrations. Version 1 is the contract of DESIGN §5 exactly; it uses
// IF NOT EXISTS because a billing platform may have created those tables itself before pm
// first opened the store. Later versions add what is private to pm. examples/schema.sql is
// the result of all steps, and a test keeps the two in sync.
#include <array>
#include <string>
#include <vector>

#include "store_impl.hpp"

namespace pm::store::detail {
namespace {

struct Migration {
    int version;
    const char* sql;
};

constexpr const char* k_version_1 = R"sql(
CREATE TABLE IF NOT EXISTS processingmodule (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL,
    sorting INTEGER NOT NULL DEFAULT 0,
    datacenter TEXT,
    department TEXT,
    enabled INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS processingparam (
    module_id INTEGER NOT NULL REFERENCES processingmodule (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (module_id, name)
);
CREATE TABLE IF NOT EXISTS account (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS pricelist (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pricelistparam (
    pricelist_id INTEGER NOT NULL REFERENCES pricelist (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (pricelist_id, name)
);
CREATE TABLE IF NOT EXISTS item (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account (id),
    pricelist_id INTEGER NOT NULL REFERENCES pricelist (id),
    module_id INTEGER NOT NULL REFERENCES processingmodule (id),
    type TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'ordered',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE IF NOT EXISTS itemparam (
    item_id INTEGER NOT NULL REFERENCES item (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (item_id, name)
);
CREATE TABLE IF NOT EXISTS vdcobject (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES item (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    external_id TEXT,
    status TEXT NOT NULL DEFAULT 'ordered',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE IF NOT EXISTS vdcobjectparam (
    object_id INTEGER NOT NULL REFERENCES vdcobject (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (object_id, name)
);
CREATE TABLE IF NOT EXISTS runningoperation (
    id INTEGER PRIMARY KEY,
    item_id INTEGER REFERENCES item (id) ON DELETE SET NULL,
    object_id INTEGER REFERENCES vdcobject (id) ON DELETE SET NULL,
    module_id INTEGER REFERENCES processingmodule (id) ON DELETE SET NULL,
    command TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    trycount INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE IF NOT EXISTS itemstat (
    item_id INTEGER NOT NULL REFERENCES item (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    name TEXT NOT NULL,
    value REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (item_id, date, name)
);
)sql";

// pm's own bookkeeping, and indexes for the lookups of sync, pool and the lifecycle (also on
// the foreign keys that ON DELETE has to search).
constexpr const char* k_version_2 = R"sql(
ALTER TABLE runningoperation ADD COLUMN pid INTEGER;
ALTER TABLE runningoperation ADD COLUMN started_at TEXT;
CREATE INDEX IF NOT EXISTS item_module_status_idx ON item (module_id, status);
CREATE INDEX IF NOT EXISTS item_account_idx ON item (account_id);
CREATE INDEX IF NOT EXISTS vdcobject_item_idx ON vdcobject (item_id);
CREATE INDEX IF NOT EXISTS vdcobject_external_id_idx ON vdcobject (external_id);
CREATE INDEX IF NOT EXISTS runningoperation_item_idx ON runningoperation (item_id, status);
CREATE INDEX IF NOT EXISTS runningoperation_object_idx ON runningoperation (object_id, status);
CREATE INDEX IF NOT EXISTS runningoperation_status_idx ON runningoperation (status);
)sql";

// The pool of pre-created servers (DESIGN §11). A pool server is an item in status `pool`
// with one pm_pool_server row. claimed_by has no foreign key on purpose: a claimed server
// whose order vanished must stay out of the pool (its VM may be half handed over) until
// pool_process deletes it. The partial unique index lets one order hold one claim only.
constexpr const char* k_version_3 = R"sql(
CREATE TABLE pm_pool_server (
    item_id INTEGER PRIMARY KEY REFERENCES item (id) ON DELETE CASCADE,
    os TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'free',
    claimed_by INTEGER,
    stage INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE UNIQUE INDEX pm_pool_server_claim_idx ON pm_pool_server (claimed_by)
    WHERE state = 'claimed';
CREATE TABLE pm_pool_stat (
    module_id INTEGER NOT NULL REFERENCES processingmodule (id) ON DELETE CASCADE,
    os TEXT NOT NULL,
    pricelist_id INTEGER NOT NULL REFERENCES pricelist (id) ON DELETE CASCADE,
    orders INTEGER NOT NULL DEFAULT 0,
    target INTEGER NOT NULL DEFAULT 0,
    since TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (module_id, os, pricelist_id)
);
CREATE INDEX IF NOT EXISTS item_module_created_idx ON item (module_id, created_at);
)sql";

// Auth sessions shared by every host (DESIGN §7, §8): used with a MariaDB/MySQL store, where
// the cache of each host's cache_dir would log in once per host. An entry is the serialized
// session of one (URL, user), keyed by a hash of both.
constexpr const char* k_version_4 = R"sql(
CREATE TABLE pm_session (
    entry TEXT PRIMARY KEY,
    body BLOB NOT NULL,
    updated_at TEXT NOT NULL
);
)sql";

// How each order's open was served (DESIGN §11): `pool` when it took a pool server over, `cold`
// when it created its VM; pool_process reports the pool's hit rate from it. One row per order,
// written in the transaction that makes the item active.
constexpr const char* k_version_5 = R"sql(
CREATE TABLE pm_pool_order (
    item_id INTEGER PRIMARY KEY REFERENCES item (id) ON DELETE CASCADE,
    served TEXT NOT NULL,
    served_at TEXT NOT NULL
);
)sql";

// The addresses modules hand out from their `ipv4_range` (DESIGN §5, §13): one row per module
// and address (as a 32-bit number, so that the lowest free one is found in order), held by an
// item until its VM is gone.
constexpr const char* k_version_6 = R"sql(
CREATE TABLE pm_ipv4_lease (
    module_id INTEGER NOT NULL REFERENCES processingmodule (id) ON DELETE CASCADE,
    address INTEGER NOT NULL,
    item_id INTEGER NOT NULL REFERENCES item (id) ON DELETE CASCADE,
    leased_at TEXT NOT NULL,
    PRIMARY KEY (module_id, address)
);
CREATE INDEX pm_ipv4_lease_item_idx ON pm_ipv4_lease (item_id);
)sql";

constexpr std::array<Migration, 6> k_migrations{{{1, k_version_1},
                                                 {2, k_version_2},
                                                 {3, k_version_3},
                                                 {4, k_version_4},
                                                 {5, k_version_5},
                                                 {6, k_version_6}}};
static_assert(k_migrations.back().version == k_schema_version);

int user_version(db::Connection& db) {
    db::Statement query(db, "PRAGMA user_version");
    query.step();
    return static_cast<int>(query.int64(0));
}

void refuse_newer(const db::Connection& db, int version) {
    if (version > k_schema_version) {
        throw ConfigError(fmt::format("store {}: store schema version {} is newer than this "
                                      "build ({}): upgrade pm",
                                      db.name(), version, k_schema_version));
    }
}

// The version is read once without a lock, so opening an up-to-date store never waits for
// writers; a migration re-reads it under BEGIN IMMEDIATE, because another process may have
// migrated in between.
void migrate_sqlite(db::Connection& db) {
    int version = user_version(db);
    refuse_newer(db, version);
    if (version == k_schema_version) {
        return;
    }
    db::Transaction transaction(db);
    version = user_version(db);
    refuse_newer(db, version);
    for (const Migration& migration : k_migrations) {
        if (migration.version > version) {
            db.exec(migration.sql);
        }
    }
    // PRAGMA takes no bound parameters; the value is our own constant.
    db.exec(fmt::format("PRAGMA user_version = {}", k_schema_version));
    transaction.commit();
}

// --- MariaDB / MySQL ---------------------------------------------------------------------
// The same tables in the server's dialect: AUTO_INCREMENT keys, VARCHAR where a column is
// part of a key, binary collation so that keys compare exactly as in SQLite (`os` and `OS`
// are two params), timestamps kept as the same ISO-8601 text, and a generated column with a
// unique key instead of the partial index. DDL commits implicitly there, so each statement
// runs on its own, a statement found already applied (a migration killed half-way) counts as
// done, the version is bumped after each step, and the whole runs under a named lock.

struct MariaStep {
    int version;
    std::vector<std::string> statements;
};

std::vector<MariaStep> maria_steps(std::string_view collation) {
    const std::string table =
        fmt::format(" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE={}", collation);
    const std::string now = "(DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%dT%H:%i:%sZ'))";
    const auto make = [&](std::string_view body) {
        return fmt::format("CREATE TABLE IF NOT EXISTS {}{}", body, table);
    };
    return {
        {1,
         {make("processingmodule (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, "
               "name VARCHAR(255) NOT NULL DEFAULT '', type VARCHAR(64) NOT NULL, "
               "sorting BIGINT NOT NULL DEFAULT 0, datacenter VARCHAR(255), "
               "department VARCHAR(255), enabled VARCHAR(16) NOT NULL DEFAULT '1')"),
          make("processingparam (module_id BIGINT NOT NULL, name VARCHAR(255) NOT NULL, "
               "value MEDIUMTEXT NOT NULL, PRIMARY KEY (module_id, name), "
               "FOREIGN KEY (module_id) REFERENCES processingmodule (id) ON DELETE CASCADE)"),
          make("account (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, "
               "name VARCHAR(255) NOT NULL DEFAULT '', email VARCHAR(255) NOT NULL DEFAULT '')"),
          make("pricelist (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, "
               "name VARCHAR(255) NOT NULL DEFAULT '', type VARCHAR(64) NOT NULL)"),
          make("pricelistparam (pricelist_id BIGINT NOT NULL, name VARCHAR(255) NOT NULL, "
               "value MEDIUMTEXT NOT NULL, PRIMARY KEY (pricelist_id, name), "
               "FOREIGN KEY (pricelist_id) REFERENCES pricelist (id) ON DELETE CASCADE)"),
          make(fmt::format("item (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, "
                           "account_id BIGINT NOT NULL, pricelist_id BIGINT NOT NULL, "
                           "module_id BIGINT NOT NULL, type VARCHAR(64) NOT NULL, "
                           "status VARCHAR(32) NOT NULL DEFAULT 'ordered', "
                           "created_at VARCHAR(32) NOT NULL DEFAULT {0}, "
                           "updated_at VARCHAR(32) NOT NULL DEFAULT {0}, "
                           "FOREIGN KEY (account_id) REFERENCES account (id), "
                           "FOREIGN KEY (pricelist_id) REFERENCES pricelist (id), "
                           "FOREIGN KEY (module_id) REFERENCES processingmodule (id))",
                           now)),
          make("itemparam (item_id BIGINT NOT NULL, name VARCHAR(255) NOT NULL, "
               "value MEDIUMTEXT NOT NULL, PRIMARY KEY (item_id, name), "
               "FOREIGN KEY (item_id) REFERENCES item (id) ON DELETE CASCADE)"),
          make(fmt::format("vdcobject (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, "
                           "item_id BIGINT NOT NULL, type VARCHAR(64) NOT NULL, "
                           "name VARCHAR(255) NOT NULL DEFAULT '', external_id VARCHAR(255), "
                           "status VARCHAR(32) NOT NULL DEFAULT 'ordered', "
                           "created_at VARCHAR(32) NOT NULL DEFAULT {0}, "
                           "updated_at VARCHAR(32) NOT NULL DEFAULT {0}, "
                           "FOREIGN KEY (item_id) REFERENCES item (id) ON DELETE CASCADE)",
                           now)),
          make("vdcobjectparam (object_id BIGINT NOT NULL, name VARCHAR(255) NOT NULL, "
               "value MEDIUMTEXT NOT NULL, PRIMARY KEY (object_id, name), "
               "FOREIGN KEY (object_id) REFERENCES vdcobject (id) ON DELETE CASCADE)"),
          make(fmt::format("runningoperation (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, "
                           "item_id BIGINT, object_id BIGINT, module_id BIGINT, "
                           "command VARCHAR(255) NOT NULL, "
                           "status VARCHAR(32) NOT NULL DEFAULT 'pending', "
                           "trycount BIGINT NOT NULL DEFAULT 0, error TEXT, "
                           "created_at VARCHAR(32) NOT NULL DEFAULT {0}, "
                           "updated_at VARCHAR(32) NOT NULL DEFAULT {0}, "
                           "FOREIGN KEY (item_id) REFERENCES item (id) ON DELETE SET NULL, "
                           "FOREIGN KEY (object_id) REFERENCES vdcobject (id) ON DELETE SET NULL, "
                           "FOREIGN KEY (module_id) REFERENCES processingmodule (id) "
                           "ON DELETE SET NULL)",
                           now)),
          make("itemstat (item_id BIGINT NOT NULL, date VARCHAR(32) NOT NULL, "
               "name VARCHAR(255) NOT NULL, value DOUBLE NOT NULL DEFAULT 0, "
               "PRIMARY KEY (item_id, date, name), "
               "FOREIGN KEY (item_id) REFERENCES item (id) ON DELETE CASCADE)")}},
        {2,
         {"ALTER TABLE runningoperation ADD COLUMN pid BIGINT",
          "ALTER TABLE runningoperation ADD COLUMN started_at VARCHAR(32)",
          "CREATE INDEX item_module_status_idx ON item (module_id, status)",
          "CREATE INDEX vdcobject_external_id_idx ON vdcobject (external_id)",
          "CREATE INDEX runningoperation_item_idx ON runningoperation (item_id, status)",
          "CREATE INDEX runningoperation_object_idx ON runningoperation (object_id, status)",
          "CREATE INDEX runningoperation_status_idx ON runningoperation (status)"}},
        {3,
         {make(fmt::format("pm_pool_server (item_id BIGINT NOT NULL PRIMARY KEY, "
                           "os VARCHAR(255) NOT NULL, state VARCHAR(16) NOT NULL DEFAULT 'free', "
                           "claimed_by BIGINT, stage BIGINT NOT NULL DEFAULT 0, "
                           "updated_at VARCHAR(32) NOT NULL DEFAULT {}, "
                           "claim_key BIGINT GENERATED ALWAYS AS "
                           "(IF(state = 'claimed', claimed_by, NULL)) VIRTUAL, "
                           "UNIQUE KEY pm_pool_server_claim_idx (claim_key), "
                           "FOREIGN KEY (item_id) REFERENCES item (id) ON DELETE CASCADE)",
                           now)),
          make("pm_pool_stat (module_id BIGINT NOT NULL, os VARCHAR(255) NOT NULL, "
               "pricelist_id BIGINT NOT NULL, orders BIGINT NOT NULL DEFAULT 0, "
               "target BIGINT NOT NULL DEFAULT 0, since VARCHAR(32) NOT NULL, "
               "updated_at VARCHAR(32) NOT NULL, PRIMARY KEY (module_id, os, pricelist_id), "
               "FOREIGN KEY (module_id) REFERENCES processingmodule (id) ON DELETE CASCADE, "
               "FOREIGN KEY (pricelist_id) REFERENCES pricelist (id) ON DELETE CASCADE)"),
          "CREATE INDEX item_module_created_idx ON item (module_id, created_at)"}},
        {4,
         {make("pm_session (entry VARCHAR(64) NOT NULL PRIMARY KEY, body MEDIUMBLOB NOT NULL, "
               "updated_at VARCHAR(32) NOT NULL)")}},
        {5,
         {make("pm_pool_order (item_id BIGINT NOT NULL PRIMARY KEY, served VARCHAR(16) NOT NULL, "
               "served_at VARCHAR(32) NOT NULL, "
               "FOREIGN KEY (item_id) REFERENCES item (id) ON DELETE CASCADE)")}},
        {6,
         {make("pm_ipv4_lease (module_id BIGINT NOT NULL, address BIGINT NOT NULL, "
               "item_id BIGINT NOT NULL, leased_at VARCHAR(32) NOT NULL, "
               "PRIMARY KEY (module_id, address), KEY pm_ipv4_lease_item_idx (item_id), "
               "FOREIGN KEY (module_id) REFERENCES processingmodule (id) ON DELETE CASCADE, "
               "FOREIGN KEY (item_id) REFERENCES item (id) ON DELETE CASCADE)")}},
    };
}

// Errors that say a DDL statement was applied already: the table (1050), column (1060), index
// (1061) or foreign key (1826) exists.
bool already_applied(const db::Connection& db) {
    const int code = db.last_error_code();
    return code == 1050 || code == 1060 || code == 1061 || code == 1826;
}

int maria_version(db::Connection& db) {
    db::Statement query(db, "SELECT version FROM pm_schema_version WHERE id = 1");
    return query.step() ? static_cast<int>(query.int64(0)) : 0;
}

// A named lock of this database (names are server-wide: two pm stores on one server keep
// apart), held by the store's session while it migrates.
std::string schema_lock(db::Connection& db) {
    db::Statement name(db, "SELECT CONCAT('pm:', LEFT(SHA1(DATABASE()), 16), ':schema')");
    name.step();
    return name.text(0);
}

void migrate_mariadb(db::Connection& db, bool mariadb_server) {
    db.exec("CREATE TABLE IF NOT EXISTS pm_schema_version (id INT NOT NULL PRIMARY KEY, "
            "version INT NOT NULL) ENGINE=InnoDB");
    int version = maria_version(db);
    refuse_newer(db, version);
    if (version == k_schema_version) {
        return;
    }
    const std::string lock = schema_lock(db);
    // A long billing transaction holding a table fails the migration after the session's
    // lock wait timeout (the store's busy timeout: exit 3, try again) instead of hanging on
    // its metadata lock for the server's default of a day.
    db::Statement take(db, "SELECT GET_LOCK(?1, 60)");
    take.bind(lock);
    if (!take.step() || take.is_null(0) || take.int64(0) != 1) {
        throw StoreError(fmt::format("store {}: another process has been migrating the schema "
                                     "for 60 s; try again later",
                                     db.name()),
                         StoreError::Kind::busy);
    }
    struct Release {
        db::Connection& db;
        const std::string& lock;
        ~Release() {
            try {
                db::Statement(db, "SELECT RELEASE_LOCK(?1)").bind(lock).run();
            } catch (...) { // NOLINT(bugprone-empty-catch): the session ends with the process
            }
        }
    } release{db, lock};
    version = maria_version(db);
    refuse_newer(db, version);
    const auto steps = maria_steps(mariadb_server ? "utf8mb4_nopad_bin" : "utf8mb4_0900_bin");
    for (const MariaStep& step : steps) {
        if (step.version <= version) {
            continue;
        }
        for (const std::string& statement : step.statements) {
            try {
                db.exec(statement);
            } catch (const StoreError&) {
                if (!already_applied(db)) {
                    throw;
                }
            }
        }
        db::Statement(db, db::upsert(db,
                                     "INSERT INTO pm_schema_version (id, version) "
                                     "VALUES (1, ?1)",
                                     "id", "version"))
            .bind(step.version)
            .run();
    }
}

} // namespace

void migrate(db::Connection& db, bool mariadb_server) {
    try {
        if (db.backend() == db::Backend::sqlite) {
            migrate_sqlite(db);
        } else {
            migrate_mariadb(db, mariadb_server);
        }
    } catch (const StoreError& e) {
        if (e.exit_code() == ExitCode::temporary) {
            throw; // busy: another process holds the store, try again later
        }
        // Tables of another application under our names, or a half-made schema.
        throw ConfigError(fmt::format("store {}: cannot create or migrate the pm schema: {}",
                                      db.name(), e.what()));
    }
}

} // namespace pm::store::detail
