// Checks of the Prometheus metrics files (DESIGN §15) shared by the runner's and the modules'
// tests: reading one sample, and `promtool check metrics`.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include <catch2/catch.hpp>

namespace pm::test {

inline std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// The value of the first sample of `name` whose labels contain `labels` (e.g. rule="added").
inline double metric_value(const std::string& text, const std::string& name,
                           const std::string& labels = "") {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.starts_with(name + "{") && line.find(labels) != std::string::npos) {
            return std::stod(line.substr(line.rfind(' ') + 1));
        }
    }
    FAIL("no sample " << name << "{..." << labels << "...} in:\n" << text);
    return 0;
}

// `promtool check metrics < file` must pass without a word. promtool missing is a failure,
// never a skip: these checks are what shows the files are valid for Prometheus.
inline void check_with_promtool(const std::filesystem::path& file) {
    if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
        FAIL("promtool NOT FOUND: install Debian's prometheus package (scripts/lib.sh "
             "PM_PACKAGES); the metrics files cannot be checked without it");
    }
    const std::string command = "promtool check metrics < '" + file.string() + "' 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string output;
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
        output += buffer;
    }
    const int status = ::pclose(pipe);
    INFO("promtool said:\n" << output << "\non:\n" << read_text(file));
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(output.empty()); // lint problems are printed, even with exit status 0
}

} // namespace pm::test
