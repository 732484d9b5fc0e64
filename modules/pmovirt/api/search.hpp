// The `search=` expressions of the engine's query language (../shared/api/ovirt.md §7):
// `criteria [page N]`, values in double quotes, `*` as the wildcard. How the engine reads a
// quote, a backslash or a `*` inside a quoted value is documented nowhere (§7 only says
// "quotes go around values"), so nothing is escaped: a value that would need it is refused
// (OperationError), and what a criterion can hold is exactly the characters an engine name
// can (§5.1). No input can add a criterion, a `sortby` or a page of its own. The result is
// the raw expression: the client URL-encodes it as a query value.
// The engine matches case-insensitively by default (§7, code wins over the javadoc), and may
// take `_` and `.` loosely: callers compare the names of what comes back exactly
// (find_vm_named, newest_template).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pm::ovirt::api {

// A search expression, built only by the factories below.
class Search {
public:
    // `name="<name>"`. `name` is 1…255 bytes of ASCII letters, digits, '.', '_', '-' and
    // non-ASCII characters (valid UTF-8); anything else → OperationError.
    [[nodiscard]] static Search name_is(std::string_view name);
    // `name=<prefix>*` (a non-empty prefix of ASCII letters, digits, '.', '_', '-'; §11 sync).
    [[nodiscard]] static Search name_starts(std::string_view prefix);
    // `correlation_id=<id>` of sanitized_correlation_id(id) (§4.2); OperationError when
    // nothing of it is left.
    [[nodiscard]] static Search correlation_id(std::string_view id);
    // No criteria: every object (useful with page()).
    [[nodiscard]] static Search all();

    // This expression with ` page <n>` (§7 paging; n ≥ 1, else OperationError), replacing
    // an earlier page.
    [[nodiscard]] Search page(std::int64_t n) const;

    // The raw expression ("name=\"bm42\" page 2"); "" for all() without a page.
    [[nodiscard]] const std::string& text() const { return m_text; }

private:
    Search(std::string criteria, std::int64_t page);
    std::string m_criteria;
    std::int64_t m_page = 0;
    std::string m_text;
};

// What the engine makes of a Correlation-Id (§4.3, CurrentFilter): only `[0-9a-zA-Z_-]`
// kept, cut to 36 characters. Ids built here are the ones later searched for.
[[nodiscard]] std::string sanitized_correlation_id(std::string_view id);

} // namespace pm::ovirt::api
