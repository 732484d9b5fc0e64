#include "pm/cli.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/params.hpp"
#include "pm/redact.hpp"
#include "pm/text.hpp"

// The build's git revision (cmake/Packaging.cmake: `git describe --always --dirty` at configure
// time); a build outside git, or one that does not set it, says "unknown".
#ifndef PM_GIT_REVISION
#define PM_GIT_REVISION "unknown"
#endif

namespace pm {
namespace {

constexpr const char* k_default_config = "/etc/pm/pm.conf";
// A config file is a handful of lines; anything bigger is not one.
constexpr std::size_t k_max_config_bytes = 64u * 1024u;

// The settings as strings, from one source (command line, environment or config file).
using SettingValues = std::map<std::string, std::string>;

struct SettingKey {
    const char* key;
    const char* env;
    const char* help;
    bool secret = false; // never a flag: a command line is visible to every user (ps)
};

constexpr SettingKey k_setting_keys[] = {
    {"store", "PM_STORE", "billing store URL (sqlite:/absolute/path or mysql://user@host/db)"},
    {"log_dir", "PM_LOG_DIR", "directory of the module log files"},
    {"cache_dir", "PM_CACHE_DIR", "directory of the auth session cache"},
    {"lock_dir", "PM_LOCK_DIR", "directory of the queue lock files"},
    {"log_level", "PM_LOG_LEVEL", "debug, info, warn or error"},
    {"metrics_dir", "PM_METRICS_DIR",
     "directory of the Prometheus metrics files of module-wide jobs (off when unset)"},
    {"store_password", "PM_STORE_PASSWORD",
     "password of a mysql:// store whose URL carries none (config file or environment only)", true},
};

// The default of a setting as --help shows it (and with it the man pages and the sample
// pm.conf that packaging/generate.py writes from --help); empty when there is none.
std::string default_text(std::string_view key) {
    const Settings defaults;
    if (key == "store") {
        return defaults.store;
    }
    if (key == "log_dir") {
        return defaults.log_dir.string();
    }
    if (key == "cache_dir") {
        return defaults.cache_dir.string();
    }
    if (key == "lock_dir") {
        return defaults.lock_dir.string();
    }
    if (key == "log_level") {
        std::string name(log::level_name(defaults.log_level)); // as the config file spells it
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return name;
    }
    return {};
}

// A bad value as shown in a message: quoted, control characters escaped, cut when long.
std::string shown_value(std::string_view text) {
    return quoted_value(text, 40);
}

// What an id flag expects, in its messages.
constexpr const char* k_id_expected = "a positive decimal id (digits only, 1 or more)";

// The check of an id flag's value (CLI11 prefixes the flag's name): ids are decimal, a
// leading zero does not mean octal (010 is 10), and 0x1, 0b1, 1'0, signs, 0 and values past
// INT64_MAX are refused, never reinterpreted or clamped. An empty value is left to
// single_value(), which says the flag needs one.
std::string id_problem(const std::string& text) {
    if (text.empty()) {
        return {};
    }
    const bool digits =
        std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    std::int64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (digits && ec == std::errc::result_out_of_range) {
        return fmt::format("{} is out of range (ids go up to {})", shown_value(text),
                           std::numeric_limits<std::int64_t>::max());
    }
    if (!digits || ec != std::errc() || ptr != end || value <= 0) {
        return fmt::format("{} is not {}", shown_value(text), k_id_expected);
    }
    return {};
}

// No description: --help shows the option as before (TEXT), its help says it is an id.
const CLI::Validator k_decimal_id(id_problem, "", "decimal id");

// The format names of --output, as --help shows them.
const CLI::Validator k_output_format(
    [](const std::string& text) {
        return parse_output_format(text) || text.empty()
                   ? std::string()
                   : fmt::format("{} is not one of xml, json, text", shown_value(text));
    },
    "{xml,json,text}", "output format");

// --dry-run is a flag; `--dry-run=on` and the like are accepted, anything else named.
const CLI::Validator k_on_off(
    [](const std::string& text) {
        return parse_bool(text) ? std::string()
                                : fmt::format("{} is not on or off (--dry-run alone means on)",
                                              shown_value(text));
    },
    "", "on/off");

// Options with a value are declared to take zero or one value and to keep every occurrence, so
// that a missing value or a repeated flag reaches single_value(), whose message names the flag
// and what it expects (CLI11's own say "1 required TEXT missing", "At Most 1 required").
CLI::Option* value_option(CLI::App& app, const std::string& name, const std::string& help) {
    return app.add_option(name)
        ->description(help)
        ->type_name("TEXT")
        ->expected(0, 1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

// The value of a value option when it was given once with a value; nullopt when it was not
// given. UsageError, naming the flag and what it expects, when it was given twice or bare.
std::optional<std::string> single_value(const CLI::Option& option, std::string_view expects) {
    if (option.count() == 0) {
        return std::nullopt;
    }
    const auto& results = option.results();
    if (option.count() > 1 || results.size() > 1) {
        throw UsageError(fmt::format("{} is given {} times: give it once ({})", option.get_name(),
                                     std::max(option.count(), results.size()), expects));
    }
    if (results.empty() || results.front().empty()) {
        throw UsageError(fmt::format("{} needs a value: {}", option.get_name(), expects));
    }
    return results.front();
}

std::int64_t id_value(const std::string& text) {
    std::int64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value); // checked by k_decimal_id
    return value;
}

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
        footer += fmt::format(
            "  {:<28} {}{}\n", command.name, command.help,
            // features is answered by the runner itself, without a handler.
            command.handler || command.name == "features" ? "" : " (not implemented yet)");
    }
    footer += "\nExit codes: 0 done, 1 operation failed, 2 usage or configuration error,\n"
              "3 temporary failure (safe to retry), 4 internal error.\n";
    return footer;
}

// The declarations of `names` in `params`, in the order of `names`. A name declared nowhere is
// a mistake in the module's command table: --help fails loudly (a test runs every command's).
std::vector<ParamSpec> declared(const std::vector<ParamSpec>& params,
                                const std::vector<std::string>& names, std::string_view command) {
    std::vector<ParamSpec> found;
    for (const auto& name : names) {
        const auto param = std::find_if(params.begin(), params.end(),
                                        [&](const ParamSpec& p) { return p.name == name; });
        if (param == params.end()) {
            throw std::logic_error(fmt::format(
                "command {} reads param {}, which the module does not declare", command, name));
        }
        found.push_back(*param);
    }
    return found;
}

// The module params a command reads: its own, then those of the runner (common_params()):
// the connection's for any command that reads module params, the queue's and max_tries for
// the mutating ones.
std::vector<ParamSpec> module_params_of(const ModuleSpec& spec, const CommandSpec& command) {
    auto params = declared(spec.params, command.module_params, command.name);
    if (params.empty()) {
        return params;
    }
    for (const auto& param : common_params()) {
        const bool queue = param.name.starts_with("queue_") || param.name == "max_tries";
        if (!queue || command.mutation == Mutation::mutating) {
            params.push_back(param);
        }
    }
    return params;
}

// "<title>:" and the params, names aligned; nothing when there are none.
std::string params_help(std::string_view title, const std::vector<ParamSpec>& params) {
    if (params.empty()) {
        return {};
    }
    std::size_t width = 0;
    for (const auto& param : params) {
        width = std::max(width, param.name.size());
    }
    std::string text = fmt::format("\n{}:\n", title);
    for (const auto& param : params) {
        text += fmt::format("  {:<{}}  {}{}\n", param.name, width, param.help,
                            param.secret ? " (secret)" : "");
    }
    return text;
}

// `--command C --help`: what the command does, what it needs from the command line, whether it
// changes anything, and the module, item or object params it reads.
std::string command_help(const ModuleSpec& spec, const CommandSpec& command) {
    std::string text =
        fmt::format("{} --command {}: {}\n\n", spec.name, command.name, command.help);
    switch (command.scope) {
    case Scope::none:
        text += "Needs:  nothing (no item, module or running operation)\n";
        break;
    case Scope::module:
        text += "Needs:  --module N, or --item N / --runningoperation N (their module)\n";
        break;
    case Scope::item:
        text += "Needs:  --item N or --runningoperation N (its item)\n";
        break;
    case Scope::object:
        text += "Needs:  --runningoperation N (an operation on a VDC object)\n";
        break;
    }
    text += command.mutation == Mutation::mutating
                ? "Runs:   changes things: needs an enabled module, takes a queue slot "
                  "(queue_enabled), one\n        operation per item at a time, the outcome "
                  "recorded on the running operation\n"
                : "Runs:   reads only: no queue slot, no running operation\n";
    text += params_help("Module params it reads (processingparam rows of the module)",
                        module_params_of(spec, command));
    const char* item_title = "Item params it reads (itemparam rows of the item)";
    if (command.scope == Scope::object) {
        item_title = "Object params it reads (vdcobjectparam rows of the VDC object)";
    } else if (command.scope != Scope::item) {
        item_title = "Item params it reads (itemparam rows of the module's items)";
    }
    text += params_help(item_title, declared(spec.item_params, command.item_params, command.name));
    text += fmt::format("\nThe flags and settings every command takes: {} --help\n", spec.name);
    return text;
}

bool is_dev_null(const struct stat& info) {
    struct stat null_info {};
    return S_ISCHR(info.st_mode) && ::stat("/dev/null", &null_info) == 0 &&
           S_ISCHR(null_info.st_mode) && info.st_rdev == null_info.st_rdev;
}

// Reads the file without blocking and only if it is a regular file of sane size (or
// /dev/null): a directory, a FIFO or a device such as /dev/zero is not a config file, and
// reading one would hang or eat memory.
std::string read_config_text(const std::filesystem::path& path) {
    const auto fail = [&](const std::string& why) {
        return ConfigError(fmt::format("config file {}: {}", path.string(), why));
    };
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        throw fail(fmt::format("cannot open it: {}", std::strerror(errno)));
    }
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{fd};
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
        throw fail(fmt::format("cannot stat it: {}", std::strerror(errno)));
    }
    if (S_ISDIR(info.st_mode)) {
        throw fail("is a directory, not a file");
    }
    if (is_dev_null(info)) {
        return {}; // the usual way to say "no config file"
    }
    if (!S_ISREG(info.st_mode)) {
        throw fail("is not a regular file");
    }
    std::string text;
    std::array<char, 4096> buffer{};
    for (;;) {
        const ssize_t got = ::read(fd, buffer.data(), buffer.size());
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            throw fail(fmt::format("cannot read it: {}", std::strerror(errno)));
        }
        if (got == 0) {
            break;
        }
        text.append(buffer.data(), static_cast<std::size_t>(got));
        if (text.size() > k_max_config_bytes) {
            throw fail(fmt::format("is larger than {} bytes", k_max_config_bytes));
        }
    }
    if (text.find('\0') != std::string::npos) {
        throw fail("contains a NUL byte (not a text file)");
    }
    // A UTF-8 byte order mark, as some editors write, is not part of the first key.
    constexpr std::string_view k_bom = "\xEF\xBB\xBF";
    if (std::string_view(text).starts_with(k_bom)) {
        text.erase(0, k_bom.size());
    }
    return text;
}

