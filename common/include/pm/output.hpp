// The result a command prints on stdout (DESIGN §3): xml for the billing platform, json for
// scripts, text for people.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pm/errors.hpp"

namespace pm {

enum class OutputFormat { xml, json, text };
[[nodiscard]] std::optional<OutputFormat> parse_output_format(std::string_view name);

// One element of the result. Rendered as <name attr="…">text</name> with children in xml;
// in json a list (or any node with children) becomes an array of its children, [] when it
// has none, a flag `true`, a node with attributes an object, a plain node its text.
struct ResultNode {
    enum class Kind {
        value, // text, attributes or children
        list,  // children only, possibly none
        flag,  // present or not: <name/> in xml, true in json
    };
    std::string name;
    std::vector<std::pair<std::string, std::string>> attributes;
    std::string text;
    std::vector<ResultNode> children;
    Kind kind = Kind::value;

    [[nodiscard]] static ResultNode list(std::string name);
    ResultNode& add(std::string child_name, std::string child_text = {});
    ResultNode& attr(std::string key, std::string value);
};

// What a command reports on success: the children of <doc> next to <ok/>.
struct Result {
    std::vector<ResultNode> nodes;
    bool ok_marker = true; // <ok/> in xml; `features` goes without it (DESIGN §3)
    // Adds a plain <name>text</name> element.
    ResultNode& add(std::string name, std::string text = {});
    // Adds a <name/> marker: `"name":true` in json.
    ResultNode& add_flag(std::string name);
};

struct ErrorReport {
    std::string type;
    ExitCode code = ExitCode::internal;
    std::string message; // already redacted, one line
};

[[nodiscard]] std::string render_result(OutputFormat format, const Result& result);
[[nodiscard]] std::string render_error(OutputFormat format, const ErrorReport& error);

} // namespace pm
