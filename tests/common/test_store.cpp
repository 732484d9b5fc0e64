// The store: opening, URLs, schema creation and migration, errors, transactions.
#include "support/test_store.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>

#include "pm/errors.hpp"
#include "pm/store.hpp"

#include "support/process.hpp"

namespace fs = std::filesystem;
using namespace pm;
using namespace pm::store;
using pm::test::RawDb;
using pm::test::TempDir;

namespace {

std::string url_of(const fs::path& path) {
    return "sqlite:" + path.string();
}

// Columns, foreign keys and indexes of every table, one line each, in a stable order.
std::vector<std::string> describe_schema(RawDb& db) {
    std::vector<std::string> lines;
    const auto add = [&](const std::string& sql) {
        for (auto& row : db.rows(sql)) {
            lines.push_back(std::move(row));
        }
    };
    add("SELECT m.name, p.cid, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk "
        "FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p WHERE m.type = 'table' "
        "ORDER BY m.name, p.cid");
    add("SELECT m.name, f.id, f.seq, f.\"table\", f.\"from\", f.\"to\", f.on_update, "
        "f.on_delete FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f "
        "WHERE m.type = 'table' ORDER BY m.name, f.\"table\", f.\"from\"");
    add("SELECT m.name, l.name, l.\"unique\", l.origin, l.partial, x.seqno, x.name, x.\"desc\" "
        "FROM sqlite_master m JOIN pragma_index_list(m.name) l "
        "JOIN pragma_index_xinfo(l.name) x WHERE m.type = 'table' AND x.key "
        "ORDER BY m.name, l.name, x.seqno");
    return lines;
}

// Tables as a billing platform might have created them from DESIGN §5 before pm existed:
// the contract columns only, with its own types and defaults.
const char* const k_contract_ddl = R"sql(
CREATE TABLE processingmodule (id INTEGER PRIMARY KEY, name TEXT, type TEXT NOT NULL,
    sorting INT DEFAULT 0, datacenter INT, department INT, enabled INT DEFAULT 1);
CREATE TABLE processingparam (module_id INT NOT NULL, name TEXT NOT NULL, value TEXT,
    PRIMARY KEY (module_id, name));
CREATE TABLE account (id INTEGER PRIMARY KEY, name TEXT, email TEXT);
CREATE TABLE pricelist (id INTEGER PRIMARY KEY, name TEXT, type TEXT);
CREATE TABLE pricelistparam (pricelist_id INT, name TEXT, value TEXT,
    PRIMARY KEY (pricelist_id, name));
CREATE TABLE item (id INTEGER PRIMARY KEY, account_id INT, pricelist_id INT, module_id INT,
    type TEXT, status TEXT, created_at TEXT, updated_at TEXT);
CREATE TABLE itemparam (item_id INT, name TEXT, value TEXT, PRIMARY KEY (item_id, name));
CREATE TABLE vdcobject (id INTEGER PRIMARY KEY, item_id INT, type TEXT, name TEXT,
    external_id TEXT, status TEXT, created_at TEXT, updated_at TEXT);
CREATE TABLE vdcobjectparam (object_id INT, name TEXT, value TEXT,
    PRIMARY KEY (object_id, name));
CREATE TABLE runningoperation (id INTEGER PRIMARY KEY, item_id INT, object_id INT,
    module_id INT, command TEXT, status TEXT, trycount INT, error TEXT, created_at TEXT,
    updated_at TEXT);
CREATE TABLE itemstat (item_id INT, date TEXT, name TEXT, value REAL,
    PRIMARY KEY (item_id, date, name));
)sql";

const char* const k_contract_rows = R"sql(
INSERT INTO processingmodule VALUES (3, 'vm cluster', 'pmvmmgr6', 1, 1, 2, 1);
INSERT INTO processingparam VALUES (3, 'url', 'https://vm.example.com');
INSERT INTO account VALUES (5, 'Customer', 'c@example.com');
INSERT INTO pricelist VALUES (6, 'VPS S', 'vds');
INSERT INTO item VALUES (42, 5, 6, 3, 'vds', 'active', '2024-01-01T00:00:00Z',
    '2024-01-01T00:00:00Z');
