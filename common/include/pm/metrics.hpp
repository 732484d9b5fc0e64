// Prometheus metrics of the module-wide jobs (DESIGN §15): after each run the runner writes one
// text-format file per binary, command and module into `metrics_dir`, replaced atomically (the
// node_exporter textfile-collector convention). Handlers add their own counts through
// Context::metrics.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pm::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

// One gauge value of the run; `labels` come after binary, command and module.
struct Sample {
    std::string name; // pm_<something>, [a-z0-9_]
    std::string help;
    Labels labels;
    double value = 0;
};

// The job's own counts, filled by its handler.
class Counts {
public:
    // Sets (or replaces: same name and labels) one value.
    void set(std::string_view name, std::string_view help, double value, Labels labels = {});
    [[nodiscard]] const std::vector<Sample>& samples() const { return m_samples; }

private:
    std::vector<Sample> m_samples;
};

struct Job {
    std::string binary;  // pmopenstack
    std::string command; // vdc_sync_all
    std::string module;  // a module id, or "all"
};

struct Outcome {
    int exit_code = 0;
    std::chrono::system_clock::time_point finished;
    std::chrono::duration<double> duration{};
};

// <dir>/pm_<binary>_<command>_<module>.prom
[[nodiscard]] std::filesystem::path file_of(const std::filesystem::path& dir, const Job& job);

// The file's text. `last_success` is the unix time of the last successful run (this one if it
// succeeded); absent when there never was one.
[[nodiscard]] std::string render(const Job& job, const Outcome& outcome,
                                 std::optional<double> last_success, const Counts& counts);

// The last success a file written by render() records; nullopt when there is none or no file.
[[nodiscard]] std::optional<double> last_success_in(const std::filesystem::path& file);

// Writes the job's file (temp file, fsync, rename; mode 0644), the last success carried over
// from the previous file when this run failed. Never throws: a directory that cannot be
// written is a warning in the log, the job's outcome stays what it is.
void write(const std::filesystem::path& dir, const Job& job, const Outcome& outcome,
           const Counts& counts) noexcept;

} // namespace pm::metrics
