#include "pm/create.hpp"

#include <algorithm>
#include <thread>

#include "pm/log.hpp"

namespace pm {

bool is_ambiguous(const Error& error) noexcept {
    if (dynamic_cast<const AuthError*>(&error) != nullptr) {
        return false;
    }
    if (const auto* api = dynamic_cast<const ApiError*>(&error)) {
        return api->status() == 429 || api->status() >= 500;
    }
    return dynamic_cast<const TransportError*>(&error) != nullptr;
}

namespace detail {

void create_once_loop(std::string_view what, const Deadline& deadline,
                      const CreateOnceOptions& options, const std::function<bool()>& found,
                      const std::function<void()>& create) {
    auto wait = std::max(options.first_wait, std::chrono::milliseconds(1));
    for (int attempt = 1;; ++attempt) {
        if (found()) {
            if (attempt > 1) {
                log::info("{} exists after all: the unclear reply came after it was created", what);
            }
            return;
        }
        try {
            create();
            return;
        } catch (const Error& e) {
            if (!is_ambiguous(e) || attempt >= options.max_attempts ||
                deadline.remaining() <= wait) {
                throw;
            }
            log::warn("{}: unclear reply to the create ({}); looking it up in {} ms before "
                      "creating it again",
                      what, e.what(), wait.count());
        }
        std::this_thread::sleep_for(wait);
        wait = std::min(options.max_wait, wait * 2);
    }
}

} // namespace detail
} // namespace pm
