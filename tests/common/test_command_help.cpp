// `--command C --help` lists only the params the command reads (its declarations in the
// module's command table), aligned; checked on the units and on every command of both binaries.
#include <algorithm>
#include <sstream>
#include <variant>

#include <catch2/catch.hpp>

#include "pm/cli.hpp"

#include "support/process.hpp"

namespace {

pm::ModuleSpec spec() {
    pm::ModuleSpec s;
    s.name = "pmunit";
    s.itemtype = "vds";
    s.params = {{"url", "the API URL", false},
                {"pool_steps", "pool targets", false},
                {"password", "admin password", true}};
    s.item_params = {{"os", "the OS template", false}, {"password", "root password", true}};
    s.commands = {
        {"features", pm::Scope::none, pm::Mutation::read_only, "list", {}},
        {"open",
         pm::Scope::item,
         pm::Mutation::mutating,
         "create",
         {},
         {"url", "pool_steps"},
         {"os", "password"}},
        {"close", pm::Scope::item, pm::Mutation::mutating, "delete", {}, {"url"}, {}},
        {"check", pm::Scope::module, pm::Mutation::read_only, "check", {}, {"url"}, {}},
        {"typo", pm::Scope::item, pm::Mutation::mutating, "bad", {}, {"urll"}, {}},
    };
    return s;
}

std::string help_of(const pm::ModuleSpec& s, const char* command) {
    std::vector<const char*> args{"pmunit", "--command", command, "--help"};
    return std::get<pm::EarlyExit>(
               pm::parse_command_line(s, static_cast<int>(args.size()), args.data(), false))
        .text;
}

// The lines of the section under `title` (up to the next empty line).
std::vector<std::string> section(const std::string& text, const std::string& title) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    bool inside = false;
    while (std::getline(in, line)) {
        if (inside && line.empty()) {
            break;
        }
        if (inside) {
            lines.push_back(line);
        }
        inside = inside || line.starts_with(title);
    }
    return lines;
}

// Every line's description starts in the same column.
bool aligned(const std::vector<std::string>& lines) {
    std::vector<std::size_t> columns;
    for (const auto& line : lines) {
        const auto name_end = line.find(' ', 2);
        columns.push_back(line.find_first_not_of(' ', name_end));
    }
    return !columns.empty() && std::all_of(columns.begin(), columns.end(),
                                           [&](std::size_t c) { return c == columns.front(); });
}

} // namespace

TEST_CASE("command help: only the params the command declares, module and item ones, aligned") {
    const auto s = spec();
    const auto open = help_of(s, "open");
    INFO(open);
    const auto module = section(open, "Module params it reads");
    CHECK(aligned(module));
    CHECK(std::count_if(module.begin(), module.end(), [](const std::string& l) {
              return l.starts_with("  url ") || l.starts_with("  pool_steps ");
          }) == 2);
    CHECK(open.find("admin password") == std::string::npos); // the module's password: not read
    // The runner's params come with every command that reads module params; the queue's with
    // the mutating ones.
    CHECK(open.find("  queue_enabled ") != std::string::npos);
    CHECK(open.find("  tls_verify ") != std::string::npos);
    const auto item = section(open, "Item params it reads (itemparam rows of the item)");
    REQUIRE(item.size() == 2);
    CHECK(aligned(item));
    CHECK(item[0].starts_with("  os        the OS template"));
    CHECK(item[1] == "  password  root password (secret)");

    const auto close = help_of(s, "close");
    CHECK(close.find("pool_steps") == std::string::npos);
    CHECK(close.find("Item params") == std::string::npos);
    const auto check = help_of(s, "check");
    CHECK(check.find("  tls_verify ") != std::string::npos);
    CHECK(check.find("queue_enabled") == std::string::npos); // read-only: no queue slot
    const auto features = help_of(s, "features");
    CHECK(features.find("params it reads") == std::string::npos);
    // A name the module does not declare is the table's mistake, never a silent omission.
    CHECK_THROWS_WITH(help_of(s, "typo"), Catch::Contains("urll"));
}

TEST_CASE("command help: every command of both binaries renders its declared params") {
    for (const std::string binary : {"pmvmmgr6", "pmopenstack"}) {
        const auto general = pm::test::run({pm::test::module_path(binary), "--help"});
        REQUIRE(general.exit_code == 0);
        std::istringstream in(general.out.substr(general.out.find("Commands:\n") + 10));
        std::string line;
        int commands = 0;
        while (std::getline(in, line) && line.starts_with("  ")) {
            const auto command = line.substr(2, line.find(' ', 2) - 2);
            CAPTURE(binary, command);
            const auto r =
                pm::test::run({pm::test::module_path(binary), "--command", command, "--help"});
            INFO(r.out << r.err);
            CHECK(r.exit_code == 0);
            if (command != "features") {
                const auto params = section(r.out, "Module params it reads");
                CHECK(aligned(params));
                // console_sync talks to the console only (its own URL) in pmvmmgr6.
                CHECK(r.out.find(command == "console_sync" ? "  console_url " : "  url ") !=
                      std::string::npos);
            }
            ++commands;
        }
        CHECK(commands >= 12);
    }
    const auto help = [](const char* binary, const char* command) {
        return pm::test::run({pm::test::module_path(binary), "--command", command, "--help"}).out;
    };
    const auto close = help("pmvmmgr6", "close");
    CHECK(close.find("  vm_id ") != std::string::npos);
    CHECK(close.find("pool_steps") == std::string::npos);
    CHECK(close.find("  os ") == std::string::npos);
    const auto pool = help("pmvmmgr6", "pool_process");
    CHECK(pool.find("  pool_steps ") != std::string::npos);
    CHECK(pool.find("  second_iface ") != std::string::npos);
    const auto vm = help("pmopenstack", "vdc_vm_open");
    CHECK(vm.find("Object params it reads") != std::string::npos);
    CHECK(vm.find("  flavor ") != std::string::npos);
    CHECK(vm.find("sync_threads") == std::string::npos);
    CHECK(help("pmopenstack", "vdc_sync_all").find("  sync_threads ") != std::string::npos);
}
