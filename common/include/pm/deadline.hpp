// One deadline per operation (DESIGN §6): every wait gets only what is left of it.
#pragma once

#include <chrono>

namespace pm {

class Deadline {
public:
    using Clock = std::chrono::steady_clock;

    // A deadline that never comes.
    static Deadline never() { return Deadline(Clock::time_point::max()); }
    // Saturates: a span too long for the clock is never().
    static Deadline after(std::chrono::milliseconds span) {
        const auto now = Clock::now();
        const auto room =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::time_point::max() - now);
        return span >= room ? never() : Deadline(now + span);
    }

    [[nodiscard]] bool is_never() const { return m_at == Clock::time_point::max(); }
    [[nodiscard]] bool expired() const { return !is_never() && Clock::now() >= m_at; }
    // What is left, never negative; a large value for never().
    [[nodiscard]] std::chrono::milliseconds remaining() const {
        if (is_never()) {
            return std::chrono::hours(24 * 365);
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(m_at - Clock::now());
        return left.count() > 0 ? left : std::chrono::milliseconds(0);
    }
    // The smaller of `span` and what is left.
    [[nodiscard]] std::chrono::milliseconds cap(std::chrono::milliseconds span) const {
        const auto left = remaining();
        return span < left ? span : left;
    }
    [[nodiscard]] Clock::time_point at() const { return m_at; }

private:
    explicit Deadline(Clock::time_point at) : m_at(at) {}
    Clock::time_point m_at;
};

} // namespace pm
