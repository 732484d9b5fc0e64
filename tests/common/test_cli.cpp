#include <cstdlib>
#include <sys/stat.h>
#include <variant>

#include <catch2/catch.hpp>

#include "pm/cli.hpp"
#include "pm/errors.hpp"

#include "support/process.hpp"

namespace {

pm::ModuleSpec spec() {
    pm::ModuleSpec s;
    s.name = "pmunit";
    s.itemtype = "vds";
    s.commands = {{"features", pm::Scope::none, pm::Mutation::read_only, "list", {}},
                  {"open", pm::Scope::item, pm::Mutation::mutating, "create", {}}};
    return s;
}

std::variant<pm::Invocation, pm::EarlyExit> parse(std::vector<const char*> args, bool tty = false) {
    args.insert(args.begin(), "pmunit");
    return pm::parse_command_line(spec(), static_cast<int>(args.size()), args.data(), tty);
}

pm::Invocation invocation(std::vector<const char*> args, bool tty = false) {
    return std::get<pm::Invocation>(parse(std::move(args), tty));
}

// Sets environment variables for one test and restores them afterwards.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : m_name(name) {
        if (const char* old = std::getenv(name)) {
            m_old = old;
        }
        if (value != nullptr) {
            setenv(name, value, 1);
        } else {
            unsetenv(name);
        }
    }
    ~ScopedEnv() {
        if (m_old) {
            setenv(m_name, m_old->c_str(), 1);
        } else {
            unsetenv(m_name);
        }
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* m_name;
    std::optional<std::string> m_old;
};

} // namespace

TEST_CASE("cli: parses the common flags") {
    const auto inv = invocation(
        {"--command", "open", "--item", "42", "--runningoperation", "7", "--output", "json"});
    CHECK(inv.command == "open");
    CHECK(inv.item == pm::ItemId(42));
    CHECK(inv.operation == pm::OperationId(7));
    CHECK_FALSE(inv.module.has_value());
    CHECK(inv.output == pm::OutputFormat::json);
    CHECK_FALSE(inv.dry_run);
    CHECK(inv.call_line == "pmunit --command open --item 42 --runningoperation 7 --output json");
}

TEST_CASE("cli: output defaults to xml for programs and text on a terminal") {
    CHECK(invocation({"--command", "open"}, false).output == pm::OutputFormat::xml);
    CHECK(invocation({"--command", "open"}, true).output == pm::OutputFormat::text);
}

TEST_CASE("cli: unknown flags are accepted and kept for the log") {
    const auto inv = invocation({"--lang", "ru", "--command", "open", "--userid=5", "--dry-run"});
    CHECK(inv.command == "open");
    CHECK(inv.dry_run);
    CHECK(inv.ignored == std::vector<std::string>{"--lang", "ru", "--userid=5"});
}

TEST_CASE("cli: usage errors") {
    SECTION("missing command") {
        CHECK_THROWS_AS(parse({"--item", "4"}), pm::UsageError);
    }
    SECTION("unknown command") {
        CHECK_THROWS_WITH(parse({"--command", "explode"}),
                          Catch::Contains("unknown command 'explode'"));
    }
    SECTION("bad id") {
        CHECK_THROWS_AS(parse({"--command", "open", "--item", "x"}), pm::UsageError);
    }
    SECTION("negative id") {
        CHECK_THROWS_AS(parse({"--command", "open", "--item", "-3"}), pm::UsageError);
    }
    SECTION("bad output") {
        CHECK_THROWS_AS(parse({"--command", "open", "--output", "yaml"}), pm::UsageError);
    }
}

TEST_CASE("cli: --help lists every command and --version prints the version") {
    const auto help = std::get<pm::EarlyExit>(parse({"--help"}));
    CHECK(help.code == 0);
    CHECK(help.text.find("features") != std::string::npos);
    CHECK(help.text.find("open") != std::string::npos);
    CHECK(help.text.find("Exit codes") != std::string::npos);
    const auto version = std::get<pm::EarlyExit>(parse({"--version"}));
    CHECK(version.text.find(PM_VERSION) != std::string::npos);
}

