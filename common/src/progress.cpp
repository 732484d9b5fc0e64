#include "pm/progress.hpp"

#include <string>
#include <unistd.h>

#include "pm/text.hpp"

namespace pm {
namespace {

// A line that wraps cannot be rewritten in place by \r.
constexpr std::size_t k_max_columns = 79;

bool is_terminal(ProgressLine::Terminal terminal, std::FILE* to) {
    switch (terminal) {
    case ProgressLine::Terminal::yes:
        return true;
    case ProgressLine::Terminal::no:
        return false;
    case ProgressLine::Terminal::detect:
        break;
    }
    return to != nullptr && ::isatty(::fileno(to)) == 1;
}

bool starts_character(char c) {
    return (static_cast<unsigned char>(c) & 0xC0u) != 0x80u;
}

// `text` cut to `columns` characters (never inside a UTF-8 character), "..." marking the cut.
std::string fitted(const std::string& text, std::size_t columns) {
    std::size_t count = 0;
    std::size_t keep = 0; // bytes of the first columns - 3 characters
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (!starts_character(text[i])) {
            continue;
        }
        if (count == columns - 3) {
            keep = i;
        }
        ++count;
    }
    return count <= columns ? text : text.substr(0, keep) + "...";
}

} // namespace

ProgressLine::ProgressLine(Terminal terminal, std::FILE* to)
    : m_to(to), m_enabled(is_terminal(terminal, to)) {}

ProgressLine::~ProgressLine() {
    clear();
}

void ProgressLine::show(std::string_view text) {
    if (!m_enabled) {
        return;
    }
    const std::string line = fitted(printable(text, LineBreaks::to_space), k_max_columns);
    // Carriage return, the text, then erase what a longer earlier line left.
    std::fputs(("\r" + line + "\033[K").c_str(), m_to);
    std::fflush(m_to);
    m_shown = true;
}

void ProgressLine::clear() {
    if (m_shown) {
        std::fputs("\r\033[K", m_to);
        std::fflush(m_to);
        m_shown = false;
    }
}

} // namespace pm
