// The progress line of long jobs: drawn on a terminal only, rewritten in place, erased at the end.
#include <cstdio>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "pm/progress.hpp"

using pm::ProgressLine;

namespace {

// A temporary file standing in for stderr, and what was written to it.
struct Capture {
    std::FILE* file = std::tmpfile();
    ~Capture() { std::fclose(file); }
    [[nodiscard]] std::string text() const {
        std::fflush(file);
        std::rewind(file);
        std::string out;
        for (int c = std::fgetc(file); c != EOF; c = std::fgetc(file)) {
            out += static_cast<char>(c);
        }
        return out;
    }
};

} // namespace

TEST_CASE("progress: nothing at all when the stream is not a terminal") {
    Capture capture;
    REQUIRE(capture.file != nullptr);
    SECTION("forced off") {
        ProgressLine progress(ProgressLine::Terminal::no, capture.file);
        progress.show("sync: 1/2");
        progress.show("sync: 2/2");
        progress.clear();
        CHECK_FALSE(progress.enabled());
    }
    SECTION("detected: a file is no terminal") {
        ProgressLine progress(ProgressLine::Terminal::detect, capture.file);
        progress.show("sync: 1/2");
        CHECK_FALSE(progress.enabled());
    }
    CHECK(capture.text().empty());
}

TEST_CASE("progress: on a terminal, one line rewritten in place and erased at the end") {
    Capture capture;
    REQUIRE(capture.file != nullptr);
    {
        ProgressLine progress(ProgressLine::Terminal::yes, capture.file);
        progress.show("vdc_stat: 1/3 VDCs");
        progress.show("vdc_stat: 2/3 VDCs\nsecond line");
        progress.show(std::string(50, 'x') + "é" + std::string(50, 'y'));
    }
    const auto text = capture.text();
    INFO(text);
    CHECK(text.starts_with("\rvdc_stat: 1/3 VDCs\033[K\rvdc_stat: 2/3 VDCs second line\033[K"));
    // Cut to 79 columns, counted in characters: 76 of them, then "...".
    CHECK(text.find("\r" + std::string(50, 'x') + "é" + std::string(25, 'y') + "...\033[K") !=
          std::string::npos);
    CHECK(text.ends_with("\033[K\r\033[K"));
    CHECK(text.find('\n') == std::string::npos);
}

TEST_CASE("progress: clear() erases the line once, and nothing is left to erase after it") {
    Capture capture;
    {
        ProgressLine progress(ProgressLine::Terminal::yes, capture.file);
        progress.clear(); // nothing shown yet: nothing written
        progress.show("a");
        progress.clear();
    }
    CHECK(capture.text() == "\ra\033[K\r\033[K");
}

TEST_CASE("progress: a real terminal (a pty) is detected") {
    const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
    REQUIRE(master >= 0);
    REQUIRE(::grantpt(master) == 0);
    REQUIRE(::unlockpt(master) == 0);
    const int slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
    REQUIRE(slave >= 0);
    std::FILE* terminal = ::fdopen(slave, "w");
    REQUIRE(terminal != nullptr);
    {
        ProgressLine progress(ProgressLine::Terminal::detect, terminal);
        CHECK(progress.enabled());
        progress.show("pool_process: server 7");
    }
    std::fclose(terminal);
    std::string seen;
    char buffer[256];
    pollfd ready{master, POLLIN, 0};
    while (seen.find("server 7") == std::string::npos && ::poll(&ready, 1, 2000) > 0) {
        const ssize_t got = ::read(master, buffer, sizeof buffer);
        if (got <= 0) {
            break;
        }
        seen.append(buffer, static_cast<std::size_t>(got));
    }
    ::close(master);
    CHECK(seen.find("\rpool_process: server 7") != std::string::npos);
}
