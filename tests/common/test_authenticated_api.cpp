// pm::http::AuthenticatedApi over a scripted transport: the module's three policies (login,
// how a request carries the session, how an error reply reads) and what the glue does with
// them: one login again on an auth failure, accepted statuses, one error text.
#include <catch2/catch.hpp>

#include "pm/authenticated_api.hpp"
#include "pm/errors.hpp"

#include "support/process.hpp"
#include "support/scripted_transport.hpp"

using namespace std::chrono_literals;
using pm::test::reply;

namespace {

struct Fixture {
    explicit Fixture(std::vector<pm::http::Response> script) : transport(std::move(script)) {}

    pm::test::TempDir cache;
    pm::test::ScriptedTransport transport;
    pm::http::Client http{transport};
    pm::SessionCache sessions{cache.path(), "http://127.0.0.1:9", "user", 3600s};
    pm::Deadline deadline = pm::Deadline::after(60s);
    int logins = 0;
    pm::http::AuthenticatedApi api{
        http, sessions, deadline,
        pm::http::ApiPolicies{
            [this](const pm::Deadline&) {
                pm::Session session;
                session.token = "token-" + std::to_string(++logins);
                return session;
            },
            [](pm::http::Request& request, const pm::Session& session) {
                request.headers.push_back({"Authorization", "Bearer " + session.token});
            },
            [](long status, std::string_view body) {
                pm::http::ServiceError error;
                error.message = std::string(body);
                error.code = status == 409 ? "in use" : "";
                error.is_auth = status == 401;
                return error;
            }}};

    pm::http::Request get(std::string path) const {
        return {pm::http::Method::get, "http://127.0.0.1:9" + path, {}, {}};
    }
};

} // namespace

TEST_CASE("authenticated api: the session goes with every call, one login for several") {
    Fixture f({reply(200, "a"), reply(200, "b")});
    CHECK(f.api.call(f.get("/a"), "Svc GET /a").body == "a");
    CHECK(f.api.call(f.get("/b"), "Svc GET /b").body == "b");
    CHECK(f.logins == 1);
    REQUIRE(f.transport.requests.size() == 2);
    CHECK(f.transport.header(0, "Authorization") == "Bearer token-1");
    CHECK(f.transport.header(1, "Authorization") == "Bearer token-1");
}

TEST_CASE("authenticated api: an auth failure logs in again once, a second one propagates") {
    SECTION("the new session works") {
        Fixture f({reply(401, "expired"), reply(200, "ok")});
        CHECK(f.api.call(f.get("/a"), "Svc GET /a").body == "ok");
        CHECK(f.logins == 2);
        CHECK(f.transport.header(1, "Authorization") == "Bearer token-2");
    }
    SECTION("twice rejected") {
        Fixture f({reply(401, "no")});
        CHECK_THROWS_AS(f.api.call(f.get("/a"), "Svc GET /a"), pm::AuthError);
        CHECK(f.logins == 2);
        CHECK(f.transport.requests.size() == 2);
    }
    SECTION("send() inside a session the caller holds does not retry by itself") {
        Fixture f({reply(401, "no")});
        CHECK_THROWS_AS(f.api.send(f.api.session(), f.get("/a"), "Svc GET /a"), pm::AuthError);
        CHECK(f.transport.requests.size() == 1);
    }
}

TEST_CASE("authenticated api: accepted statuses come back, others are one ApiError text") {
    SECTION("accepted") {
        Fixture f({reply(404, "gone")});
        CHECK(
            f.api.call(f.get("/a"), "Svc GET /a", pm::http::Idempotency::by_method, {404}).status ==
            404);
    }
    SECTION("the decoder's code and message, and the request id") {
        Fixture f({reply(409, "name taken", {{"X-Request-Id", "req-9"}})});
        try {
            (void)f.api.call(f.get("/a"), "Svc GET /a");
            FAIL("no error");
        } catch (const pm::AuthError&) {
            FAIL("not an auth error");
        } catch (const pm::ApiError& e) {
            CHECK(std::string(e.what()) ==
                  "Svc GET /a: HTTP 409, in use: name taken (request req-9)");
            CHECK(e.status() == 409);
            CHECK(e.service_message() == "name taken");
            CHECK(e.request_id() == "req-9");
        }
        CHECK(f.logins == 1);
    }
    SECTION("an empty message and no code leave the status alone") {
        Fixture f({reply(400, "")});
        CHECK_THROWS_WITH(f.api.call(f.get("/a"), "Svc GET /a"), "Svc GET /a: HTTP 400");
    }
}
