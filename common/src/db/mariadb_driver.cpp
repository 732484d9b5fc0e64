// The MariaDB/MySQL backend of the store's driver, over the MariaDB client. The store's SQL
// numbers its parameters (?1, ?2, a number may repeat); the server takes positional `?` only,
// so each statement is rewritten once and a bound value goes to every place its number has.
#include <algorithm>
#include <charconv>
#include <vector>

#include <fmt/format.h>

#include "pm/errors.hpp"

#include "driver.hpp"
#include "mariadb_client.hpp"

namespace pm::store::db {
namespace {

struct Positional {
    std::string sql;
    std::vector<int> numbers; // the ?N of each `?`, in order
};

// ?N → ?, outside quoted literals and identifiers.
Positional positional(std::string_view sql) {
    Positional out;
    char quote = '\0';
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (quote != '\0') {
            if (c == quote) {
                quote = '\0';
            }
            out.sql.push_back(c);
            continue;
        }
        if (c == '\'' || c == '"' || c == '`') {
            quote = c;
            out.sql.push_back(c);
            continue;
        }
        if (c != '?') {
            out.sql.push_back(c);
            continue;
        }
        std::size_t end = i + 1;
        while (end < sql.size() && sql[end] >= '0' && sql[end] <= '9') {
            ++end;
        }
        int number = static_cast<int>(out.numbers.size()) + 1; // a bare ? counts on
        if (end > i + 1) {
            std::from_chars(sql.data() + i + 1, sql.data() + end, number);
        }
        out.numbers.push_back(number);
        out.sql.push_back('?');
        i = end - 1;
    }
    return out;
}

mariadb::Value value_of(const Value& value) {
    return std::visit(
        [](const auto& v) -> mariadb::Value {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string_view>) {
                return std::string(v);
            } else {
                return v;
            }
        },
        value);
}

class MariaConnection;

class MariaStatement final : public StatementImpl {
public:
    MariaStatement(mariadb::Client& client, Positional sql)
        : m_numbers(std::move(sql.numbers)), m_statement(client, sql.sql) {}

    void bind(int index, const Value& value) override {
        const mariadb::Value converted = value_of(value);
        for (std::size_t p = 0; p < m_numbers.size(); ++p) {
            if (m_numbers[p] == index) {
                m_statement.bind(p, converted);
            }
        }
    }
    bool step() override {
        if (!m_executed) {
            m_statement.execute();
            m_executed = true;
        }
        return m_statement.fetch();
    }
    void reset() override { m_executed = false; }
    [[nodiscard]] bool is_null(int column) const override {
        return m_statement.is_null(static_cast<std::size_t>(column));
    }
    [[nodiscard]] std::int64_t int64(int column) const override {
        return m_statement.int64(static_cast<std::size_t>(column));
    }
    [[nodiscard]] double real(int column) const override {
        return m_statement.real(static_cast<std::size_t>(column));
    }
    [[nodiscard]] std::string text(int column) const override {
        return m_statement.text(static_cast<std::size_t>(column));
    }

private:
    std::vector<int> m_numbers;
    mariadb::Statement m_statement;
    bool m_executed = false;
};

class MariaConnection final : public ConnectionImpl {
public:
    MariaConnection(mariadb::Endpoint endpoint, std::chrono::milliseconds lock_timeout)
        : m_name(endpoint.shown()), m_client(std::move(endpoint), mariadb::Options{}) {
        const auto seconds = std::max<std::int64_t>(1, (lock_timeout.count() + 999) / 1000);
        m_client.exec(fmt::format("SET SESSION innodb_lock_wait_timeout = {}", seconds));
        m_client.exec(fmt::format("SET SESSION lock_wait_timeout = {}", seconds));
    }

    [[nodiscard]] Backend backend() const override { return Backend::mariadb; }
    [[nodiscard]] const std::string& name() const override { return m_name; }
    void exec(const std::string& sql) override { m_client.exec(sql); }
    void exec_quietly(const char* sql) noexcept override {
        try {
            m_client.exec(sql);
        } catch (...) { // NOLINT(bugprone-empty-catch): see the interface
        }
    }
    [[nodiscard]] std::unique_ptr<StatementImpl> prepare(std::string_view sql) override {
        return std::make_unique<MariaStatement>(m_client, positional(sql));
    }
    [[nodiscard]] std::int64_t last_insert_id() const override { return m_client.insert_id(); }
    [[nodiscard]] std::int64_t changes() const override {
        return static_cast<std::int64_t>(m_client.affected_rows());
    }
    // One writer at a time, as with SQLite's BEGIN IMMEDIATE: every write transaction first
    // locks the one row of pm_schema_version. The store's read-modify-write steps (a counter
    // in Store::transaction, "find, else create") were written for a single writer; under
    // READ COMMITTED without this two hosts could both read 5 and write 6. Transactions are
    // short, so the cost is a queue of milliseconds; plain reads never take it. (Before the
    // first migration the row does not exist yet and nothing is locked: migrations run under
    // their own named lock.)
    void begin() override {
        m_client.exec("START TRANSACTION");
        m_client.exec("SELECT version FROM pm_schema_version WHERE id = 1 FOR UPDATE");
    }
    [[nodiscard]] int last_error_code() const override {
        return static_cast<int>(m_client.last_error());
    }
    [[nodiscard]] bool server_is_mariadb() const override { return m_client.is_mariadb(); }
    [[nodiscard]] mariadb::Client& client() { return m_client; }

private:
    std::string m_name;
    mariadb::Client m_client;
};

} // namespace

std::unique_ptr<ConnectionImpl> open_mariadb(std::string_view url,
                                             const std::optional<std::string>& password,
                                             std::chrono::milliseconds lock_timeout) {
    return std::make_unique<MariaConnection>(mariadb::parse_url(url, password), lock_timeout);
}

} // namespace pm::store::db