TEST_CASE("cli: settings come from flags, then environment, then config file, then defaults") {
    pm::test::TempDir dir;
    const auto conf = dir / "pm.conf";
    pm::test::write_file(conf, "# comment\nstore = \"sqlite:/from/file.db\"\nlog_dir = /file/logs\n"
                               "cache_dir = /file/cache\nlog_level = debug\n");
    const ScopedEnv no_config("PM_CONFIG", nullptr);
    const ScopedEnv env_store("PM_STORE", "sqlite:/from/env.db");
    const ScopedEnv env_cache("PM_CACHE_DIR", "/env/cache");
    const ScopedEnv no_logs("PM_LOG_DIR", nullptr);
    const ScopedEnv no_locks("PM_LOCK_DIR", nullptr);
    const ScopedEnv no_level("PM_LOG_LEVEL", nullptr);
    const auto inv = invocation(
        {"--command", "open", "--config", conf.c_str(), "--store", "sqlite:/from/flag.db"});
    const auto settings = pm::load_settings(inv);
    CHECK(settings.store == "sqlite:/from/flag.db");
    CHECK(settings.cache_dir == "/env/cache");
    CHECK(settings.log_dir == "/file/logs");
    CHECK(settings.lock_dir == "/var/lib/pm/locks");
    CHECK(settings.log_level == pm::log::Level::debug);
    CHECK(settings.config_file == conf);

    SECTION("PM_CONFIG names the file when --config is absent") {
        const ScopedEnv config_env("PM_CONFIG", conf.c_str());
        CHECK(pm::load_settings(invocation({"--command", "open"})).log_dir == "/file/logs");
    }
}

TEST_CASE("cli: a bad configuration is a ConfigError") {
    pm::test::TempDir dir;
    const ScopedEnv no_level("PM_LOG_LEVEL", nullptr);
    SECTION("missing file") {
        const auto inv = invocation({"--command", "open", "--config", "/nonexistent/pm.conf"});
        CHECK_THROWS_AS(pm::load_settings(inv), pm::ConfigError);
    }
    SECTION("unknown key") {
        pm::test::write_file(dir / "pm.conf", "stroe = sqlite:/x.db\n");
        const auto path = (dir / "pm.conf").string();
        CHECK_THROWS_WITH(
            pm::load_settings(invocation({"--command", "open", "--config", path.c_str()})),
            Catch::Contains("unknown key 'stroe'"));
    }
    SECTION("bad log level") {
        const ScopedEnv level("PM_LOG_LEVEL", "loud");
        CHECK_THROWS_WITH(pm::load_settings(invocation({"--command", "open"})),
                          Catch::Contains("not 'loud' (environment PM_LOG_LEVEL)"));
    }
    SECTION("empty value") {
        CHECK_THROWS_WITH(parse({"--command", "open", "--store", ""}),
                          Catch::Contains("--store needs a value"));
    }
}

TEST_CASE("cli: ids are decimal, never octal, hexadecimal or clamped") {
    SECTION("a leading zero is still decimal") {
        CHECK(invocation({"--command", "open", "--item", "010"}).item == pm::ItemId(10));
        CHECK(invocation({"--command", "open", "--runningoperation", "010"}).operation ==
              pm::OperationId(10));
        CHECK(invocation({"--command", "open", "--module", "09"}).module == pm::ModuleId(9));
        CHECK(invocation({"--command", "open", "--item", "9223372036854775807"}).item ==
              pm::ItemId(9223372036854775807));
    }
    SECTION("other notations, signs, zero and garbage are refused with a readable message") {
        for (const char* flag : {"--item", "--runningoperation", "--module"}) {
            for (const char* bad :
                 {"0x1", "0b1", "1'0", "0", "00", "abc", "+1", "1.0", " 1", "1e3"}) {
                CAPTURE(flag, bad);
                CHECK_THROWS_WITH(parse({"--command", "open", flag, bad}),
                                  Catch::Contains(std::string(flag) + ": '" + bad +
                                                  "' is not a positive decimal id"));
            }
        }
        CHECK_THROWS_WITH(parse({"--command", "open", "--item", ""}),
                          Catch::Contains("--item needs a value: a positive decimal id"));
        CHECK_THROWS_WITH(parse({"--command", "open", "--item=-1"}),
                          Catch::Contains("--item: '-1' is not a positive decimal id"));
    }
    SECTION("values past INT64_MAX are refused, not clamped") {
        for (const char* big : {"9223372036854775808", "99999999999999999999"}) {
            CAPTURE(big);
            CHECK_THROWS_WITH(parse({"--command", "open", "--item", big}),
                              Catch::Contains("is out of range"));
        }
        const std::string huge(100000, '7');
        CHECK_THROWS_WITH(parse({"--command", "open", "--item", huge.c_str()}),
                          Catch::Contains("(100000 characters) is out of range"));
    }
}

TEST_CASE("cli: --help does not call features unimplemented") {
    const auto help = std::get<pm::EarlyExit>(parse({"--help"})).text;
    const auto line = help.substr(help.find("  features"));
    CHECK(line.substr(0, line.find('\n')).find("not implemented") == std::string::npos);
    const auto open_line = help.substr(help.find("  open"));
    CHECK(open_line.substr(0, open_line.find('\n')).find("not implemented") != std::string::npos);
}

