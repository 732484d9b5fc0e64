// Secret masking (DESIGN §9). Everything that leaves the process as text — log lines, error
// messages on stdout and on the running operation — goes through redact() first.
#pragma once

#include <string>
#include <string_view>

namespace pm {

inline constexpr std::string_view k_mask = "***";

// True for keys whose values are secrets: password, secret, token, cookie, x-xsrf-token,
// X-Auth-Token, X-Subject-Token, adminPass… (case-insensitive, also as part of a longer key
// such as "admin_password" or "access_token").
[[nodiscard]] bool is_secret_key(std::string_view key);

// Remembers a secret value (a password from the store, a token just received) so that it is
// masked wherever it appears, whatever key it travels under. Values shorter than 4 characters
// are ignored: masking them would garble ordinary text. Thread-safe.
void register_secret(std::string_view value);

// Returns `text` with secrets replaced by k_mask: values of secret keys in JSON
// ("password": "x"), in key=value pairs (query strings, form bodies, cookies), in
// "Header: value" lines, in single-quoted dicts ({'X-Auth-Token': 'x'}), after secret
// command-line flags (--password x), and every value given to register_secret() — also what
// is left of one where the text was cut inside it (a prefix of 8 characters or more, and at
// least half of the value).
[[nodiscard]] std::string redact(std::string_view text);

// At most `max_bytes` of redact(text), cut at a UTF-8 character boundary, "..." when cut.
// Masks before it cuts: use it wherever a remote reply or an error is shortened.
[[nodiscard]] std::string excerpt(std::string_view text, std::size_t max_bytes);

} // namespace pm
