#include <unistd.h>

#include "store_impl.hpp"

namespace pm::store {
namespace {

// Column lists only; values are always bound.
constexpr std::string_view k_select_operation =
    "SELECT id, item_id, object_id, module_id, command, status, trycount, error, pid, "
    "created_at, updated_at, started_at FROM runningoperation ";

constexpr std::string_view k_exists = "SELECT 1 FROM runningoperation WHERE id = ?1";
constexpr std::string_view k_what = "running operation";
// Long enough for any error worth reading, short enough for a billing platform's list view.
constexpr std::size_t k_max_error_bytes = 1000;

RunningOperation read_operation(const db::Statement& row) {
    const OperationId id = row.id<OperationId>(0);
    const std::string status = row.text(5);
    RunningOperation operation{.id = id,
                               .item_id = row.optional_id<ItemId>(1),
                               .object_id = row.optional_id<ObjectId>(2),
                               .module_id = row.optional_id<ModuleId>(3),
                               .command = row.text(4),
                               .status =
                                   detail::checked_status(parse_operation_status(status), status,
                                                          fmt::format("running operation {}", id)),
                               .trycount = row.int64(6),
                               .error = row.text(7),
                               .pid = std::nullopt,
                               .created_at = row.text(9),
                               .updated_at = row.text(10),
                               .started_at = row.text(11)};
    if (!row.is_null(8)) {
        operation.pid = row.int64(8);
    }
    return operation;
}

// `lock`: inside a write transaction whose write depends on what was read.
std::optional<RunningOperation> select_operation(db::Connection& db, OperationId id,
                                                 bool lock = false) {
    db::Statement query(
        db, fmt::format("{} WHERE id = ?1{}", k_select_operation, lock ? db::for_update(db) : ""));
    if (!query.bind(id).step()) {
        return std::nullopt;
    }
    return read_operation(query);
}

RunningOperation require_operation(db::Connection& db, OperationId id, bool lock = false) {
    auto operation = select_operation(db, id, lock);
    if (!operation) {
        throw ConfigError(fmt::format("{} {} not found", k_what, id));
    }
    return std::move(*operation);
}

// The error column is shown as one line in the billing platform: runs of blanks and control
// characters become one space, and a long message is cut at a UTF-8 character boundary.
std::string one_line(std::string_view message) {
    std::string line;
    for (const char c : message) {
        const bool blank = static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
        if (blank && (line.empty() || line.back() == ' ')) {
            continue;
        }
        line.push_back(blank ? ' ' : c);
    }
    while (!line.empty() && line.back() == ' ') {
        line.pop_back();
    }
    if (line.size() > k_max_error_bytes) {
        std::size_t cut = k_max_error_bytes;
        while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) {
            --cut;
        }
        line.resize(cut);
        line += "...";
    }
    return line;
}

std::string statuses_value(const std::vector<OperationStatus>& statuses) {
    std::string value = ",";
    for (const OperationStatus status : statuses) {
        value += fmt::format("{},", to_string(status));
    }
    return value;
}

} // namespace

std::optional<RunningOperation> Store::find_operation(OperationId id) const {
    return select_operation(m_impl->db, id);
}

std::vector<RunningOperation> Store::operations(const OperationFilter& filter) const {
    // The statuses travel as one bound ",a,b," text, so the SQL stays fixed.
    db::Statement query(m_impl->db,
                        fmt::format("{} WHERE (?1 IS NULL OR item_id = ?1) "
                                    "AND (?2 IS NULL OR object_id = ?2) "
                                    "AND (?3 IS NULL OR module_id = ?3) "
                                    "AND (?4 IS NULL OR instr(?4, ',' || status || ',') > 0) "
                                    "ORDER BY id",
                                    k_select_operation));
    std::optional<std::string> statuses;
    if (!filter.statuses.empty()) {
        statuses = statuses_value(filter.statuses);
    }
    query.bind(filter.item_id, filter.object_id, filter.module_id, statuses);
    std::vector<RunningOperation> operations;
    while (query.step()) {
        operations.push_back(read_operation(query));
    }
    return operations;
}