TEST_CASE("cli: the config file must be a regular text file") {
    pm::test::TempDir dir;
    const ScopedEnv no_level("PM_LOG_LEVEL", nullptr);
    const auto load = [](const std::string& path) {
        return pm::load_settings(invocation({"--command", "open", "--config", path.c_str()}));
    };
    SECTION("a directory") {
        CHECK_THROWS_WITH(load(dir.path().string()), Catch::Contains("is a directory"));
    }
    SECTION("a device that never ends") {
        CHECK_THROWS_WITH(load("/dev/zero"), Catch::Contains("is not a regular file"));
    }
    SECTION("a FIFO nobody writes to") {
        const auto fifo = dir / "fifo";
        REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
        CHECK_THROWS_WITH(load(fifo.string()), Catch::Contains("is not a regular file"));
    }
    SECTION("a NUL byte") {
        pm::test::write_file(dir / "pm.conf", std::string("log_level = in\0fo\n", 18));
        CHECK_THROWS_WITH(load((dir / "pm.conf").string()), Catch::Contains("NUL byte"));
    }
    SECTION("a section") {
        pm::test::write_file(dir / "pm.conf", "[pm]\nlog_level = info\n");
        CHECK_THROWS_WITH(load((dir / "pm.conf").string()),
                          Catch::Contains("sections ([pm]) are not supported"));
    }
    SECTION("a file too big to be a config file") {
        pm::test::write_file(dir / "pm.conf", std::string(100000, '#'));
        CHECK_THROWS_WITH(load((dir / "pm.conf").string()), Catch::Contains("larger than"));
    }
    SECTION("/dev/null is an empty config file") {
        CHECK(load("/dev/null").log_level == pm::log::Level::info);
    }
    SECTION("a good file is still read") {
        pm::test::write_file(dir / "pm.conf", "log_level = warn\n");
        CHECK(load((dir / "pm.conf").string()).log_level == pm::log::Level::warn);
    }
}

TEST_CASE("cli: --command C --help shows that command: what it needs, whether it changes "
          "anything, the module params") {
    auto with_params = spec();
    with_params.params = {{"url", "the API URL", false}, {"password", "admin password", true}};
    with_params.commands[1].module_params = {"url", "password"};
    const auto parse_with = [&](std::vector<const char*> args) {
        args.insert(args.begin(), "pmunit");
        return std::get<pm::EarlyExit>(
            pm::parse_command_line(with_params, static_cast<int>(args.size()), args.data(), false));
    };
    const auto open = parse_with({"--command", "open", "--help"});
    CHECK(open.code == 0);
    CHECK(open.text.rfind("pmunit --command open: create\n", 0) == 0);
    CHECK(open.text.find("--item N or --runningoperation N") != std::string::npos);
    CHECK(open.text.find("changes things") != std::string::npos);
    // Aligned on the longest name, the runner's queue_enabled.
    CHECK(open.text.find("  url            the API URL\n") != std::string::npos);
    CHECK(open.text.find("  password       admin password (secret)\n") != std::string::npos);
    CHECK(open.text.find("Commands:") == std::string::npos); // not the general help
    // --help first works the same; features needs nothing and reads no module params.
    const auto features = parse_with({"--help", "--command", "features"});
    CHECK(features.text.find("Needs:  nothing") != std::string::npos);
    CHECK(features.text.find("reads only") != std::string::npos);
    CHECK(features.text.find("url") == std::string::npos);
    // An unknown command with --help: the general help, which lists the commands there are.
    CHECK(parse_with({"--command", "explode", "--help"}).text.find("Commands:") !=
          std::string::npos);
}

TEST_CASE("cli: --version names the build's git revision, --help shows each setting's default") {
    const auto version = std::get<pm::EarlyExit>(parse({"--version"})).text;
    CHECK(version.rfind(std::string("pmunit ") + PM_VERSION + " (git ", 0) == 0);
    CHECK(version.find("(git )") == std::string::npos); // never an empty revision
    const auto help = std::get<pm::EarlyExit>(parse({"--help"})).text;
    CHECK(help.find("(env PM_STORE, default sqlite:/var/lib/pm/billing.db)") != std::string::npos);
    CHECK(help.find("(env PM_LOG_LEVEL, default info)") != std::string::npos);
    CHECK(help.find("(env PM_LOCK_DIR, default /var/lib/pm/locks)") != std::string::npos);
}