INSERT INTO itemparam VALUES (42, 'os', 'debian-12');
INSERT INTO runningoperation VALUES (7, 42, NULL, 3, 'open', 'pending', 0, NULL,
    '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z');
)sql";

class CurrentDir {
public:
    explicit CurrentDir(const fs::path& dir) : m_saved(fs::current_path()) {
        fs::current_path(dir);
    }
    ~CurrentDir() { fs::current_path(m_saved); }
    CurrentDir(const CurrentDir&) = delete;
    CurrentDir& operator=(const CurrentDir&) = delete;

private:
    fs::path m_saved;
};

} // namespace

TEST_CASE("store: opening creates the file and the schema in WAL mode", "[sqlite]") {
    TempDir dir;
    const auto path = dir / "billing.db";
    {
        auto store = Store::open(url_of(path));
        CHECK(store.path() == path.string());
        CHECK(store.modules().empty());
    }
    RawDb raw(url_of(path));
    CHECK(raw.integer("PRAGMA user_version") == k_schema_version);
    CHECK(raw.text("PRAGMA journal_mode") == "wal");
    const auto tables = raw.rows("SELECT name FROM sqlite_master WHERE type = 'table' "
                                 "ORDER BY name");
    CHECK(tables == std::vector<std::string>{
                        "account", "item", "itemparam", "itemstat", "pm_ipv4_lease",
                        "pm_pool_order", "pm_pool_server", "pm_pool_stat", "pm_session",
                        "pricelist", "pricelistparam", "processingmodule", "processingparam",
                        "runningoperation", "vdcobject", "vdcobjectparam"});
}

TEST_CASE("store: opening an empty store creates every table") {
    TempDir dir;
    const auto url = pm::test::store_url(dir.path());
    CHECK(Store::open(url).modules().empty());
    RawDb raw(url);
    for (const char* table :
         {"account", "item", "itemparam", "itemstat", "pm_ipv4_lease", "pm_pool_order",
          "pm_pool_server", "pm_pool_stat", "pricelist", "pricelistparam", "processingmodule",
          "processingparam", "runningoperation", "vdcobject", "vdcobjectparam"}) {
        CAPTURE(table);
        CHECK(raw.integer(std::string("SELECT COUNT(*) FROM ") + table) == 0);
    }
}

TEST_CASE("store: re-opening an up-to-date store keeps its data") {
    TempDir dir;
    const auto url = pm::test::store_url(dir.path());
    ModuleId id;
    {
        auto store = Store::open(url);
        id = store.create_module({.name = "m", .type = "pmvmmgr6"});
    }
    for (int i = 0; i < 3; ++i) {
        auto store = Store::open(url);
        REQUIRE(store.find_module(id));
        CHECK(store.find_module(id)->name == "m");
    }
    if (!pm::test::on_mariadb()) {
        CHECK(RawDb(url).integer("PRAGMA user_version") == k_schema_version);
    }
}

// examples/schema.sql and its PRAGMA-based description are SQLite's.
TEST_CASE("store: examples/schema.sql matches what the migrations create", "[sqlite]") {
    TempDir dir;
    const auto from_file = dir / "from_file.db";
    const auto migrated = dir / "migrated.db";
    {
        RawDb raw(url_of(from_file));
        raw.exec(pm::test::read_file(pm::test::source_dir() / "examples/schema.sql"));
    }
    { auto store = Store::open(url_of(migrated)); }
    RawDb a(url_of(from_file));
    RawDb b(url_of(migrated));
    const auto expected = describe_schema(b);
    CHECK(expected.size() > 60);
    CHECK(describe_schema(a) == expected);
    CHECK(a.integer("PRAGMA user_version") == k_schema_version);

    // A store created from the file is taken as current and works.
    auto store = Store::open(url_of(from_file));
    CHECK(store.create_account("a", "a@example.com").valid());
}

