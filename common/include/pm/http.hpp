// HTTP in three layers (STYLE.md): a Transport that performs one request over libcurl and
// returns transport failures as values, a Client that adds retries, deadlines and one
// redacted log line per attempt, and the typed API clients of each module on top.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pm/deadline.hpp"

namespace pm::http {

enum class Method { get, head, post, put, patch, del };
[[nodiscard]] std::string_view method_name(Method method);

struct Header {
    std::string name;
    std::string value;
};

struct Request {
    Method method = Method::get;
    std::string url; // absolute
    std::vector<Header> headers;
    std::string body; // sent for POST, PUT and PATCH (even when empty), for DELETE if not empty
    // Send on a connection of its own rather than a kept-alive one. libcurl silently sends a
    // request again when a reused connection turns out dead before any answer, POST included;
    // the Client sets this for requests that must never be repeated.
    bool fresh_connection = false;
};

// Why a request got no complete answer.
struct TransportFailure {
    enum class Kind {
        connect,       // nothing was sent: resolve/connect failed — safe to retry any request
        timeout,       // the request may have reached the server
        dropped,       // the connection closed mid-request or mid-reply
        tls,           // certificate or handshake failure (not retried)
        too_large,     // the reply body passed TransportOptions::max_body_bytes (not retried)
        misconfigured, // the URL cannot work: malformed, or not http/https (not retried)
        other,
    };
    Kind kind = Kind::other;
    std::string message;
};
[[nodiscard]] std::string_view kind_name(TransportFailure::Kind kind);

struct Response {
    long status = 0;             // 0 when `failure` is set
    std::vector<Header> headers; // of the final header block (after 1xx), in order
    std::string body;
    std::optional<TransportFailure> failure;
    std::chrono::milliseconds elapsed{0};
    std::string request_id; // the remote request id, filled in by Client

    // Case-insensitive lookup of a response header: the first one of that name.
    [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
    [[nodiscard]] bool ok() const { return !failure && status >= 200 && status < 300; }
};

struct TransportOptions {
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds total_timeout{120'000};
    bool tls_verify = true; // false turns off both peer and host name verification
    // The largest API reply we accept, refused as soon as the body passes it (the buffer
    // never grows beyond it). The biggest legitimate reply is a listing page at the largest
    // page size (sync_page_size 10,000 Nova servers in detail: 2-5 KB each, up to ~50 MB).
    std::size_t max_body_bytes = 64u * 1024u * 1024u;
};

// Performs one request. Never throws for network trouble or HTTP statuses: those come back
// in the Response.
class Transport {
public:
    virtual ~Transport() = default;
    // `timeout` caps the whole exchange (the smaller of it and the total timeout is used).
    virtual Response perform(const Request& request, std::chrono::milliseconds timeout) = 0;
};

// libcurl transport: one easy handle per object, reused so connections are kept alive.
// Redirects are not followed (a 3xx comes back as the response). Not thread-safe: use one
// per thread.
[[nodiscard]] std::unique_ptr<Transport> make_curl_transport(const TransportOptions& options);

enum class Idempotency {
    by_method,      // GET, HEAD, PUT, DELETE are idempotent; POST, PATCH are not
    idempotent,     // safe to repeat whatever the method
    not_idempotent, // repeat only when the server surely did not act on it
};

struct RetryPolicy {
    int max_attempts = 8; // attempts in all, the first one included
    std::chrono::milliseconds base_delay{500};
    std::chrono::milliseconds max_delay{30'000};
    std::chrono::milliseconds retry_after_cap{60'000};
};

struct ClientOptions {
    RetryPolicy retry;
    // Response headers holding the remote request id, first found wins.
    std::vector<std::string> request_id_headers{"x-openstack-request-id", "x-compute-request-id",
                                                "x-request-id"};
    // Seams for tests; empty means the real thing. `sleep` waits, `now` reads the clock the
    // deadline is measured on, `random` draws the jitter uniformly from [0, 1).
    std::function<void(std::chrono::milliseconds)> sleep;
    std::function<Deadline::Clock::time_point()> now;
    std::function<double()> random;
};

// Adds retries with full-jitter exponential backoff: idempotent requests on connect,
// timeout and dropped failures and on 429/502/503/504; other requests only on connect
// failures, the one answer that proves the server did not act (a 429 or 503 may come from a
// gateway after the backend acted: callers of creates look up before creating again). Retry-After
// (seconds or HTTP-date) replaces the backoff, capped at retry_after_cap. Every attempt and every
// wait stays inside the deadline. Logs one redacted line per attempt (info): method, URL, status,
// ms, remote request id, retry decision; headers and bodies at debug level.
class Client {
public:
    explicit Client(Transport& transport, ClientOptions options = {});
    // Returns the final response, whatever its status. Throws TransportError when no
    // complete answer came after the retries, ConfigError when the URL cannot work (malformed,
    // not http/https, a TLS failure: certificate, or https to a plain HTTP port),
    // DeadlineExceeded when the deadline ran out (or would run out before the next retry).
    Response send(const Request& request, const Deadline& deadline,
                  Idempotency idempotency = Idempotency::by_method);
    // The request id of the last response (empty if none).
    [[nodiscard]] const std::string& last_request_id() const { return m_last_request_id; }

private:
    [[nodiscard]] std::chrono::milliseconds left(const Deadline& deadline) const;
    [[nodiscard]] std::chrono::milliseconds retry_delay(const Response& response, int attempt);
    void wait(std::chrono::milliseconds delay);
    void remember_request_id(Response& response);

    Transport& m_transport;
    ClientOptions m_options;
    std::string m_last_request_id;
};

// `text` percent-encoded for a URL query or path segment: every byte but the unreserved
// characters (letters, digits, - _ . ~) as %XX; with `space_as_plus`, a space as '+' (the
// application/x-www-form-urlencoded form).
[[nodiscard]] std::string percent_encode(std::string_view text, bool space_as_plus = false);

// `url` without user info and with secrets masked, for log lines and error messages.
[[nodiscard]] std::string redact_url(std::string_view url);

// The delay a Retry-After value asks for: delta-seconds or an HTTP-date (then measured
// from `now`, never negative); nullopt when it is neither.
[[nodiscard]] std::optional<std::chrono::milliseconds>
parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now);

} // namespace pm::http
