#include <algorithm>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/http.hpp"
#include "pm/log.hpp"
#include "pm/redact.hpp"

namespace pm::http {
namespace {

using std::chrono::milliseconds;
using Kind = TransportFailure::Kind;

// Bodies in debug lines: big ones are left out, long ones cut (after masking, so that a
// cut never leaves half a secret).
constexpr std::size_t k_max_logged_body = 1024u * 1024u;
constexpr std::size_t k_logged_body_prefix = 16u * 1024u;

bool is_idempotent(Method method, Idempotency idempotency) {
    switch (idempotency) {
    case Idempotency::idempotent:
        return true;
    case Idempotency::not_idempotent:
        return false;
    case Idempotency::by_method:
        break;
    }
    return method != Method::post && method != Method::patch;
}

// Only a connect failure proves that the server did not act: a 429 or 503 may come from a
// gateway or load balancer after the backend carried the request out (PROBE D1). So a request
// that must not be repeated is sent again only after a connect failure; its caller resolves
// any other failure by looking up what it asked for (pm/create.hpp).
bool is_retryable(const Response& response, bool idempotent) {
    if (response.failure) {
        const Kind kind = response.failure->kind;
        return kind == Kind::connect ||
               (idempotent && (kind == Kind::timeout || kind == Kind::dropped));
    }
    const long status = response.status;
    return idempotent && (status == 429 || status == 502 || status == 503 || status == 504);
}

std::string outcome(const Response& response) {
    if (response.failure) {
        return fmt::format("{} ({})", kind_name(response.failure->kind),
                           redact(response.failure->message));
    }
    return std::to_string(response.status);
}

// One "Name: value" line per header: the form redact() masks secret headers in.
std::string headers_text(const std::vector<Header>& headers) {
    std::string text;
    for (const auto& header : headers) {
        text += fmt::format("{}: {}\n", header.name,
                            is_secret_key(header.name) ? k_mask : std::string_view(header.value));
    }
    return redact(text);
}

std::string body_text(std::string_view body) {
    if (body.empty()) {
        return "(empty)";
    }
    if (body.size() > k_max_logged_body) {
        return fmt::format("({} bytes, not shown)", body.size());
    }
    std::string text = redact(body);
    if (text.size() > k_logged_body_prefix) {
        text = fmt::format("{}... ({} bytes)", text.substr(0, k_logged_body_prefix), body.size());
    }
    return text;
}

// What to do after an attempt.
struct Decision {
    enum class Next { done, retry, attempts_used, out_of_time };
    Next next = Next::done;
    milliseconds delay{0};
};

std::string decision_text(const Decision& decision, int attempt, int max_attempts) {
    switch (decision.next) {
    case Decision::Next::done:
        return attempt > 1 ? fmt::format("; attempt {}/{}", attempt, max_attempts) : "";
    case Decision::Next::retry:
        return fmt::format("; attempt {}/{}, retrying in {}ms", attempt, max_attempts,
                           decision.delay.count());
    case Decision::Next::attempts_used:
        return fmt::format("; attempt {}/{}, giving up", attempt, max_attempts);
    case Decision::Next::out_of_time:
        return fmt::format("; attempt {}/{}, no time left to retry", attempt, max_attempts);
    }
    return "";
}

void log_attempt(const Request& request, std::string_view url, const Response& response,
                 std::string_view decision) {
    const std::string id = response.request_id.empty() ? "" : " req=" + response.request_id;
    log::info("HTTP {} {} -> {} {}ms{}{}", method_name(request.method), url, outcome(response),
              response.elapsed.count(), id, decision);
    if (!response.failure && log::enabled(log::Level::debug)) {
        log::debug("HTTP {} {} response {} headers:\n{}body: {}", method_name(request.method), url,
                   response.status, headers_text(response.headers), body_text(response.body));
    }
}

void log_request(const Request& request, std::string_view url) {
    if (log::enabled(log::Level::debug)) {
        log::debug("HTTP {} {} request headers:\n{}body: {}", method_name(request.method), url,
                   headers_text(request.headers), body_text(request.body));
    }
}

std::string attempts_text(int attempts) {
    return fmt::format("{} attempt{}", attempts, attempts > 1 ? "s" : "");
}

// Says what the last answer was and why retrying stopped, not only that time ran out.
DeadlineExceeded deadline_error(const Request& request, std::string_view url,
                                const Response& response, int attempts, const Decision& decision,
                                milliseconds left) {
    const std::string why =
        decision.next == Decision::Next::out_of_time
            ? fmt::format("not retried: the next attempt was due in {}ms, after the operation "
                          "deadline ({}ms left)",
                          decision.delay.count(), left.count())
            : std::string("the operation deadline (op_timeout) passed");
    return DeadlineExceeded(fmt::format("HTTP {} {}: {} after {}; {}", method_name(request.method),
                                        url, outcome(response), attempts_text(attempts), why));
}

TransportError transport_error(const Request& request, std::string_view url,
                               const Response& response, int attempts) {
    return TransportError(fmt::format("HTTP {} {} failed after {}: {}", method_name(request.method),
                                      url, attempts_text(attempts), outcome(response)));
}

double default_random() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

} // namespace

Client::Client(Transport& transport, ClientOptions options)
    : m_transport(transport), m_options(std::move(options)) {}

milliseconds Client::left(const Deadline& deadline) const {
    if (deadline.is_never()) {
        return deadline.remaining();
    }
    const auto now = m_options.now ? m_options.now() : Deadline::Clock::now();
    return std::max(std::chrono::duration_cast<milliseconds>(deadline.at() - now), milliseconds(0));
}

milliseconds Client::retry_delay(const Response& response, int attempt) {
    const RetryPolicy& policy = m_options.retry;
    if (const auto value = response.header("Retry-After")) {
        if (const auto asked = parse_retry_after(*value, std::chrono::system_clock::now())) {
            return std::min(*asked, policy.retry_after_cap);
        }
    }
    // Full jitter: uniform in [0, min(max_delay, base * 2^(attempt-1))).
    milliseconds ceiling = policy.base_delay;
    for (int i = 1; i < attempt && ceiling < policy.max_delay; ++i) {
        ceiling = ceiling > policy.max_delay / 2 ? policy.max_delay : ceiling * 2; // no overflow
    }
    ceiling = std::min(ceiling, policy.max_delay);
    const double unit =
        std::clamp(m_options.random ? m_options.random() : default_random(), 0.0, 1.0);
    return milliseconds(
        static_cast<milliseconds::rep>(unit * static_cast<double>(ceiling.count())));
}

void Client::wait(milliseconds delay) {
    if (m_options.sleep) {
        m_options.sleep(delay);
    } else if (delay.count() > 0) {
        std::this_thread::sleep_for(delay);
    }
}

void Client::remember_request_id(Response& response) {
    response.request_id.clear();
    for (const auto& name : m_options.request_id_headers) {
        if (auto value = response.header(name)) {
            response.request_id = std::move(*value);
            break;
        }
    }
    m_last_request_id = response.request_id;
}

Response Client::send(const Request& request, const Deadline& deadline, Idempotency idempotency) {
    const bool idempotent = is_idempotent(request.method, idempotency);
    Request attempt_request = request;
    attempt_request.fresh_connection = request.fresh_connection || !idempotent;
    const int max_attempts = std::max(1, m_options.retry.max_attempts);
    const std::string url = redact_url(request.url);
    log_request(request, url);
    for (int attempt = 1;; ++attempt) {
        const milliseconds budget = left(deadline);
        if (budget.count() <= 0) {
            throw DeadlineExceeded(fmt::format("deadline passed before HTTP {} {} could be sent{}",
                                               method_name(request.method), url,
                                               attempt > 1 ? " again" : ""));
        }
        Response response = m_transport.perform(attempt_request, budget);
        remember_request_id(response);
        Decision decision;
        if (is_retryable(response, idempotent)) {
            decision.next =
                attempt < max_attempts ? Decision::Next::retry : Decision::Next::attempts_used;
        }
        if (decision.next == Decision::Next::retry) {
            decision.delay = retry_delay(response, attempt);
            if (decision.delay >= left(deadline)) {
                decision.next = Decision::Next::out_of_time; // never sleep past the deadline
            }
        }
        log_attempt(request, url, response, decision_text(decision, attempt, max_attempts));
        if (decision.next == Decision::Next::retry) {
            wait(decision.delay);
            continue;
        }
        if (decision.next == Decision::Next::out_of_time ||
            (response.failure && left(deadline).count() <= 0)) {
            throw deadline_error(request, url, response, attempt, decision, left(deadline));
        }
        if (response.failure) {
            const Kind kind = response.failure->kind;
            if (kind == Kind::misconfigured || kind == Kind::tls) { // the admin has to act
                throw ConfigError(transport_error(request, url, response, attempt).what());
            }
            throw transport_error(request, url, response, attempt);
        }
        return response;
    }
}

} // namespace pm::http
