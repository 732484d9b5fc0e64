// pmstore: moves a billing store between backends and checks the result (README "Moving a
// store to MariaDB").
//   pmstore copy  --from URL --to URL   copy every row into an empty store, then compare
//   pmstore check --from URL --to URL   compare two stores row by row (exit 1 when they differ)
//   pmstore summary --store URL         rows and a digest per table
// A mysql:// URL without a password takes PM_STORE_PASSWORD. Exit codes as the modules':
// 2 for configuration errors (bad URL, wrong password, unknown database, target not empty),
// 3 for temporary ones (server unreachable), 1 when check finds differences.
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/redact.hpp"
#include "pm/store.hpp"
#include "pm/store_copy.hpp"

namespace {

std::optional<std::string> password_from_environment() {
    const char* value = std::getenv("PM_STORE_PASSWORD");
    if (value == nullptr || *value == '\0') {
        return std::nullopt;
    }
    pm::register_secret(value);
    return std::string(value);
}

void print_summary(const std::vector<pm::store::TableSummary>& summary) {
    for (const auto& table : summary) {
        std::cout << fmt::format("{:<18} {:>10} rows  digest {:016x}\n", table.table, table.rows,
                                 table.digest);
    }
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app("pmstore: move a billing store between SQLite and MariaDB/MySQL", "pmstore");
    app.require_subcommand(1);
    std::string from;
    std::string to;
    std::string store;
    auto* copy = app.add_subcommand("copy", "copy every row of --from into the empty --to, then "
                                            "compare them");
    copy->add_option("--from", from, "source store URL")->required();
    copy->add_option("--to", to, "target store URL (a new, empty database)")->required();
    auto* check = app.add_subcommand("check", "compare two stores row by row");
    check->add_option("--from", from, "one store URL")->required();
    check->add_option("--to", to, "the other store URL")->required();
    auto* summary = app.add_subcommand("summary", "rows and digest per table");
    summary->add_option("--store", store, "store URL")->required();
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : static_cast<int>(pm::ExitCode::usage);
    }
    try {
        const auto password = password_from_environment();
        const auto open = [&](const std::string& url) {
            return pm::store::Store::open(url, pm::store::k_default_busy_timeout, password);
        };
        if (summary->parsed()) {
            auto target = open(store);
            print_summary(pm::store::summarize(target));
            return 0;
        }
        auto source = open(from);
        auto target = open(to);
        if (copy->parsed()) {
            print_summary(pm::store::copy_store(source, target));
            std::cout << fmt::format("copied {} into {}: every table compared equal\n",
                                     source.path(), target.path());
            return 0;
        }
        const auto differences = pm::store::compare_stores(source, target);
        for (const auto& difference : differences) {
            std::cout << fmt::format("{}: {}\n", difference.table, difference.what);
        }
        if (!differences.empty()) {
            return 1;
        }
        std::cout << "the two stores hold the same rows\n";
        return 0;
    } catch (const pm::Error& e) {
        std::cerr << "pmstore: " << pm::redact(e.what()) << '\n';
        return static_cast<int>(e.exit_code());
    }
}
