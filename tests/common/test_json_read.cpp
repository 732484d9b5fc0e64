#include <catch2/catch.hpp>

#include "pm/errors.hpp"
#include "pm/json.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::Equals;

namespace {

// The ProtocolError message `action` throws (fails the test when it does not throw).
template <typename Action>
std::string error_of(Action&& action) {
    try {
        action();
    } catch (const pm::ProtocolError& error) {
        return error.what();
    }
    FAIL("no ProtocolError");
    return {};
}

const char* const k_reply = R"({
    "list": [
        {"id": 6, "name": "vm1", "ip4": [{"ip": "10.0.0.1"}], "enabled": true, "load": 0.5},
        {"id": "7", "name": null, "ip4": [], "enabled": false, "load": 2}
    ],
    "size": 2,
    "big": 9223372036854775807,
    "too_big": 9223372036854775808,
    "negative_too_big": -9223372036854775809,
    "huge": 123456789012345678901234567890,
    "float": 1.0,
    "exp": 1e3
})";

} // namespace

TEST_CASE("json read: values are read through checked accessors") {
    const auto document = pm::json::parse(k_reply, "reply of list");
    const auto root = document.root();
    CHECK(root.size() == 8);
    const auto list = root.at("list");
    REQUIRE(list.size() == 2);
    CHECK(list.at(0).at("id").as_int64() == 6);
    CHECK(list.at(0).at("name").as_string() == "vm1");
    CHECK(list.at(0).at("ip4").at(0).at("ip").as_string() == "10.0.0.1");
    CHECK(list.at(0).at("enabled").as_bool());
    CHECK(list.at(0).at("load").as_double() == 0.5);
    CHECK(list.at(1).at("load").as_double() == 2.0);
    CHECK(list.at(1).at("name").is_null());
    CHECK(list.at(1).at("ip4").items().empty());
    CHECK(root.at("big").as_int64() == 9223372036854775807);
    CHECK(root.at("list").at(1).at("id").path() == "$.list[1].id");
}

TEST_CASE("json read: find() gives nullopt for absent or null members") {
    const auto document = pm::json::parse(R"({"a":1,"n":null})", "reply");
    const auto root = document.root();
    REQUIRE(root.find("a").has_value());
    CHECK(root.find("a")->as_int64() == 1);
    CHECK_FALSE(root.find("n").has_value());
    CHECK_FALSE(root.find("missing").has_value());
    CHECK(root.at("n").is_null()); // at() still sees a null
    CHECK_THAT(error_of([&] { static_cast<void>(root.at("a").find("x")); }),
               Equals("reply: $.a: expected object, got number"));
}

TEST_CASE("json read: ids may be numbers or strings of digits") {
    const auto document =
        pm::json::parse(R"({"n":6,"s":"6","neg":"-12","f":6.5,"word":"six","space":" 6",
                            "plus":"+6","empty":"","over":"99999999999999999999","b":true})",
                        "reply of auth");
    const auto root = document.root();
    CHECK(root.at("n").as_int64_or_string() == 6);
    CHECK(root.at("s").as_int64_or_string() == 6);
    CHECK(root.at("neg").as_int64_or_string() == -12);
    CHECK_THAT(error_of([&] { static_cast<void>(root.at("f").as_int64_or_string()); }),
               Equals("reply of auth: $.f: expected integer, got float"));
    for (const char* key : {"word", "space", "plus", "empty"}) {
        DYNAMIC_SECTION(key) {
            CHECK_THAT(error_of([&] { static_cast<void>(root.at(key).as_int64_or_string()); }),
                       Contains("expected integer or integer string, got string"));
        }
    }
    CHECK_THAT(error_of([&] { static_cast<void>(root.at("over").as_int64_or_string()); }),
               Equals("reply of auth: $.over: integer out of range"));
    CHECK_THAT(error_of([&] { static_cast<void>(root.at("b").as_int64_or_string()); }),
               Equals("reply of auth: $.b: expected integer or integer string, got boolean"));
}

TEST_CASE("json read: booleans may be JSON booleans or the strings true and false") {
    const auto document = pm::json::parse(
        R"({"t":true,"f":false,"st":"true","sf":"false","up":"TRUE","mixed":"False",
            "yes":"yes","one":"1","n":1,"empty":"","padded":" true"})",
        "reply of vm");
    const auto root = document.root();
    CHECK(root.at("t").as_bool_or_string());
    CHECK_FALSE(root.at("f").as_bool_or_string());
    CHECK(root.at("st").as_bool_or_string());
    CHECK_FALSE(root.at("sf").as_bool_or_string());
    CHECK(root.at("up").as_bool_or_string());
    CHECK_FALSE(root.at("mixed").as_bool_or_string());
    for (const char* key : {"yes", "one", "empty", "padded"}) {
        DYNAMIC_SECTION(key) {
            CHECK_THAT(error_of([&] { static_cast<void>(root.at(key).as_bool_or_string()); }),
                       Contains("expected boolean or boolean string, got string"));
        }
    }
    CHECK_THAT(error_of([&] { static_cast<void>(root.at("n").as_bool_or_string()); }),
               Equals("reply of vm: $.n: expected boolean or boolean string, got number"));
}

