#include "pm/text.hpp"

#include <array>
#include <cstdint>
#include <ctime>

#include <fmt/format.h>

namespace pm {
namespace {

constexpr std::string_view k_replacement = "\xEF\xBF\xBD"; // U+FFFD

// The length of the well-formed UTF-8 sequence at the start of `text` and its code point, or
// 0 when the first byte does not start one (RFC 3629, Unicode table 3-7).
std::size_t sequence_at(std::string_view text, char32_t& code) {
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
    const std::uint8_t lead = byte(0);
    if (lead < 0x80) {
        code = lead;
        return 1;
    }
    std::size_t size = 0;
    std::uint8_t low = 0x80;
    std::uint8_t high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        size = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        size = 3;
        low = lead == 0xE0 ? 0xA0 : 0x80;  // no overlongs
        high = lead == 0xED ? 0x9F : 0xBF; // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        size = 4;
        low = lead == 0xF0 ? 0x90 : 0x80;  // no overlongs
        high = lead == 0xF4 ? 0x8F : 0xBF; // nothing past U+10FFFF
    } else {
        return 0;
    }
    if (text.size() < size || byte(1) < low || byte(1) > high) {
        return 0;
    }
    code = lead & (size == 2 ? 0x1Fu : size == 3 ? 0x0Fu : 0x07u);
    for (std::size_t i = 1; i < size; ++i) {
        if ((byte(i) & 0xC0) != 0x80) {
            return 0;
        }
        code = (code << 6) | (byte(i) & 0x3Fu);
    }
    return size;
}

bool is_control(char32_t code) {
    return code < 0x20 || code == 0x7F || (code >= 0x80 && code <= 0x9F);
}

enum class Controls { keep, drop };

std::string repair(std::string_view text, Controls controls, LineBreaks breaks) {
    std::string out;
    out.reserve(text.size());
    while (!text.empty()) {
        char32_t code = 0;
        const std::size_t size = sequence_at(text, code);
        if (size == 0) {
            out += k_replacement;
            text.remove_prefix(1);
            continue;
        }
        if (code == '\n' || code == '\r') {
            out += breaks == LineBreaks::keep ? static_cast<char>(code) : ' ';
        } else if (controls == Controls::keep || code == '\t' || !is_control(code)) {
            out.append(text.substr(0, size));
        }
        text.remove_prefix(size);
    }
    return out;
}

} // namespace

std::string printable(std::string_view text, LineBreaks breaks) {
    return repair(text, Controls::drop, breaks);
}

std::string repaired_utf8(std::string_view text) {
    return repair(text, Controls::keep, LineBreaks::keep);
}

std::string quoted_value(std::string_view text, std::size_t max) {
    std::string out = "'";
    for (const char c : text.substr(0, max)) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7F) {
            out += fmt::format("\\x{:02X}", byte);
        } else {
            out += c;
        }
    }
    if (text.size() > max) {
        return fmt::format("{}...' ({} characters)", out, text.size());
    }
    return out + "'";
}

std::string_view trim(std::string_view text) {
    constexpr std::string_view k_blanks = " \t\r\n";
    const auto first = text.find_first_not_of(k_blanks);
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(k_blanks);
    return text.substr(first, last - first + 1);
}

std::string base64(std::string_view bytes) {
    static constexpr std::string_view k_alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const auto byte = [&](std::size_t at) {
            return at < bytes.size() ? static_cast<unsigned>(static_cast<unsigned char>(bytes[at]))
                                     : 0U;
        };
        const unsigned chunk = (byte(i) << 16U) | (byte(i + 1) << 8U) | byte(i + 2);
        out += k_alphabet[(chunk >> 18U) & 63U];
        out += k_alphabet[(chunk >> 12U) & 63U];
        out += i + 1 < bytes.size() ? k_alphabet[(chunk >> 6U) & 63U] : '=';
        out += i + 2 < bytes.size() ? k_alphabet[chunk & 63U] : '=';
    }
    return out;
}

std::string utc_text(std::chrono::system_clock::time_point time) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    std::array<char, 32> buffer{};
    const std::size_t size =
        std::strftime(buffer.data(), buffer.size(), "%Y-%m-%dT%H:%M:%SZ", &parts);
    return {buffer.data(), size};
}

} // namespace pm
