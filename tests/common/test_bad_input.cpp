// Bad input, a clear answer (issue 15, item 4): the real pmvmmgr6 and pmopenstack binaries run
// with bad flags, config files, environment variables and store rows. Each answer must keep
// the exit code of DESIGN §3, name the flag, key or param and say what it expects, come in
// the --output format asked for (the default one when --output itself is bad), end by
// itself, and echo no secret. The table below is the record of what was tried.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pm/store.hpp"
#include "pm/text.hpp"

#include "support/process.hpp"
#include "support/test_store.hpp"
#include "support/vmmgr6_sim.hpp"

namespace {

namespace fs = std::filesystem;
namespace st = pm::store;
using pm::test::ProcessResult;

enum class Kind { flag, config, env, row };
enum class Format { xml, json, text };

// A secret planted in every run: none of them may appear in any answer or log.
constexpr const char* k_module_password = "Module-Secret-Pw-7";
constexpr const char* k_store_password = "Store-Secret-Pw-8";
constexpr const char* k_item_password = "Item-Secret-Pw-9";

struct Case {
    Kind kind;
    std::string binary; // pmvmmgr6 or pmopenstack
    std::vector<std::string> args;
    int exit_code;
    std::string fragment; // the answer contains it (names the flag, key or param)
    Format format;        // on stdout
    std::string config{}; // config file text, passed with --config (written when set)
    std::map<std::string, std::string> env{};
    // Store rows: {"module|osmodule|item|tariff", name, value} params set before the run.
    std::vector<std::array<std::string, 3>> rows{};
};

// A scratch store with one module of each binary pointed at a closed port (a run that got as
// far as the network would fail with exit 3, never 2), an item and a running `open` of each.
struct BadInputEnv {
    BadInputEnv()
        : store_url(pm::test::store_url(dir.path())), store(st::Store::open(store_url)),
          vm_module(store.create_module({.name = "vm", .type = "pmvmmgr6"})),
          os_module(store.create_module({.name = "os", .type = "pmopenstack"})) {
        for (const auto module : {vm_module, os_module}) {
            store.set_module_param(module, "url", "http://127.0.0.1:1");
            store.set_module_param(module, "username", "admin");
            store.set_module_param(module, "password", k_module_password);
            store.set_module_param(module, "op_timeout", "5");
        }
        store.set_module_param(vm_module, "cluster", "1");
        const auto account = store.create_account("Jane", "jane@example.com");
        vds = store.create_pricelist("small", "vds");
        const auto vdc = store.create_pricelist("vdc", "vdc");
        vm_item = store.create_item({.account_id = account,
                                     .pricelist_id = vds,
                                     .module_id = vm_module,
                                     .type = "vds",
                                     .params = {{"os", "1"}, {"password", k_item_password}}});
        os_item = store.create_item(
            {.account_id = account, .pricelist_id = vdc, .module_id = os_module, .type = "vdc"});
        vm_op = store.create_operation(
            {.item_id = vm_item, .module_id = vm_module, .command = "check_connection"});
        os_op = store.create_operation(
            {.item_id = os_item, .module_id = os_module, .command = "check_connection"});
    }

    // $VM, $OS (module ids), $VMITEM, $OSITEM, $VMOP, $OSOP, $DIR and $STORE replaced.
    [[nodiscard]] std::string expand(std::string text) const {
        const std::vector<std::pair<std::string, std::string>> names{
            {"$VMITEM", std::to_string(vm_item.value())},
            {"$OSITEM", std::to_string(os_item.value())},
            {"$VMOP", std::to_string(vm_op.value())},
            {"$OSOP", std::to_string(os_op.value())},
            {"$VM", std::to_string(vm_module.value())},
            {"$OS", std::to_string(os_module.value())},
            {"$DIR", dir.path().string()},
            {"$STORE", store_url},
        };
        for (const auto& [name, value] : names) {
            for (auto at = text.find(name); at != std::string::npos; at = text.find(name, at)) {
                text.replace(at, name.size(), value);
                at += value.size();
            }
        }
        return text;
    }

    void plant(const std::array<std::string, 3>& row) {
        const auto& [owner, name, value] = row;
        if (owner == "module") {
            store.set_module_param(vm_module, name, expand(value));
        } else if (owner == "osmodule") {
            store.set_module_param(os_module, name, expand(value));
        } else if (owner == "item") {
            store.set_item_param(vm_item, name, expand(value));
        } else if (owner == "tariff") {
            store.set_pricelist_param(vds, name, expand(value));
        } else if (owner == "sql") { // a row as a billing platform (or a damaged store) left it
            pm::test::RawDb(store_url).exec(expand(value));
        } else {
            FAIL("unknown row owner " << owner);
        }
    }

