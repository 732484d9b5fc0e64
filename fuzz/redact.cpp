// The log redaction (pm::redact, pm::http::redact_url): any text, and a registered secret
// must never come out whole, wherever it sits in the input.
#include "pm/redact.hpp"

#include <string>

#include "pm/http.hpp"

#include "fuzz.hpp"

namespace {

constexpr std::string_view k_secret = "Fz9-registered-secret";

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    pm::register_secret(k_secret);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = pm::fuzz::as_text(data, size);
    (void)pm::is_secret_key(text);
    const std::string masked = pm::redact(text);
    PM_FUZZ_CHECK(masked.find(k_secret) == std::string::npos);
    const std::string url = pm::http::redact_url(text);
    PM_FUZZ_CHECK(url.find(k_secret) == std::string::npos);
    return 0;
}
