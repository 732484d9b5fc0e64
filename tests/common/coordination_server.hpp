// Test support for coordination through a MariaDB server: the server PM_TEST_MARIADB names
// (e.g. mysql://root@127.0.0.1:23306) and a fresh store database per test, through
// support/test_store.hpp.
#pragma once

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "pm/store.hpp"

#include "support/process.hpp"
#include "support/test_store.hpp"

namespace pm::test {

// The server of PM_TEST_MARIADB (pm::test::on_mariadb), or nullopt with a warning: the test
// is skipped.
struct Server {
    std::string base; // mysql://user@host:port
};

inline std::optional<Server> test_server() {
    if (!on_mariadb()) {
        WARN("PM_TEST_MARIADB is not set: this MariaDB test is skipped");
        return std::nullopt;
    }
    return Server{std::getenv("PM_TEST_MARIADB")};
}

// A fresh store database (pm::test::store_url), its schema made by the store itself (so it
// has pm_session as every store does), and raw SQL on it.
class Database {
public:
    explicit Database(const Server&) : m_url(store_url(m_dir.path())) {
        (void)store::Store::open(m_url);
        m_name = m_url.substr(m_url.rfind('/') + 1);
    }

    [[nodiscard]] const std::string& url() const { return m_url; }
    [[nodiscard]] const std::string& name() const { return m_name; }
    // The rows of `statement`, one line each ("a|b\n"), as the mariadb client prints them.
    [[nodiscard]] std::string query(const std::string& statement) const {
        std::string out;
        for (const auto& row : RawDb(m_url).rows(statement)) {
            out += row + "\n";
        }
        return out;
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
    TempDir m_dir;
    std::string m_url;
    std::string m_name;
};

} // namespace pm::test