    ProcessResult run(const Case& c) {
        std::map<std::string, std::string> env{
            {"PM_STORE", store_url},
            {"PM_LOG_DIR", (dir.path() / "log").string()},
            {"PM_CACHE_DIR", (dir.path() / "cache").string()},
            {"PM_LOCK_DIR", (dir.path() / "locks").string()},
            {"PM_CONFIG", "/dev/null"},
            {"PM_LOG_LEVEL", "debug"},
        };
        for (const auto& [name, value] : c.env) {
            env[name] = expand(value);
        }
        std::vector<std::string> argv{pm::test::module_path(c.binary)};
        for (const auto& arg : c.args) {
            argv.push_back(expand(arg));
        }
        if (!c.config.empty()) {
            const auto path = dir.path() / "pm.conf";
            pm::test::write_file(path, expand(c.config));
            argv.push_back("--config");
            argv.push_back(path.string());
        }
        for (const auto& row : c.rows) {
            plant(row);
        }
        return pm::test::run(argv, env, std::chrono::seconds(30));
    }

    [[nodiscard]] std::string logs() const {
        std::string text;
        std::error_code ec;
        for (const auto& entry : fs::recursive_directory_iterator(dir.path() / "log", ec)) {
            if (entry.is_regular_file()) {
                text += pm::test::read_file(entry.path());
            }
        }
        return text;
    }

