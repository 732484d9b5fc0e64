#include "pm/metrics.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "pm/log.hpp"

namespace pm::metrics {
namespace {

constexpr const char* k_last_success = "pm_job_last_success_timestamp_seconds";

std::string escape_label(std::string_view value) {
    std::string out;
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

// A name part of the file name: letters, digits and _ only.
std::string file_part(std::string_view text) {
    std::string out(text);
    std::replace_if(
        out.begin(), out.end(),
        [](char c) { return !(std::isalnum(static_cast<unsigned char>(c)) || c == '_'); }, '_');
    return out;
}

std::string value_text(double value) {
    return fmt::format("{}", value);
}

std::string errno_text(int error) {
    return std::strerror(error);
}

} // namespace

void Counts::set(std::string_view name, std::string_view help, double value, Labels labels) {
    const auto same = std::find_if(m_samples.begin(), m_samples.end(), [&](const Sample& s) {
        return s.name == name && s.labels == labels;
    });
    if (same != m_samples.end()) {
        same->value = value;
        return;
    }
    m_samples.push_back({std::string(name), std::string(help), std::move(labels), value});
}

std::filesystem::path file_of(const std::filesystem::path& dir, const Job& job) {
    return dir / fmt::format("pm_{}_{}_{}.prom", file_part(job.binary), file_part(job.command),
                             file_part(job.module));
}

std::string render(const Job& job, const Outcome& outcome, std::optional<double> last_success,
                   const Counts& counts) {
    const std::string base =
        fmt::format(R"(binary="{}",command="{}",module="{}")", escape_label(job.binary),
                    escape_label(job.command), escape_label(job.module));
    const auto seconds = [](std::chrono::system_clock::time_point t) {
        return static_cast<double>(
            std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
    };
    std::vector<Sample> samples = {
        {"pm_job_last_run_timestamp_seconds",
         "Unix time the last run ended.",
         {},
         seconds(outcome.finished)},
        {"pm_job_duration_seconds",
         "How long the last run took.",
         {},
         std::round(outcome.duration.count() * 1000.0) / 1000.0},
        {"pm_job_exit_code",
         "Exit code of the last run (0 success, 1 failed, 2 usage or "
         "config, 3 temporary, 4 internal).",
         {},
         static_cast<double>(outcome.exit_code)},
        {"pm_job_success",
         "1 when the last run succeeded, else 0.",
         {},
         outcome.exit_code == 0 ? 1.0 : 0.0},
    };
    if (last_success) {
        samples.push_back(
            {k_last_success, "Unix time the last successful run ended.", {}, *last_success});
    }
    samples.insert(samples.end(), counts.samples().begin(), counts.samples().end());
    // Grouped by name: one HELP and TYPE per metric family, its samples together.
    std::vector<std::string> order;
    std::map<std::string, std::vector<const Sample*>> families;
    for (const auto& sample : samples) {
        auto& family = families[sample.name];
        if (family.empty()) {
            order.push_back(sample.name);
        }
        family.push_back(&sample);
    }
    std::string out;
    for (const auto& name : order) {
        const auto& family = families[name];
        out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, family.front()->help, name);
        for (const auto* sample : family) {
            std::string labels = base;
            for (const auto& [key, value] : sample->labels) {
                labels += fmt::format(R"(,{}="{}")", key, escape_label(value));
            }
            out += fmt::format("{}{{{}}} {}\n", name, labels, value_text(sample->value));
        }
    }
    return out;
}

std::optional<double> last_success_in(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.starts_with(k_last_success) || line.size() <= std::strlen(k_last_success) ||
            line[std::strlen(k_last_success)] != '{') {
            continue;
        }
        const auto space = line.rfind(' ');
        if (space == std::string::npos) {
            return std::nullopt;
        }
        const std::string text = line.substr(space + 1);
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        if (end == text.c_str() || *end != '\0') {
            return std::nullopt;
        }
        return value;
    }
    return std::nullopt;
}

namespace {

void replace_file(const std::filesystem::path& path, const std::string& text) {
    const auto dir = path.parent_path();
    std::filesystem::create_directories(dir); // throws filesystem_error
    // Not *.prom: the textfile collector never reads a half-written file.
    std::string temp = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
    const int fd = ::mkstemp(temp.data());
    if (fd < 0) {
        throw std::runtime_error(
            fmt::format("cannot create a file in {}: {}", dir.string(), errno_text(errno)));
    }
    const auto fail = [&](std::string_view what) {
        const int error = errno;
        ::close(fd);
        ::unlink(temp.c_str());
        throw std::runtime_error(fmt::format("cannot {} {}: {}", what, temp, errno_text(error)));
    };
    // mkstemp makes it 0600; the collector usually runs as another user.
    if (::fchmod(fd, 0644) != 0) {
        fail("chmod");
    }
    std::size_t done = 0;
    while (done < text.size()) {
        const auto n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            fail("write");
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        fail("sync");
    }
    if (::close(fd) != 0) {
        const int error = errno;
        ::unlink(temp.c_str());
        throw std::runtime_error(fmt::format("cannot write {}: {}", temp, errno_text(error)));
    }
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
        const int error = errno;
        ::unlink(temp.c_str());
        throw std::runtime_error(
            fmt::format("cannot replace {}: {}", path.string(), errno_text(error)));
    }
}

} // namespace

void write(const std::filesystem::path& dir, const Job& job, const Outcome& outcome,
           const Counts& counts) noexcept {
    try {
        const auto path = file_of(dir, job);
        std::optional<double> last_success;
        if (outcome.exit_code == 0) {
            last_success = static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                                                   outcome.finished.time_since_epoch())
                                                   .count());
        } else {
            last_success = last_success_in(path);
        }
        replace_file(path, render(job, outcome, last_success, counts));
    } catch (const std::exception& e) {
        try {
            log::warn("metrics not written (metrics_dir {}): {}", dir.string(), e.what());
        } catch (...) { // NOLINT(bugprone-empty-catch): the job's outcome matters more
        }
    }
}

} // namespace pm::metrics
