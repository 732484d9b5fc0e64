#include "mariadb_client.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <fmt/format.h>

#include "pm/errors.hpp"

#include "driver.hpp"

namespace pm::mariadb {
namespace {

using store::db::describe_sql;

constexpr std::string_view k_url_help = "expected mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE";

// READ COMMITTED: short transactions, fresh reads per statement, no gap locks blocking a
// concurrent insert; claims rely on keys and conditional UPDATEs. The SQL mode makes bad
// values errors (not truncations) and `||` a concatenation, as in SQLite.
constexpr const char* k_session_setup = "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED";
constexpr const char* k_sql_mode =
    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,PIPES_AS_CONCAT,NO_ZERO_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'";

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// %XX-decoding of the user info; a bad escape is a ConfigError naming the part, not its text
// (it may be a password).
std::string percent_decoded(std::string_view text, std::string_view what, std::string_view shown) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out.push_back(text[i]);
            continue;
        }
        const int high = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
        const int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
        if (high < 0 || low < 0) {
            throw ConfigError(fmt::format("store URL {}: the {} has a bad %-escape: {}", shown,
                                          what, k_url_help));
        }
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
    }
    return out;
}

unsigned seconds_option(std::chrono::seconds value) {
    return static_cast<unsigned>(std::clamp<std::int64_t>(value.count(), 1, 24 * 3600));
}

} // namespace

bool is_url(std::string_view url) {
    return url.starts_with("mysql://") || url.starts_with("mariadb://");
}

std::string Endpoint::shown() const {
    std::string host_part = host.find(':') != std::string::npos ? fmt::format("[{}]", host) : host;
    return fmt::format("mysql://{}{}@{}:{}/{}", user, password.empty() ? "" : ":***", host_part,
                       port, database);
}

Endpoint parse_url(std::string_view url, const std::optional<std::string>& password) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos || !is_url(url)) {
        throw ConfigError(fmt::format("store URL has an unsupported scheme: {}", k_url_help));
    }
    const std::string_view rest = url.substr(scheme_end + 3);
    const auto slash = rest.find('/');
    const std::string_view authority = rest.substr(0, slash);
    const auto at = authority.rfind('@');
    // The message never repeats the user info: it may hold the password.
    const std::string shown = fmt::format("{}://{}{}", url.substr(0, scheme_end),
                                          at == std::string_view::npos ? "" : "***@",
                                          rest.substr(at == std::string_view::npos ? 0 : at + 1));
    if (at == std::string_view::npos) {
        throw ConfigError(fmt::format("store URL {} names no user: {}", shown, k_url_help));
    }
    Endpoint endpoint;
    const std::string_view user_info = authority.substr(0, at);
    const auto colon = user_info.find(':');
    endpoint.user = percent_decoded(user_info.substr(0, colon), "user", shown);
    if (colon != std::string_view::npos) {
        endpoint.password = percent_decoded(user_info.substr(colon + 1), "password", shown);
        if (password && !password->empty()) {
            throw ConfigError(fmt::format("store URL {} carries a password and store_password is "
                                          "set too: keep one",
                                          shown));
        }
    } else if (password) {
        endpoint.password = *password;
    }
    if (endpoint.user.empty()) {
        throw ConfigError(fmt::format("store URL {} names no user: {}", shown, k_url_help));
    }
    std::string_view host_port = authority.substr(at + 1);
    std::string_view port_text;
    if (host_port.starts_with('[')) {
        const auto close = host_port.find(']');
        if (close == std::string_view::npos) {
            throw ConfigError(fmt::format("store URL {}: bad IPv6 host: {}", shown, k_url_help));
        }
        endpoint.host = std::string(host_port.substr(1, close - 1));
        const std::string_view after = host_port.substr(close + 1);
        if (!after.empty()) {
            if (!after.starts_with(':')) {
                throw ConfigError(fmt::format("store URL {}: bad host: {}", shown, k_url_help));
            }
            port_text = after.substr(1);
        }
    } else {
        const auto port_colon = host_port.rfind(':');
        endpoint.host = std::string(host_port.substr(0, port_colon));
        if (port_colon != std::string_view::npos) {
            port_text = host_port.substr(port_colon + 1);
        }
    }
    if (endpoint.host.empty()) {
        throw ConfigError(fmt::format("store URL {} names no host: {}", shown, k_url_help));
    }
    if (port_text.data() != nullptr) {
        unsigned port = 0;
        const auto [end, error] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (port_text.empty() || error != std::errc() ||
            end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
            throw ConfigError(fmt::format("store URL {}: the port must be 1-65535", shown));
        }
        endpoint.port = port;
    }
    const std::string_view database =
        slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (database.find_first_of("?#") != std::string_view::npos) {
        throw ConfigError(
            fmt::format("store URL {}: query parameters are not supported: {}", shown, k_url_help));
    }
    if (database.empty() || database.find('/') != std::string_view::npos) {
        throw ConfigError(fmt::format("store URL {} names no database: {}", shown, k_url_help));
    }
    endpoint.database = std::string(database);
    return endpoint;
}