    pm::test::TempDir dir;
    std::string store_url;
    st::Store store;
    pm::ModuleId vm_module;
    pm::ModuleId os_module;
    pm::PricelistId vds;
    pm::ItemId vm_item;
    pm::ItemId os_item;
    pm::OperationId vm_op;
    pm::OperationId os_op;
};

bool in_format(const std::string& out, Format format) {
    switch (format) {
    case Format::xml:
        return out.starts_with("<?xml") && out.find("<doc><error ") != std::string::npos;
    case Format::json:
        return out.starts_with(R"({"ok":false,"error":{)");
    case Format::text:
        return out.starts_with("ERROR (") && out.find('<') == std::string::npos &&
               out.find('{') == std::string::npos;
    }
    return false;
}

// Checks one answer against its row of the table.
void check_answer(const Case& c, const ProcessResult& result, const std::string& logs) {
    INFO("stdout: " << result.out);
    INFO("stderr: " << result.err);
    CHECK(result.signal == 0); // no crash, no hang (a hang is killed by run())
    CHECK(result.exit_code == c.exit_code);
    CHECK(in_format(result.out, c.format));
    CHECK(result.out.find(c.fragment) != std::string::npos);
    CHECK(result.err.find(c.fragment) != std::string::npos); // cron and admins see it too
    // One error, one line: a message an admin can read.
    CHECK(std::count(result.out.begin(), result.out.end(), '\n') <= 2);
    for (const char* secret : {k_module_password, k_store_password, k_item_password}) {
        CHECK(result.out.find(secret) == std::string::npos);
        CHECK(result.err.find(secret) == std::string::npos);
        CHECK(logs.find(secret) == std::string::npos);
    }
}

const std::string k_long(5000, 'x');
const std::string k_sql = "1; DROP TABLE item; --";
const std::string k_unicode = "\xD0\xBC\xD0\xBE\xD0\xB4\xD1\x83\xD0\xBB\xD1\x8C\xF0\x9F\x9A\x80";

// Each flag, config key, environment variable and module param the modules read, broken in the
// ways a billing platform, an admin or a typo would break it.
std::vector<Case> bad_inputs() {
    using K = Kind;
    using F = Format;
    const std::string vm = "pmvmmgr6";
    const std::string os = "pmopenstack";
    const std::vector<std::string> check_vm{"--command", "check_connection", "--module",
                                            "$VM",       "--output",         "json"};
    const std::vector<std::string> check_os{"--command", "check_connection", "--module",
                                            "$OS",       "--output",         "json"};
    const auto with = [](std::vector<std::string> args, std::vector<std::string> more) {
        args.insert(args.end(), more.begin(), more.end());
        return args;
    };
    std::vector<Case> cases{
        // The issue's own example, and --output honoured whatever the broken flag is.
        {K::flag,
         vm,
         {"--command", "check_connection", "--module", "0", "--output", "json"},
         2,
         "--module: '0' is not a positive decimal id",
         F::json},
        {K::flag,
         vm,
         {"--output", "text", "--command", "check_connection", "--module", "0"},
         2,
         "--module: '0' is not a positive decimal id",
         F::text},
        {K::flag,
         vm,
         {"--command", "check_connection", "--module", "0"},
         2,
         "--module: '0' is not a positive decimal id",
         F::xml},
        {K::flag,
         os,
         {"--command", "check_connection", "--module=0", "--output=json"},
         2,
         "--module: '0' is not a positive decimal id",
         F::json},
        // --command
        {K::flag, vm, {"--output", "json"}, 2, "--command is required", F::json},
        {K::flag, vm, {"--command", "", "--output", "json"}, 2, "--command needs a value", F::json},
        {K::flag, vm, {"--output", "json", "--command"}, 2, "--command needs a value", F::json},
        {K::flag,
         vm,
         {"--command", "bogus", "--output", "json"},
         2,
         "--command: unknown command 'bogus'",
         F::json},
        {K::flag,
         os,
         {"--command", "OPEN", "--output", "text"},
         2,
         "--command: unknown command 'OPEN'",
         F::text},
        {K::flag,
         vm,
         {"--command", k_sql, "--output", "json"},
         2,
         "--command: unknown command '1; DROP TABLE item; --'",
         F::json},
        {K::flag,
         vm,
         {"--command", k_long, "--output", "json"},
         2,
         "(5000 characters) (see pmvmmgr6 --help)",
         F::json},
        {K::flag,
         vm,
         {"--command", k_unicode, "--output", "json"},
         2,
         "--command: unknown command '" + k_unicode + "'",
         F::json},
        {K::flag,
         vm,
         {"--command", "open", "--command", "close", "--output", "json"},
         2,
         "--command is given 2 times: give it once",
         F::json},
        // --item, --runningoperation, --module
        {K::flag,
         vm,
         {"--command", "open", "--item", "abc", "--output", "json"},
         2,
         "--item: 'abc' is not a positive decimal id",
         F::json},
        {K::flag,
         vm,
         {"--command", "open", "--item", "-1", "--output", "json"},
         2,
         "--item: '-1' is not a positive decimal id",
         F::json},
        {K::flag,
         vm,
         {"--command", "open", "--item", "", "--output", "json"},
         2,
         "--item needs a value: a positive decimal id",
         F::json},
        {K::flag,
         vm,
         {"--command", "open", "--item", "--output", "json"},
         2,
         "--item needs a value: a positive decimal id",
         F::json},
        {K::flag,
         vm,
         {"--command", "open", "--item", "0x1", "--output", "json"},
         2,
         "--item: '0x1' is not a positive decimal id",
         F::json},
        {K::flag,
         vm,
         {"--command", "open", "--item", "1.5", "--output", "json"},
         2,
         "--item: '1.5' is not a positive decimal id",
         F::json},
        {K::flag,
         vm,
         {"--command", "open", "--item", " 1", "--output", "json"},
         2,
         "--item: ' 1' is not a positive decimal id",
         F::json},
        {K::flag,
         vm,
         {"--command", "open", "--item", k_sql, "--output", "json"},
         2,
         "--item: '1; DROP TABLE item; --' is not a positive decimal id",
         F::json},
        {K::flag,
         vm,
         {"--command", "open", "--item", "\xD9\xA3", "--output", "json"},
         2,
         "--item: '\xD9\xA3' is not a positive decimal id",
         F::json},
        {K::flag,
         vm,
         {"--command", "open", "--item", "99999999999999999999", "--output", "json"},
         2,
         "--item: '99999999999999999999' is out of range (ids go up to 9223372036854775807)",
         F::json},
        {K::flag,
         vm,
         {"--command", "open", "--item", std::string(5000, '7'), "--output", "json"},
         2,
         "(5000 characters) is out of range",
         F::json},
        {K::flag,
         vm,
         {"--command", "open", "--item", "1", "--item", "2", "--output", "json"},
         2,
         "--item is given 2 times: give it once",
         F::json},
        {K::flag,
         vm,
         {"--command", "open", "--runningoperation", "x", "--output", "json"},
         2,
         "--runningoperation: 'x' is not a positive decimal id",
         F::json},
        {K::flag,
         vm,
         {"--command", "open", "--runningoperation", "--output", "json"},
         2,
         "--runningoperation needs a value",
         F::json},
        {K::flag,
         os,
         {"--command", "vdc_stat", "--module", "-5", "--output", "json"},
         2,
         "--module: '-5' is not a positive decimal id",
         F::json},
        {K::flag,
         vm,
         {"--command", "check_connection", "--module", "$VM", "--module", "$OS", "--output",
          "json"},
         2,
         "--module is given 2 times: give it once",
         F::json},
        {K::flag,
         vm,
         {"--command", "open", "--output", "json"},
         2,
         "open needs --item or --runningoperation",
         F::json},
        {K::flag,
         vm,
         {"--command", "open", "--item", "424242", "--output", "json"},
         2,
         "item 424242 not found in the store",
         F::json},
        {K::flag,
         vm,
         {"--command", "open", "--runningoperation", "424242", "--output", "json"},
         2,
         "running operation 424242 not found in the store",
         F::json},
        {K::flag,
         vm,
         {"--command", "check_connection", "--output", "json"},
         2,
         "check_connection needs --module",
         F::json},
        {K::flag,
         vm,
         {"--command", "check_connection", "--module", "424242", "--output", "json"},
         2,
         "processing module 424242 not found in the store",
         F::json},
        {K::flag,
         vm,
         {"--command", "check_connection", "--module", "$OS", "--output", "json"},
         2,
         "is of type 'pmopenstack', not pmvmmgr6",
         F::json},
        {K::flag,
         os,
         {"--command", "vdc_vm_open", "--item", "$OSITEM", "--output", "json"},
         2,
         "vdc_vm_open needs --runningoperation of a VDC object",
         F::json},
        {K::flag,
         vm,
         {"--command", "open", "--runningoperation", "$VMOP", "--output", "json"},
         2,
         "was created for command 'check_connection', not 'open'",
         F::json},
        // --output itself bad: said in the default format (xml, stdout not a terminal)
        {K::flag,
         vm,
         {"--command", "check_connection", "--output", "yaml"},
         2,
         "--output: 'yaml' is not one of xml, json, text",
         F::xml},
        {K::flag,
         vm,
         {"--command", "check_connection", "--output", "JSON"},
         2,
         "--output: 'JSON' is not one of xml, json, text",
         F::xml},
        {K::flag,
         vm,
         {"--command", "check_connection", "--output", ""},
         2,
         "--output needs a value: xml, json or text",
         F::xml},
        {K::flag,
         vm,
         {"--command", "check_connection", "--output"},
         2,
         "--output needs a value: xml, json or text",
         F::xml},
        {K::flag,
         vm,
         {"--command", "bogus", "--output", "json", "--output", "text"},
         2,
         "--output is given 2 times: give it once",
         F::xml},
        {K::flag,
         vm,
         {"--command", "check_connection", "--output=" + k_long},
         2,
         "(5000 characters) is not one of xml, json, text",
         F::xml},
        // --dry-run, --config and the setting flags
        {K::flag,
         os,
         {"--command", "vdc_sync_all", "--dry-run=maybe", "--output", "json"},
         2,
         "--dry-run: 'maybe' is not on or off",
         F::json},
        {K::flag, vm, with(check_vm, {"--config"}), 2, "--config needs a value", F::json},
        {K::flag, vm, with(check_vm, {"--config", ""}), 2, "--config needs a value", F::json},
        {K::flag, vm, with(check_vm, {"--config", "$DIR/none.conf"}), 2,
         "config file $DIR/none.conf: cannot open it", F::json},
        {K::flag, vm, with(check_vm, {"--config", "$DIR"}), 2, "is a directory, not a file",
         F::json},
        {K::flag, vm, with(check_vm, {"--config", "/dev/zero"}), 2, "is not a regular file",
         F::json},
        {K::flag, vm, with(check_vm, {"--store", ""}), 2, "--store needs a value", F::json},
        {K::flag, vm, with(check_vm, {"--store", "postgres://db/x"}), 2,
         "unsupported store URL scheme 'postgres'", F::json},
        {K::flag, vm, with(check_vm, {"--store", "sqlite:relative.db"}), 2,
         "the path must be absolute", F::json},
        {K::flag, vm, with(check_vm, {"--store", "sqlite:/a", "--store", "sqlite:/b"}), 2,
         "--store is given 2 times: give it once", F::json},
        {K::flag, vm, with(check_vm, {"--log_level", "verbose"}), 2,
         "'log_level' must be one of debug, info, warn, error, not 'verbose' (--log_level)",
         F::json},
        {K::flag, vm, with(check_vm, {"--log_level"}), 2, "--log_level needs a value", F::json},
        {K::flag, vm, with(check_vm, {"--log_dir", "relative/log"}), 2,
         "'log_dir' must be an absolute path, not 'relative/log' (--log_dir)", F::json},
        {K::flag, vm, with(check_vm, {"--cache_dir", "cache"}), 2,
         "'cache_dir' must be an absolute path, not 'cache' (--cache_dir)", F::json},
        {K::flag, vm, with(check_vm, {"--lock_dir", "."}), 2,
         "'lock_dir' must be an absolute path, not '.' (--lock_dir)", F::json},
        {K::flag, vm, with(check_vm, {"--metrics_dir", "m"}), 2,
         "'metrics_dir' must be an absolute path, not 'm' (--metrics_dir)", F::json},
        {K::flag, vm, with(check_vm, {"--store_password", k_store_password}), 2,
         "the flag --store_password, which every user can read in the process list, is refused",
         F::json},
        {K::flag, vm, with(check_vm, {"--store_password"}), 2, "the flag --store_password,",
         F::json},
        // The config file: every key, and the file's own shape
        {K::config, vm, check_vm, 2, "unknown key 'bogus' (known: store,", F::json, "bogus = 1\n"},
        {K::config, vm, check_vm, 2, "unknown key 'STORE'", F::json, "STORE = sqlite:/x\n"},
        {K::config, vm, check_vm, 2, "sections ([pm]) are not supported", F::json,
         "[pm]\nstore = sqlite:/x\n"},
        {K::config, vm, check_vm, 2, "'store' is empty (config file $DIR/pm.conf)", F::json,
         "store =\n"},
        {K::config, vm, check_vm, 2, "'store' is empty (config file $DIR/pm.conf)", F::json,
         "store = \"\"\n"},
        {K::config, vm, check_vm, 2, "'store' has 2 values where it takes one", F::json,
         "store = sqlite:/a\nstore = sqlite:/b\n"},
        {K::config, vm, check_vm, 2, "line 2: 'store' has no value: write KEY = VALUE", F::json,
         "# the store\nstore\n"},
        {K::config, vm, check_vm, 2, "line 1: 'log_level' has no value", F::json,
         "  log_level  \n"},
        {K::config, vm, check_vm, 2, "'store' has 2 values where it takes one", F::json,
         "store = [\"sqlite:/a\", \"sqlite:/b\"]\n"},
        {K::config, vm, check_vm, 2,
         "'log_level' must be one of debug, info, warn, error, not 'loud'", F::json,
         "log_level = loud\n"},
        {K::config, vm, check_vm, 2, "'log_dir' must be an absolute path, not 'log'", F::json,
         "log_dir = log\n"},
        {K::config, vm, check_vm, 2, "'cache_dir' is empty (config file", F::json,
         "cache_dir = \"\"\n"},
        {K::config, vm, check_vm, 2, "'lock_dir' must be an absolute path", F::json,
         "lock_dir = " + k_unicode + "\n"},
        {K::config, vm, check_vm, 2, "'metrics_dir' must be an absolute path", F::json,
         "metrics_dir = " + k_long + "\n"},
        {K::config, vm, check_vm, 2, "'store_password' is empty", F::json, "store_password =\n"},
        {K::config, vm, check_vm, 2, "unknown key 'store_pasword'", F::json,
         std::string("store_pasword = ") + k_store_password + "\n"},
        {K::config, vm, check_vm, 2, "unknown key 'bogus'", F::json,
         "\xEF\xBB\xBF"
         "bogus = 1\n"}, // a byte order mark is not part of the key
        {K::config, vm, check_vm, 2, "contains a NUL byte", F::json,
         std::string("log_level = in\0fo\n", 18)},
        {K::config, vm, check_vm, 2, "is larger than 65536 bytes", F::json,
         "# " + std::string(70000, '#') + "\n"},
        {K::config, os, check_os, 2, "unknown key '1; DROP TABLE item; --'", F::json,
         k_sql + " = 1\n"},
        // The environment
        {K::env,
         vm,
         check_vm,
         2,
         "'store' is empty (environment PM_STORE)",
         F::json,
         "",
         {{"PM_STORE", ""}}},
        {K::env, vm, check_vm, 2, "store URL 'x' has no scheme", F::json, "", {{"PM_STORE", "x"}}},
        {K::env,
         vm,
         check_vm,
         3,
         "store mysql://jane:***@127.0.0.1:1/billing",
         F::json,
         "",
         {{"PM_STORE", std::string("mysql://jane:") + k_store_password + "@127.0.0.1:1/billing"}}},
        {K::env,
         vm,
         check_vm,
         2,
         "'log_level' must be one of debug, info, warn, error, not '" + k_sql +
             "' (environment PM_LOG_LEVEL)",
         F::json,
         "",
         {{"PM_LOG_LEVEL", k_sql}}},
        {K::env,
         vm,
         check_vm,
         2,
         "'log_dir' must be an absolute path, not 'logs' (environment PM_LOG_DIR)",
         F::json,
         "",
         {{"PM_LOG_DIR", "logs"}}},
        {K::env,
         vm,
         check_vm,
         2,
         "'cache_dir' is empty (environment PM_CACHE_DIR)",
         F::json,
         "",
         {{"PM_CACHE_DIR", ""}}},
        {K::env,
         vm,
         check_vm,
         2,
         "'lock_dir' must be an absolute path, not '" + k_unicode + "' (environment PM_LOCK_DIR)",
         F::json,
         "",
         {{"PM_LOCK_DIR", k_unicode}}},
        {K::env,
         vm,
         check_vm,
         2,
         "'metrics_dir' must be an absolute path, not 'rel' (environment PM_METRICS_DIR)",
         F::json,
         "",
         {{"PM_METRICS_DIR", "rel"}}},
        {K::env,
         vm,
         check_vm,
         2,
         "'store_password' is empty (environment PM_STORE_PASSWORD)",
         F::json,
         "",
         {{"PM_STORE_PASSWORD", ""}}},
        {K::env,
         vm,
         check_vm,
         2,
         "config file $DIR/missing.conf: cannot open it",
         F::json,
         "",
         {{"PM_CONFIG", "$DIR/missing.conf"}}},
        {K::env,
         vm,
         check_vm,
         2,
         "is a directory, not a file",
         F::json,
         "",
         {{"PM_CONFIG", "$DIR"}}},
    };
    // Module params (processingparam rows): each checked before anything reaches the network.
    struct Param {
        std::string owner;
        std::string name;
        std::string value;
        std::string fragment;
    };
    const std::vector<Param> params{
        {"module", "cluster", "abc", "the param 'cluster' must be a whole number of 1 or more"},
        {"module", "cluster", "-1", "'cluster' must be a whole number of 1 or more, not '-1'"},
        {"module", "cluster", "0", "'cluster' must be a whole number of 1 or more, not '0'"},
        {"module", "cluster", k_sql, "'cluster' must be a whole number of 1 or more, not '1; DROP"},
        {"module", "cluster", "99999999999999999999", "'cluster' must be a whole number"},
        {"module", "cluster", "\xFF\xFE", "'cluster' must be a whole number of 1 or more, not '"},
        {"module", "url", "ftp://vm.example.com", "'url' must be an http:// or https:// URL"},
        {"module", "url", "vm.example.com", "'url' must be an http:// or https:// URL"},
        {"module", "url", "http://", "'url' must be an http:// or https:// URL, not 'http://'"},
        {"module", "url", "http://a b", "'url' must be an http:// or https:// URL"},
        {"module", "url", "", "the param 'url' is not set"},
        {"module", "username", " ", "the param 'username' is not set"},
        {"module", "password", "", "the param 'password' is not set"},
        {"module", "tls_verify", "maybe", "'tls_verify' must be on or off, not 'maybe'"},
        {"module", "tls_verify", k_unicode, "'tls_verify' must be on or off"},
        {"module", "session_ttl", "abc", "'session_ttl' must be an integer, not 'abc'"},
        {"module", "session_ttl", "0", "session_ttl must be a positive number of seconds"},
        {"module", "session_ttl", "-1", "session_ttl must be a positive number of seconds"},
        {"module", "queue_enabled", "2", "'queue_enabled' must be on or off, not '2'"},
        {"module", "queue_count", "-1", "'queue_count' must be a whole number of 0 or more"},
        {"module", "queue_count", "many", "'queue_count' must be a whole number of 0 or more"},
        {"module", "max_tries", "-3", "'max_tries' must be a whole number of 0 or more"},
        {"module", "max_tries", "1e3", "'max_tries' must be a whole number of 0 or more"},
        {"module", "op_timeout", "0", "'op_timeout' must be a whole number of 1 or more"},
        {"module", "op_timeout", "ten", "'op_timeout' must be a whole number of 1 or more"},
        {"module", "op_timeout", k_long, "not 'xxxx" + std::string(60, 'x') + "...' (5000 ch"},
        {"module", "task_poll_ms", "-5", "'task_poll_ms' must be a whole number of 1 or more"},
        {"module", "task_appear_s", "0", "'task_appear_s' must be a whole number of 1 or more"},
        {"module", "use_recipes", "maybe", "'use_recipes' must be on or off"},
        {"module", "second_iface", "si", "'second_iface' must be on or off"},
        {"module", "ipv4_pool", "abc,x", "'ipv4_pool' must be a comma list of ids"},
        {"module", "ipv4_pool", "1,-2", "'ipv4_pool' must be a comma list of ids"},
        {"module", "ipv4_pool", k_sql, "'ipv4_pool' must be a comma list of ids"},
        {"module", "pool_enabled", "enabled", "'pool_enabled' must be on or off"},
        {"module", "pool_account", "jane", "'pool_account' must be a whole number of 1 or more"},
        {"module", "pool_max_months", "-1", "'pool_max_months' must be a whole number of 0 or"},
        {"module", "pool_stat_days", "0", "'pool_stat_days' must be a whole number of 1 or more"},
        {"module", "pool_hostname_recipe", "hostname",
         "'pool_hostname_recipe' must be a whole number of 1 or more"},
        {"module", "pool_pricelist", "0", "'pool_pricelist' must be a whole number of 1 or more"},
        {"osmodule", "url", "keystone", "'url' must be an http:// or https:// URL"},
        {"osmodule", "task_poll_ms", "0", "'task_poll_ms' must be a whole number of 1 or more"},
        {"osmodule", "password", "", "the param 'password' is not set"},
        {"osmodule", "op_timeout", "-1", "'op_timeout' must be a whole number of 1 or more"},
    };
    for (const auto& p : params) {
        Case c{K::row,
               p.owner == "module" ? vm : os,
               p.owner == "module" ? check_vm : check_os,
               2,
               p.fragment,
               F::json};
        c.rows.push_back({p.owner, p.name, p.value});
        cases.push_back(c);
    }
    // A NUL byte in a row is shown, not taken for the end of the message (text: no JSON escapes).
    cases.push_back({K::row,
                     vm,
                     {"--command", "check_connection", "--module", "$VM", "--output", "text"},
                     2,
                     "'cluster' must be a whole number of 1 or more, not 'ab\\x00c'",
                     F::text,
                     "",
                     {},
                     {{"module", "cluster", std::string("ab\0c", 4)}}});
    // A bad param is named on a read-only command and recorded on a mutating one, in text too.
    cases.push_back({K::row,
                     vm,
                     {"--command", "pool_process", "--module", "$VM"},
                     2,
                     "'pool_stat_days' must be a whole number of 1 or more",
                     F::xml,
                     "",
                     {},
                     {{"module", "pool_stat_days", "-7"}}});
    cases.push_back({K::row,
                     os,
                     {"--command", "vdc_sync_all", "--output", "text"},
                     2,
                     "'url' must be an http:// or https:// URL",
                     F::text,
                     "",
                     {},
                     {{"osmodule", "url", "ldap://keystone"}}});
    // Rows of the billing platform's own tables.
    const auto sql = [](std::string statement) {
        return std::array<std::string, 3>{"sql", "", std::move(statement)};
    };
    const std::vector<std::string> open_vm{"--command", "open",     "--runningoperation",
                                           "$VMOP",     "--output", "json"};
    cases.push_back({K::row,
                     vm,
                     open_vm,
                     2,
                     "running operation $VMOP has no item: open needs one",
                     F::json,
                     "",
                     {},
                     {sql("UPDATE runningoperation SET item_id = NULL, command = 'open' "
                          "WHERE id = $VMOP")}});
    cases.push_back({K::row,
                     vm,
                     open_vm,
                     2,
                     "processing module $VM is disabled",
                     F::json,
                     "",
                     {},
                     {sql("UPDATE runningoperation SET command = 'open' WHERE id = $VMOP"),
                      sql("UPDATE processingmodule SET enabled = 0 WHERE id = $VM")}});
    cases.push_back({K::row,
                     vm,
                     open_vm,
                     2,
                     "processing module $OS is of type 'pmopenstack'",
                     F::json,
                     "",
                     {},
                     {sql("UPDATE runningoperation SET command = 'open' WHERE id = $VMOP"),
                      sql("UPDATE item SET module_id = $OS WHERE id = $VMITEM"),
                      sql("UPDATE runningoperation SET module_id = $OS WHERE id = $VMOP")}});
    cases.push_back({K::row,
                     vm,
                     open_vm,
                     2,
                     "'cluster' must be a whole number of 1 or more",
                     F::json,
                     "",
                     {},
                     {sql("UPDATE runningoperation SET command = 'open' WHERE id = $VMOP"),
                      sql("UPDATE processingparam SET value = '1'' OR ''1''=''1' "
                          "WHERE name = 'cluster'")}});
    return cases;
}

std::string kind_name(Kind kind) {
    switch (kind) {
    case Kind::flag:
        return "flag";
    case Kind::config:
        return "config";
    case Kind::env:
        return "env";
    case Kind::row:
        return "row";
    }
    return "?";
}

} // namespace

