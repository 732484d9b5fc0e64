// Test support for coordination through a MariaDB server: the server PM_TEST_MARIADB names
// (e.g. mysql://root@127.0.0.1:33306), reached with the mariadb command-line client, and a
// fresh database per test.
#pragma once

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "support/process.hpp"

namespace pm::test {

// The server of PM_TEST_MARIADB, reached with the mariadb command-line client.
struct Server {
    std::string user;
    std::string host;
    std::string port;
    std::string base; // mysql://user@host:port
};

inline std::optional<Server> test_server() {
    const char* url = std::getenv("PM_TEST_MARIADB");
    if (url == nullptr || *url == '\0') {
        WARN("PM_TEST_MARIADB is not set: this MariaDB test is skipped");
        return std::nullopt;
    }
    std::string rest(url);
    Server server;
    server.base = rest;
    while (!server.base.empty() && server.base.back() == '/') {
        server.base.pop_back();
    }
    rest = rest.substr(rest.find("://") + 3);
    const auto at = rest.find('@');
    server.user = rest.substr(0, at);
    rest = rest.substr(at + 1);
    rest = rest.substr(0, rest.find('/'));
    const auto colon = rest.find(':');
    server.host = rest.substr(0, colon);
    server.port = colon == std::string::npos ? "3306" : rest.substr(colon + 1);
    return server;
}

inline std::string sql(const Server& server, const std::string& statement) {
    const auto result = run({"/usr/bin/mariadb", "--no-defaults", "-u", server.user, "-h",
                             server.host, "-P", server.port, "-N", "-B", "-e", statement});
    INFO(statement << ": " << result.err);
    REQUIRE(result.exit_code == 0);
    return result.out;
}

// A fresh database with the pm_session table (the store's schema migration v4 makes it).
class Database {
public:
    explicit Database(Server server) : m_server(std::move(server)) {
        static int counter = 0;
        m_name = fmt::format("pm_coord_{}_{}", ::getpid(), ++counter);
        sql(m_server, fmt::format("DROP DATABASE IF EXISTS {0}; CREATE DATABASE {0}; "
                                  "CREATE TABLE {0}.pm_session (entry VARCHAR(64) NOT NULL "
                                  "PRIMARY KEY, body MEDIUMBLOB NOT NULL, updated_at VARCHAR(32) "
                                  "NOT NULL)",
                                  m_name));
    }
    ~Database() {
        try {
            sql(m_server, "DROP DATABASE IF EXISTS " + m_name);
        } catch (...) {
        }
    }
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    [[nodiscard]] std::string url() const { return m_server.base + "/" + m_name; }
    [[nodiscard]] const std::string& name() const { return m_name; }
    [[nodiscard]] std::string query(const std::string& statement) const {
        return sql(m_server, statement);
    }
    // Connections of this database waiting in GET_LOCK.
    [[nodiscard]] int lock_waiters() const {
        return std::stoi(query(fmt::format("SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                                           "WHERE DB = '{}' AND STATE = 'User lock'",
                                           m_name)));
    }
    void wait_for_lock_waiters(int n) const {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (lock_waiters() < n && std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        REQUIRE(lock_waiters() >= n);
    }

private:
    Server m_server;
    std::string m_name;
};

} // namespace pm::test
