#include "pm/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>
#include <vector>

#include <fmt/format.h>

#include "pm/http.hpp"

namespace pm {
namespace {

constexpr std::size_t k_min_secret_length = 4;
// A text cut in the middle of a secret keeps a prefix of it: prefixes this long, and at least
// half the secret, are masked too. Shorter ones could be ordinary words.
constexpr std::size_t k_min_partial_length = 8;

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool is_key_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.';
}

// Header names whose whole value is a secret ("Cookie: a=b; c=d").
bool is_secret_header(std::string_view key) {
    static constexpr std::array<std::string_view, 7> k_headers = {
        "cookie",       "set-cookie",      "authorization", "proxy-authorization",
        "x-auth-token", "x-subject-token", "x-xsrf-token"};
    const std::string name = lower(key);
    return std::find(k_headers.begin(), k_headers.end(), name) != k_headers.end() ||
           name.find("password") != std::string::npos || name.find("secret") != std::string::npos;
}

struct Registry {
    std::mutex mutex;
    std::vector<std::string> values; // longest first, so a secret inside another is covered
};

Registry& registry() {
    static Registry instance;
    return instance;
}

std::string json_escaped(std::string_view value) {
    std::string out;
    for (const char c : value) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out;
}

// Masks text[from, to) in `out`, which is being built from `text`.
class Masker {
public:
    explicit Masker(std::string_view text) : m_text(text) { m_out.reserve(text.size()); }

    std::string run();

private:
    std::size_t value_end(std::size_t from, std::string_view stops) const {
        std::size_t end = from;
        while (end < m_text.size() && stops.find(m_text[end]) == std::string_view::npos) {
            ++end;
        }
        return end;
    }
    std::size_t skip_spaces(std::size_t at) const {
        while (at < m_text.size() && (m_text[at] == ' ' || m_text[at] == '\t')) {
            ++at;
        }
        return at;
    }
    // Returns the end of the quoted value starting at `at` (just after the opening quote);
    // `escaped` means the quotes themselves appear as \" (JSON inside a JSON string).
    std::size_t quoted_end(std::size_t at, bool escaped) const;
    // Handles what follows a secret key ending at `at`; returns the new position.
    std::size_t after_secret_key(std::size_t key_start, std::size_t at, bool quoted);
    // The same for a key in single quotes, as Python prints a dict: {'X-Auth-Token': 'x'}.
    std::size_t after_single_quoted_key(std::size_t at);
    void emit_mask_until(std::size_t from, std::size_t to) {
        m_out.append(m_text.substr(m_pos, from - m_pos));
        if (to > from) {
            m_out.append(k_mask);
        }
        m_pos = to;
    }