TEST_CASE("json read: wrong types and missing keys name the context and path") {
    const auto document = pm::json::parse(k_reply, "reply of auth");
    const auto root = document.root();
    const auto list = root.at("list");
    CHECK_THAT(error_of([&] { static_cast<void>(list.at(1).at("id").as_int64()); }),
               Equals("reply of auth: $.list[1].id: expected integer, got string"));
    CHECK_THAT(error_of([&] { static_cast<void>(list.at(0).at("id").as_string()); }),
               Equals("reply of auth: $.list[0].id: expected string, got number"));
    CHECK_THAT(error_of([&] { static_cast<void>(list.at(0).at("missing")); }),
               Equals("reply of auth: $.list[0]: missing key \"missing\""));
    CHECK_THAT(error_of([&] { static_cast<void>(list.at(2)); }),
               Equals("reply of auth: $.list: index 2 out of range (size 2)"));
    CHECK_THAT(error_of([&] { static_cast<void>(root.at(0)); }),
               Equals("reply of auth: $: expected array, got object"));
    CHECK_THAT(error_of([&] { static_cast<void>(list.at("id")); }),
               Equals("reply of auth: $.list: expected object, got array"));
    CHECK_THAT(error_of([&] { static_cast<void>(list.at(1).at("name").as_string()); }),
               Equals("reply of auth: $.list[1].name: expected string, got null"));
    CHECK_THAT(error_of([&] { static_cast<void>(list.at(0).at("name").as_bool()); }),
               Equals("reply of auth: $.list[0].name: expected boolean, got string"));
    CHECK_THAT(error_of([&] { static_cast<void>(list.at(0).at("enabled").as_double()); }),
               Equals("reply of auth: $.list[0].enabled: expected number, got boolean"));
    CHECK_THAT(error_of([&] { static_cast<void>(root.at("size").size()); }),
               Equals("reply of auth: $.size: expected array or object, got number"));
    CHECK_THAT(error_of([&] { static_cast<void>(root.at("size").items()); }),
               Equals("reply of auth: $.size: expected array, got number"));
    CHECK_THAT(error_of([&] { static_cast<void>(list.members()); }),
               Equals("reply of auth: $.list: expected object, got array"));
}

TEST_CASE("json read: integers outside int64 and floats are rejected") {
    const auto document = pm::json::parse(k_reply, "reply");
    const auto root = document.root();
    for (const char* key : {"too_big", "negative_too_big", "huge"}) {
        DYNAMIC_SECTION(key) {
            CHECK_THAT(error_of([&] { static_cast<void>(root.at(key).as_int64()); }),
                       Equals(std::string("reply: $.") + key + ": integer out of range"));
            CHECK(root.at(key).as_double() != 0.0);
        }
    }
    for (const char* key : {"float", "exp"}) {
        DYNAMIC_SECTION(key) {
            CHECK_THAT(error_of([&] { static_cast<void>(root.at(key).as_int64()); }),
                       Equals(std::string("reply: $.") + key + ": expected integer, got float"));
        }
    }
}

TEST_CASE("json read: items() and members() walk in order with paths") {
    const auto document = pm::json::parse(R"({"b":[10,20,30],"a":{"x":1,"y":"2"}})", "reply");
    const auto root = document.root();
    std::vector<std::int64_t> numbers;
    std::vector<std::string> paths;
    for (const auto& item : root.at("b").items()) {
        numbers.push_back(item.as_int64());
        paths.push_back(item.path());
    }
    CHECK(numbers == std::vector<std::int64_t>{10, 20, 30});
    CHECK(paths == std::vector<std::string>{"$.b[0]", "$.b[1]", "$.b[2]"});
    const auto members = root.members();
    REQUIRE(members.size() == 2);
    CHECK(members[0].name == "b");
    CHECK(members[1].name == "a");
    CHECK(members[1].value.members()[1].value.path() == "$.a.y");
    CHECK_THAT(error_of([&] { static_cast<void>(members[1].value.members()[1].value.as_int64()); }),
               Equals("reply: $.a.y: expected integer, got string"));
}

