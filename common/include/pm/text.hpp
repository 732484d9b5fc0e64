// Text that leaves the process (stdout, stderr, the log, the store's error column) is valid
// UTF-8 without control characters, whatever a remote reply or a store row held: billing
// platforms decode it strictly, and XML cannot carry most control characters at all.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace pm {

enum class LineBreaks { keep, to_space };

// `text` with every byte that is not part of a well-formed UTF-8 sequence (stray
// continuation bytes, overlongs, surrogates, truncated sequences, bytes past U+10FFFF)
// replaced by U+FFFD, and control characters (C0 but tab and line breaks, DEL, C1) dropped.
// Line breaks (\n, \r) are kept or turned into spaces.
[[nodiscard]] std::string printable(std::string_view text, LineBreaks breaks = LineBreaks::keep);

// `text` with only the malformed UTF-8 replaced by U+FFFD; every character is kept.
[[nodiscard]] std::string repaired_utf8(std::string_view text);

// A bad value as an error message shows it: in single quotes, control characters (a NUL byte
// included, which would end the message early) written as \xNN, and cut after `max` bytes
// with its length added: `'abc'`, `'a\x00b'`, `'xxxx...' (5000 characters)`.
[[nodiscard]] std::string quoted_value(std::string_view text, std::size_t max = 64);

// `text` without the blanks (space, tab, CR, LF) around it.
[[nodiscard]] std::string_view trim(std::string_view text);

// ISO-8601 UTC text ("2024-05-01T12:00:00Z"), the store's timestamp format.
[[nodiscard]] std::string utc_text(std::chrono::system_clock::time_point time);

// `bytes` in standard base64 (RFC 4648, with padding), e.g. for Nova's user_data.
[[nodiscard]] std::string base64(std::string_view bytes);

} // namespace pm
