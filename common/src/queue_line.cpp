// Waiting in arrival order. Each line has a ticket file (a counter, and the lock that orders
// arrivals) and one waiter file per operation in line, `queue-<line>.w.<ticket>`, which its
// owner keeps flock'ed from the moment it is created until it holds a slot. A waiter only
// watches its nearest live predecessor, and only the head of the line watches the slots, so
// a release wakes exactly one process: no spinning and no thundering herd. A waiter file whose
// lock is free belongs to a process that died in line; whoever finds it removes it.
#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <functional>
#include <string_view>
#include <sys/types.h>
#include <unistd.h>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/log.hpp"
#include "pm/queue.hpp"

namespace pm::queue {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t k_counter_width = 20;

std::uint64_t parse_ticket(std::string_view text) {
    std::uint64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    return error == std::errc() && stop == end ? value : 0;
}

// The files of one line under lock_dir.
class Line {
public:
    Line(fs::path dir, const std::string& name)
        : m_dir(std::move(dir)), m_prefix(fmt::format("queue-{}.", name)) {}

    [[nodiscard]] fs::path ticket_path() const { return m_dir / (m_prefix + "ticket"); }
    [[nodiscard]] fs::path waiter_path(std::uint64_t ticket) const {
        return m_dir / fmt::format("{}w.{}", m_prefix, ticket);
    }
    // Tickets of the waiter files present, in any order.
    [[nodiscard]] std::vector<std::uint64_t> waiters() const;

private:
    fs::path m_dir;
    std::string m_prefix;
};

std::vector<std::uint64_t> Line::waiters() const {
    const std::string prefix = m_prefix + "w.";
    std::vector<std::uint64_t> tickets;
    std::error_code error;
    for (fs::directory_iterator it(m_dir, error), end; !error && it != end; it.increment(error)) {
        const std::string name = it->path().filename().string();
        if (name.starts_with(prefix)) {
            if (const auto ticket = parse_ticket(std::string_view(name).substr(prefix.size()))) {
                tickets.push_back(ticket);
            }
        }
    }
    if (error) {
        throw system_error("cannot list " + m_dir.string(), error.value());
    }
    return tickets;
}

struct Place {
    std::uint64_t ticket = 0;
    FileLock waiter;
    std::vector<std::uint64_t> ahead; // nearest first
};

std::uint64_t read_counter(int fd) {
    std::array<char, k_counter_width + 2> buffer{};
    const ssize_t got = ::pread(fd, buffer.data(), buffer.size(), 0);
    if (got <= 0) {
        return 0;
    }
    std::string_view text(buffer.data(), static_cast<std::size_t>(got));
    // A torn or foreign counter reads as 0; the waiter files present still keep order.
    return parse_ticket(text.substr(0, text.find('\n')));
}

void write_counter(int fd, std::uint64_t value, const fs::path& path) {
    // Fixed width, so one pwrite replaces the old value whole without a truncate.
    const std::string text = fmt::format("{:0{}}\n", value, k_counter_width);
    if (::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
        throw system_error("cannot write " + path.string(), errno);
    }
}

// Takes the next ticket and creates our waiter file, both under the ticket lock, so that any
// later arrival finds our file locked and ready.
Place join(const Line& line, const Deadline& deadline) {
    const FileLock ticket_lock = FileLock::lock(line.ticket_path(), deadline);
    Place place;
    place.ahead = line.waiters();
    const auto highest = std::max_element(place.ahead.begin(), place.ahead.end());
    place.ticket =
        std::max(read_counter(ticket_lock.fd()), highest == place.ahead.end() ? 0 : *highest) + 1;
    write_counter(ticket_lock.fd(), place.ticket, line.ticket_path());
    place.waiter = FileLock::try_lock(line.waiter_path(place.ticket));
    if (!place.waiter) {
        throw SystemError("queue waiter file is locked by someone else: " +
                          line.waiter_path(place.ticket).string());
    }
    std::sort(place.ahead.begin(), place.ahead.end(), std::greater<>());
    return place;
}

// Returns once every waiter ahead of us has a slot, gave up or died.
void wait_turn(const Line& line, const Place& place, const Deadline& deadline) {
    for (const std::uint64_t ticket : place.ahead) {
        const fs::path path = line.waiter_path(ticket);
        if (wait_until_free(path, deadline) == Presence::free) {
            // Live waiters keep their file locked until they unlink it: this one died.
            ::unlink(path.c_str());
            log::debug("queue: removed the place of a waiter that died in line: {}",
                       path.filename().string());
        }
    }
}

} // namespace

Slot acquire(const fs::path& lock_dir, const SlotSet& set, const Deadline& deadline,
             const WaitingHook& on_waiting) {
    if (set.slots.empty()) {
        return {};
    }
    ensure_lock_directory(lock_dir);
    std::vector<fs::path> slot_paths;
    for (const auto& slot : set.slots) {
        slot_paths.push_back(lock_dir /
                             fmt::format("{}{}.lock", set.file_prefix, file_name_part(slot)));
    }
    const auto started = std::chrono::steady_clock::now();
    const Line line(lock_dir, set.line);
    Place place = join(line, deadline);
    log::debug("queue: ticket {} in line {}, {} waiting ahead", place.ticket, set.line,
               place.ahead.size());
    // Our place is given up on every way out (a timeout too), so nobody waits on it.
    try {
        if (on_waiting) {
            on_waiting(Waiting{place.ticket, place.ahead.size()});
        }
        wait_turn(line, place, deadline);
        AnyLock taken = lock_any(slot_paths, deadline);
        place.waiter.remove();
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - started);
        log::debug("queue: holding slot {} after {} ms", set.slots[taken.index], waited.count());
        return Slot(set.slots[taken.index], std::move(taken.lock));
    } catch (...) {
        place.waiter.remove();
        throw;
    }
}

} // namespace pm::queue
