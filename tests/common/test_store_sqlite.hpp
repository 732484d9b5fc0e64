// Test support for the store tests: direct SQLite access, to build stores by hand (old
// versions, rows a billing platform wrote) and to look at what the Store wrote.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <sqlite3.h>

namespace pm::test {

class RawDb {
public:
    explicit RawDb(const std::filesystem::path& path) {
        if (sqlite3_open_v2(path.c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                            nullptr) != SQLITE_OK) {
            throw std::runtime_error("cannot open " + path.string());
        }
        sqlite3_busy_timeout(m_db, 10'000);
    }
    ~RawDb() { sqlite3_close_v2(m_db); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;

    void exec(const std::string& sql) {
        char* message = nullptr;
        if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
            const std::string text = message != nullptr ? message : "?";
            sqlite3_free(message);
            throw std::runtime_error(text + " in: " + sql);
        }
    }

    // Every row of `sql`, its columns joined with '|', NULL shown as "NULL".
    std::vector<std::string> rows(const std::string& sql) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
            throw std::runtime_error(std::string(sqlite3_errmsg(m_db)) + " in: " + sql);
        }
        std::vector<std::string> out;
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            std::string row;
            for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
                const unsigned char* text = sqlite3_column_text(stmt, i);
                row += i > 0 ? "|" : "";
                row += text != nullptr ? reinterpret_cast<const char*>(text) : "NULL";
            }
            out.push_back(row);
        }
        sqlite3_finalize(stmt);
        return out;
    }

    std::string text(const std::string& sql) {
        const auto all = rows(sql);
        if (all.empty()) {
            throw std::runtime_error("no row from: " + sql);
        }
        return all.front();
    }

    std::int64_t integer(const std::string& sql) { return std::stoll(text(sql)); }

private:
    sqlite3* m_db = nullptr;
};

} // namespace pm::test
