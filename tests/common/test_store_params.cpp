// The store: typed reading of params (pm::Params).
#include <catch2/catch.hpp>

#include "pm/errors.hpp"
#include "pm/params.hpp"

using pm::ConfigError;
using pm::ParamMap;
using pm::Params;

namespace {

Params sample() {
    return Params("module 3", ParamMap{{"url", "https://vm.example.com"},
                                       {"blank", "  "},
                                       {"empty", ""},
                                       {"max_tries", " 5 "},
                                       {"negative", "-7"},
                                       {"ten", "ten"},
                                       {"huge", "99999999999999999999"},
                                       {"tls_verify", "Off"},
                                       {"queue_enabled", "yes"},
                                       {"flag", "maybe"},
                                       {"pool_os", " debian-12, ,ubuntu-22.04,,"}});
}

} // namespace

TEST_CASE("store: params give strings, and blank values count as absent") {
    const auto params = sample();
    CHECK(params.owner() == "module 3");
    CHECK(params.get("url") == "https://vm.example.com");
    CHECK_FALSE(params.get("missing"));
    CHECK_FALSE(params.get("blank"));
    CHECK_FALSE(params.get("empty"));
    CHECK(params.contains("url"));
    CHECK_FALSE(params.contains("empty"));
    CHECK(params.get_or("missing", "fallback") == "fallback");
    CHECK(params.get_or("url", "fallback") == "https://vm.example.com");
    CHECK(params.require("url") == "https://vm.example.com");
    CHECK_THROWS_WITH(params.require("password"), "module 3: the param 'password' is not set");
    CHECK_THROWS_WITH(params.require("blank"), "module 3: the param 'blank' is not set");
}

TEST_CASE("store: params give integers or name the bad value") {
    const auto params = sample();
    CHECK(params.get_int("max_tries", 10) == 5);
    CHECK(params.get_int("negative", 0) == -7);
    CHECK(params.get_int("missing", 10) == 10);
    CHECK(params.get_int("empty", 10) == 10);
    CHECK_FALSE(params.get_int("missing"));
    CHECK(params.require_int("max_tries") == 5);
    CHECK_THROWS_WITH(params.require_int("missing"), "module 3: the param 'missing' is not set");
    CHECK_THROWS_WITH(params.get_int("ten", 1),
                      "module 3: the param 'ten' must be an integer, not 'ten'");
    CHECK_THROWS_AS(params.get_int("huge", 1), ConfigError);
    CHECK_THROWS_AS(params.get_int("url", 1), ConfigError);
}

TEST_CASE("store: params give booleans or name the bad value") {
    const auto params = sample();
    CHECK_FALSE(params.get_bool("tls_verify", true));
    CHECK(params.get_bool("queue_enabled", false));
    CHECK(params.get_bool("missing", true));
    CHECK_FALSE(params.get_bool("empty"));
    CHECK_THROWS_WITH(params.get_bool("flag", true),
                      "module 3: the param 'flag' must be on or off, not 'maybe'");
}

TEST_CASE("store: params give comma lists") {
    const auto params = sample();
    CHECK(params.get_list("pool_os") == std::vector<std::string>{"debian-12", "ubuntu-22.04"});
    CHECK(params.get_list("missing").empty());
    CHECK(params.get_list("url") == std::vector<std::string>{"https://vm.example.com"});
}

TEST_CASE("store: params can be changed") {
    Params params("item 42", {});
    params.set("os", "debian-12");
    params.set("os", "ubuntu");
    CHECK(params.require("os") == "ubuntu");
    params.erase("os");
    params.erase("never-set");
    CHECK(params.values().empty());
}

TEST_CASE("store: parse_bool and parse_int") {
    for (const char* text : {"on", "ON", "yes", "True", "1", " on "}) {
        CHECK(pm::parse_bool(text) == true);
    }
    for (const char* text : {"off", "No", "FALSE", "0"}) {
        CHECK(pm::parse_bool(text) == false);
    }
    for (const char* text : {"", "2", "enabled", "o n"}) {
        CHECK_FALSE(pm::parse_bool(text));
    }
    CHECK(pm::parse_int("42") == 42);
    CHECK(pm::parse_int("+42") == 42);
    CHECK(pm::parse_int(" -3\n") == -3);
    CHECK(pm::parse_int("9223372036854775807") == INT64_MAX);
    for (const char* text :
         {"", "+", "-", "+-1", "1.5", "1e3", "0x10", "12abc", "9223372036854775808"}) {
        CHECK_FALSE(pm::parse_int(text));
    }
}

TEST_CASE("store: a long bad value is quoted only in part") {
    const Params params("item 1", ParamMap{{"n", std::string(500, '7') + "x"}});
    try {
        (void)params.get_int("n", 0);
        FAIL("accepted a non-number");
    } catch (const ConfigError& e) {
        CHECK(std::string_view(e.what()).size() < 150);
        CHECK_THAT(e.what(), Catch::EndsWith("...' (501 characters)"));
    }
}
