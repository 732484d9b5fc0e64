#include "support/test_store.hpp"

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

#include <fmt/format.h>
#include <sqlite3.h>

#include "support/process.hpp"

namespace pm::test {
namespace fs = std::filesystem;

namespace {

std::string env_or_empty(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr ? value : "";
}

std::string base_url() {
    std::string base = env_or_empty("PM_TEST_MARIADB");
    while (!base.empty() && base.back() == '/') {
        base.pop_back();
    }
    return base;
}

std::string find_in_path(const std::string& name) {
    std::istringstream path(env_or_empty("PATH"));
    std::string dir;
    while (std::getline(path, dir, ':')) {
        const fs::path candidate = fs::path(dir) / name;
        if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) {
            return candidate.string();
        }
    }
    throw std::runtime_error("PM_TEST_MARIADB is set but the `" + name +
                             "` client is not in PATH (apt-get install mariadb-client)");
}

std::string percent_decoded(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

// The databases this process made, dropped at exit.
class Databases {
public:
    ~Databases() {
        if (m_names.empty() || !env_or_empty("PM_TEST_KEEP_DIR").empty()) {
            return;
        }
        std::string sql;
        for (const auto& name : m_names) {
            sql += "DROP DATABASE IF EXISTS `" + name + "`;";
        }
        try {
            (void)sql_on_server(sql);
        } catch (...) { // nothing to report to at exit; the server is a throwaway
        }
    }

    std::string create(const std::string& base) {
        const std::lock_guard lock(m_mutex);
        const auto name = fmt::format("pm_t_{}_{}", ::getpid(), m_names.size() + 1);
        // A database of this name is left from a dead process with the same pid.
        sql_on_server(fmt::format("DROP DATABASE IF EXISTS `{0}`; CREATE DATABASE `{0}` "
                                  "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
                                  name));
        m_names.push_back(name);
        return base + "/" + name;
    }

private:
    static std::string sql_on_server(const std::string& sql) {
        auto client = mariadb_client(base_url());
        client.argv.insert(client.argv.end(), {"-e", sql});
        const auto result = run(client.argv, client.env);
        if (result.exit_code != 0) {
            throw std::runtime_error("mariadb: " + result.err + " in: " + sql);
        }
        return result.out;
    }

    std::mutex m_mutex;
    std::vector<std::string> m_names;
};

Databases& databases() {
    static Databases instance;
    return instance;
}

// The `mariadb --batch` escapes of a cell (\\, \n, \t, \0) read back.
std::string unescaped(const std::string& cell) {
    std::string out;
    for (std::size_t i = 0; i < cell.size(); ++i) {
        if (cell[i] != '\\' || i + 1 == cell.size()) {
            out += cell[i];
            continue;
        }
        const char next = cell[++i];
        out += next == 'n' ? '\n' : next == 't' ? '\t' : next == '0' ? '\0' : next;
    }
    return out;
}

} // namespace

bool on_mariadb() {
    return !base_url().empty();
}

std::string store_url(const fs::path& scratch_dir) {
    if (!on_mariadb()) {
        return "sqlite:" + (scratch_dir / "billing.db").string();
    }
    return databases().create(base_url());
}

MariadbClient mariadb_client(const std::string& url) {
    const auto scheme_end = url.find("://");
    const auto scheme = url.substr(0, scheme_end == std::string::npos ? 0 : scheme_end);
    if (scheme != "mysql" && scheme != "mariadb") {
        throw std::runtime_error("not a mysql:// or mariadb:// URL: " + url);
    }
    std::string rest = url.substr(scheme_end + 3);
    std::string database;
    if (const auto slash = rest.find('/'); slash != std::string::npos) {
        database = rest.substr(slash + 1);
        rest.resize(slash);
    }
    std::string user = "root";
    std::string password;
    if (const auto at = rest.rfind('@'); at != std::string::npos) {
        user = rest.substr(0, at);
        rest = rest.substr(at + 1);
        if (const auto colon = user.find(':'); colon != std::string::npos) {
            password = percent_decoded(user.substr(colon + 1));
            user.resize(colon);
        }
    }
    std::string host = rest;
    std::string port = "3306";
    if (const auto colon = rest.rfind(':'); colon != std::string::npos) {
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
    }
    MariadbClient client;
    client.argv = {
        find_in_path("mariadb"),           "--no-defaults", "--batch",   "--skip-column-names",
        "--default-character-set=utf8mb4", "-h" + host,     "-P" + port, "-u" + user};
    if (!database.empty()) {
        client.argv.push_back("-D" + database);
    }
    client.env["MYSQL_PWD"] = password;
    return client;
}

namespace {

std::string scripts_mariadb(const std::vector<std::string>& args) {
    std::vector<std::string> argv{(source_dir() / "scripts/mariadb").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto result = run(argv, {}, std::chrono::seconds(120));
    if (result.exit_code != 0) {
        throw std::runtime_error("scripts/mariadb " + args.front() + ": " + result.err);
    }
    return result.out;
}

} // namespace

OwnMariadb::OwnMariadb(fs::path dir) : m_dir(std::move(dir)) {
    m_url = scripts_mariadb({"start-extra", m_dir.string()});
    while (!m_url.empty() && (m_url.back() == '\n' || m_url.back() == ' ')) {
        m_url.pop_back();
    }
}

OwnMariadb::~OwnMariadb() {
    try {
        (void)scripts_mariadb({"stop-extra", m_dir.string()});
    } catch (...) { // a destructor; the server is a throwaway in the test's directory
    }
}

void OwnMariadb::shutdown() {
    (void)scripts_mariadb({"shutdown-extra", m_dir.string()});
}

void OwnMariadb::restart() {
    (void)scripts_mariadb({"restart-extra", m_dir.string()});
}

class RawDb::Sqlite {
public:
    explicit Sqlite(const std::string& path) {
        if (sqlite3_open_v2(path.c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                            nullptr) != SQLITE_OK) {
            throw std::runtime_error("cannot open " + path);
        }
        sqlite3_busy_timeout(m_db, 10'000);
    }
    ~Sqlite() { sqlite3_close_v2(m_db); }
    Sqlite(const Sqlite&) = delete;
    Sqlite& operator=(const Sqlite&) = delete;

    std::vector<std::string> rows(const std::string& sql) {
        std::vector<std::string> out;
        const char* tail = sql.c_str();
        while (*tail != '\0') {
            sqlite3_stmt* stmt = nullptr;
            if (sqlite3_prepare_v2(m_db, tail, -1, &stmt, &tail) != SQLITE_OK) {
                throw std::runtime_error(std::string(sqlite3_errmsg(m_db)) + " in: " + sql);
            }
            int status = SQLITE_DONE;
            while (stmt != nullptr && (status = sqlite3_step(stmt)) == SQLITE_ROW) {
                std::string row;
                for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
                    const unsigned char* text = sqlite3_column_text(stmt, i);
                    row += i > 0 ? "|" : "";
                    row += text != nullptr ? reinterpret_cast<const char*>(text) : "NULL";
                }
                out.push_back(row);
            }
            sqlite3_finalize(stmt);
            if (status != SQLITE_DONE) {
                throw std::runtime_error(std::string(sqlite3_errmsg(m_db)) + " in: " + sql);
            }
        }
        return out;
    }

private:
    sqlite3* m_db = nullptr;
};

RawDb::RawDb(std::string url) : m_url(std::move(url)) {
    if (m_url.rfind("sqlite:", 0) == 0) {
        m_sqlite = std::make_unique<Sqlite>(m_url.substr(7));
    } else {
        (void)mariadb_client(m_url); // a bad URL fails here, not at the first query
    }
}

RawDb::~RawDb() = default;

void RawDb::exec(const std::string& sql) {
    (void)rows(sql);
}

std::vector<std::string> RawDb::rows(const std::string& sql) {
    if (m_sqlite != nullptr) {
        return m_sqlite->rows(sql);
    }
    auto client = mariadb_client(m_url);
    client.argv.insert(client.argv.end(), {"-e", sql});
    const auto result = run(client.argv, client.env);
    if (result.exit_code != 0) {
        throw std::runtime_error("mariadb: " + result.err + " in: " + sql);
    }
    std::vector<std::string> out;
    std::istringstream lines(result.out);
    std::string line;
    while (std::getline(lines, line)) {
        std::string row;
        std::istringstream cells(line);
        std::string cell;
        bool first = true;
        while (std::getline(cells, cell, '\t')) {
            row += first ? "" : "|";
            row += unescaped(cell);
            first = false;
        }
        out.push_back(row);
    }
    return out;
}

std::string RawDb::text(const std::string& sql) {
    const auto all = rows(sql);
    if (all.empty()) {
        throw std::runtime_error("no row from: " + sql);
    }
    return all.front();
}

JobLock hold_job_lock(const std::string& store_url, const std::filesystem::path& dir,
                      std::string_view name) {
    Settings settings;
    settings.store = store_url;
    settings.lock_dir = dir / "locks";
    settings.cache_dir = dir / "cache";
    JobLock lock;
    lock.coordination = make_coordination(settings, {});
    lock.hold = lock.coordination->try_lock(name);
    return lock;
}

} // namespace pm::test
