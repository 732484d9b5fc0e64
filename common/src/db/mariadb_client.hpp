// A connection to a MariaDB/MySQL server over MariaDB Connector/C (libmariadb), private to
// common/: the store's driver and the cross-host coordination (named locks) both talk to the
// server through it. Statements are server-side prepared (`?` placeholders, typed binds);
// affected rows are matched rows (CLIENT_FOUND_ROWS, as SQLite counts them); the connection
// speaks utf8mb4, READ COMMITTED, strict SQL mode, and never reconnects by itself: a lost
// connection is an error its user must see (a named lock held on it is gone).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

struct st_mysql;
struct st_mysql_stmt;

namespace pm::mariadb {

// Where a `mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (or `mariadb://`) URL points.
struct Endpoint {
    std::string user;
    std::string password; // from the URL, else store_password / PM_STORE_PASSWORD
    std::string host;
    unsigned port = 3306;
    std::string database;
    // The URL as shown in logs and errors: the password is never part of it.
    [[nodiscard]] std::string shown() const;
};

// True for the mysql:// and mariadb:// schemes.
[[nodiscard]] bool is_url(std::string_view url);

// Parses a store URL. `password` (store_password) is used when the URL carries none. User and
// password may be %-encoded. Throws ConfigError (naming the URL with its password masked)
// for anything malformed: no user, no host, no database, a bad port, query parameters.
[[nodiscard]] Endpoint parse_url(std::string_view url, const std::optional<std::string>& password);

struct Options {
    std::chrono::seconds connect_timeout{10};
    // A read or write on the socket that takes longer fails the statement (temporary).
    // Lock waits run longer than this: their Client sets a longer read timeout.
    std::chrono::seconds read_timeout{60};
    std::chrono::seconds write_timeout{60};
    // SET SESSION wait_timeout: the server ends the session (freeing its named locks) after
    // this much silence. Lock connections use 60 s and ping every 20 s (DESIGN §7).
    std::optional<std::chrono::seconds> wait_timeout;
};

// A value bound to a `?`, in order.
using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string>;
// A result row: every column as text (integers in decimal), NULL as nullopt.
using Row = std::vector<std::optional<std::string>>;

// How a server error is classified (Client::raise maps them to pm's errors):
//   access denied (1044, 1045), unknown database (1049), unknown host → ConfigError (exit 2);
//   cannot connect (2002, 2003), server gone or restarted (2006, 2013, 1053, 1927, 4031),
//     statement timeouts → StoreError{busy} (exit 3: temporary, safe to rerun);
//   deadlock (1213), lock wait timeout (1205), snapshot conflict (1020) → StoreError{conflict}:
//     the transaction was (or must be) rolled back and is retried as a whole by the store;
//   anything else → StoreError{failure} with the server's text and the statement's start.
enum class ErrorClass { config, unavailable, conflict, failure };
[[nodiscard]] ErrorClass classify(unsigned error_number);

class Client {
public:
    // Connects; throws as classified above. The password never appears in an error.
    Client(Endpoint endpoint, const Options& options);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // SQL that takes no values (DDL, SET, transaction control), over the text protocol.
    void exec(std::string_view sql);
    // Prepares `sql`, binds `args` to its `?` in order, runs it and returns every row.
    [[nodiscard]] std::vector<Row> query(std::string_view sql, const std::vector<Value>& args = {});
    // The first column of the first row (nullopt: no row, or NULL).
    [[nodiscard]] std::optional<std::string> scalar(std::string_view sql,
                                                    const std::vector<Value>& args = {});
    // Rows the last statement matched (not only changed), and the id it generated.
    [[nodiscard]] std::uint64_t affected_rows() const noexcept { return m_affected; }
    [[nodiscard]] std::int64_t insert_id() const noexcept { return m_insert_id; }
    // The server's error number of the last failed call (0: none).
    [[nodiscard]] unsigned last_error() const noexcept;
    // A round trip; throws (unavailable) when the connection is gone.
    void ping();
    // MariaDB (true) or MySQL (false), from the server's version string.
    [[nodiscard]] bool is_mariadb() const noexcept { return m_is_mariadb; }
    [[nodiscard]] const Endpoint& endpoint() const noexcept { return m_endpoint; }
    [[nodiscard]] st_mysql* handle() const noexcept { return m_db; }

    // Throws the error for `error_number` (classified above) with the server's `message`;
    // `context` names the statement (never its values).
    [[noreturn]] void raise(unsigned error_number, std::string_view message,
                            std::string_view context) const;
    // The same for the connection's last error.
    [[noreturn]] void raise_last(std::string_view context) const;

    // Sets what affected_rows()/insert_id() report (the statement layer calls it).
    void record_result(std::uint64_t affected, std::int64_t insert_id) noexcept {
        m_affected = affected;
        m_insert_id = insert_id;
    }

private:
    Endpoint m_endpoint;
    st_mysql* m_db = nullptr;
    bool m_is_mariadb = true;
    std::uint64_t m_affected = 0;
    std::int64_t m_insert_id = 0;
};

// A server-side prepared statement on a Client. Parameters are `?`, bound by 0-based position;
// a result set is read into memory whole when the statement runs (store_result), so the
// connection is free for the next statement at once.
class Statement {
public:
    Statement(Client& client, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    [[nodiscard]] std::size_t parameter_count() const noexcept { return m_values.size(); }
    // Sets the value of parameter `index` (0-based) for the next execute().
    void bind(std::size_t index, Value value);
    // Runs the statement with the bound values; records affected rows and the insert id on
    // the Client; a result set is buffered for fetch().
    void execute();
    // Moves to the next row of the result set; false when there is none (left).
    [[nodiscard]] bool fetch();
    [[nodiscard]] std::size_t column_count() const noexcept;
    [[nodiscard]] bool is_null(std::size_t column) const;
    [[nodiscard]] std::int64_t int64(std::size_t column) const;
    [[nodiscard]] double real(std::size_t column) const;
    [[nodiscard]] std::string text(std::size_t column) const;

private:
    struct Column;
    void free_result() noexcept;
    [[noreturn]] void raise() const;
    [[nodiscard]] const Column& column(std::size_t index) const;

    Client& m_client;
    st_mysql_stmt* m_stmt = nullptr;
    std::string m_context;
    std::vector<Value> m_values;
    std::vector<Column> m_columns;
    bool m_has_result = false;
};

} // namespace pm::mariadb
