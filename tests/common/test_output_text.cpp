// Text output for people (DESIGN §3): values aligned in columns, tables under a header, never
// XML; the default on a terminal.
#include <catch2/catch.hpp>

#include "pm/cli.hpp"
#include "pm/output.hpp"

using pm::OutputFormat;

TEST_CASE("output text: plain values line up after the longest name") {
    pm::Result result;
    result.add("vm_id", "17");
    result.add("ip", "10.0.0.5");
    result.add_flag("dry_run");
    result.add("pool_server", "4");
    CHECK(pm::render_result(OutputFormat::text, result) == "OK\n"
                                                           "  vm_id:       17\n"
                                                           "  ip:          10.0.0.5\n"
                                                           "  dry_run\n"
                                                           "  pool_server: 4\n");
}

TEST_CASE("output text: a node with attributes is a block of aligned keys and values") {
    pm::Result result;
    result.add("summary")
        .attr("module", "1")
        .attr("enabled", "yes")
        .attr("to_delete", "0")
        .attr("since", "2024-05-01T00:00:00Z");
    CHECK(pm::render_result(OutputFormat::text, result) == "OK\n"
                                                           "  summary\n"
                                                           "    module     1\n"
                                                           "    enabled    yes\n"
                                                           "    to_delete  0\n"
                                                           "    since      2024-05-01T00:00:00Z\n");
}

TEST_CASE("output text: a list of alike rows is a table, keys some rows lack go at the end") {
    pm::Result result;
    auto& changes = result.add("changes");
    changes.add("change").attr("action", "add").attr("object", "12").attr("name", "vm-1");
    changes.add("change").attr("action", "mark_deleted").attr("object", "7");
    changes.add("change")
        .attr("action", "limits")
        .attr("cores", "4 (was 2)")
        .attr("object", "9")
        .attr("name", "Überß");
    CHECK(pm::render_result(OutputFormat::text, result) ==
          "OK\n"
          "  changes\n"
          "    action        object\n"
          "    add           12      name=vm-1\n"
          "    mark_deleted  7\n"
          "    limits        9       cores=4 (was 2) name=Überß\n");
}

TEST_CASE("output text: table columns are counted in characters") {
    pm::Result result;
    auto& list = result.add("accounts");
    list.add("account").attr("name", "Überß").attr("id", "1");
    list.add("account").attr("name", "plain").attr("id", "22");
    CHECK(pm::render_result(OutputFormat::text, result) == "OK\n"
                                                           "  accounts\n"
                                                           "    name   id\n"
                                                           "    Überß  1\n"
                                                           "    plain  22\n");
}

TEST_CASE("output text: unlike children, nested lists and control characters") {
    pm::Result result;
    auto& modules = result.add("modules");
    modules.add("module").attr("id", "1").add("status", "done");
    modules.add("note", "line one\nline two");
    const auto text = pm::render_result(OutputFormat::text, result);
    CHECK(text == "OK\n"
                  "  modules\n"
                  "    module\n"
                  "      id  1\n"
                  "      status: done\n"
                  "    note: line one\nline two\n");
    CHECK(text.find('<') == std::string::npos);
}

TEST_CASE("output text: the default on a terminal, xml otherwise, --output wins") {
    pm::ModuleSpec spec;
    spec.name = "pmunit";
    spec.commands = {{"features", pm::Scope::none, pm::Mutation::read_only, "list", {}}};
    const auto output_of = [&](std::vector<const char*> args, bool tty) {
        args.insert(args.begin(), "pmunit");
        return std::get<pm::Invocation>(
                   pm::parse_command_line(spec, static_cast<int>(args.size()), args.data(), tty))
            .output;
    };
    CHECK(output_of({"--command", "features"}, true) == OutputFormat::text);
    CHECK(output_of({"--command", "features"}, false) == OutputFormat::xml);
    CHECK(output_of({"--command", "features", "--output", "xml"}, true) == OutputFormat::xml);
    CHECK(output_of({"--command", "features", "--output", "text"}, false) == OutputFormat::text);
}