ErrorClass classify(unsigned error_number) {
    switch (error_number) {
    case ER_DBACCESS_DENIED_ERROR:     // 1044
    case ER_ACCESS_DENIED_ERROR:       // 1045
    case ER_BAD_DB_ERROR:              // 1049
    case ER_TABLEACCESS_DENIED_ERROR:  // 1142
    case ER_COLUMNACCESS_DENIED_ERROR: // 1143
    case ER_SPECIFIC_ACCESS_DENIED_ERROR:
    case CR_UNKNOWN_HOST:            // 2005
    case CR_AUTH_PLUGIN_CANNOT_LOAD: // 2059
        return ErrorClass::config;
    case CR_CONNECTION_ERROR:     // 2002
    case CR_CONN_HOST_ERROR:      // 2003
    case CR_SERVER_GONE_ERROR:    // 2006
    case CR_SERVER_LOST:          // 2013
    case CR_SERVER_LOST_EXTENDED: // 2055
    case ER_SERVER_SHUTDOWN:      // 1053
    case ER_CON_COUNT_ERROR:      // 1040 too many connections
    case ER_CONNECTION_KILLED:    // 1927
    case ER_QUERY_INTERRUPTED:    // 1317
    case 4031:                    // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8)
    case ER_STATEMENT_TIMEOUT:    // 1969
        return ErrorClass::unavailable;
    case ER_LOCK_DEADLOCK:     // 1213
    case ER_LOCK_WAIT_TIMEOUT: // 1205
    case ER_CHECKREAD:         // 1020
        return ErrorClass::conflict;
    default:
        return ErrorClass::failure;
    }
}

