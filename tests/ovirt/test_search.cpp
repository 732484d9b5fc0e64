// The oVirt search builder (modules/pmovirt/api/search.hpp): the expressions of
// ../shared/api/ovirt.md §4.2, §7 and §11, and no way for a value to add to them.
#include <catch2/catch.hpp>

#include "pm/errors.hpp"

#include "pmovirt/api/search.hpp"

using Catch::Matchers::Contains;
using pm::ovirt::api::sanitized_correlation_id;
using pm::ovirt::api::Search;

TEST_CASE("ovirt search: exact names are quoted", "[ovirt]") {
    CHECK(Search::name_is("bm42").text() == R"(name="bm42")");
    CHECK(Search::name_is("centos7-cpanel_v2.1").text() == R"(name="centos7-cpanel_v2.1")");
    CHECK(Search::name_is("сервер").text() == "name=\"сервер\"");
}

TEST_CASE("ovirt search: a value that would need escaping is refused", "[ovirt]") {
    for (const char* value : {"", "a\"b", "bm42\" or name=\"x", "a*", "a b", "a\\b", "a=b", "a\nb",
                              "a;b", "bm42 page 2", "\xC3", "a\xFF"}) {
        DYNAMIC_SECTION(value) {
            CHECK_THROWS_AS(Search::name_is(value), pm::OperationError);
        }
    }
    CHECK_THROWS_AS(Search::name_is(std::string(256, 'a')), pm::OperationError);
    CHECK_NOTHROW(Search::name_is(std::string(255, 'a')));
    CHECK_THROWS_WITH(Search::name_is("a\"b"), Contains("no engine name holds"));
}

TEST_CASE("ovirt search: prefixes end in the wildcard", "[ovirt]") {
    CHECK(Search::name_starts("bm").text() == "name=bm*");
    for (const char* value : {"", "b*", "b m", "\"", "сервер"}) {
        DYNAMIC_SECTION(value) {
            CHECK_THROWS_AS(Search::name_starts(value), pm::OperationError);
        }
    }
}

TEST_CASE("ovirt search: pages", "[ovirt]") {
    CHECK(Search::name_starts("bm").page(2).text() == "name=bm* page 2");
    CHECK(Search::name_starts("bm").page(2).page(3).text() == "name=bm* page 3");
    CHECK(Search::all().text().empty());
    CHECK(Search::all().page(1).text() == "page 1");
    CHECK_THROWS_AS(Search::all().page(0), pm::OperationError);
    CHECK_THROWS_AS(Search::all().page(-1), pm::OperationError);
}

TEST_CASE("ovirt search: correlation ids as the engine keeps them", "[ovirt]") {
    CHECK(sanitized_correlation_id("bm42-create-1") == "bm42-create-1");
    CHECK(sanitized_correlation_id("bm42 create.1/€") == "bm42create1");
    CHECK(sanitized_correlation_id(std::string(40, 'x')) == std::string(36, 'x'));
    CHECK(Search::correlation_id("bm42-create-1").text() == "correlation_id=bm42-create-1");
    CHECK(Search::correlation_id("a\" or 1").text() == "correlation_id=aor1");
    CHECK_THROWS_AS(Search::correlation_id(" ./"), pm::OperationError);
}
