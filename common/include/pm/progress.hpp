// The progress line of a long module-wide job (vdc_sync_all, vdc_stat, pool_process) for a
// person watching it on a terminal: one line on stderr, rewritten in place with \r and erased
// when the job ends. When stderr is not a terminal (cron, the billing platform, systemd, a
// test capturing it) nothing is ever written, so logs and captured output stay clean.
#pragma once

#include <cstdio>
#include <string_view>

namespace pm {

class ProgressLine {
public:
    // Whether the stream is a terminal: asked of it (isatty), or forced by a test.
    enum class Terminal { detect, yes, no };

    explicit ProgressLine(Terminal terminal = Terminal::detect, std::FILE* to = stderr);
    ProgressLine(const ProgressLine&) = delete;
    ProgressLine& operator=(const ProgressLine&) = delete;
    ~ProgressLine(); // erases the line

    // Replaces the line with `text` (one line, cut to fit 80 columns).
    void show(std::string_view text);
    // Erases the line, e.g. before an error message is printed on stderr.
    void clear();

    [[nodiscard]] bool enabled() const { return m_enabled; }

private:
    std::FILE* m_to;
    bool m_enabled;
    bool m_shown = false;
};

} // namespace pm
