#include <catch2/catch.hpp>

#include "pm/redact.hpp"

using pm::redact;

TEST_CASE("redact: masks JSON values under secret keys") {
    CHECK(redact(R"({"email":"a@b.c","password":"hunter22"})") ==
          R"({"email":"a@b.c","password":"***"})");
    CHECK(redact(R"({"token": "4-abc", "id": "6"})") == R"({"token": "***", "id": "6"})");
    CHECK(redact(R"({"adminPass":"Xy7"})") == R"({"adminPass":"***"})");
    CHECK(redact(R"({"admin_password":"a\"b\\c","x":1})") == R"({"admin_password":"***","x":1})");
    CHECK(redact(R"({"secret": 123456, "n": 1})") == R"({"secret": ***, "n": 1})");
}

TEST_CASE("redact: leaves structures under secret-looking keys to their own keys") {
    const std::string body = R"({"token":{"expires_at":"2026-01-01","user":{"name":"admin"}}})";
    CHECK(redact(body) == body);
    CHECK(redact(R"({"auth":{"password":{"user":{"password":"pw"}}}})") ==
          R"({"auth":{"password":{"user":{"password":"***"}}}})");
}

TEST_CASE("redact: masks JSON inside JSON strings") {
    CHECK(redact(R"(error: "{\"password\":\"pw1234\",\"a\":1}")") ==
          R"(error: "{\"password\":\"***\",\"a\":1}")");
}

TEST_CASE("redact: masks key=value pairs, headers and flags") {
    SECTION("query strings and forms") {
        CHECK(redact("GET /x?user=a&password=p4ss&y=1") == "GET /x?user=a&password=***&y=1");
        CHECK(redact("auth_token=abc; path=/") == "auth_token=***; path=/");
    }
    SECTION("headers") {
        CHECK(redact("X-Auth-Token: gAAAAAB") == "X-Auth-Token: ***");
        CHECK(redact("x-xsrf-token: 4-uuid") == "x-xsrf-token: ***");
        CHECK(redact("Cookie: ses6=4-uuid; lang=en") == "Cookie: ***");
        CHECK(redact("X-Subject-Token: abc\r\nOther: 1") == "X-Subject-Token: ***\r\nOther: 1");
    }
    SECTION("command-line flags") {
        CHECK(redact("pm --password s3cr3t --item 4") == "pm --password *** --item 4");
        CHECK(redact("pm --password=s3cr3t --item 4") == "pm --password=*** --item 4");
    }
}

TEST_CASE("redact: leaves ordinary text alone") {
    const std::string text =
        "POST https://vm/auth/v4/public/token -> 201 12ms task=55 state=active";
    CHECK(redact(text) == text);
    CHECK(redact("") == "");
    CHECK(redact("password") == "password");
    CHECK(redact("tokens: 5 issued") == "tokens: 5 issued");
}

TEST_CASE("redact: masks registered secret values wherever they appear") {
    pm::register_secret("Tr0ub4dor&3");
    CHECK(redact("login failed for Tr0ub4dor&3 today") == "login failed for *** today");
    CHECK(redact(R"({"note":"Tr0ub4dor&3"})") == R"({"note":"***"})");
    CHECK(redact("p=Tr0ub4dor%263") == "p=***");
    SECTION("short values are not registered") {
        pm::register_secret("ab");
        CHECK(redact("a cab ride") == "a cab ride");
    }
}

TEST_CASE("redact: recognises secret keys by name") {
    CHECK(pm::is_secret_key("password"));
    CHECK(pm::is_secret_key("X-Auth-Token"));
    CHECK(pm::is_secret_key("root_password"));
    CHECK(pm::is_secret_key("Cookie"));
    CHECK(pm::is_secret_key("secret_key"));
    CHECK_FALSE(pm::is_secret_key("email"));
    CHECK_FALSE(pm::is_secret_key("task"));
    CHECK_FALSE(pm::is_secret_key("domain"));
}
