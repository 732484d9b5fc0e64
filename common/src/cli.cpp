#include "pm/cli.hpp"

#include <cstdlib>
#include <map>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "pm/errors.hpp"

namespace pm {
namespace {

constexpr const char* k_default_config = "/etc/pm/pm.conf";

// The settings as strings, from one source (command line, environment or config file).
using SettingValues = std::map<std::string, std::string>;

struct SettingKey {
    const char* key;
    const char* env;
    const char* help;
};

constexpr SettingKey k_setting_keys[] = {
    {"store", "PM_STORE", "billing store, e.g. sqlite:/var/lib/pm/billing.db"},
    {"log_dir", "PM_LOG_DIR", "directory of the module log files"},
    {"cache_dir", "PM_CACHE_DIR", "directory of the auth session cache"},
    {"lock_dir", "PM_LOCK_DIR", "directory of the queue lock files"},
    {"log_level", "PM_LOG_LEVEL", "debug, info, warn or error"},
};

std::string quote_arg(std::string_view arg) {
    if (!arg.empty() && arg.find_first_of(" \t\"'\\$") == std::string_view::npos) {
        return std::string(arg);
    }
    std::string out = "'";
    for (const char c : arg) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

// Each argument cut and their number capped: a caller passing megabytes must not fill the log.
std::string join_call(int argc, const char* const* argv) {
    constexpr std::size_t k_max_argument = 100;
    constexpr int k_max_arguments = 60;
    std::string line;
    for (int i = 0; i < argc && i < k_max_arguments; ++i) {
        if (i > 0) {
            line += ' ';
        }
        const std::string_view arg = argv[i];
        line += arg.size() > k_max_argument
                    ? fmt::format("{}...({} bytes)", quote_arg(arg.substr(0, k_max_argument)),
                                  arg.size())
                    : quote_arg(arg);
    }
    if (argc > k_max_arguments) {
        line += fmt::format(" ... ({} arguments in all)", argc);
    }
    return line;
}

std::string commands_footer(const ModuleSpec& spec) {
    std::string footer = "Commands:\n";
    for (const auto& command : spec.commands) {
        footer += fmt::format("  {:<28} {}{}\n", command.name, command.help,
                              command.handler ? "" : " (not implemented yet)");
    }
    footer += "\nExit codes: 0 done, 1 operation failed, 2 usage or configuration error,\n"
              "3 temporary failure (safe to retry), 4 internal error.\n";
    return footer;
}

SettingValues read_config_file(const std::filesystem::path& path) {
    std::vector<CLI::ConfigItem> items;
    try {
        items = CLI::ConfigTOML().from_file(path.string());
    } catch (const CLI::Error& e) {
        throw ConfigError(fmt::format("cannot read config file {}: {}", path.string(), e.what()));
    }
    SettingValues values;
    for (const auto& item : items) {
        const bool known = std::any_of(std::begin(k_setting_keys), std::end(k_setting_keys),
                                       [&](const SettingKey& k) { return item.name == k.key; });
        if (!item.parents.empty() || !known) {
            throw ConfigError(fmt::format("config file {}: unknown key '{}' (known: store, "
                                          "log_dir, cache_dir, lock_dir, log_level)",
                                          path.string(), item.fullname()));
        }
        if (item.inputs.size() != 1) {
            throw ConfigError(fmt::format("config file {}: '{}' needs exactly one value",
                                          path.string(), item.name));
        }
        values[item.name] = item.inputs.front();
    }
    return values;
}

std::optional<std::filesystem::path> choose_config_file(const std::string& flag) {
    if (!flag.empty()) {
        return flag;
    }
    if (const char* env = std::getenv("PM_CONFIG"); env != nullptr && *env != '\0') {
        return std::filesystem::path(env);
    }
    std::error_code ec;
    if (std::filesystem::exists(k_default_config, ec)) {
        return std::filesystem::path(k_default_config);
    }
    return std::nullopt;
}

void apply_setting(Settings& settings, const std::string& key, const std::string& value,
                   const std::string& source) {
    if (value.empty()) {
        throw ConfigError(fmt::format("{}: '{}' is empty", source, key));
    }
    if (key == "store") {
        settings.store = value;
    } else if (key == "log_dir") {
        settings.log_dir = value;
    } else if (key == "cache_dir") {
        settings.cache_dir = value;
    } else if (key == "lock_dir") {
        settings.lock_dir = value;
    } else if (key == "log_level") {
        const auto level = log::parse_level(value);
        if (!level) {
            throw ConfigError(fmt::format("{}: log_level '{}' is not one of debug, info, warn, "
                                          "error",
                                          source, value));
        }
        settings.log_level = *level;
    }
}

// Flags over environment over config file over defaults (DESIGN §4).
Settings resolve_settings(const SettingValues& flags, const std::string& config_flag) {
    Settings settings;
    settings.config_file = choose_config_file(config_flag);
    SettingValues file_values;
    if (settings.config_file) {
        file_values = read_config_file(*settings.config_file);
    }
    for (const auto& setting : k_setting_keys) {
        const std::string key = setting.key;
        if (const auto flag = flags.find(key); flag != flags.end()) {
            apply_setting(settings, key, flag->second, "--" + key);
        } else if (const char* env = std::getenv(setting.env); env != nullptr) {
            apply_setting(settings, key, env, std::string("environment ") + setting.env);
        } else if (const auto file = file_values.find(key); file != file_values.end()) {
            apply_setting(settings, key, file->second,
                          "config file " + settings.config_file->string());
        }
    }
    return settings;
}

} // namespace

const CommandSpec* ModuleSpec::find_command(std::string_view command) const {
    for (const auto& candidate : commands) {
        if (candidate.name == command) {
            return &candidate;
        }
    }
    return nullptr;
}

std::variant<Invocation, EarlyExit>
parse_command_line(const ModuleSpec& spec, int argc, const char* const* argv, bool stdout_is_tty) {
    CLI::App app(spec.summary, spec.name);
    app.allow_extras();
    app.footer(commands_footer(spec));
    app.set_version_flag("--version", std::string(spec.name) + " " + PM_VERSION);

    Invocation invocation;
    std::int64_t item = 0;
    std::int64_t operation = 0;
    std::int64_t module = 0;
    std::string output;
    app.add_option("--command", invocation.command, "the operation (see Commands below)");
    auto* item_opt =
        app.add_option("--item", item, "the service (billing item) id")->check(CLI::PositiveNumber);
    auto* op_opt = app.add_option("--runningoperation", operation, "the running operation id")
                       ->check(CLI::PositiveNumber);
    auto* module_opt =
        app.add_option("--module", module, "the processing module id")->check(CLI::PositiveNumber);
    app.add_option("--output", output, "xml, json or text (default: xml, text on a terminal)")
        ->check(CLI::IsMember({"xml", "json", "text"}));
    app.add_flag("--dry-run", invocation.dry_run, "print the plan, change nothing");
    app.add_option("--config", invocation.config_flag,
                   "config file (default: $PM_CONFIG, else /etc/pm/pm.conf if it exists)");
    SettingValues& flag_values = invocation.setting_flags;
    for (const auto& setting : k_setting_keys) {
        app.add_option_function<std::string>(
            std::string("--") + setting.key,
            [&flag_values, key = setting.key](const std::string& value) {
                flag_values[key] = value;
            },
            fmt::format("{} (env {})", setting.help, setting.env));
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        return EarlyExit{app.help(), 0};
    } catch (const CLI::CallForVersion&) {
        return EarlyExit{std::string(spec.name) + " " + PM_VERSION + "\n", 0};
    } catch (const CLI::ParseError& e) {
        throw UsageError(e.what());
    }

    if (invocation.command.empty()) {
        throw UsageError(fmt::format("--command is required (see {} --help)", spec.name));
    }
    if (spec.find_command(invocation.command) == nullptr) {
        throw UsageError(
            fmt::format("unknown command '{}' (see {} --help)", invocation.command, spec.name));
    }
    if (item_opt->count() > 0) {
        invocation.item = ItemId(item);
    }
    if (op_opt->count() > 0) {
        invocation.operation = OperationId(operation);
    }
    if (module_opt->count() > 0) {
        invocation.module = ModuleId(module);
    }
    invocation.output = output.empty() ? (stdout_is_tty ? OutputFormat::text : OutputFormat::xml)
                                       : *parse_output_format(output);
    invocation.ignored = app.remaining();
    invocation.call_line = join_call(argc, argv);
    return invocation;
}

Settings load_settings(const Invocation& invocation) {
    return resolve_settings(invocation.setting_flags, invocation.config_flag);
}

} // namespace pm
