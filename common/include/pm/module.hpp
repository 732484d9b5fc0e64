// What a module tells the common runner about itself: its name, the product it serves, its
// parameters and its commands.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace pm {

struct Context;

// What a command needs from the command line before it can run.
enum class Scope {
    none,   // nothing (features)
    module, // --module, or the item's module (check_connection, vdc_stat, pool_process…)
    item,   // --item, or the running operation's item
    object, // a VDC object: the running operation's object_id
};

// Mutating commands take a queue slot and report into the running operation.
enum class Mutation { read_only, mutating };

struct CommandSpec {
    std::string name;
    Scope scope = Scope::item;
    Mutation mutation = Mutation::mutating;
    std::string help;
    // Empty while the command is not implemented yet: the runner answers exit 2.
    std::function<void(Context&)> handler;
    // The params the handler reads, by name, for `--command C --help`: module params
    // (ModuleSpec::params; the runner's own, common_params(), are added by the help itself)
    // and params of its item, or of its VDC object for Scope::object (ModuleSpec::item_params).
    std::vector<std::string> module_params{};
    std::vector<std::string> item_params{};
};

// What the value of a module param must be. The runner checks every declared param of the
// module before a command runs, so a bad value is a configuration error naming the param and
// what it expects, whichever command runs and however far it would have got.
enum class ParamKind {
    text,     // anything
    on_off,   // on/yes/true/1 or off/no/false/0
    positive, // a whole number, 1 or more (ids, seconds, intervals)
    count,    // a whole number, 0 or more
    id_list,  // a comma list of whole numbers, each 1 or more
    http_url, // an http:// or https:// URL
};

struct ParamSpec {
    std::string name;
    std::string help;
    bool secret = false; // marked crypted="yes" in features
    ParamKind kind = ParamKind::text;
};

// The params every module honours through the common runner, HTTP layer and session cache:
// tls_verify, session_ttl, queue_enabled, queue_key, queue_count, max_tries, op_timeout.
[[nodiscard]] std::vector<ParamSpec> common_params();

struct ModuleSpec {
    std::string name;     // binary and log file name: pmvmmgr6, pmopenstack
    std::string itemtype; // vds, vdc
    std::string summary;  // one line for --help
    std::vector<ParamSpec> params;
    // The item and VDC object params the commands read (itemparam, vdcobjectparam), for --help.
    std::vector<ParamSpec> item_params;
    std::vector<CommandSpec> commands;

    [[nodiscard]] const CommandSpec* find_command(std::string_view command) const;
};

} // namespace pm
