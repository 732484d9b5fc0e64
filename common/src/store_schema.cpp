// The schema and its migrations. Version 1 is the contract of DESIGN §5 exactly; it uses
// IF NOT EXISTS because a billing platform may have created those tables itself before pm
// first opened the store. Later versions add what is private to pm. examples/schema.sql is
// the result of all steps, and a test keeps the two in sync.
#include <array>

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

constexpr std::array<Migration, 3> k_migrations{
    {{1, k_version_1}, {2, k_version_2}, {3, k_version_3}}};
static_assert(k_migrations.back().version == k_schema_version);

int user_version(sqlite::Connection& db) {
    sqlite::Statement query(db, "PRAGMA user_version");
    query.step();
    return static_cast<int>(query.int64(0));
}

void refuse_newer(const sqlite::Connection& db, int version) {
    if (version > k_schema_version) {
        throw ConfigError(fmt::format("store {}: store schema version {} is newer than this "
                                      "build ({}): upgrade pm",
                                      db.path(), version, k_schema_version));
    }
}

// The version is read once without a lock, so opening an up-to-date store never waits for
// writers; a migration re-reads it under BEGIN IMMEDIATE, because another process may have
// migrated in between.
void migrate_schema(sqlite::Connection& db) {
    int version = user_version(db);
    refuse_newer(db, version);
    if (version == k_schema_version) {
        return;
    }
    sqlite::Transaction transaction(db);
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

} // namespace

void migrate(sqlite::Connection& db) {
    try {
        migrate_schema(db);
    } catch (const StoreError& e) {
        if (e.exit_code() == ExitCode::temporary) {
            throw; // busy: another process holds the store, try again later
        }
        // Tables of another application under our names, or a half-made schema.
        throw ConfigError(fmt::format("store {}: cannot create or migrate the pm schema: {}",
                                      db.path(), e.what()));
    }
}

} // namespace pm::store::detail