// Versions 0-2 only ever existed as SQLite files.
TEST_CASE("store: older stores are migrated and keep their data", "[sqlite]") {
    TempDir dir;
    const auto path = dir / "billing.db";
    SECTION("a version-1 store") {
        RawDb raw(url_of(path));
        raw.exec(k_contract_ddl);
        raw.exec(k_contract_rows);
        raw.exec("PRAGMA user_version = 1");
    }
    SECTION("a version-2 store") {
        RawDb raw(url_of(path));
        raw.exec(k_contract_ddl);
        raw.exec(k_contract_rows);
        raw.exec("ALTER TABLE runningoperation ADD COLUMN pid INTEGER; "
                 "ALTER TABLE runningoperation ADD COLUMN started_at TEXT; "
                 "CREATE INDEX item_module_status_idx ON item (module_id, status); "
                 "PRAGMA user_version = 2");
    }
    SECTION("contract tables a billing platform created itself (version 0)") {
        RawDb raw(url_of(path));
        raw.exec(k_contract_ddl);
        raw.exec(k_contract_rows);
    }
    SECTION("some contract tables only (version 0)") {
        RawDb raw(url_of(path));
        raw.exec(k_contract_ddl);
        raw.exec("DROP TABLE itemstat; DROP TABLE vdcobjectparam");
        raw.exec(k_contract_rows);
    }
    auto store = Store::open(url_of(path));
    CHECK(RawDb(url_of(path)).integer("PRAGMA user_version") == k_schema_version);

    const auto module = store.find_module(ModuleId(3));
    REQUIRE(module);
    CHECK(module->type == "pmvmmgr6");
    CHECK(module->datacenter == "1");
    CHECK(store.module_params(ModuleId(3)).require("url") == "https://vm.example.com");
    const auto item = store.find_item(ItemId(42));
    REQUIRE(item);
    CHECK(item->status == ItemStatus::active);
    CHECK(store.item_params(ItemId(42)).require("os") == "debian-12");

    // The columns version 2 added work on the old rows.
    const auto started = store.begin_operation(OperationId(7));
    CHECK(started.pid.has_value());
    CHECK(started.trycount == 1);
    store.set_item_stat({.item_id = ItemId(42), .date = "2024-01-02", .name = "cpu", .value = 1.5});
    CHECK(store.item_stats(ItemId(42)).size() == 1);

    // The pool tables version 3 added work beside the old rows.
    const auto counts = store.count_orders(ModuleId(3), "vds", "os", "2023-12-01T00:00:00Z");
    REQUIRE(counts.size() == 1);
    CHECK(counts.front().os == "debian-12");
    CHECK(counts.front().orders == 1);
    const auto server = store.create_pool_server({.account_id = AccountId(5),
                                                  .pricelist_id = PricelistId(6),
                                                  .module_id = ModuleId(3),
                                                  .type = "vds"},
                                                 "1");
    CHECK(store.claim_pool_server(server, ItemId(42)));
}

// PRAGMA user_version.
TEST_CASE("store: a schema newer than this build is refused", "[sqlite]") {
    TempDir dir;
    const auto path = dir / "billing.db";
    { auto store = Store::open(url_of(path)); }
    RawDb(url_of(path)).exec(fmt::format("PRAGMA user_version = {}", k_schema_version + 1));
    try {
        (void)Store::open(url_of(path));
        FAIL("opened a newer store");
    } catch (const ConfigError& e) {
        CHECK_THAT(e.what(), Catch::Contains(fmt::format("store schema version {} is newer than "
                                                         "this build ({})",
                                                         k_schema_version + 1, k_schema_version)));
        CHECK(e.exit_code() == ExitCode::usage);
    }
}

TEST_CASE("store: URLs", "[sqlite]") {
    TempDir dir;
    SECTION("sqlite:///absolute/path") {
        auto store = Store::open("sqlite://" + (dir / "a.db").string());
        CHECK(fs::exists(dir / "a.db"));
    }
    SECTION("sqlite::memory:") {
        auto store = Store::open("sqlite::memory:");
        CHECK(store.create_account("a", "").value() == 1);
    }
}

