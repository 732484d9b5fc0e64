// Shared by the libFuzzer targets of fuzz/: each defines LLVMFuzzerTestOneInput, calls a
// reader of untrusted input and catches only what that reader documents (pm::Error and its
// kinds). Anything else — another exception, a sanitizer report, an assert, a broken
// invariant checked with PM_FUZZ_CHECK — ends the run and is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "pm/errors.hpp"

// Aborts with the condition's text when an invariant of the code under test does not hold.
#define PM_FUZZ_CHECK(condition)                                                                   \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", #condition, __FILE__,      \
                         __LINE__);                                                                \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)

namespace pm::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Runs `read`; a pm::Error is the documented answer to bad input and is swallowed.
template <typename F>
void expect_only_pm_errors(F&& read) {
    try {
        read();
    } catch (const pm::Error&) {
    }
}

} // namespace pm::fuzz
