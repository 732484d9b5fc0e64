#include <catch2/catch.hpp>

#include "pm/text.hpp"

using pm::LineBreaks;
using pm::printable;
using pm::repaired_utf8;

namespace {
const std::string k_fffd = "\xEF\xBF\xBD";
}

TEST_CASE("text: valid UTF-8 passes unchanged") {
    const std::string text = "plain, caf\xC3\xA9, \xE2\x82\xAC, \xF0\x9F\x98\x80, tab\tend\n";
    CHECK(printable(text) == text);
    CHECK(repaired_utf8(text) == text);
}

TEST_CASE("text: malformed UTF-8 is replaced by U+FFFD byte by byte") {
    CHECK(repaired_utf8("a\xFF\xFE"
                        "b") == "a" + k_fffd + k_fffd + "b");
    CHECK(repaired_utf8("\x80") == k_fffd);                               // stray continuation
    CHECK(repaired_utf8("\xC0\xAF") == k_fffd + k_fffd);                  // overlong '/'
    CHECK(repaired_utf8("\xED\xA0\x80") == k_fffd + k_fffd + k_fffd);     // surrogate
    CHECK(repaired_utf8("\xF4\x90\x80\x80").size() == 4 * k_fffd.size()); // past U+10FFFF
    CHECK(repaired_utf8("end\xE2\x82") == "end" + k_fffd + k_fffd);       // cut short
    CHECK(repaired_utf8("\xC3(") == k_fffd + "(");
}

TEST_CASE("text: printable drops control characters and can join lines") {
    CHECK(printable("a\x01\x1b[31mb\x7F") == "a[31mb");
    CHECK(printable("c1 \xC2\x85 end") == "c1  end"); // U+0085 is a C1 control
    CHECK(printable(std::string("nul\0byte", 8)) == "nulbyte");
    CHECK(printable("two\r\nlines\tand tab") == "two\r\nlines\tand tab");
    CHECK(printable("two\r\nlines", LineBreaks::to_space) == "two  lines");
    CHECK(repaired_utf8("keeps \x01 controls") == "keeps \x01 controls");
}

TEST_CASE("text: base64 is RFC 4648 with padding") {
    CHECK(pm::base64("").empty());
    CHECK(pm::base64("f") == "Zg==");
    CHECK(pm::base64("fo") == "Zm8=");
    CHECK(pm::base64("foo") == "Zm9v");
    CHECK(pm::base64("foobar") == "Zm9vYmFy");
    CHECK(pm::base64("\xff\xfe\x00x") == "//4=");
    CHECK(pm::base64(std::string_view("\xff\xfe\x00x", 4)) == "//4AeA==");
}
