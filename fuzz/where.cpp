// The VMmanager `where` filter (pm::vmmgr6::api::where_eq): any value, unicode, quotes and
// SQL-looking text included, must reach the server as the one literal it was. The check
// decodes the query value and reads the quoted literal back the way the API's grammar does
// ('' inside quotes is one quote, \x is x).
#include <optional>
#include <string>

#include "fuzz.hpp"
#include "pmvmmgr6/api/client.hpp"

namespace {

int hex(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// The query value as the server sees it: '+' is a space, %XX a byte; nullopt if malformed.
std::optional<std::string> decode_query_value(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            if (i + 2 >= text.size()) {
                return std::nullopt;
            }
            const int high = hex(text[i + 1]);
            const int low = hex(text[i + 2]);
            if (high < 0 || low < 0) {
                return std::nullopt;
            }
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else if (std::string_view("&=#;/?:@ '\"()").find(c) != std::string_view::npos) {
            return std::nullopt; // would end or change the query value
        } else {
            out += c;
        }
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    constexpr std::string_view k_fields[] = {"id", "email", "name", "ip_addr"};
    const std::string_view field = k_fields[data[0] % 4];
    const std::string_view value = pm::fuzz::as_text(data + 1, size - 1);
    const std::string where = pm::vmmgr6::api::where_eq(field, value);
    const auto decoded = decode_query_value(where);
    PM_FUZZ_CHECK(decoded.has_value());
    const std::string prefix = "(" + std::string(field) + " EQ '";
    PM_FUZZ_CHECK(decoded->starts_with(prefix));
    std::string literal;
    std::size_t i = prefix.size();
    for (; i < decoded->size(); ++i) {
        if ((*decoded)[i] == '\\' && i + 1 < decoded->size()) {
            literal += (*decoded)[++i]; // \x is x (PROBE D20: a backslash is escaped too)
            continue;
        }
        if ((*decoded)[i] == '\'') {
            if (i + 1 < decoded->size() && (*decoded)[i + 1] == '\'') {
                literal += '\'';
                ++i;
                continue;
            }
            break; // the closing quote
        }
        literal += (*decoded)[i];
    }
    PM_FUZZ_CHECK(literal == value);
    PM_FUZZ_CHECK(decoded->substr(i) == "')");
    return 0;
}
