// pmopenstack's reading of OpenStack replies: timestamps, error shapes, quota sets, tokens.
#include <catch2/catch.hpp>

#include "pm/errors.hpp"

#include "pmopenstack/api/parse.hpp"

namespace pm::test {
namespace api = openstack::api;

TEST_CASE("openstack parse: timestamps in every form the services send", "[openstack]") {
    const auto base = api::parse_timestamp("2026-11-22T08:08:08Z");
    REQUIRE(base);
    CHECK(api::format_timestamp(*base) == "2026-11-22T08:08:08");
    CHECK(api::parse_timestamp("2026-11-22T08:08:08.000000Z") == base);
    CHECK(api::parse_timestamp("2026-11-22T08:08:08.123456") == base);
    CHECK(api::parse_timestamp("2026-11-22T08:08:08") == base);
    CHECK(api::parse_timestamp("2026-11-22 08:08:08") == base);
    CHECK(api::parse_timestamp("2026-11-22T10:08:08+02:00") == base);
    CHECK(api::parse_timestamp("2026-11-22T07:08:08-01:00") == base);
    CHECK_FALSE(api::parse_timestamp(""));
    CHECK_FALSE(api::parse_timestamp("2026-11-22"));
    CHECK_FALSE(api::parse_timestamp("2026-11-22T08:08:08 UTC"));
    CHECK_FALSE(api::parse_timestamp("yesterday at noon, roughly"));
}

TEST_CASE("openstack parse: each service's error shape gives its message", "[openstack]") {
    CHECK(api::parse_error(R"({"error":{"code":401,"title":"Unauthorized","message":"no"}})")
              .message == "no");
    const auto nova = api::parse_error(R"({"forbidden":{"code":403,"message":"Quota exceeded"}})");
    CHECK(nova.type == "forbidden");
    CHECK(nova.message == "Quota exceeded");
    const auto neutron = api::parse_error(
        R"({"NeutronError":{"type":"OverQuota","message":"Quota exceeded","detail":""}})");
    CHECK(neutron.type == "OverQuota");
    CHECK(api::parse_error(R"({"faultcode":"Client","faultstring":"busy","debuginfo":null})")
              .message == "busy");
    CHECK(api::parse_error("<html>502 Bad Gateway</html>").message.empty());
    CHECK(api::parse_error("[1,2]").message.empty());
    CHECK(api::parse_error("").message.empty());
}

TEST_CASE("openstack parse: quota sets in plain and detailed forms", "[openstack]") {
    const auto plain = json::parse(R"({"id":"p","cores":20,"ram":-1,"instances":10})", "t");
    const auto limits = api::parse_limits(plain.root());
    CHECK(limits.size() == 3);
    CHECK(limits.at("ram") == -1);
    const auto detail =
        json::parse(R"({"cores":{"in_use":2,"limit":20,"reserved":0},"id":"p"})", "t");
    CHECK(api::parse_limits(detail.root()).at("cores") == 20);
    const auto bad = json::parse(R"({"cores":2.5})", "t");
    CHECK_THROWS_AS(api::parse_limits(bad.root()), ProtocolError);
}

TEST_CASE("openstack parse: a token's catalog survives the session cache", "[openstack]") {
    const auto doc = json::parse(R"({"token":{
        "expires_at":"2026-11-22T09:08:08.000000Z",
        "user":{"id":"u1","name":"admin"},
        "project":{"id":"p1","name":"admin"},
        "roles":[{"id":"r1","name":"admin"},{"id":"r2","name":"member"}],
        "catalog":[{"type":"compute","name":"nova","endpoints":[
            {"interface":"public","region":"RegionOne","region_id":"RegionOne",
             "url":"http://127.0.0.1/compute/v2.1"}]}]}})",
                                 "t");
    const auto info = api::parse_token(doc.root());
    CHECK(info.user_id == "u1");
    CHECK(info.has_role("member"));
    CHECK_FALSE(info.has_role("reader"));
    REQUIRE(info.expires_at);
    const auto again = api::deserialize_token(api::serialize_token(info));
    CHECK(again.project_id == "p1");
    CHECK(again.roles == info.roles);
    REQUIRE(again.endpoints.size() == 1);
    CHECK(again.endpoints.front().url == "http://127.0.0.1/compute/v2.1");
    CHECK_THROWS_AS(api::deserialize_token("{"), ProtocolError);
}

TEST_CASE("openstack parse: a token that cannot serve as a session says why", "[openstack]") {
    api::TokenInfo info;
    info.user_id = "u1";
    info.project_id = "p1";
    info.expires_at = std::chrono::system_clock::now();
    info.endpoints.push_back({"compute", "public", "RegionOne", "https://nova.example/v2.1"});
    CHECK(api::session_problem(info, api::Expiry::required).empty());
    SECTION("no user id") {
        info.user_id.clear();
        CHECK(api::session_problem(info, api::Expiry::ignored) == "no user id");
    }
    SECTION("no project id") {
        info.project_id.clear();
        CHECK(api::session_problem(info, api::Expiry::ignored) == "no project id");
    }
    SECTION("no expiry: required of a login reply, not of a cached session") {
        info.expires_at.reset();
        CHECK(api::session_problem(info, api::Expiry::required) == "no expiry");
        CHECK(api::session_problem(info, api::Expiry::ignored).empty());
    }
    SECTION("no catalog") {
        info.endpoints.clear();
        CHECK_THAT(api::session_problem(info, api::Expiry::ignored), Catch::Contains("catalog"));
    }
    SECTION("an endpoint without a URL or type") {
        info.endpoints.push_back({"network", "public", "RegionOne", ""});
        CHECK_THAT(api::session_problem(info, api::Expiry::ignored), Catch::Contains("URL"));
        info.endpoints.back() = {"", "public", "RegionOne", "http://neutron"};
        CHECK_THAT(api::session_problem(info, api::Expiry::ignored), Catch::Contains("type"));
    }
    SECTION("another service's odd endpoint does not matter") {
        info.endpoints.push_back({"placement", "public", "RegionOne", ""});
        CHECK(api::session_problem(info, api::Expiry::required).empty());
        info.endpoints.erase(info.endpoints.begin());
        CHECK_THAT(api::session_problem(info, api::Expiry::ignored), Catch::Contains("no endp"));
    }
}

} // namespace pm::test
