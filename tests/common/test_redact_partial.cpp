// Secrets in texts that were cut, and in Python-style header dumps (PROBE D4).
#include <string>

#include <catch2/catch.hpp>

#include "pm/redact.hpp"

using pm::excerpt;
using pm::redact;

namespace {

bool leaks(const std::string& text, const std::string& secret, std::size_t length) {
    return text.find(secret.substr(0, length)) != std::string::npos;
}

} // namespace

TEST_CASE("redact: masks the keys of a single-quoted dict (a Python header dump)") {
    CHECK(redact("headers: {'X-Auth-Token': 'qP7vN3xL0', 'Accept': 'application/json'}") ==
          "headers: {'X-Auth-Token': '***', 'Accept': 'application/json'}");
    CHECK(redact("{'Cookie': 'ses6=4-e63a1b; lang=en', 'Host': 'vm'}") ==
          "{'Cookie': '***', 'Host': 'vm'}");
    CHECK(redact(R"({'password': "it's me", 'x': 1})") == R"({'password': "***", 'x': 1})");
    SECTION("cut inside the value") {
        CHECK(redact("{'X-Auth-Token': 'qP7vN3") == "{'X-Auth-Token': '***");
    }
    SECTION("ordinary quoted words are left alone") {
        const std::string text = "the 'token' field is 'missing'";
        CHECK(redact(text) == text);
    }
}

TEST_CASE("redact: masks what is left of a registered secret where a text was cut in it") {
    const std::string token = "kT4wZq9Lr2Xv8NbY5cHd3JmF7sPa1GeU6oWi0QnR";
    pm::register_secret(token);
    const std::string body = std::string(150, '.') + " session " + token + " has expired";
    SECTION("cut, then redacted: the prefix left is masked") {
        const std::string cut = body.substr(0, 180);
        REQUIRE(leaks(cut, token, 10));
        const std::string masked = redact("HTTP 400: " + cut + " (request r-1)");
        CHECK_FALSE(leaks(masked, token, 8));
        CHECK(masked.find("session ***") != std::string::npos);
    }
    SECTION("excerpt masks first, then cuts") {
        const std::string short_text = excerpt(body, 180);
        CHECK_FALSE(leaks(short_text, token, 8));
        CHECK(short_text.find("session ***") != std::string::npos);
        CHECK(excerpt("abc", 10) == "abc");
        CHECK(excerpt("abcdef", 3) == "abc...");
        CHECK(excerpt("\xc3\xa9\xc3\xa9", 3) == "\xc3\xa9...");
    }
    SECTION("short prefixes and ordinary words are left alone") {
        CHECK(redact("kT4wZq9 is not enough") == "kT4wZq9 is not enough");
    }
}
