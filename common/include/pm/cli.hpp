// The command line of DESIGN §3 and the global configuration of §4, shared by both binaries.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "pm/ids.hpp"
#include "pm/log.hpp"
#include "pm/module.hpp"
#include "pm/output.hpp"

namespace pm {

// Global settings (§4): flags over environment over config file over defaults.
struct Settings {
    std::string store = "sqlite:/var/lib/pm/billing.db";
    // The password of a mysql:// store whose URL has none (config file or PM_STORE_PASSWORD).
    std::optional<std::string> store_password;
    std::filesystem::path log_dir = "/var/log/pm";
    std::filesystem::path cache_dir = "/var/cache/pm";
    std::filesystem::path lock_dir = "/var/lib/pm/locks";
    // Where module-wide jobs write Prometheus metrics (DESIGN §15); off when unset.
    std::optional<std::filesystem::path> metrics_dir;
    log::Level log_level = log::Level::info;
    std::optional<std::filesystem::path> config_file; // the file that was read, if any
};

struct Invocation {
    std::string command;
    std::optional<ItemId> item;
    std::optional<OperationId> operation;
    std::optional<ModuleId> module;
    OutputFormat output = OutputFormat::xml;
    bool dry_run = false;
    std::map<std::string, std::string> setting_flags; // store, log_dir… given as flags
    std::string config_flag;                          // --config, if given
    std::vector<std::string> ignored;                 // unknown flags, accepted and logged
    std::string call_line;                            // how we were called, for the first log line
};

// --help or --version: print `text` and exit with `code`.
struct EarlyExit {
    std::string text;
    int code = 0;
};

// Parses argv. `stdout_is_tty` picks the default output format. Throws UsageError for bad
// flags, a missing or unknown command.
[[nodiscard]] std::variant<Invocation, EarlyExit>
parse_command_line(const ModuleSpec& spec, int argc, const char* const* argv, bool stdout_is_tty);

// Resolves the global settings: flags over environment over config file over defaults.
// Throws ConfigError for an unreadable config file, unknown keys or bad values.
[[nodiscard]] Settings load_settings(const Invocation& invocation);

} // namespace pm
