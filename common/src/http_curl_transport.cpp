#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <unistd.h>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/http.hpp"
#include "pm/text.hpp"

#include "curl_library.hpp"

namespace pm::http {
namespace {

using std::chrono::milliseconds;

// Response headers beyond this are a broken or hostile server, not an API reply.
constexpr std::size_t k_max_header_bytes = 1024u * 1024u;
// Reply bodies past this size get their buffer sized to the cap in one step.
constexpr std::size_t k_direct_growth = 8u * 1024u * 1024u;

struct EasyDeleter {
    void operator()(CURL* handle) const { curl().easy_cleanup(handle); }
};
struct ListDeleter {
    void operator()(curl_slist* list) const { curl().slist_free_all(list); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using HeaderList = std::unique_ptr<curl_slist, ListDeleter>;

// What the callbacks of one transfer write into.
struct Exchange {
    Response& response;
    std::size_t max_body_bytes;
    std::size_t header_bytes = 0;
    bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto& exchange = *static_cast<Exchange*>(user);
    const std::size_t bytes = size * count;
    std::string& body = exchange.response.body;
    if (body.size() + bytes > exchange.max_body_bytes) {
        exchange.too_large = true;
        return 0; // makes libcurl abort the transfer with CURLE_WRITE_ERROR
    }
    try {
        // Small replies grow by doubling; a big one gets the cap's worth at once (pages are
        // only resident once written), so memory peaks near the cap and never at twice it,
        // as repeated doubling and copying would.
        const std::size_t needed = body.size() + bytes;
        if (body.capacity() < needed) {
            const std::size_t wanted = needed > k_direct_growth
                                           ? exchange.max_body_bytes
                                           : std::max(needed, body.capacity() * 2);
            body.reserve(std::min(wanted, exchange.max_body_bytes));
        }
        body.append(data, bytes);
    } catch (...) { // nothing may unwind through libcurl
        return 0;
    }
    return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto& exchange = *static_cast<Exchange*>(user);
    const std::size_t bytes = size * count;
    exchange.header_bytes += bytes;
    if (exchange.header_bytes > k_max_header_bytes) {
        exchange.too_large = true;
        return 0;
    }
    const std::string_view line(data, bytes);
    if (line.starts_with("HTTP/")) {
        // A new status line: 1xx interim replies and followed redirects come before the
        // final reply, and only its headers count.
        exchange.response.headers.clear();
        return bytes;
    }
    const auto colon = line.find(':');
    if (colon != std::string_view::npos && colon > 0) {
        try {
            exchange.response.headers.push_back({std::string(trim(line.substr(0, colon))),
                                                 std::string(trim(line.substr(colon + 1)))});
        } catch (...) { // nothing may unwind through libcurl
            return 0;
        }
    }
    return bytes;
}

bool has_line_break(std::string_view text) {
    return text.find_first_of("\r\n") != std::string_view::npos;
}

// A header that would smuggle in more lines or has no name is refused before sending.
bool valid_headers(const std::vector<Header>& headers) {
    return std::none_of(headers.begin(), headers.end(), [](const Header& header) {
        return header.name.empty() || has_line_break(header.name) || has_line_break(header.value);
    });
}

bool append(HeaderList& list, const std::string& line) {
    curl_slist* appended = curl().slist_append(list.get(), line.c_str());
    if (appended == nullptr) {
        return false;
    }
    static_cast<void>(list.release()); // `appended` is the same list, grown
    list.reset(appended);
    return true;
}

bool build_headers(const std::vector<Header>& request_headers, HeaderList& list) {
    bool has_content_type = false;
    for (const auto& header : request_headers) {
        has_content_type = has_content_type || curl().strequal(header.name.c_str(), "content-type");
        // "Name:" would remove the header; "Name;" is libcurl's way to send it empty.
        if (!append(list,
                    header.value.empty() ? header.name + ";" : header.name + ": " + header.value)) {
            return false;
        }
    }
    // Without this libcurl labels every body application/x-www-form-urlencoded.
    return has_content_type || append(list, "Content-Type:");
}

bool is_tls_error(CURLcode code) {
    static constexpr std::array k_tls = {
        CURLE_SSL_CONNECT_ERROR,     CURLE_PEER_FAILED_VERIFICATION,
        CURLE_SSL_CERTPROBLEM,       CURLE_SSL_CIPHER,
        CURLE_SSL_CACERT_BADFILE,    CURLE_SSL_ENGINE_NOTFOUND,
        CURLE_SSL_ENGINE_SETFAILED,  CURLE_SSL_ENGINE_INITFAILED,
        CURLE_SSL_SHUTDOWN_FAILED,   CURLE_SSL_CRL_BADFILE,
        CURLE_SSL_ISSUER_ERROR,      CURLE_SSL_PINNEDPUBKEYNOTMATCH,
        CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT,
        CURLE_USE_SSL_FAILED};
    return std::find(k_tls.begin(), k_tls.end(), code) != k_tls.end();
}

TransportFailure::Kind kind_of(CURLcode code, bool too_large) {
    using Kind = TransportFailure::Kind;
    switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        return Kind::connect;
    case CURLE_OPERATION_TIMEDOUT:
        return Kind::timeout;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return Kind::dropped;
    case CURLE_FILESIZE_EXCEEDED:
        return Kind::too_large;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return Kind::misconfigured;
    case CURLE_WRITE_ERROR:
        return too_large ? Kind::too_large : Kind::other;
    default:
        return is_tls_error(code) ? Kind::tls : Kind::other;
    }
}

class CurlTransport final : public Transport {
public:
    explicit CurlTransport(const TransportOptions& options)
        : m_options(options), m_user_agent(fmt::format("pm/{} (pid {})", PM_VERSION, ::getpid())) {
        m_handle.reset(curl().easy_init());
        if (!m_handle) {
            throw SystemError("libcurl: cannot create an easy handle");
        }
    }