TEST_CASE("bad input: every flag, config key, environment variable and module param gets a clear "
          "answer in the format asked for") {
    static const auto cases = bad_inputs();
    const auto index = GENERATE(range(std::size_t{0}, cases.size()));
    const auto& c = cases[index];
    BadInputEnv env;
    const Case expanded{c.kind,   c.binary, c.args, c.exit_code, env.expand(c.fragment),
                        c.format, c.config, c.env,  c.rows};
    INFO("case " << index << " (" << kind_name(c.kind) << ", " << c.binary
                 << "): " << expanded.fragment);
    const auto result = env.run(expanded);
    check_answer(expanded, result, env.logs());
}

TEST_CASE("bad input: a bad module param fails the operation it was started for, recorded") {
    BadInputEnv env;
    env.store.set_module_param(env.vm_module, "cluster", "one");
    const auto op = env.store.create_operation(
        {.item_id = env.vm_item, .module_id = env.vm_module, .command = "open"});
    const auto result =
        pm::test::run({pm::test::module_path("pmvmmgr6"), "--command", "open", "--runningoperation",
                       std::to_string(op.value()), "--output", "json"},
                      {{"PM_STORE", env.store_url},
                       {"PM_LOG_DIR", (env.dir.path() / "log").string()},
                       {"PM_CACHE_DIR", (env.dir.path() / "cache").string()},
                       {"PM_LOCK_DIR", (env.dir.path() / "locks").string()},
                       {"PM_CONFIG", "/dev/null"}});
    CHECK(result.exit_code == 2);
    const auto row = *env.store.find_operation(op);
    CHECK(row.status == st::OperationStatus::error);
    CHECK(row.error.find("the param 'cluster' must be a whole number of 1 or more, not 'one'") !=
          std::string::npos);
    // Refused before any request: the closed port would have answered exit 3.
    CHECK(env.logs().find("HTTP ") == std::string::npos);
}

