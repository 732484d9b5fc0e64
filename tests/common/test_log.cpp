#include <cstdio>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include <catch2/catch.hpp>

#include "pm/errors.hpp"
#include "pm/log.hpp"

#include "support/process.hpp"

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

} // namespace

TEST_CASE("log: writes one whole line per call with time, pid, module, level and context") {
    pm::test::TempDir dir;
    pm::log::open(dir.path() / "logs", "pmunit", pm::log::Level::info);
    pm::log::set_context(7, 42);
    pm::log::info("hello {}", "world");
    pm::log::debug("not shown at info");
    pm::log::warn("multi\nline");
    pm::log::set_context(0, 0);
    pm::log::close();
    pm::log::info("after close: dropped");

    const auto lines = lines_of(pm::test::read_file(dir.path() / "logs" / "pmunit.log"));
    REQUIRE(lines.size() == 2);
    const std::string pid = std::to_string(::getpid());
    CHECK(lines[0].find(" [" + pid + "] pmunit INFO op=7 item=42 hello world") !=
          std::string::npos);
    CHECK(lines[0].size() > 24);
    CHECK(lines[0][10] == 'T');
    CHECK(lines[0][23] == 'Z');
    CHECK(lines[1].find("WARN op=7 item=42 multi\\nline") != std::string::npos);
}

TEST_CASE("log: masks secrets in every line") {
    pm::test::TempDir dir;
    pm::log::open(dir.path(), "pmunit", pm::log::Level::debug);
    pm::log::debug(R"(body {{"email":"a@b.c","password":"hunter2!"}})");
    pm::log::info("X-Auth-Token: gAAAAABsecret");
    pm::log::close();
    const auto text = pm::test::read_file(dir.path() / "pmunit.log");
    CHECK(text.find("hunter2!") == std::string::npos);
    CHECK(text.find("gAAAAABsecret") == std::string::npos);
    CHECK(text.find(R"("password":"***")") != std::string::npos);
}

TEST_CASE("log: level names parse and an unusable directory is a configuration error") {
    CHECK(pm::log::parse_level("debug") == pm::log::Level::debug);
    CHECK(pm::log::parse_level("warning") == pm::log::Level::warn);
    CHECK(pm::log::parse_level("loud") == std::nullopt);
    pm::test::TempDir dir;
    pm::test::write_file(dir.path() / "file", "x");
    CHECK_THROWS_AS(pm::log::open(dir.path() / "file" / "sub", "pmunit", pm::log::Level::info),
                    pm::ConfigError);
    CHECK_THROWS_WITH(pm::log::open(dir.path() / "file", "pmunit", pm::log::Level::info),
                      Catch::Contains("log_dir: cannot create the log directory"));
    std::filesystem::create_directory(dir.path() / "pmunit.log");
    CHECK_THROWS_WITH(pm::log::open(dir.path(), "pmunit", pm::log::Level::info),
                      Catch::Contains("log_dir: cannot open the log file"));
}

TEST_CASE("log: lines from concurrent processes never interleave") {
    pm::test::TempDir dir;
    constexpr int k_writers = 8;
    constexpr int k_lines = 400;
    std::vector<pm::test::Process> writers;
    for (int w = 0; w < k_writers; ++w) {
        writers.push_back(
            pm::test::Process::spawn({pm::test::helper_path("pm_log_writer"), dir.path().string(),
                                      std::to_string(w), std::to_string(k_lines)}));
    }
    for (auto& writer : writers) {
        REQUIRE(writer.wait().exit_code == 0);
    }
    const auto lines = lines_of(pm::test::read_file(dir.path() / "pmlogtest.log"));
    REQUIRE(lines.size() == static_cast<std::size_t>(k_writers * k_lines));
    std::vector<int> next(k_writers, 0);
    for (const auto& line : lines) {
        int writer = -1;
        int index = -1;
        std::size_t length = 0;
        const auto at = line.find(" w=");
        REQUIRE(at != std::string::npos);
        REQUIRE(std::sscanf(line.c_str() + at, " w=%d i=%d len=%zu", &writer, &index, &length) ==
                3);
        REQUIRE(writer >= 0);
        REQUIRE(writer < k_writers);
        // Each writer's lines arrive whole and in its own order.
        CHECK(index == next[static_cast<std::size_t>(writer)]++);
        const std::string filler(length, static_cast<char>('a' + writer % 26));
        const auto tail = line.substr(line.size() - length);
        CHECK(tail == filler);
        CHECK(line.size() - length - 1 == line.find(" ", line.find("len=")));
    }
}