    Response perform(const Request& request, milliseconds timeout) override;

private:
    CURLcode configure(const Request& request, milliseconds total, Exchange& exchange,
                       HeaderList& headers);
    CURLcode set_method(const Request& request);
    // Classifies a failed transfer; a timeout before the connection was made is `connect`.
    TransportFailure failure_of(CURLcode code, const Exchange& exchange);

    TransportOptions m_options;
    // The process id, as in every log line: a service's access log leads to ours (and a
    // test tells the requests of one process, sent on several connections at once, apart).
    std::string m_user_agent;
    EasyHandle m_handle;
    std::array<char, CURL_ERROR_SIZE> m_error{};
};

CURLcode CurlTransport::set_method(const Request& request) {
    CURL* handle = m_handle.get();
    CURLcode rc = CURLE_OK;
    const auto send_body = [&] {
        if (rc == CURLE_OK) {
            rc = curl().easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                                    static_cast<curl_off_t>(request.body.size()));
        }
        if (rc == CURLE_OK) {
            rc = curl().easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
        }
    };
    switch (request.method) {
    case Method::get:
        return curl().easy_setopt(handle, CURLOPT_HTTPGET, 1L);
    case Method::head:
        return curl().easy_setopt(handle, CURLOPT_NOBODY, 1L);
    case Method::post:
        send_body();
        return rc;
    case Method::put:
    case Method::patch:
    case Method::del:
        rc = curl().easy_setopt(handle, CURLOPT_CUSTOMREQUEST,
                                std::string(method_name(request.method)).c_str());
        if (request.method != Method::del || !request.body.empty()) {
            send_body();
        }
        return rc;
    }
    return CURLE_BAD_FUNCTION_ARGUMENT;
}

CURLcode CurlTransport::configure(const Request& request, milliseconds total, Exchange& exchange,
                                  HeaderList& headers) {
    CURL* handle = m_handle.get();
    const long total_ms = total.count();
    const long connect_ms = std::min(m_options.connect_timeout, total).count();
    const bool verify = m_options.tls_verify;
    CURLcode rc = CURLE_OK;
    const auto set = [&](CURLoption option, auto value) {
        if (rc == CURLE_OK) {
            rc = curl().easy_setopt(handle, option, value);
        }
    };
    set(CURLOPT_URL, request.url.c_str());
    set(CURLOPT_PROTOCOLS_STR, "http,https");
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_TIMEOUT_MS, total_ms);
    set(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    set(CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
    set(CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
    set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(m_options.max_body_bytes));
    set(CURLOPT_TCP_KEEPALIVE, 1L);
    set(CURLOPT_FRESH_CONNECT, request.fresh_connection ? 1L : 0L);
    set(CURLOPT_USERAGENT, m_user_agent.c_str());
    set(CURLOPT_ERRORBUFFER, m_error.data());
    set(CURLOPT_WRITEFUNCTION, &on_body);
    set(CURLOPT_WRITEDATA, static_cast<void*>(&exchange));
    set(CURLOPT_HEADERFUNCTION, &on_header);
    set(CURLOPT_HEADERDATA, static_cast<void*>(&exchange));
    if (rc == CURLE_OK && !build_headers(request.headers, headers)) {
        rc = CURLE_OUT_OF_MEMORY;
    }
    set(CURLOPT_HTTPHEADER, headers.get());
    return rc == CURLE_OK ? set_method(request) : rc;
}

TransportFailure CurlTransport::failure_of(CURLcode code, const Exchange& exchange) {
    TransportFailure failure;
    failure.kind = kind_of(code, exchange.too_large);
    if (failure.kind == TransportFailure::Kind::timeout) {
        curl_off_t pretransfer = 0;
        if (curl().easy_getinfo(m_handle.get(), CURLINFO_PRETRANSFER_TIME_T, &pretransfer) ==
                CURLE_OK &&
            pretransfer == 0) {
            failure.kind = TransportFailure::Kind::connect; // nothing was sent
        }
    }
    if (failure.kind == TransportFailure::Kind::too_large) {
        failure.message =
            "the reply is larger than " + std::to_string(m_options.max_body_bytes) + " bytes";
    } else {
        failure.message = m_error[0] != '\0' ? std::string(m_error.data())
                                             : std::string(curl().easy_strerror(code));
    }
    return failure;
}

Response CurlTransport::perform(const Request& request, milliseconds timeout) {
    const auto started = std::chrono::steady_clock::now();
    Response response;
    const milliseconds total = std::min(m_options.total_timeout, timeout);
    if (total.count() <= 0) {
        // libcurl reads a zero timeout as "no timeout".
        response.failure = TransportFailure{TransportFailure::Kind::timeout, "no time left"};
        return response;
    }
    if (!valid_headers(request.headers)) {
        response.failure =
            TransportFailure{TransportFailure::Kind::other, "invalid request header"};
        return response;
    }
    Exchange exchange{response, m_options.max_body_bytes};
    HeaderList headers;
    curl().easy_reset(m_handle.get()); // keeps live connections, drops the last request's options
    m_error[0] = '\0';
    CURLcode rc = configure(request, total, exchange, headers);
    if (rc == CURLE_OK) {
        rc = curl().easy_perform(m_handle.get());
    }
    response.elapsed =
        std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
    if (rc != CURLE_OK) {
        response.failure = failure_of(rc, exchange);
        response.headers.clear();
        response.body.clear();
        return response;
    }
    curl().easy_getinfo(m_handle.get(), CURLINFO_RESPONSE_CODE, &response.status);
    return response;
}

} // namespace

std::unique_ptr<Transport> make_curl_transport(const TransportOptions& options) {
    return std::make_unique<CurlTransport>(options);
}

} // namespace pm::http
