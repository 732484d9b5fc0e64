#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

#include "pm/errors.hpp"
#include "pm/json.hpp"

using Catch::Matchers::Contains;

TEST_CASE("json write: builds nested bodies with escaping done for us") {
    const std::string password = "p\"a\\ss\nw\x01rd";
    pm::json::Writer writer;
    writer.begin_object()
        .key("auth")
        .begin_object()
        .member("name", "admin")
        .member("password", password)
        .member("domain", std::string_view("Default"))
        .end_object()
        .member("count", 3)
        .member("big", std::uint64_t{18446744073709551615u})
        .member("negative", std::int64_t{-9})
        .member("ratio", 0.25)
        .member("enabled", true)
        .key("tags")
        .begin_array()
        .value("a")
        .value(1L)
        .null()
        .begin_array()
        .end_array()
        .begin_object()
        .end_object()
        .end_array()
        .member("unicode", "h\xc3\xa9")
        .end_object();
    const std::string text = writer.str();
    CHECK(text == R"({"auth":{"name":"admin","password":"p\"a\\ss\nw\u0001rd","domain":"Default"},)"
                  R"("count":3,"big":18446744073709551615,"negative":-9,"ratio":0.25,)"
                  R"("enabled":true,"tags":["a",1,null,[],{}],"unicode":"hé"})");

    SECTION("what is written parses back to the same values") {
        const auto document = pm::json::parse(text, "round trip");
        CHECK(document.root().at("auth").at("password").as_string() == password);
        CHECK(document.root().at("tags").size() == 5);
    }
}

TEST_CASE("json write: scalars and empty containers can be the root") {
    CHECK(pm::json::Writer().value("x").str() == R"("x")");
    CHECK(pm::json::Writer().value(false).str() == "false");
    CHECK(pm::json::Writer().null().str() == "null");
    CHECK(pm::json::Writer().begin_object().end_object().str() == "{}");
    CHECK(pm::json::Writer().begin_array().end_array().str() == "[]");
    CHECK(pm::json::Writer().value(std::string_view()).str() == R"("")");
    CHECK(pm::json::Writer().value(std::string("a\0b", 3)).str() == R"("a\u0000b")");
}

TEST_CASE("json write: misuse is a logic error, not a broken body") {
    SECTION("a value where a key is due") {
        pm::json::Writer writer;
        writer.begin_object();
        CHECK_THROWS_AS(writer.value("x"), std::logic_error);
        CHECK_THROWS_AS(writer.begin_array(), std::logic_error);
    }
    SECTION("a key outside an object or twice") {
        pm::json::Writer writer;
        CHECK_THROWS_AS(writer.key("k"), std::logic_error);
        writer.begin_array();
        CHECK_THROWS_AS(writer.key("k"), std::logic_error);
        pm::json::Writer other;
        other.begin_object().key("a");
        CHECK_THROWS_AS(other.key("b"), std::logic_error);
        CHECK_THROWS_AS(other.end_object(), std::logic_error); // a key without its value
    }
    SECTION("unbalanced ends") {
        pm::json::Writer writer;
        CHECK_THROWS_AS(writer.end_object(), std::logic_error);
        writer.begin_array();
        CHECK_THROWS_AS(writer.end_object(), std::logic_error);
        CHECK_THROWS_AS(writer.str(), std::logic_error);
        writer.end_array();
        CHECK_THROWS_AS(writer.end_array(), std::logic_error);
        CHECK(writer.str() == "[]");
    }
    SECTION("a second root value") {
        pm::json::Writer writer;
        writer.value(1);
        CHECK_THROWS_AS(writer.value(2), std::logic_error);
        CHECK(writer.str() == "1");
    }
    SECTION("nothing written") {
        CHECK_THROWS_AS(pm::json::Writer().str(), std::logic_error);
    }
}

TEST_CASE("json write: invalid UTF-8 and non-finite numbers are refused") {
    pm::json::Writer writer;
    writer.begin_object();
    CHECK_THROWS_WITH(writer.key("bad\xff"), Contains("a key is not valid UTF-8"));
    writer.key("name");
    CHECK_THROWS_WITH(writer.value("caf\xe9"),
                      Contains("the value of \"name\" is not valid UTF-8"));
    // A sequence cut at the end of the view, with valid bytes right after it in memory.
    const std::string text = "ab\xf0\x9f\x98\x80";
    CHECK_THROWS_AS(writer.value(std::string_view(text.data(), 4)), pm::ProtocolError);
    CHECK_THROWS_AS(writer.value(std::numeric_limits<double>::quiet_NaN()), pm::ProtocolError);
    CHECK_THROWS_AS(writer.value(std::numeric_limits<double>::infinity()), pm::ProtocolError);
    // A refused value leaves the writer usable.
    writer.value(std::string_view(text)).end_object();
    CHECK(writer.str() == "{\"name\":\"ab\xf0\x9f\x98\x80\"}");
}