// Item and tariff rows are read by the module once it is talking to VMmanager: these run
// against the simulator and must end with exit 2 naming the param, the operation recorded,
// and no VM created.
TEST_CASE("bad input: item and tariff rows of a VPS order are named, and no VM is made") {
    using pm::test::Vmmgr6Env;
    using pm::test::Vmmgr6Sim;
    static const std::vector<std::tuple<std::string, std::string, std::string, std::string>> rows{
        {"item", "hdd_mib", "-10", "the param 'hdd_mib' must be a whole number of 1 or more"},
        {"item", "cpu_number", "0", "'cpu_number' must be a whole number of 1 or more"},
        {"item", "ram_mib", "lots", "the param 'ram_mib' must be an integer, not 'lots'"},
        {"item", "ipv4_number", "-1", "'ipv4_number' must be a whole number of 0 or more"},
        {"item", "cpu_number", k_sql, "'cpu_number' must be an integer, not '1; DROP"},
        {"item", "os", "", "the param 'os' is not set"},
        {"item", "password", "", "the param 'password' is not set"},
        {"tariff", "ram_mib", "-1024", "'ram_mib' must be a whole number of 1 or more"},
        {"tariff", "hdd_mib", "20 GB", "the param 'hdd_mib' must be an integer, not '20 GB'"},
        {"pricelist_id", "", "424242", "its tariff (pricelist 424242) is not in the store"},
    };
    const auto index = GENERATE(range(std::size_t{0}, rows.size()));
    const auto& [owner, name, value, fragment] = rows[index];
    INFO(owner << " " << name << " = '" << value << "'");
    Vmmgr6Sim sim;
    Vmmgr6Env env(sim);
    const auto hosts = sim.host_count();
    pm::ItemId item;
    if (owner == "item") {
        item = env.add_item({{name, value}});
    } else if (owner == "pricelist_id") {
        if (pm::test::on_mariadb()) {
            WARN("a dangling pricelist_id is refused by MariaDB's foreign keys: not planted");
            return;
        }
        item = env.add_item();
        pm::test::RawDb(env.store_url())
            .exec("UPDATE item SET pricelist_id = " + value +
                  " WHERE id = " + std::to_string(item.value()));
    } else {
        env.store().set_pricelist_param(env.pricelist(), name, value);
        item = env.add_item();
    }
    pm::OperationId op;
    const auto result = env.run("open", item, &op);
    INFO(result.out);
    CHECK(result.exit_code == 2);
    CHECK(result.out.find(fragment) != std::string::npos);
    const auto row = *env.store().find_operation(op);
    CHECK(row.status == st::OperationStatus::error);
    CHECK(row.error.find(fragment) != std::string::npos);
    CHECK(sim.host_count() == hosts);
}

TEST_CASE(
    "bad input: a bad value in a message is quoted, its control characters escaped, and cut") {
    CHECK(pm::quoted_value("abc") == "'abc'");
    CHECK(pm::quoted_value(std::string("a\0b\x1b", 4)) == "'a\\x00b\\x1B'");
    CHECK(pm::quoted_value(std::string(100, 'x'), 3) == "'xxx...' (100 characters)");
    CHECK(pm::quoted_value("\xD0\xBC") == "'\xD0\xBC'"); // UTF-8 is kept as it is
}
