#include "pmovirt/api/search.hpp"

#include <utility>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/text.hpp"

namespace pm::ovirt::api {
namespace {

constexpr std::size_t k_max_name_bytes = 255; // the entity's limit (§5.1)
constexpr std::size_t k_max_correlation_id = 36;

bool name_ascii(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || c == '.' ||
           c == '_' || c == '-';
}

[[noreturn]] void refuse(std::string_view what, std::string_view value) {
    throw OperationError(
        fmt::format("oVirt search: {} '{}'", what, printable(value, LineBreaks::to_space)));
}

} // namespace

Search::Search(std::string criteria, std::int64_t page)
    : m_criteria(std::move(criteria)), m_page(page) {
    if (m_page == 0) {
        m_text = m_criteria;
    } else if (m_criteria.empty()) {
        m_text = fmt::format("page {}", m_page);
    } else {
        m_text = fmt::format("{} page {}", m_criteria, m_page);
    }
}

Search Search::name_is(std::string_view name) {
    if (name.empty() || name.size() > k_max_name_bytes) {
        refuse("a name has 1 to 255 bytes, not", name);
    }
    for (const char c : name) {
        if (static_cast<unsigned char>(c) < 0x80 && !name_ascii(c)) {
            refuse("no engine name holds", name);
        }
    }
    if (repaired_utf8(name) != name) {
        refuse("a name must be valid UTF-8, not", name);
    }
    return {fmt::format("name=\"{}\"", name), 0};
}

Search Search::name_starts(std::string_view prefix) {
    if (prefix.empty() || prefix.size() > k_max_name_bytes) {
        refuse("a name prefix has 1 to 255 bytes, not", prefix);
    }
    for (const char c : prefix) {
        if (!name_ascii(c)) {
            refuse("a name prefix holds ASCII letters, digits, '.', '_', '-' only, not", prefix);
        }
    }
    return {fmt::format("name={}*", prefix), 0};
}

Search Search::correlation_id(std::string_view id) {
    std::string clean = sanitized_correlation_id(id);
    if (clean.empty()) {
        refuse("a correlation id needs [0-9a-zA-Z_-], not", id);
    }
    return {fmt::format("correlation_id={}", clean), 0};
}

Search Search::all() {
    return {std::string(), 0};
}

Search Search::page(std::int64_t n) const {
    if (n < 1) {
        throw OperationError(fmt::format("oVirt search: pages count from 1, not {}", n));
    }
    return {m_criteria, n};
}

std::string sanitized_correlation_id(std::string_view id) {
    std::string out;
    for (const char c : id) {
        if (out.size() == k_max_correlation_id) {
            break;
        }
        if (name_ascii(c) && c != '.') {
            out += c;
        }
    }
    return out;
}

} // namespace pm::ovirt::api