// CLI11 reads a key without `=` as a flag set to true, so `store` alone would become the
// store URL 'true': every setting takes a value, and a line without one is named here.
void refuse_bare_keys(const std::filesystem::path& path, const std::string& text) {
    std::istringstream lines(text);
    std::string line;
    for (int number = 1; std::getline(lines, line); ++number) {
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos || line[first] == '#' || line[first] == ';' ||
            line[first] == '[' || line.find('=') != std::string::npos) {
            continue;
        }
        const auto last = line.find_last_not_of(" \t\r");
        throw ConfigError(fmt::format("config file {} line {}: {} has no value: write KEY = VALUE",
                                      path.string(), number,
                                      quoted_value(line.substr(first, last - first + 1))));
    }
}

SettingValues read_config_file(const std::filesystem::path& path) {
    const std::string raw = read_config_text(path);
    refuse_bare_keys(path, raw);
    std::istringstream text(raw);
    std::vector<CLI::ConfigItem> items;
    try {
        items = CLI::ConfigTOML().from_config(text);
    } catch (const CLI::Error& e) {
        throw ConfigError(fmt::format("cannot read config file {}: {}", path.string(), e.what()));
    }
    SettingValues values;
    for (const auto& item : items) {
        if (!item.parents.empty()) {
            throw ConfigError(fmt::format("config file {}: sections ([{}]) are not supported: "
                                          "write the keys at the top of the file",
                                          path.string(), item.parents.front()));
        }
        const bool known = std::any_of(std::begin(k_setting_keys), std::end(k_setting_keys),
                                       [&](const SettingKey& k) { return item.name == k.key; });
        if (!known) {
            throw ConfigError(
                fmt::format("config file {}: unknown key '{}' (known: store, "
                            "log_dir, cache_dir, lock_dir, log_level, metrics_dir, store_password)",
                            path.string(), item.fullname()));
        }
        if (item.inputs.size() != 1) {
            throw ConfigError(fmt::format(
                "config file {}: '{}' has {} values where it takes one (a value with quotes, "
                "commas or brackets in it goes in double quotes, with \\\" for a quote)",
                path.string(), item.name, item.inputs.size()));
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

// `source` ("--log_dir", "environment PM_LOG_DIR", "config file /etc/pm/pm.conf") closes each
// message in brackets: written first and followed by a colon, an environment variable named
// like PM_STORE_PASSWORD would read as a secret header to the log's masking.
void apply_setting(Settings& settings, const std::string& key, const std::string& value,
                   const std::string& source) {
    if (value.empty()) {
        throw ConfigError(fmt::format("'{}' is empty ({})", key, source));
    }
    // A relative directory would depend on where the billing platform or cron starts us.
    const bool directory =
        key == "log_dir" || key == "cache_dir" || key == "lock_dir" || key == "metrics_dir";
    if (directory && !std::filesystem::path(value).is_absolute()) {
        throw ConfigError(fmt::format("'{}' must be an absolute path, not {} ({})", key,
                                      shown_value(value), source));
    }
    if (key == "store") {
        settings.store = value;
    } else if (key == "store_password") {
        register_secret(value);
        settings.store_password = value;
    } else if (key == "log_dir") {
        settings.log_dir = value;
    } else if (key == "cache_dir") {
        settings.cache_dir = value;
    } else if (key == "lock_dir") {
        settings.lock_dir = value;
    } else if (key == "metrics_dir") {
        settings.metrics_dir = value;
    } else if (key == "log_level") {
        const auto level = log::parse_level(value);
        if (!level) {
            throw ConfigError(fmt::format("'log_level' must be one of debug, info, warn, error, "
                                          "not {} ({})",
                                          shown_value(value), source));
        }
        settings.log_level = *level;
    }
}

// Flags over environment over config file over defaults (DESIGN §4). Every value given is
// checked, also one that a source of higher precedence overrides: a broken config file is
// reported the day it is written, not the day the environment that hid it goes away.
Settings resolve_settings(const SettingValues& flags, const std::string& config_flag) {
    Settings settings;
    settings.config_file = choose_config_file(config_flag);
    SettingValues file_values;
    if (settings.config_file) {
        file_values = read_config_file(*settings.config_file);
    }
    for (const auto& setting : k_setting_keys) {
        const std::string key = setting.key;
        if (const auto file = file_values.find(key); file != file_values.end()) {
            apply_setting(settings, key, file->second,
                          "config file " + settings.config_file->string());
        }
        if (const char* env = std::getenv(setting.env); env != nullptr) {
            apply_setting(settings, key, env, std::string("environment ") + setting.env);
        }
        if (const auto flag = flags.find(key); flag != flags.end()) {
            apply_setting(settings, key, flag->second, "--" + key);
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
    const std::string version =
        fmt::format("{} {} (git {})", spec.name, PM_VERSION, PM_GIT_REVISION);
    app.set_version_flag("--version", version);

    Invocation invocation;
    // Ids are read as text, checked by k_decimal_id and converted by id_value(): CLI11 would
    // take 010 as octal.
    auto* command_opt = value_option(app, "--command", "the operation (see Commands below)");
    auto* item_opt =
        value_option(app, "--item", "the service (billing item) id")->check(k_decimal_id);
    auto* op_opt =
        value_option(app, "--runningoperation", "the running operation id")->check(k_decimal_id);
    auto* module_opt =
        value_option(app, "--module", "the processing module id")->check(k_decimal_id);
    auto* output_opt =
        value_option(app, "--output", "xml, json or text (default: xml, text on a terminal)")
            ->check(k_output_format);
    app.add_flag("--dry-run", invocation.dry_run, "print the plan, change nothing")
        ->check(k_on_off);
    auto* config_opt = value_option(
        app, "--config", "config file (default: $PM_CONFIG, else /etc/pm/pm.conf if it exists)");
    std::vector<std::pair<const SettingKey*, CLI::Option*>> setting_opts;
    for (const auto& setting : k_setting_keys) {
        if (setting.secret) {
            // Refused, and never echoed: the value is already in the process list. (The flag
            // is never followed by a blank in the message: the log's masking would take the
            // next word for its value.)
            app.add_option_function<std::string>(
                   std::string("--") + setting.key,
                   [key = setting.key, env = setting.env](const std::string&) {
                       throw UsageError(fmt::format(
                           "the flag --{}, which every user can read in the process list, is "
                           "refused: set {} in the config file or the environment ({})",
                           key, key, env));
                   },
                   fmt::format("{} (env {})", setting.help, setting.env))
                ->expected(0, 1)
                ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
            continue;
        }
        setting_opts.emplace_back(
            &setting, value_option(app, std::string("--") + setting.key,
                                   fmt::format("{} (env {}{})", setting.help, setting.env,
                                               default_text(setting.key).empty()
                                                   ? ""
                                                   : ", default " + default_text(setting.key))));
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        const auto& asked = command_opt->results();
        if (const CommandSpec* command =
                spec.find_command(asked.empty() ? std::string() : asked.back())) {
            return EarlyExit{command_help(spec, *command), 0};
        }
        return EarlyExit{app.help(), 0};
    } catch (const CLI::CallForVersion&) {
        return EarlyExit{version + "\n", 0};
    } catch (const CLI::ParseError& e) {
        throw UsageError(e.what());
    }

    // --output first: what it asks for is how every other error is printed.
    const auto output = single_value(*output_opt, "xml, json or text");
    invocation.output = output ? *parse_output_format(*output)
                               : (stdout_is_tty ? OutputFormat::text : OutputFormat::xml);
    const std::string commands = fmt::format("one of the commands of {} --help", spec.name);
    invocation.command = single_value(*command_opt, commands).value_or("");
    if (invocation.command.empty()) {
        throw UsageError(fmt::format("--command is required: {}", commands));
    }
    if (spec.find_command(invocation.command) == nullptr) {
        throw UsageError(fmt::format("--command: unknown command {} (see {} --help)",
                                     shown_value(invocation.command), spec.name));
    }
    if (const auto value = single_value(*item_opt, k_id_expected)) {
        invocation.item = ItemId(id_value(*value));
    }
    if (const auto value = single_value(*op_opt, k_id_expected)) {
        invocation.operation = OperationId(id_value(*value));
    }
    if (const auto value = single_value(*module_opt, k_id_expected)) {
        invocation.module = ModuleId(id_value(*value));
    }
    invocation.config_flag = single_value(*config_opt, "the path of a config file").value_or("");
    for (const auto& [setting, option] : setting_opts) {
        if (const auto value = single_value(*option, setting->help)) {
            invocation.setting_flags[setting->key] = *value;
        }
    }
    invocation.ignored = app.remaining();
    invocation.call_line = join_call(argc, argv);
    return invocation;
}

Settings load_settings(const Invocation& invocation) {
    return resolve_settings(invocation.setting_flags, invocation.config_flag);
}

} // namespace pm