OperationId Store::create_operation(const NewOperation& operation) {
    OperationId id;
    m_impl->write([&] {
        const std::string now = detail::utc_now();
        db::Statement(m_impl->db,
                      "INSERT INTO runningoperation (item_id, object_id, module_id, command, "
                      "status, trycount, created_at, updated_at) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?6)")
            .bind(operation.item_id, operation.object_id, operation.module_id, operation.command,
                  to_string(OperationStatus::pending), now)
            .run();
        id = OperationId(m_impl->db.last_insert_id());
    });
    return id;
}

RunningOperation Store::begin_operation(OperationId id) {
    std::optional<RunningOperation> started;
    m_impl->write([&] {
        const RunningOperation current = require_operation(m_impl->db, id, true);
        if (current.status == OperationStatus::manual) {
            throw OperationError(fmt::format(
                "{} {} is waiting for manual attention after {} failed tries (last error: {}); "
                "set it back to pending to run it again",
                k_what, id, current.trycount, current.error.empty() ? "none" : current.error));
        }
        db::Statement(m_impl->db,
                      "UPDATE runningoperation SET status = ?2, trycount = trycount + 1, "
                      "pid = ?3, started_at = ?4, updated_at = ?4 WHERE id = ?1")
            .bind(id, to_string(OperationStatus::running), ::getpid(), detail::utc_now())
            .run();
        started = require_operation(m_impl->db, id, true);
    });
    return *started;
}

void Store::finish_operation(OperationId id) {
    m_impl->write([&] {
        db::Statement(m_impl->db,
                      "UPDATE runningoperation SET status = ?2, error = NULL, pid = NULL, "
                      "updated_at = ?3 WHERE id = ?1")
            .bind(id, to_string(OperationStatus::done), detail::utc_now())
            .run();
        detail::require_changed(m_impl->db, id.value(), k_what);
    });
}

OperationStatus Store::fail_operation(OperationId id, std::string_view message,
                                      std::int64_t max_tries) {
    OperationStatus status = OperationStatus::error;
    m_impl->write([&] {
        const RunningOperation current = require_operation(m_impl->db, id, true);
        if (current.status == OperationStatus::done || current.status == OperationStatus::manual) {
            status = current.status;
            return;
        }
        // Not running: this attempt failed before begin_operation() could count it.
        const std::int64_t trycount =
            current.trycount + (current.status == OperationStatus::running ? 0 : 1);
        const bool exhausted = max_tries > 0 && trycount >= max_tries;
        status = exhausted ? OperationStatus::manual : OperationStatus::error;
        db::Statement(m_impl->db,
                      "UPDATE runningoperation SET status = ?2, trycount = ?3, error = ?4, "
                      "pid = NULL, updated_at = ?5 WHERE id = ?1")
            .bind(id, to_string(status), trycount, one_line(message), detail::utc_now())
            .run();
    });
    return status;
}

void Store::return_to_pending(OperationId id) {
    m_impl->write([&] {
        db::Statement(m_impl->db, "UPDATE runningoperation SET status = ?2, trycount = CASE WHEN "
                                  "trycount > 0 THEN trycount - 1 ELSE 0 END, "
                                  "pid = NULL, updated_at = ?4 WHERE id = ?1 AND status = ?3")
            .bind(id, to_string(OperationStatus::pending), to_string(OperationStatus::running),
                  detail::utc_now())
            .run();
        if (m_impl->db.changes() == 0) {
            detail::require_row(m_impl->db, k_exists, id.value(), k_what);
        }
    });
}

void Store::reset_operation(OperationId id) {
    m_impl->write([&] {
        db::Statement(m_impl->db,
                      "UPDATE runningoperation SET status = ?2, trycount = 0, error = NULL, "
                      "pid = NULL, updated_at = ?3 WHERE id = ?1")
            .bind(id, to_string(OperationStatus::pending), detail::utc_now())
            .run();
        detail::require_changed(m_impl->db, id.value(), k_what);
    });
}

} // namespace pm::store
