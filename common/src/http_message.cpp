#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>

#include "pm/http.hpp"
#include "pm/redact.hpp"

#include "curl_library.hpp"

namespace pm::http {

std::string percent_encode(std::string_view text, bool space_as_plus) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (std::isalnum(byte) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
            out += c;
        } else if (c == ' ' && space_as_plus) {
            out += '+';
        } else {
            constexpr std::string_view k_hex = "0123456789ABCDEF";
            out += '%';
            out += k_hex[byte >> 4U];
            out += k_hex[byte & 0x0FU];
        }
    }
    return out;
}

std::string_view method_name(Method method) {
    switch (method) {
    case Method::get:
        return "GET";
    case Method::head:
        return "HEAD";
    case Method::post:
        return "POST";
    case Method::put:
        return "PUT";
    case Method::patch:
        return "PATCH";
    case Method::del:
        return "DELETE";
    }
    return "?";
}

std::string_view kind_name(TransportFailure::Kind kind) {
    using Kind = TransportFailure::Kind;
    switch (kind) {
    case Kind::connect:
        return "connect failure";
    case Kind::timeout:
        return "timeout";
    case Kind::dropped:
        return "connection dropped";
    case Kind::tls:
        return "TLS failure";
    case Kind::too_large:
        return "reply too large";
    case Kind::misconfigured:
        return "unusable URL";
    case Kind::other:
        return "transport failure";
    }
    return "transport failure";
}

std::optional<std::string> Response::header(std::string_view name) const {
    const auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
    for (const auto& entry : headers) {
        if (std::equal(entry.name.begin(), entry.name.end(), name.begin(), name.end(),
                       [&](char a, char b) { return lower(a) == lower(b); })) {
            return entry.value;
        }
    }
    return std::nullopt;
}

std::string redact_url(std::string_view url) {
    // user:password@ in the authority is a secret whatever the key names say.
    std::string text(url);
    const auto scheme = text.find("://");
    if (scheme != std::string::npos) {
        const auto authority = scheme + 3;
        const auto end = text.find_first_of("/?#", authority);
        const auto at = text.rfind('@', end == std::string::npos ? std::string::npos : end);
        if (at != std::string::npos && at >= authority) {
            text.replace(authority, at - authority, k_mask);
        }
    }
    return redact(text);
}

std::optional<std::chrono::milliseconds>
parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now) {
    using std::chrono::milliseconds;
    using std::chrono::seconds;
    // Absurdly far off is clamped to a year so that the arithmetic cannot overflow; the
    // caller's cap applies anyway.
    constexpr long long k_year = 365LL * 24 * 3600;
    const auto first = value.find_first_not_of(" \t");
    const auto last = value.find_last_not_of(" \t");
    if (first == std::string_view::npos) {
        return std::nullopt;
    }
    value = value.substr(first, last - first + 1);
    if (value.find_first_not_of("0123456789") == std::string_view::npos) {
        long long delta = 0;
        const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), delta);
        if (error == std::errc::result_out_of_range || delta > k_year) {
            delta = k_year;
        }
        return milliseconds(seconds(delta));
    }
    // IMF-fixdate, RFC 850 and asctime forms, as RFC 9110 asks a recipient to accept.
    const std::time_t at = curl().getdate(std::string(value).c_str(), nullptr);
    if (at == -1) {
        return std::nullopt;
    }
    // A date centuries off (a year of 72026) would overflow the clock's nanoseconds.
    const std::time_t from = std::chrono::system_clock::to_time_t(now);
    if (at <= from) {
        return milliseconds(0);
    }
    if (at - from > k_year) {
        return milliseconds(seconds(k_year));
    }
    const auto delta = std::chrono::system_clock::from_time_t(at) - now;
    return std::max(std::chrono::duration_cast<milliseconds>(delta), milliseconds(0));
}

} // namespace pm::http
