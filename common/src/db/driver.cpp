#include "driver.hpp"

#include "pm/text.hpp"

namespace pm::store::db {

std::string describe_sql(std::string_view sql) {
    std::string out;
    for (const char c : sql) {
        const bool blank = c == ' ' || c == '\n' || c == '\t' || c == '\r';
        if (blank && (out.empty() || out.back() == ' ')) {
            continue;
        }
        out.push_back(blank ? ' ' : c);
    }
    constexpr std::size_t k_max = 60;
    if (out.size() > k_max) {
        out.resize(k_max);
        out += "...";
    }
    return out;
}

void Statement::bind_one(int index, std::string_view value) {
    const std::string text = repaired_utf8(value);
    m_impl->bind(index, std::string_view(text));
}

Transaction::Transaction(Connection& db) : m_db(db), m_nested(db.m_depth > 0) {
    if (m_nested) {
        m_savepoint = "pm" + std::to_string(db.m_depth);
        m_db.exec("SAVEPOINT " + m_savepoint);
    } else {
        m_db.m_impl->begin();
    }
    ++m_db.m_depth;
}

Transaction::~Transaction() {
    if (!m_open) {
        return;
    }
    --m_db.m_depth;
    // Errors are ignored: the database may already have rolled back (SQLite after
    // SQLITE_FULL, MariaDB after a deadlock), and a destructor cannot report anything.
    if (m_nested) {
        m_db.m_impl->exec_quietly(("ROLLBACK TO SAVEPOINT " + m_savepoint).c_str());
        m_db.m_impl->exec_quietly(("RELEASE SAVEPOINT " + m_savepoint).c_str());
    } else {
        m_db.m_impl->exec_quietly("ROLLBACK");
    }
}

void Transaction::commit() {
    m_db.exec(m_nested ? "RELEASE SAVEPOINT " + m_savepoint : std::string("COMMIT"));
    m_open = false;
    --m_db.m_depth;
}

} // namespace pm::store::db
