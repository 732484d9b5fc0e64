#include <catch2/catch.hpp>

#include "pm/http.hpp"

using namespace std::chrono_literals;
using std::chrono::milliseconds;

TEST_CASE("http message: method names are the HTTP ones") {
    using pm::http::Method;
    CHECK(pm::http::method_name(Method::get) == "GET");
    CHECK(pm::http::method_name(Method::head) == "HEAD");
    CHECK(pm::http::method_name(Method::post) == "POST");
    CHECK(pm::http::method_name(Method::put) == "PUT");
    CHECK(pm::http::method_name(Method::patch) == "PATCH");
    CHECK(pm::http::method_name(Method::del) == "DELETE");
}

TEST_CASE("http message: response headers are found case-insensitively, first one wins") {
    pm::http::Response response;
    response.headers = {{"X-Dup", "one"}, {"x-dup", "two"}, {"Content-Type", "text/plain"}};
    CHECK(response.header("x-DUP") == "one");
    CHECK(response.header("content-type") == "text/plain");
    CHECK_FALSE(response.header("X-Du").has_value());
    CHECK_FALSE(response.header("").has_value());
}

TEST_CASE("http message: ok() means a 2xx status without a failure") {
    pm::http::Response response;
    response.status = 204;
    CHECK(response.ok());
    response.status = 302;
    CHECK_FALSE(response.ok());
    response.status = 200;
    response.failure = pm::http::TransportFailure{};
    CHECK_FALSE(response.ok());
}

TEST_CASE("http message: redact_url masks user info and secret parameters") {
    using pm::http::redact_url;
    CHECK(redact_url("https://user:pa55word@host:8443/v3?x=1") == "https://***@host:8443/v3?x=1");
    CHECK(redact_url("https://token@host/") == "https://***@host/");
    CHECK(redact_url("http://host/a?password=p1234&name=n") == "http://host/a?password=***&name=n");
    CHECK(redact_url("http://host/path@with-at?auth_token=abcd") ==
          "http://host/path@with-at?auth_token=***");
    CHECK(redact_url("http://127.0.0.1:5000/plain") == "http://127.0.0.1:5000/plain");
    CHECK(redact_url("not a url") == "not a url");
}

TEST_CASE("http message: Retry-After is delta-seconds or an HTTP date") {
    using pm::http::parse_retry_after;
    // Sun, 06 Nov 1994 08:49:37 GMT
    const auto now = std::chrono::system_clock::from_time_t(784111777);
    SECTION("seconds") {
        CHECK(parse_retry_after("0", now) == 0ms);
        CHECK(parse_retry_after("120", now) == 120s);
        CHECK(parse_retry_after("  7 ", now) == 7s);
    }
    SECTION("huge seconds are clamped, not overflowed") {
        const auto far = parse_retry_after("99999999999999999999999", now);
        REQUIRE(far.has_value());
        CHECK(*far > 24h);
    }
    SECTION("the three HTTP date forms") {
        CHECK(parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", now) == 60s);
        CHECK(parse_retry_after("Sunday, 06-Nov-94 08:49:47 GMT", now) == 10s);
        CHECK(parse_retry_after("Sun Nov  6 08:49:38 1994", now) == 1s);
    }
    SECTION("a date in the past is no wait") {
        CHECK(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now) == 0ms);
    }
    SECTION("anything else is not a Retry-After") {
        CHECK_FALSE(parse_retry_after("", now).has_value());
        CHECK_FALSE(parse_retry_after("-5", now).has_value());
        CHECK_FALSE(parse_retry_after("1.5", now).has_value());
        CHECK_FALSE(parse_retry_after("soon", now).has_value());
    }
}

TEST_CASE("http message: failure kinds have readable names") {
    using Kind = pm::http::TransportFailure::Kind;
    CHECK(pm::http::kind_name(Kind::connect) == "connect failure");
    CHECK(pm::http::kind_name(Kind::timeout) == "timeout");
    CHECK(pm::http::kind_name(Kind::dropped) == "connection dropped");
    CHECK(pm::http::kind_name(Kind::tls) == "TLS failure");
    CHECK(pm::http::kind_name(Kind::too_large) == "reply too large");
    CHECK(pm::http::kind_name(Kind::misconfigured) == "unusable URL");
    CHECK(pm::http::kind_name(Kind::other) == "transport failure");
}

TEST_CASE("http message: percent_encode keeps unreserved characters and encodes every other "
          "byte") {
    using pm::http::percent_encode;
    CHECK(percent_encode("aZ09-_.~") == "aZ09-_.~");
    CHECK(percent_encode("admin@internal") == "admin%40internal");
    CHECK(percent_encode("a b+c&d=e/f") == "a%20b%2Bc%26d%3De%2Ff");
    CHECK(percent_encode("a b", true) == "a+b");
    CHECK(percent_encode("\xC3\xA9\n") == "%C3%A9%0A");
    CHECK(percent_encode(std::string_view("\0\xFF", 2)) == "%00%FF");
    CHECK(percent_encode("").empty());
}
