// pmvmmgr6's API client at the request level, over a scripted transport (no simulator): the
// session it sends, the one login again on an auth failure, and how a VMmanager error reply
// becomes an ApiError or an AuthError with the request id.
#include <catch2/catch.hpp>

#include "pm/errors.hpp"
#include "pm/http.hpp"
#include "pm/session_cache.hpp"

#include "pmvmmgr6/api/client.hpp"
#include "support/process.hpp"
#include "support/scripted_transport.hpp"

using namespace std::chrono_literals;
using pm::test::reply;
using pm::test::ScriptedTransport;

namespace {

constexpr auto k_url = "http://127.0.0.1:9/";
const std::string k_user = R"({"id":1,"email":"admin@example.com","roles":["@admin"]})";

struct Fixture {
    explicit Fixture(std::vector<pm::http::Response> script) : transport(std::move(script)) {}

    pm::test::TempDir cache;
    ScriptedTransport transport;
    pm::http::Client http{transport};
    pm::SessionCache sessions{cache.path(), k_url, "admin@example.com", 3600s};
    pm::Deadline deadline = pm::Deadline::after(60s);
    pm::vmmgr6::api::Client client{
        http, k_url, {"admin@example.com", "secret"}, sessions, deadline};
};

std::string login(const std::string& token) {
    return R"({"token":")" + token + R"("})";
}

} // namespace

TEST_CASE("pmvmmgr6 client: logs in once and sends the session as header and cookie") {
    Fixture f({reply(200, login("tok-1")), reply(200, k_user)});
    CHECK(f.client.whoami().email == "admin@example.com");
    CHECK(f.client.whoami().id == 1);
    REQUIRE(f.transport.requests.size() == 3);
    CHECK(f.transport.requests[0].url == "http://127.0.0.1:9/auth/v4/public/token");
    CHECK(f.transport.requests[1].url == "http://127.0.0.1:9/auth/v4/whoami");
    CHECK(f.transport.header(1, "x-xsrf-token") == "tok-1");
    CHECK(f.transport.header(1, "Cookie") == "ses6=tok-1");
    CHECK(f.transport.header(2, "Cookie") == "ses6=tok-1");
}

TEST_CASE("pmvmmgr6 client: a 401 logs in again once and sends the call again") {
    SECTION("the second session works") {
        Fixture f({reply(200, login("tok-1")), reply(401, R"({"error":{"msg":"expired"}})"),
                   reply(200, login("tok-2")), reply(200, k_user)});
        CHECK(f.client.whoami().id == 1);
        REQUIRE(f.transport.requests.size() == 4);
        CHECK(f.transport.requests[2].url == "http://127.0.0.1:9/auth/v4/public/token");
        CHECK(f.transport.header(3, "Cookie") == "ses6=tok-2");
    }
    SECTION("a second auth failure (code 3001) is an AuthError, after one login more") {
        Fixture f({reply(200, login("tok-1")),
                   reply(403, R"({"error":{"code":3001,"msg":"foreign session"}})"),
                   reply(200, login("tok-2")),
                   reply(403, R"({"error":{"code":3001,"msg":"foreign session"}})")});
        CHECK_THROWS_AS(f.client.whoami(), pm::AuthError);
        CHECK(f.transport.requests.size() == 4);
    }
}

TEST_CASE("pmvmmgr6 client: an error reply becomes ApiError with code, message and request id") {
    SECTION("a missing permission (403 with a code) is not cured by a login") {
        Fixture f(
            {reply(200, login("tok-1")), reply(403, R"({"error":{"code":1001,"msg":"admin only"}})",
                                               {{"X-Request-Id", "req-7"}})});
        try {
            (void)f.client.os_list();
            FAIL("no error");
        } catch (const pm::AuthError&) {
            FAIL("a permission error is not an auth error");
        } catch (const pm::ApiError& e) {
            CHECK(std::string(e.what()) ==
                  "VMmanager GET /vm/v3/os: HTTP 403, code 1001: admin only (request req-7)");
            CHECK(e.status() == 403);
            CHECK(e.service_message() == "admin only");
            CHECK(e.request_id() == "req-7");
        }
        CHECK(f.transport.requests.size() == 2);
    }
    SECTION("a reply that is not VMmanager's error shape is quoted, the query left out") {
        Fixture f({reply(200, login("tok-1")), reply(400, "<html>bad request</html>")});
        try {
            (void)f.client.hosts_named("pm-item-5");
            FAIL("no error");
        } catch (const pm::ApiError& e) {
            CHECK(std::string(e.what()) ==
                  "VMmanager GET /vm/v3/host: HTTP 400: <html>bad request</html>");
            CHECK(e.request_id().empty());
        }
    }
    SECTION("a failed login names the login") {
        Fixture f({reply(400, R"({"error":{"code":1002,"msg":"bad password"}})")});
        CHECK_THROWS_WITH(f.client.whoami(), "VMmanager login: HTTP 400, code 1002: bad password");
    }
}