TEST_CASE("json read: malformed input is a ProtocolError with the offset") {
    const auto parse_error = [](std::string_view text) {
        return error_of([&] { static_cast<void>(pm::json::parse(text, "reply of login")); });
    };
    CHECK_THAT(parse_error(""), Contains("reply of login: malformed JSON at offset 0"));
    CHECK_THAT(parse_error("   "), Contains("malformed JSON"));
    CHECK_THAT(parse_error(R"({"a":1,})"), Contains("malformed JSON at offset 7"));
    CHECK_THAT(parse_error(R"({"a":1} trailing)"), Contains("malformed JSON at offset 8"));
    CHECK_THAT(parse_error(R"({"a":)"), Contains("malformed JSON"));
    CHECK_THAT(parse_error("[1e400]"), Contains("malformed JSON"));
    CHECK_THAT(parse_error("<html>502 Bad Gateway</html>"), Contains("at offset 0"));
    CHECK_THAT(parse_error(std::string_view("\"a\0b\"", 5)), Contains("malformed JSON"));
    SECTION("invalid UTF-8") {
        CHECK_THAT(parse_error("\"\xff\""), Contains("malformed JSON at offset 1"));
        CHECK_THAT(parse_error("\"\xc3\""), Contains("malformed JSON"));
        CHECK_THAT(parse_error("\"\xe2\x82\""), Contains("malformed JSON"));
        CHECK_THAT(parse_error("\"\xc0\xaf\""), Contains("malformed JSON")); // overlong '/'
        CHECK_THAT(parse_error("{\"k\xf0\x9f\":1}"), Contains("malformed JSON"));
    }
    SECTION("a multi-byte sequence cut at the end of the text") {
        const std::string text = "\"\xf0\x9f";
        CHECK_THAT(parse_error(std::string_view(text.data(), 2)), Contains("malformed JSON"));
    }
}

TEST_CASE("json read: valid UTF-8 and escapes come through") {
    const auto document = pm::json::parse(R"(["h\u00e9", "\ud83d\ude00", "ü", "a\u0000b"])", "r");
    const auto items = document.root().items();
    CHECK(items.at(0).as_string() == "h\xc3\xa9");
    CHECK(items.at(1).as_string() == "\xf0\x9f\x98\x80");
    CHECK(items.at(2).as_string() == "\xc3\xbc");
    CHECK(items.at(3).as_string() == std::string("a\0b", 3));
}

TEST_CASE("json read: deep nesting neither crashes nor overflows the stack") {
    constexpr std::size_t k_depth = 200'000;
    SECTION("balanced") {
        const std::string text = std::string(k_depth, '[') + std::string(k_depth, ']');
        const auto document = pm::json::parse(text, "deep");
        auto view = document.root();
        for (int i = 0; i < 100; ++i) {
            view = view.at(std::size_t{0});
        }
        CHECK(view.is_array());
    }
    SECTION("unbalanced") {
        const std::string text = std::string(k_depth, '[') + std::string(k_depth - 1, ']');
        CHECK_THROWS_AS(pm::json::parse(text, "deep"), pm::ProtocolError);
    }
    SECTION("objects") {
        std::string text;
        for (std::size_t i = 0; i < k_depth; ++i) {
            text += "{\"a\":";
        }
        text += "1" + std::string(k_depth, '}');
        const auto document = pm::json::parse(text, "deep");
        CHECK(document.root().at("a").at("a").is_object());
    }
}

TEST_CASE("json read: every accessor on every kind of value either works or throws") {
    const auto document = pm::json::parse(
        R"([null, true, false, 0, -1, 1.5, 18446744073709551615, "", "x", [], [1], {}, {"k":"v"}])",
        "fuzz");
    for (const auto& value : document.root().items()) {
        const auto attempt = [&](auto&& action) {
            try {
                action();
            } catch (const pm::ProtocolError&) {
            }
        };
        attempt([&] { static_cast<void>(value.at("k")); });
        attempt([&] { static_cast<void>(value.find("k")); });
        attempt([&] { static_cast<void>(value.at(std::size_t{0})); });
        attempt([&] { static_cast<void>(value.at(std::size_t{5})); });
        attempt([&] { static_cast<void>(value.size()); });
        attempt([&] { static_cast<void>(value.items()); });
        attempt([&] { static_cast<void>(value.members()); });
        attempt([&] { static_cast<void>(value.as_string()); });
        attempt([&] { static_cast<void>(value.as_int64()); });
        attempt([&] { static_cast<void>(value.as_double()); });
        attempt([&] { static_cast<void>(value.as_bool()); });
        attempt([&] { static_cast<void>(value.as_int64_or_string()); });
        attempt([&] { static_cast<void>(value.as_bool_or_string()); });
        CHECK_FALSE(value.type_name().empty());
    }
}

TEST_CASE("json read: views stay valid when the document is moved") {
    auto document = pm::json::parse(R"({"a":[1,2]})", "moved");
    const auto view = document.root().at("a");
    const pm::json::Document moved = std::move(document);
    CHECK(view.at(1).as_int64() == 2);
    CHECK(moved.root().at("a").size() == 2);
}