Client::Client(Endpoint endpoint, const Options& options) : m_endpoint(std::move(endpoint)) {
    m_db = mysql_init(nullptr);
    if (m_db == nullptr) {
        throw StoreError(
            fmt::format("store {}: out of memory for a connection", m_endpoint.shown()),
            StoreError::Kind::failure);
    }
    const unsigned connect = seconds_option(options.connect_timeout);
    const unsigned read = seconds_option(options.read_timeout);
    const unsigned write = seconds_option(options.write_timeout);
    const my_bool reconnect = 0;
    mysql_options(m_db, MYSQL_OPT_CONNECT_TIMEOUT, &connect);
    mysql_options(m_db, MYSQL_OPT_READ_TIMEOUT, &read);
    mysql_options(m_db, MYSQL_OPT_WRITE_TIMEOUT, &write);
    mysql_options(m_db, MYSQL_OPT_RECONNECT, &reconnect);
    mysql_options(m_db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    // No ~/.my.cnf or /etc/mysql settings: the URL says everything.
    if (mysql_real_connect(m_db, m_endpoint.host.c_str(), m_endpoint.user.c_str(),
                           m_endpoint.password.c_str(), m_endpoint.database.c_str(),
                           m_endpoint.port, nullptr, CLIENT_FOUND_ROWS) == nullptr) {
        const unsigned error = mysql_errno(m_db);
        const std::string message = mysql_error(m_db);
        mysql_close(m_db);
        m_db = nullptr;
        raise(error, message, "connecting");
    }
    const char* version = mysql_get_server_info(m_db);
    m_is_mariadb = version != nullptr && std::strstr(version, "MariaDB") != nullptr;
    exec(k_session_setup);
    exec(k_sql_mode);
    if (options.wait_timeout) {
        exec(fmt::format("SET SESSION wait_timeout = {}", seconds_option(*options.wait_timeout)));
    }
}

Client::~Client() {
    if (m_db != nullptr) {
        mysql_close(m_db);
    }
}

void Client::raise(unsigned error_number, std::string_view message,
                   std::string_view context) const {
    const std::string where = m_endpoint.shown();
    switch (classify(error_number)) {
    case ErrorClass::config:
        throw ConfigError(
            fmt::format("store {}: {} ({}): {}", where, message, error_number, context));
    case ErrorClass::unavailable:
        throw StoreError(fmt::format("store {}: the database server is unavailable: {} ({}): {}",
                                     where, message, error_number, context),
                         StoreError::Kind::busy);
    case ErrorClass::conflict:
        throw StoreError(fmt::format("store {}: the transaction was rolled back: {} ({}): {}",
                                     where, message, error_number, context),
                         StoreError::Kind::conflict);
    case ErrorClass::failure:
        break;
    }
    throw StoreError(fmt::format("store {}: {} ({}): {}", where, message, error_number, context),
                     StoreError::Kind::failure);
}

void Client::raise_last(std::string_view context) const {
    raise(mysql_errno(m_db), mysql_error(m_db), context);
}

void Client::exec(std::string_view sql) {
    if (mysql_real_query(m_db, sql.data(), sql.size()) != 0) {
        raise_last(describe_sql(sql));
    }
    // Statements without a result set; a stray result is read and dropped.
    if (MYSQL_RES* result = mysql_store_result(m_db); result != nullptr) {
        mysql_free_result(result);
    }
    const auto affected = mysql_affected_rows(m_db);
    record_result(affected == static_cast<my_ulonglong>(-1) ? 0 : affected,
                  static_cast<std::int64_t>(mysql_insert_id(m_db)));
}

std::vector<Row> Client::query(std::string_view sql, const std::vector<Value>& args) {
    Statement statement(*this, sql);
    for (std::size_t i = 0; i < args.size(); ++i) {
        statement.bind(i, args[i]);
    }
    statement.execute();
    std::vector<Row> rows;
    while (statement.fetch()) {
        Row row;
        for (std::size_t c = 0; c < statement.column_count(); ++c) {
            if (statement.is_null(c)) {
                row.emplace_back(std::nullopt);
            } else {
                row.emplace_back(statement.text(c));
            }
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

std::optional<std::string> Client::scalar(std::string_view sql, const std::vector<Value>& args) {
    auto rows = query(sql, args);
    if (rows.empty() || rows.front().empty()) {
        return std::nullopt;
    }
    return std::move(rows.front().front());
}

unsigned Client::last_error() const noexcept {
    return mysql_errno(m_db);
}

void Client::ping() {
    if (mysql_ping(m_db) != 0) {
        raise_last("ping");
    }
}

// One result column: fetched as a 64-bit integer, a double or bytes, by the column's type.
struct Statement::Column {
    enum class Kind { integer, real, bytes } kind = Kind::bytes;
    std::int64_t integer = 0;
    double real = 0;
    std::string bytes;
    unsigned long length = 0;
    my_bool null = 0;
    my_bool error = 0;
};

Statement::Statement(Client& client, std::string_view sql)
    : m_client(client), m_context(describe_sql(sql)) {
    m_stmt = mysql_stmt_init(client.handle());
    if (m_stmt == nullptr) {
        client.raise_last(m_context);
    }
    if (mysql_stmt_prepare(m_stmt, sql.data(), sql.size()) != 0) {
        raise();
    }
    m_values.resize(mysql_stmt_param_count(m_stmt));
}

Statement::~Statement() {
    free_result();
    mysql_stmt_close(m_stmt);
}

void Statement::raise() const {
    m_client.raise(mysql_stmt_errno(m_stmt), mysql_stmt_error(m_stmt), m_context);
}

std::size_t Statement::column_count() const noexcept {
    return m_columns.size();
}

void Statement::bind(std::size_t index, Value value) {
    if (index >= m_values.size()) {
        throw StoreError(fmt::format("store: parameter {} out of range ({} parameters): {}",
                                     index + 1, m_values.size(), m_context),
                         StoreError::Kind::failure);
    }
    m_values[index] = std::move(value);
}

void Statement::free_result() noexcept {
    if (m_has_result) {
        mysql_stmt_free_result(m_stmt);
        m_has_result = false;
    }
}

void Statement::execute() {
    free_result();
    std::vector<MYSQL_BIND> params(m_values.size());
    std::vector<unsigned long> lengths(m_values.size());
    for (std::size_t i = 0; i < m_values.size(); ++i) {
        MYSQL_BIND& bind = params[i];
        std::memset(&bind, 0, sizeof bind);
        std::visit(
            [&](auto& value) {
                using T = std::decay_t<decltype(value)>;
                if constexpr (std::is_same_v<T, std::nullptr_t>) {
                    bind.buffer_type = MYSQL_TYPE_NULL;
                } else if constexpr (std::is_same_v<T, std::int64_t>) {
                    bind.buffer_type = MYSQL_TYPE_LONGLONG;
                    bind.buffer = &value;
                } else if constexpr (std::is_same_v<T, double>) {
                    bind.buffer_type = MYSQL_TYPE_DOUBLE;
                    bind.buffer = &value;
                } else {
                    bind.buffer_type = MYSQL_TYPE_STRING;
                    bind.buffer = value.data();
                    lengths[i] = value.size();
                    bind.buffer_length = value.size();
                    bind.length = &lengths[i];
                }
            },
            m_values[i]);
    }
    if (!params.empty() && mysql_stmt_bind_param(m_stmt, params.data()) != 0) {
        raise();
    }
    if (mysql_stmt_execute(m_stmt) != 0) {
        raise();
    }
    const auto affected = mysql_stmt_affected_rows(m_stmt);
    m_client.record_result(affected == static_cast<my_ulonglong>(-1) ? 0 : affected,
                           static_cast<std::int64_t>(mysql_stmt_insert_id(m_stmt)));
    MYSQL_RES* meta = mysql_stmt_result_metadata(m_stmt);
    if (meta == nullptr) {
        m_columns.clear();
        return;
    }
    const unsigned count = mysql_num_fields(meta);
    const MYSQL_FIELD* fields = mysql_fetch_fields(meta);
    m_columns.assign(count, Column{});
    for (unsigned c = 0; c < count; ++c) {
        switch (fields[c].type) {
        case MYSQL_TYPE_TINY:
        case MYSQL_TYPE_SHORT:
        case MYSQL_TYPE_INT24:
        case MYSQL_TYPE_LONG:
        case MYSQL_TYPE_LONGLONG:
        case MYSQL_TYPE_YEAR:
            m_columns[c].kind = Column::Kind::integer;
            break;
        case MYSQL_TYPE_FLOAT:
        case MYSQL_TYPE_DOUBLE:
            m_columns[c].kind = Column::Kind::real;
            break;
        default:
            m_columns[c].kind = Column::Kind::bytes;
            break;
        }
    }
    mysql_free_result(meta);
    if (mysql_stmt_store_result(m_stmt) != 0) {
        raise();
    }
    m_has_result = true;
}

bool Statement::fetch() {
    if (!m_has_result) {
        return false;
    }
    std::vector<MYSQL_BIND> binds(m_columns.size());
    for (std::size_t c = 0; c < m_columns.size(); ++c) {
        Column& column = m_columns[c];
        MYSQL_BIND& bind = binds[c];
        std::memset(&bind, 0, sizeof bind);
        bind.is_null = &column.null;
        bind.error = &column.error;
        bind.length = &column.length;
        switch (column.kind) {
        case Column::Kind::integer:
            bind.buffer_type = MYSQL_TYPE_LONGLONG;
            bind.buffer = &column.integer;
            break;
        case Column::Kind::real:
            bind.buffer_type = MYSQL_TYPE_DOUBLE;
            bind.buffer = &column.real;
            break;
        case Column::Kind::bytes:
            // Lengths first; the bytes are fetched per column below.
            bind.buffer_type = MYSQL_TYPE_STRING;
            bind.buffer = nullptr;
            bind.buffer_length = 0;
            break;
        }
    }
    if (!binds.empty() && mysql_stmt_bind_result(m_stmt, binds.data()) != 0) {
        raise();
    }
    const int rc = mysql_stmt_fetch(m_stmt);
    if (rc == MYSQL_NO_DATA) {
        free_result();
        return false;
    }
    if (rc == 1) {
        raise();
    }
    for (std::size_t c = 0; c < m_columns.size(); ++c) {
        Column& column = m_columns[c];
        if (column.kind != Column::Kind::bytes) {
            continue;
        }
        column.bytes.assign(column.null ? 0 : column.length, '\0');
        if (column.null || column.length == 0) {
            continue;
        }
        MYSQL_BIND bind;
        std::memset(&bind, 0, sizeof bind);
        unsigned long length = 0;
        bind.buffer_type = MYSQL_TYPE_STRING;
        bind.buffer = column.bytes.data();
        bind.buffer_length = column.length;
        bind.length = &length;
        if (mysql_stmt_fetch_column(m_stmt, &bind, static_cast<unsigned>(c), 0) != 0) {
            raise();
        }
    }
    return true;
}

const Statement::Column& Statement::column(std::size_t index) const {
    if (index >= m_columns.size()) {
        throw StoreError(fmt::format("store: column {} out of range: {}", index, m_context),
                         StoreError::Kind::failure);
    }
    return m_columns[index];
}

bool Statement::is_null(std::size_t index) const {
    return column(index).null != 0;
}

std::int64_t Statement::int64(std::size_t index) const {
    const Column& c = column(index);
    switch (c.kind) {
    case Column::Kind::integer:
        return c.integer;
    case Column::Kind::real:
        return static_cast<std::int64_t>(c.real);
    case Column::Kind::bytes:
        break;
    }
    std::int64_t value = 0;
    std::from_chars(c.bytes.data(), c.bytes.data() + c.bytes.size(), value);
    return value;
}

double Statement::real(std::size_t index) const {
    const Column& c = column(index);
    switch (c.kind) {
    case Column::Kind::integer:
        return static_cast<double>(c.integer);
    case Column::Kind::real:
        return c.real;
    case Column::Kind::bytes:
        break;
    }
    double value = 0;
    std::from_chars(c.bytes.data(), c.bytes.data() + c.bytes.size(), value);
    return value;
}

std::string Statement::text(std::size_t index) const {
    const Column& c = column(index);
    switch (c.kind) {
    case Column::Kind::integer:
        return std::to_string(c.integer);
    case Column::Kind::real:
        return fmt::format("{}", c.real);
    case Column::Kind::bytes:
        break;
    }
    return c.bytes;
}

} // namespace pm::mariadb
