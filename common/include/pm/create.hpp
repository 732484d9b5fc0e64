// Creating a remote object exactly once (DESIGN §6: never repeat a create blindly). A create
// whose reply is ambiguous — a 5xx or 429 that a gateway may send after the backend acted, a
// reply that never came — is followed by a lookup of the object by its mark (name, comment)
// before anything is created again.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>

#include "pm/deadline.hpp"
#include "pm/errors.hpp"

namespace pm {

// True when the server may have carried out the request that failed with `error`: an HTTP
// 429 or 5xx, or a transport failure (no complete reply). False for definite answers (4xx,
// auth errors, unreadable replies) and for a deadline that ran out.
[[nodiscard]] bool is_ambiguous(const Error& error) noexcept;

struct CreateOnceOptions {
    int max_attempts = 5; // creates sent in all
    std::chrono::milliseconds first_wait{500};
    std::chrono::milliseconds max_wait{8000};
};

namespace detail {
// The loop behind create_once: `found` looks up and keeps what it found, `create` creates
// and keeps what it made.
void create_once_loop(std::string_view what, const Deadline& deadline,
                      const CreateOnceOptions& options, const std::function<bool()>& found,
                      const std::function<void()>& create);
} // namespace detail

// Returns what `find` finds, else what `create` makes. When a create fails ambiguously, waits
// (growing from first_wait, never past the deadline) and looks up again before creating again;
// after max_attempts creates, or when no time is left, the last error is rethrown (it is
// temporary: a rerun looks up first). Definite errors are rethrown at once. `what` names the
// object in log lines, e.g. "VM pm-item-42".
template <typename T>
T create_once(std::string_view what, const Deadline& deadline,
              const std::function<std::optional<T>()>& find, const std::function<T()>& create,
              const CreateOnceOptions& options = {}) {
    std::optional<T> result;
    detail::create_once_loop(
        what, deadline, options,
        [&] {
            result = find();
            return result.has_value();
        },
        [&] { result.emplace(create()); });
    return std::move(*result);
}

} // namespace pm