    std::string_view m_text;
    std::string m_out;
    std::size_t m_pos = 0;
};

std::size_t Masker::quoted_end(std::size_t at, bool escaped) const {
    for (std::size_t i = at; i < m_text.size(); ++i) {
        if (escaped) {
            if (m_text[i] == '\\' && i + 1 < m_text.size() && m_text[i + 1] == '"') {
                return i;
            }
        } else if (m_text[i] == '\\') {
            ++i;
        } else if (m_text[i] == '"') {
            return i;
        }
    }
    return m_text.size();
}

std::size_t Masker::after_secret_key(std::size_t key_start, std::size_t at, bool quoted) {
    const std::string_view key = m_text.substr(key_start, at - key_start);
    std::size_t i = at;
    bool escaped = false;
    if (quoted) {
        escaped = m_text[i] == '\\';
        i += escaped ? 2 : 1; // closing quote of the key
        i = skip_spaces(i);
        if (i >= m_text.size() || m_text[i] != ':') {
            return at;
        }
        i = skip_spaces(i + 1);
        if (i >= m_text.size()) {
            return at;
        }
        if (escaped ? m_text.substr(i, 2) == "\\\"" : m_text[i] == '"') {
            const std::size_t start = i + (escaped ? 2 : 1);
            const std::size_t end = quoted_end(start, escaped);
            emit_mask_until(start, end);
            return end;
        }
        if (m_text[i] == '{' || m_text[i] == '[') {
            return i; // a structure under a secret-looking key: its own keys decide
        }
        const std::size_t end = value_end(i, ",}] \t\r\n\\");
        emit_mask_until(i, end);
        return end;
    }
    if (m_text[i] == '=') {
        const std::size_t end = value_end(i + 1, "&;, \t\r\n\"'<>");
        emit_mask_until(i + 1, end);
        return end;
    }
    if (m_text[i] == ':' && is_secret_header(key)) {
        const std::size_t start = skip_spaces(i + 1);
        const std::size_t end = value_end(start, "\r\n\"");
        emit_mask_until(start, end);
        return end;
    }
    const bool flag = key.substr(0, 2) == "--";
    if (flag && (m_text[i] == ' ' || m_text[i] == '\t')) {
        const std::size_t start = skip_spaces(i);
        const std::size_t end = value_end(start, " \t\r\n\"'");
        emit_mask_until(start, end);
        return end;
    }
    return at;
}

std::size_t Masker::after_single_quoted_key(std::size_t at) {
    std::size_t i = skip_spaces(at + 1); // past the closing quote of the key
    if (i >= m_text.size() || m_text[i] != ':') {
        return at;
    }
    i = skip_spaces(i + 1);
    if (i >= m_text.size()) {
        return at;
    }
    const char quote = m_text[i];
    if (quote != '\'' && quote != '"') {
        return at; // not a string: nothing a secret could hide in that the key form misses
    }
    std::size_t end = i + 1;
    while (end < m_text.size() && m_text[end] != quote) {
        end += m_text[end] == '\\' ? std::size_t{2} : std::size_t{1};
    }
    end = std::min(end, m_text.size());
    emit_mask_until(i + 1, end);
    return end;
}

std::string Masker::run() {
    std::size_t i = 0;
    while (i < m_text.size()) {
        if (!is_key_char(m_text[i])) {
            ++i;
            continue;
        }
        const std::size_t start = i;
        while (i < m_text.size() && is_key_char(m_text[i])) {
            ++i;
        }
        if (i >= m_text.size() || !is_secret_key(m_text.substr(start, i - start))) {
            continue;
        }
        if (start > 0 && m_text[start - 1] == '\'' && m_text[i] == '\'') {
            i = std::max(i, after_single_quoted_key(i));
            continue;
        }
        const bool quoted = start > 0 && m_text[start - 1] == '"' &&
                            (m_text[i] == '"' || m_text.substr(i, 2) == "\\\"");
        i = std::max(i, after_secret_key(start, i, quoted));
    }
    m_out.append(m_text.substr(m_pos));
    return std::move(m_out);
}

void replace_all(std::string& text, std::string_view needle) {
    std::size_t at = 0;
    while ((at = text.find(needle, at)) != std::string::npos) {
        text.replace(at, needle.size(), k_mask);
        at += k_mask.size();
    }
}

// Masks what is left of `secret` where a text was cut inside it: a long enough prefix.
void mask_prefixes(std::string& text, std::string_view secret) {
    if (secret.size() < k_min_partial_length) {
        return;
    }
    const std::size_t needed = std::max(k_min_partial_length, secret.size() / 2);
    const std::string_view head = secret.substr(0, k_min_partial_length);
    std::size_t at = 0;
    while ((at = text.find(head, at)) != std::string::npos) {
        std::size_t length = head.size();
        while (length < secret.size() && at + length < text.size() &&
               text[at + length] == secret[length]) {
            ++length;
        }
        if (length >= needed) {
            text.replace(at, length, k_mask);
            at += k_mask.size();
        } else {
            at += 1;
        }
    }
}

} // namespace

bool is_secret_key(std::string_view key) {
    static constexpr std::array<std::string_view, 8> k_parts = {
        "password", "passwd",        "secret",    "token",
        "cookie",   "authorization", "adminpass", "credential"};
    const std::string name = lower(key);
    if (name == "pass" || name == "pwd" || name == "api_key" || name == "apikey") {
        return true;
    }
    return std::any_of(k_parts.begin(), k_parts.end(),
                       [&](std::string_view part) { return name.find(part) != std::string::npos; });
}

void register_secret(std::string_view value) {
    if (value.size() < k_min_secret_length) {
        return;
    }
    auto& reg = registry();
    const std::lock_guard lock(reg.mutex);
    for (std::string form :
         {std::string(value), json_escaped(value), http::percent_encode(value)}) {
        if (std::find(reg.values.begin(), reg.values.end(), form) == reg.values.end()) {
            reg.values.push_back(std::move(form));
        }
    }
    std::sort(reg.values.begin(), reg.values.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string redact(std::string_view text) {
    std::string out = Masker(text).run();
    auto& reg = registry();
    const std::lock_guard lock(reg.mutex);
    for (const auto& secret : reg.values) {
        replace_all(out, secret);
    }
    for (const auto& secret : reg.values) {
        mask_prefixes(out, secret);
    }
    return out;
}

std::string excerpt(std::string_view text, std::size_t max_bytes) {
    std::string out = redact(text);
    if (out.size() <= max_bytes) {
        return out;
    }
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) {
        --cut; // not inside a UTF-8 character
    }
    out.resize(cut);
    out += "...";
    return out;
}

} // namespace pm
