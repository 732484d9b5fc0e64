-- The billing store schema (DESIGN §5), version 6: what pm creates or migrates to when a
-- command opens the store. pm does this by itself; this file documents the tables and lets a
-- billing platform create an empty store beforehand:
--
--     sqlite3 /var/lib/pm/billing.db < examples/schema.sql
--
-- Column names of the contract tables are fixed; runningoperation.pid and started_at, the
-- pm_* tables and the indexes are pm's own. Timestamps are ISO-8601 UTC text. pm opens the store with
-- journal_mode=WAL, foreign_keys=ON and a busy timeout; writers should use BEGIN IMMEDIATE.
-- A test (tests/common/test_store.cpp) keeps this file in sync with the migrations.

CREATE TABLE processingmodule (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL,                              -- 'pmvmmgr6' | 'pmopenstack'
    sorting INTEGER NOT NULL DEFAULT 0,
    datacenter TEXT,
    department TEXT,
    enabled INTEGER NOT NULL DEFAULT 1
);

-- Module params: url, username, password, tls_verify, session_ttl, queue_*, max_tries,
-- op_timeout, and the module's own (DESIGN §5).
CREATE TABLE processingparam (
    module_id INTEGER NOT NULL REFERENCES processingmodule (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (module_id, name)
);

CREATE TABLE account (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT ''
);

-- Tariff plans.
CREATE TABLE pricelist (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL                               -- 'vds' | 'vdc'
);

CREATE TABLE pricelistparam (
    pricelist_id INTEGER NOT NULL REFERENCES pricelist (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (pricelist_id, name)
);

-- Services. status: ordered, active, suspended, closed, deleted, pool.
CREATE TABLE item (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account (id),
    pricelist_id INTEGER NOT NULL REFERENCES pricelist (id),
    module_id INTEGER NOT NULL REFERENCES processingmodule (id),
    type TEXT NOT NULL,                              -- 'vds' | 'vdc'
    status TEXT NOT NULL DEFAULT 'ordered',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE itemparam (
    item_id INTEGER NOT NULL REFERENCES item (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (item_id, name)
);

-- Objects inside a VDC. type: vm, volume, network, router, router_interface, loadbalancer;
-- status: ordered, active, closed, deleted, error. external_id is NULL until created.
CREATE TABLE vdcobject (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES item (id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    external_id TEXT,
    status TEXT NOT NULL DEFAULT 'ordered',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE vdcobjectparam (
    object_id INTEGER NOT NULL REFERENCES vdcobject (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (object_id, name)
);

-- status: pending -> running -> done | error; manual after max_tries failed attempts.
-- pid is the process running it (while running); started_at when the last attempt began.
CREATE TABLE runningoperation (
    id INTEGER PRIMARY KEY,
    item_id INTEGER REFERENCES item (id) ON DELETE SET NULL,
    object_id INTEGER REFERENCES vdcobject (id) ON DELETE SET NULL,  -- vdc_* commands only
    module_id INTEGER REFERENCES processingmodule (id) ON DELETE SET NULL,
    command TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    trycount INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    pid INTEGER,
    started_at TEXT
);

-- Statistics collected by vdc_stat; date is YYYY-MM-DD.
CREATE TABLE itemstat (
    item_id INTEGER NOT NULL REFERENCES item (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    name TEXT NOT NULL,
    value REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (item_id, date, name)
);

-- pmvmmgr6's pool of pre-created servers (DESIGN §11): a pool server is an item in status
-- 'pool' (owned by the module's pool_account) with one row here. state: 'free' (any order
-- may take it), 'claimed' (claimed_by, an item id, is taking it over; stage is how far it
-- got), 'discarded' (expired, broken or abandoned: pool_process deletes it).
CREATE TABLE pm_pool_server (
    item_id INTEGER PRIMARY KEY REFERENCES item (id) ON DELETE CASCADE,
    os TEXT NOT NULL,                                -- VMmanager OS template id
    state TEXT NOT NULL DEFAULT 'free',
    claimed_by INTEGER,                              -- no foreign key on purpose
    stage INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Orders per (OS template, tariff) over the module's pool_stat_days, and the pool target
-- derived from them, as of the last pool_process.
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

-- How each order's open was served: 'pool' (a pool server taken over) or 'cold' (a VM
-- created); pool_process reports the pool's hit rate from it.
CREATE TABLE pm_pool_order (
    item_id INTEGER PRIMARY KEY REFERENCES item (id) ON DELETE CASCADE,
    served TEXT NOT NULL,
    served_at TEXT NOT NULL
);

-- The addresses modules hand out from their ipv4_range: one row per module and address (a
-- 32-bit number), held by an item until its VM is gone.
CREATE TABLE pm_ipv4_lease (
    module_id INTEGER NOT NULL REFERENCES processingmodule (id) ON DELETE CASCADE,
    address INTEGER NOT NULL,
    item_id INTEGER NOT NULL REFERENCES item (id) ON DELETE CASCADE,
    leased_at TEXT NOT NULL,
    PRIMARY KEY (module_id, address)
);
CREATE INDEX pm_ipv4_lease_item_idx ON pm_ipv4_lease (item_id);

-- Auth sessions shared by every host when the store is a MariaDB/MySQL server (DESIGN §7):
-- the serialized session of one (URL, user), keyed by a hash of both. Unused with SQLite,
-- where each host's cache_dir holds them.
CREATE TABLE pm_session (
    entry TEXT PRIMARY KEY,
    body BLOB NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX item_module_status_idx ON item (module_id, status);
CREATE INDEX item_account_idx ON item (account_id);
CREATE INDEX vdcobject_item_idx ON vdcobject (item_id);
CREATE INDEX vdcobject_external_id_idx ON vdcobject (external_id);
CREATE INDEX runningoperation_item_idx ON runningoperation (item_id, status);
CREATE INDEX runningoperation_object_idx ON runningoperation (object_id, status);
CREATE INDEX runningoperation_status_idx ON runningoperation (status);
CREATE UNIQUE INDEX pm_pool_server_claim_idx ON pm_pool_server (claimed_by)
    WHERE state = 'claimed';
CREATE INDEX item_module_created_idx ON item (module_id, created_at);

PRAGMA user_version = 6;
