// The error hierarchy of pm. Every error maps to one exit code of DESIGN §3 and is caught
// in one place: the common runner, which prints it and records it on the running operation.
#pragma once

#include <stdexcept>
#include <string>

namespace pm {

// Exit codes of DESIGN §3.
enum class ExitCode : int {
    ok = 0,        // done
    failed = 1,    // the operation failed (recorded on the running operation)
    usage = 2,     // usage or configuration error
    temporary = 3, // temporary failure, safe to retry
    internal = 4,  // internal error
};

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
    // The exit code the process ends with when this error reaches the runner.
    [[nodiscard]] virtual ExitCode exit_code() const noexcept = 0;
    // A short machine-readable kind, printed as <error type="...">.
    [[nodiscard]] virtual const char* type() const noexcept = 0;
};

// A bad command line: unknown command, missing flag, bad flag value.
class UsageError : public Error {
public:
    using Error::Error;
    [[nodiscard]] ExitCode exit_code() const noexcept override { return ExitCode::usage; }
    [[nodiscard]] const char* type() const noexcept override { return "usage"; }
};

// A command this build lists but does not implement yet.
class NotImplemented : public UsageError {
public:
    using UsageError::UsageError;
    [[nodiscard]] const char* type() const noexcept override { return "not_implemented"; }
};

// Bad configuration: config file, environment, module params or store rows that do not
// make sense.
class ConfigError : public Error {
public:
    using Error::Error;
    [[nodiscard]] ExitCode exit_code() const noexcept override { return ExitCode::usage; }
    [[nodiscard]] const char* type() const noexcept override { return "config"; }
};

// The operation cannot be done as asked (e.g. shrinking a disk); nothing to retry.
class OperationError : public Error {
public:
    using Error::Error;
    [[nodiscard]] ExitCode exit_code() const noexcept override { return ExitCode::failed; }
    [[nodiscard]] const char* type() const noexcept override { return "operation"; }
};

// A remote API answered with a non-2xx status. Temporary (exit 3) for 429 and every 5xx but
// 501 (DESIGN §3: "5xx/429 after retries"); 429 and 502/503/504 reach the runner only once
// the retries are used up.
class ApiError : public Error {
public:
    ApiError(std::string message, long status, std::string service_message = {},
             std::string request_id = {})
        : Error(std::move(message)), m_status(status),
          m_service_message(std::move(service_message)), m_request_id(std::move(request_id)) {}
    [[nodiscard]] long status() const noexcept { return m_status; }
    [[nodiscard]] const std::string& service_message() const noexcept { return m_service_message; }
    [[nodiscard]] const std::string& request_id() const noexcept { return m_request_id; }
    [[nodiscard]] ExitCode exit_code() const noexcept override {
        const bool temporary = m_status == 429 || (m_status >= 500 && m_status != 501);
        return temporary ? ExitCode::temporary : ExitCode::failed;
    }
    [[nodiscard]] const char* type() const noexcept override { return "api"; }

private:
    long m_status;
    std::string m_service_message;
    std::string m_request_id;
};

// The remote side rejected our credentials or session; the session cache logs in again once.
class AuthError : public ApiError {
public:
    using ApiError::ApiError;
    [[nodiscard]] const char* type() const noexcept override { return "auth"; }
};

// The request never got a complete answer (connect failure, timeout, dropped connection).
class TransportError : public Error {
public:
    using Error::Error;
    [[nodiscard]] ExitCode exit_code() const noexcept override { return ExitCode::temporary; }
    [[nodiscard]] const char* type() const noexcept override { return "transport"; }
};

// A reply we cannot understand: malformed JSON, missing keys, wrong types.
class ProtocolError : public Error {
public:
    using Error::Error;
    [[nodiscard]] ExitCode exit_code() const noexcept override { return ExitCode::failed; }
    [[nodiscard]] const char* type() const noexcept override { return "protocol"; }
};

// The operation's deadline (op_timeout) ran out while waiting.
class DeadlineExceeded : public Error {
public:
    using Error::Error;
    [[nodiscard]] ExitCode exit_code() const noexcept override { return ExitCode::temporary; }
    [[nodiscard]] const char* type() const noexcept override { return "timeout"; }
};

// No queue slot (or other lock) could be taken before the deadline. The runner leaves the
// running operation pending.
class LockTimeout : public DeadlineExceeded {
public:
    using DeadlineExceeded::DeadlineExceeded;
    [[nodiscard]] const char* type() const noexcept override { return "queue_timeout"; }
};

// The billing store failed. Busy/locked beyond the timeout, a database server that cannot be
// reached or went away, and a transaction the server rolled back (deadlock, lock wait
// timeout: `conflict`, which the store retries as a whole first) are temporary; anything else
// (corruption, I/O, schema trouble) is internal.
class StoreError : public Error {
public:
    enum class Kind { busy, conflict, failure };
    StoreError(std::string message, Kind kind) : Error(std::move(message)), m_kind(kind) {}
    [[nodiscard]] ExitCode exit_code() const noexcept override {
        return m_kind == Kind::failure ? ExitCode::internal : ExitCode::temporary;
    }
    [[nodiscard]] const char* type() const noexcept override { return "store"; }
    [[nodiscard]] Kind kind() const noexcept { return m_kind; }

private:
    Kind m_kind;
};

// A system call failed in a way that says the host is broken (disk full, permissions).
class SystemError : public Error {
public:
    using Error::Error;
    [[nodiscard]] ExitCode exit_code() const noexcept override { return ExitCode::internal; }
    [[nodiscard]] const char* type() const noexcept override { return "system"; }
};

// Builds a SystemError message from `what` and errno's text.
[[nodiscard]] SystemError system_error(const std::string& what, int errno_value);

} // namespace pm