TEST_CASE("store: bad URLs are configuration errors", "[sqlite]") {
    const auto message_of = [](std::string_view url) {
        try {
            (void)Store::open(url);
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("no ConfigError");
    };
    const auto postgres = message_of("postgres://pm:s3cret@db.example.com/billing");
    CHECK_THAT(postgres, Catch::Contains("unsupported store URL scheme 'postgres'") &&
                             Catch::Contains("expected sqlite:/path/to/billing.db"));
    CHECK_THAT(postgres, !Catch::Contains("s3cret"));
    CHECK_THAT(message_of("/var/lib/pm/billing.db"), Catch::Contains("has no scheme"));
    CHECK_THAT(message_of("sqlite:"), Catch::Contains("has no path"));
    CHECK_THAT(message_of("sqlite://db.example.com/billing.db"),
               Catch::Contains("a host is not supported"));
}

TEST_CASE("store: only absolute sqlite paths, and nothing stray is created for the others",
          "[sqlite]") {
    TempDir dir;
    const CurrentDir cwd(dir.path());
    for (const char* url : {"sqlite:billing.db", "sqlite:state/b.db", "sqlite:file:billing.db",
                            "sqlite:file:///x/billing.db?mode=ro"}) {
        CAPTURE(url);
        CHECK_THROWS_WITH(Store::open(url), Catch::Contains("the path must be absolute"));
    }
    const auto query = url_of(dir / "billing.db") + "?mode=ro";
    CHECK_THROWS_WITH(Store::open(query), Catch::Contains("query parameters are not supported"));
    CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("store: credentials in a store URL never appear in an error") {
    // Port 1 of 127.0.0.1: nothing listens there, so the MariaDB URL fails to connect.
    for (const char* url : {"sqlite://pmuser:DbSecretPw2@dbhost/billing.db",
                            "sqlite://pmuser:DbSecretPw2@/billing.db",
                            "mysql://pmuser:DbSecretPw2@127.0.0.1:1/billing",
                            "mariadb://pmuser:DbSecretPw2@127.0.0.1:1/billing?ssl=1",
                            "mysql://pmuser:DbSecretPw2@"}) {
        CAPTURE(url);
        try {
            (void)Store::open(url);
            FAIL("opened " << url);
        } catch (const Error& e) {
            CHECK_THAT(e.what(), !Catch::Contains("DbSecretPw2"));
        }
    }
    CHECK_THROWS_WITH(Store::open("sqlite://pmuser:DbSecretPw2@dbhost/billing.db"),
                      Catch::Contains("sqlite://***@dbhost/billing.db"));
    // The user is named (it helps the admin), the password is not.
    CHECK_THROWS_WITH(Store::open("mysql://pmuser:DbSecretPw2@127.0.0.1:1/billing"),
                      Catch::Contains("mysql://pmuser:***@127.0.0.1:1/billing"));
}

TEST_CASE("store: a typo in the directory does not create a new store", "[sqlite]") {
    TempDir dir;
    const auto url = url_of(dir / "typo/billing.db");
    CHECK_THROWS_WITH(
        Store::open(url),
        Catch::Contains("store " + (dir / "typo/billing.db").string()) &&
            Catch::Contains("the directory " + (dir / "typo").string() + " does not exist"));
    CHECK_FALSE(fs::exists(dir / "typo"));
}

TEST_CASE("store: a store that cannot be used where it is configured is a configuration error",
          "[sqlite]") {
    TempDir dir;
    std::string url;
    std::string expected;
    SECTION("the parent is a file") {
        pm::test::write_file(dir / "file", "x");
        url = url_of(dir / "file/billing.db");
        expected = "does not exist";
    }
    SECTION("the path is a directory") {
        url = url_of(dir.path());
        expected = "it is a directory";
    }
    SECTION("the path is a device") {
        url = "sqlite:/dev/null";
        expected = "not a regular file";
    }
    SECTION("the file is not a database") {
        pm::test::write_file(dir / "billing.db", std::string(4096, 'x'));
        url = url_of(dir / "billing.db");
        expected = "file is not a database";
    }
    SECTION("the file is a text file") {
        pm::test::write_file(dir / "billing.db", "store = here\n");
        url = url_of(dir / "billing.db");
        expected = "file is not a database";
    }
    SECTION("another application's tables under our names") {
        RawDb(url_of(dir / "billing.db"))
            .exec("CREATE TABLE item (id INTEGER PRIMARY KEY, label TEXT)");
        url = url_of(dir / "billing.db");
        expected = "cannot create or migrate the pm schema";
    }
    if (::geteuid() != 0) { // root writes read-only files and directories anyway
        SECTION("the file is read-only") {
            { auto store = Store::open(url_of(dir / "billing.db")); }
            fs::permissions(dir / "billing.db", fs::perms::owner_read);
            url = url_of(dir / "billing.db");
            expected = "not readable and writable";
        }
        SECTION("the directory is read-only") {
            fs::create_directory(dir / "ro");
            fs::permissions(dir / "ro", fs::perms::owner_read | fs::perms::owner_exec);
            url = url_of(dir / "ro/billing.db");
            expected = "is not writable";
        }
    }
    try {
        (void)Store::open(url);
        FAIL("opened " + url);
    } catch (const ConfigError& e) {
        CHECK_THAT(e.what(), Catch::Contains(expected));
        CHECK(e.exit_code() == ExitCode::usage);
    }
    fs::permissions(dir.path(), fs::perms::owner_all);
    if (fs::exists(dir / "ro")) {
        fs::permissions(dir / "ro", fs::perms::owner_all);
    }
}

// SQLite's single writer lock and busy timeout.
TEST_CASE("store: a store locked past the busy timeout is a temporary error", "[sqlite]") {
    TempDir dir;
    const auto url = url_of(dir / "billing.db");
    auto store = Store::open(url);
    const auto account = store.create_account("a", "");
    store.transaction([&] {
        store.create_account("held", "");
        auto other = Store::open(url, std::chrono::milliseconds(50));
        CHECK(other.find_account(account)); // readers are never blocked
        try {
            other.create_account("b", "");
            FAIL("wrote while another connection held the write lock");
        } catch (const StoreError& e) {
            CHECK(e.exit_code() == ExitCode::temporary);
            CHECK_THAT(e.what(), Catch::Contains("busy"));
        }
    });
    CHECK(store.find_account(AccountId(2)));
}

TEST_CASE("store: a transaction commits together or not at all") {
    TempDir dir;
    auto store = Store::open(pm::test::store_url(dir.path()));
    AccountId a;
    AccountId b;
    store.transaction([&] {
        a = store.create_account("a", "");
        b = store.create_account("b", "");
    });
    CHECK(store.find_account(a));
    CHECK(store.find_account(b));
    AccountId c;
    CHECK_THROWS_AS(store.transaction([&] {
        c = store.create_account("c", "");
        throw std::runtime_error("changed my mind");
    }),
                    std::runtime_error);
    CHECK_FALSE(store.find_account(c));
    // An error inside a nested call rolls back only when it escapes the transaction.
    AccountId d;
    store.transaction([&] {
        CHECK_THROWS_AS(store.set_module_param(ModuleId(99), "x", "y"), ConfigError);
        d = store.create_account("d", "");
    });
    CHECK(store.find_account(d)->name == "d");
}

TEST_CASE("store: transactions nest three deep, an inner failure undoes only its own level") {
    TempDir dir;
    auto store = Store::open(pm::test::store_url(dir.path()));
    AccountId outer;
    AccountId middle;
    AccountId inner;
    store.transaction([&] {
        outer = store.create_account("outer", "");
        store.transaction([&] {
            middle = store.create_account("middle", ""); // a third level: the store call's own
            store.transaction([&] { inner = store.create_account("inner", ""); });
            CHECK_THROWS_AS(store.transaction([&] {
                (void)store.create_account("undone", "");
                throw std::runtime_error("this level only");
            }),
                            std::runtime_error);
        });
        store.transaction([&] { (void)store.create_account("after", ""); });
    });
    CHECK(store.find_account(outer));
    CHECK(store.find_account(middle));
    CHECK(store.find_account(inner));
    std::vector<std::string> names; // SQLite may give "after" the id "undone" had
    for (std::int64_t id = 1; id <= 10; ++id) {
        if (const auto account = store.find_account(AccountId(id))) {
            names.push_back(account->name);
        }
    }
    CHECK(names == std::vector<std::string>{"outer", "middle", "inner", "after"});
}

TEST_CASE("store: text columns only ever get valid UTF-8") {
    TempDir dir;
    const auto url = pm::test::store_url(dir.path());
    auto store = Store::open(url);
    const auto account = store.create_account("bad \xFF\xFE name", "caf\xC3\xA9@example.com");
    const auto found = store.find_account(account);
    REQUIRE(found);
    CHECK(found->name == "bad \xEF\xBF\xBD\xEF\xBF\xBD name");
    CHECK(found->email == "caf\xC3\xA9@example.com");
    CHECK(RawDb(url).rows("SELECT count(*) FROM account WHERE hex(name) LIKE '%FF%'") ==
          std::vector<std::string>{"0"});
    if (!pm::test::on_mariadb()) {
        CHECK(RawDb(url).rows("SELECT count(*) FROM account "
                              "WHERE name = CAST(X'626164FF' AS TEXT)") ==
              std::vector<std::string>{"0"});
    }
}

TEST_CASE("store: the tests' raw SQL reads back what it wrote, on either backend") {
    TempDir dir;
    const auto url = pm::test::store_url(dir.path());
    const auto other = pm::test::store_url(dir.path() / "other");
    if (pm::test::on_mariadb()) {
        CHECK(url.rfind("mysql://", 0) == 0);
        CHECK(url != other); // a fresh database each time
    } else {
        CHECK(url == "sqlite:" + (dir / "billing.db").string());
    }
    RawDb raw(url);
    raw.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(64), value VARCHAR(64))");
    raw.exec("INSERT INTO t VALUES (1, 'plain', NULL); "
             "INSERT INTO t VALUES (2, 'tab\there', 'line\nbreak')");
    CHECK(raw.rows("SELECT id, name, value FROM t ORDER BY id") ==
          std::vector<std::string>{"1|plain|NULL", "2|tab\there|line\nbreak"});
    CHECK(raw.integer("SELECT COUNT(*) FROM t") == 2);
    CHECK_THROWS_WITH(raw.text("SELECT id FROM t WHERE id = 3"), Catch::Contains("no row"));
    CHECK_THROWS_AS(raw.exec("SELECT * FROM no_such_table"), std::runtime_error);
}

// Hidden ([.]): run by the mariadb tier only, which selects [own_server].
TEST_CASE("store: a test's own MariaDB server keeps its data over a restart", "[.][own_server]") {
    TempDir dir;
    pm::test::OwnMariadb server(dir / "server");
    REQUIRE(server.url().rfind("mysql://root@127.0.0.1:", 0) == 0);
    pm::test::RawDb(server.url())
        .exec("CREATE DATABASE kept; "
              "CREATE TABLE kept.t (id INTEGER PRIMARY KEY); "
              "INSERT INTO kept.t VALUES (7)");
    server.shutdown();
    CHECK_THROWS_AS(pm::test::RawDb(server.url()).exec("SELECT 1"), std::runtime_error);
    server.restart();
    CHECK(pm::test::RawDb(server.url() + "/kept").integer("SELECT id FROM t") == 7);
    if (pm::test::on_mariadb()) { // the shared server was never touched
        CHECK(pm::test::RawDb(pm::test::store_url(dir.path())).integer("SELECT 1") == 1);
    }
}
