// Test support: where a test's billing store lives. By default an SQLite file in the test's
// scratch directory; with PM_TEST_MARIADB=mysql://USER[:PASSWORD]@HOST[:PORT] (scripts/mariadb
// url) a fresh database on that server, so the same tests run on both backends (ctest label
// mariadb). Databases are made and dropped with the `mariadb` command-line client.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pm/coordination.hpp"

namespace pm::test {

// True when PM_TEST_MARIADB names a server: stores are MariaDB databases.
[[nodiscard]] bool on_mariadb();

// A URL for a new, empty store: `sqlite:<scratch_dir>/billing.db`, or on MariaDB a new
// database `<base>/pm_t_<pid>_<n>`, dropped when this process exits (kept when
// PM_TEST_KEEP_DIR is set). Throws std::runtime_error when the database cannot be made.
[[nodiscard]] std::string store_url(const std::filesystem::path& scratch_dir);

// Raw SQL on the store at `url` (sqlite: or mysql:/mariadb:), for tests that plant rows a
// billing platform (or a damaged store) would hold and read back what the Store wrote. SQL
// must be portable to run on both backends. Throws std::runtime_error on an SQL error.
class RawDb {
public:
    explicit RawDb(std::string url);
    ~RawDb();
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;

    void exec(const std::string& sql);
    // Every row of `sql`, its columns joined with '|', NULL shown as "NULL".
    std::vector<std::string> rows(const std::string& sql);
    // The first row; throws when there is none.
    std::string text(const std::string& sql);
    std::int64_t integer(const std::string& sql) { return std::stoll(text(sql)); }

private:
    class Sqlite;
    std::string m_url;
    std::unique_ptr<Sqlite> m_sqlite; // on sqlite: URLs
};

// A MariaDB server of the test's own in `dir` (scripts/mariadb start-extra, a free port), for
// tests that stop or restart their server: the shared one is never touched. Stopped and its
// directory deleted on destruction. Throws std::runtime_error when a step fails.
class OwnMariadb {
public:
    explicit OwnMariadb(std::filesystem::path dir);
    ~OwnMariadb();
    OwnMariadb(const OwnMariadb&) = delete;
    OwnMariadb& operator=(const OwnMariadb&) = delete;

    // mysql://root@127.0.0.1:PORT
    [[nodiscard]] const std::string& url() const { return m_url; }
    // Down, its data kept, until restart().
    void shutdown();
    // Up again (shut down first if it is up), its data kept.
    void restart();

private:
    std::filesystem::path m_dir;
    std::string m_url;
};

// The `mariadb` client's argv and environment (password in MYSQL_PWD, never in argv) for
// the server of `url` (a base URL or a store URL; its database, if any, selected).
struct MariadbClient {
    std::vector<std::string> argv;
    std::map<std::string, std::string> env;
};
[[nodiscard]] MariadbClient mariadb_client(const std::string& url);

// A module-wide job's lock (e.g. "pmvmmgr6-pool-1"), held the way a second process would hold
// it with the store at `store_url`: a file under `dir`/locks with SQLite, a named lock on the
// server with MariaDB. Empty when somebody else holds it.
struct JobLock {
    std::unique_ptr<Coordination> coordination;
    HoldPtr hold; // released first: it lives on the coordination's connection
    explicit operator bool() const { return hold != nullptr; }
    void release() { hold.reset(); }
};
[[nodiscard]] JobLock hold_job_lock(const std::string& store_url, const std::filesystem::path& dir,
                                    std::string_view name);

} // namespace pm::test
