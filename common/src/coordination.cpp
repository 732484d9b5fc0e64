// The file coordination (one host) and the choice between it and the database server's.
#include "pm/coordination.hpp"

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <system_error>

#include <fmt/format.h>

#include "pm/context.hpp"
#include "pm/errors.hpp"
#include "pm/file_lock.hpp"
#include "pm/log.hpp"
#include "pm/text.hpp"

#include "db/mariadb_client.hpp"

namespace pm {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t k_min_wait_timeout_s = 2;
constexpr std::int64_t k_max_wait_timeout_s = 24 * 3600;

class FileCoordination : public Coordination {
public:
    FileCoordination(fs::path lock_dir, fs::path cache_dir)
        : m_lock_dir(std::move(lock_dir)), m_cache_dir(std::move(cache_dir)) {}

    queue::Slot acquire_slot(const queue::SlotSet& set, const Deadline& deadline,
                             const queue::WaitingHook& on_waiting) override {
        return queue::acquire(m_lock_dir, set, deadline, on_waiting);
    }

    HoldPtr try_lock(std::string_view name) override {
        std::error_code error;
        fs::create_directories(m_lock_dir, error);
        if (error) {
            throw system_error("cannot create lock directory " + m_lock_dir.string(),
                               error.value());
        }
        return hold(FileLock::try_lock(m_lock_dir / fmt::format("{}.lock", name)));
    }

    OperationLocks& operation_locks() override {
        if (!m_locks) {
            m_locks = file_operation_locks(m_lock_dir);
        }
        return *m_locks;
    }

    std::unique_ptr<SessionStorage> session_storage(std::string_view url,
                                                    std::string_view user) override {
        return file_session_storage(m_cache_dir, url, user);
    }

private:
    fs::path m_lock_dir;
    fs::path m_cache_dir;
    std::unique_ptr<OperationLocks> m_locks;
};

} // namespace

HoldPtr module_job_lock(Context& context, std::string_view job, std::string_view lock_name) {
    auto lock = context.coordination.try_lock(lock_name);
    if (!lock) {
        const auto skipped =
            fmt::format("another {} of module {} is running", job, context.module->id.value());
        log::info("{}: nothing to do", skipped);
        context.result.add("skipped", skipped);
    }
    return lock;
}

std::unique_ptr<Coordination> file_coordination(fs::path lock_dir, fs::path cache_dir) {
    return std::make_unique<FileCoordination>(std::move(lock_dir), std::move(cache_dir));
}

ServerOptions server_options_from_env(LocksLost on_lost) {
    ServerOptions options;
    options.on_lost = std::move(on_lost);
    if (const char* text = std::getenv("PM_LOCK_WAIT_TIMEOUT_S"); text != nullptr && *text) {
        const std::string_view value(text);
        std::int64_t seconds = 0;
        const auto [end, error] =
            std::from_chars(value.data(), value.data() + value.size(), seconds);
        if (error != std::errc() || end != value.data() + value.size() ||
            seconds < k_min_wait_timeout_s || seconds > k_max_wait_timeout_s) {
            throw ConfigError(fmt::format("PM_LOCK_WAIT_TIMEOUT_S must be whole seconds from {} "
                                          "to {}, not '{}'",
                                          k_min_wait_timeout_s, k_max_wait_timeout_s,
                                          printable(text)));
        }
        options.wait_timeout = std::chrono::seconds(seconds);
        options.ping_every = std::chrono::milliseconds(seconds * 1000 / 3);
    }
    return options;
}

std::unique_ptr<Coordination> make_coordination(const Settings& settings, LocksLost on_lost) {
    if (mariadb::is_url(settings.store)) {
        return server_coordination(settings.store, settings.store_password,
                                   server_options_from_env(std::move(on_lost)));
    }
    return file_coordination(settings.lock_dir, settings.cache_dir);
}

} // namespace pm
