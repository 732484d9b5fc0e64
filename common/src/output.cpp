#include "pm/output.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "pm/text.hpp"

namespace pm {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Every text printed goes through printable(): valid UTF-8, no control characters, so that
// XML stays well-formed and JSON decodes whatever a remote reply or a store row held.
std::string xml_escape(std::string_view raw) {
    const std::string text = printable(raw);
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

void render_xml(const ResultNode& node, std::string& out) {
    out += '<' + node.name;
    for (const auto& [key, value] : node.attributes) {
        out += fmt::format(" {}=\"{}\"", key, xml_escape(value));
    }
    if (node.text.empty() && node.children.empty()) {
        out += "/>";
        return;
    }
    out += '>';
    out += xml_escape(node.text);
    for (const auto& child : node.children) {
        render_xml(child, out);
    }
    out += "</" + node.name + '>';
}

void write_json_string(JsonWriter& writer, std::string_view raw) {
    const std::string text = printable(raw);
    writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void render_json_value(const ResultNode& node, JsonWriter& writer) {
    if (node.kind == ResultNode::Kind::flag) {
        writer.Bool(true);
    } else if (node.kind == ResultNode::Kind::list || !node.children.empty()) {
        writer.StartArray();
        for (const auto& child : node.children) {
            render_json_value(child, writer);
        }
        writer.EndArray();
    } else if (!node.attributes.empty()) {
        writer.StartObject();
        for (const auto& [key, value] : node.attributes) {
            write_json_string(writer, key);
            write_json_string(writer, value);
        }
        if (!node.text.empty()) {
            write_json_string(writer, "value");
            write_json_string(writer, node.text);
        }
        writer.EndObject();
    } else {
        write_json_string(writer, node.text);
    }
}

// Text for people: values aligned in columns so that the eye can run down them. Plain
// siblings read as "name:  value" lines; a node with attributes as an indented block of
// "key  value" lines; a list whose children are all alike (one name, attributes, no children)
// as a table under a header of their keys.
std::string indent(int depth) {
    return std::string(static_cast<std::size_t>(depth) * 2, ' ');
}

// Columns are counted in characters, not bytes (names and values may be UTF-8).
std::size_t display_width(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0u) != 0x80u;
    }));
}

std::string padded(std::string_view text, std::size_t width) {
    const std::size_t shown = display_width(text);
    return std::string(text) + std::string(width > shown ? width - shown : 0, ' ');
}

std::string one_line(std::string_view text) {
    return printable(text, LineBreaks::to_space);
}

bool is_plain(const ResultNode& node) {
    return node.attributes.empty() && node.children.empty() && node.kind != ResultNode::Kind::list;
}

bool is_row(const ResultNode& node) {
    return !node.attributes.empty() && node.children.empty();
}

bool is_table(const ResultNode& node) {
    return !node.children.empty() &&
           std::all_of(node.children.begin(), node.children.end(), [&](const ResultNode& child) {
               return is_row(child) && child.name == node.children.front().name;
           });
}

// Rows with `cells` aligned; the last column is not padded.
void render_rows(const std::vector<std::vector<std::string>>& cells, int depth, std::string& out) {
    std::vector<std::size_t> widths;
    for (const auto& row : cells) {
        widths.resize(std::max(widths.size(), row.size()), 0);
        for (std::size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], display_width(row[i]));
        }
    }
    for (const auto& row : cells) {
        std::string line = indent(depth);
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += i + 1 < row.size() ? padded(row[i], widths[i]) + "  " : row[i];
        }
        while (!line.empty() && line.back() == ' ') {
            line.pop_back();
        }
        out += line + '\n';
    }
}

bool has_key(const ResultNode& row, std::string_view key) {
    return std::any_of(row.attributes.begin(), row.attributes.end(),
                       [&](const auto& attribute) { return attribute.first == key; });
}

// The keys every row has are columns under a header; keys only some rows have follow at the
// end of their row as key=value, so that rare keys do not widen the table with empty cells.
void render_table(const ResultNode& node, int depth, std::string& out) {
    std::vector<std::string> keys;
    for (const auto& [key, value] : node.children.front().attributes) {
        const bool everywhere =
            std::all_of(node.children.begin(), node.children.end(),
                        [&](const ResultNode& row) { return has_key(row, key); });
        if (everywhere && std::find(keys.begin(), keys.end(), key) == keys.end()) {
            keys.push_back(key);
        }
    }
    const bool has_text = std::any_of(node.children.begin(), node.children.end(),
                                      [](const ResultNode& row) { return !row.text.empty(); });
    std::vector<std::vector<std::string>> cells;
    auto& header = cells.emplace_back();
    for (const auto& key : keys) {
        header.push_back(one_line(key));
    }
    if (has_text) {
        header.push_back(one_line(node.children.front().name));
    }
    for (const auto& row : node.children) {
        auto& line = cells.emplace_back();
        std::string extra;
        for (const auto& key : keys) {
            for (const auto& [name, value] : row.attributes) {
                if (name == key) {
                    line.push_back(one_line(value));
                    break;
                }
            }
        }
        if (has_text) {
            line.push_back(one_line(row.text));
        }
        for (const auto& [name, value] : row.attributes) {
            if (std::find(keys.begin(), keys.end(), name) == keys.end()) {
                extra += (extra.empty() ? "" : " ") + one_line(name) + '=' + one_line(value);
            }
        }
        if (!extra.empty()) {
            line.push_back(extra);
        }
    }
    render_rows(cells, depth, out);
}

void render_text_nodes(const std::vector<ResultNode>& nodes, int depth, std::string& out);

void render_text_node(const ResultNode& node, int depth, std::string& out) {
    out += indent(depth) + one_line(node.name) + '\n';
    if (is_table(node)) {
        render_table(node, depth + 1, out);
        return;
    }
    std::vector<std::vector<std::string>> cells;
    for (const auto& [key, value] : node.attributes) {
        cells.push_back({one_line(key), one_line(value)});
    }
    if (!node.text.empty()) {
        cells.push_back({"value", one_line(node.text)});
    }
    render_rows(cells, depth + 1, out);
    render_text_nodes(node.children, depth + 1, out);
}

// Plain siblings are aligned together ("name:" padded to the longest), even when other nodes
// come between them; every other node renders as its own block.
void render_text_nodes(const std::vector<ResultNode>& nodes, int depth, std::string& out) {
    std::size_t width = 0;
    for (const auto& node : nodes) {
        if (is_plain(node) && !node.text.empty()) {
            width = std::max(width, display_width(one_line(node.name)) + 1);
        }
    }
    for (const auto& node : nodes) {
        if (!is_plain(node)) {
            render_text_node(node, depth, out);
        } else if (node.text.empty()) {
            out += indent(depth) + one_line(node.name) + '\n';
        } else {
            out += indent(depth) + padded(one_line(node.name) + ':', width) + ' ' +
                   printable(node.text) + '\n';
        }
    }
}

} // namespace

std::optional<OutputFormat> parse_output_format(std::string_view name) {
    if (name == "xml") {
        return OutputFormat::xml;
    }
    if (name == "json") {
        return OutputFormat::json;
    }
    if (name == "text") {
        return OutputFormat::text;
    }
    return std::nullopt;
}

ResultNode ResultNode::list(std::string name) {
    ResultNode node;
    node.name = std::move(name);
    node.kind = Kind::list;
    return node;
}

ResultNode& ResultNode::add(std::string child_name, std::string child_text) {
    ResultNode& child = children.emplace_back();
    child.name = std::move(child_name);
    child.text = std::move(child_text);
    return child;
}

ResultNode& ResultNode::attr(std::string key, std::string value) {
    attributes.emplace_back(std::move(key), std::move(value));
    return *this;
}

ResultNode& Result::add(std::string name, std::string text) {
    ResultNode& node = nodes.emplace_back();
    node.name = std::move(name);
    node.text = std::move(text);
    return node;
}

ResultNode& Result::add_flag(std::string name) {
    ResultNode& node = add(std::move(name));
    node.kind = ResultNode::Kind::flag;
    return node;
}

std::string render_result(OutputFormat format, const Result& result) {
    std::string out;
    switch (format) {
    case OutputFormat::xml:
        out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<doc>";
        out += result.ok_marker ? "<ok/>" : "";
        for (const auto& node : result.nodes) {
            render_xml(node, out);
        }
        out += "</doc>\n";
        break;
    case OutputFormat::json: {
        rapidjson::StringBuffer buffer;
        JsonWriter writer(buffer);
        writer.StartObject();
        writer.Key("ok");
        writer.Bool(true);
        for (const auto& node : result.nodes) {
            write_json_string(writer, node.name);
            render_json_value(node, writer);
        }
        writer.EndObject();
        out = std::string(buffer.GetString(), buffer.GetSize()) + "\n";
        break;
    }
    case OutputFormat::text:
        out = "OK\n";
        render_text_nodes(result.nodes, 1, out);
        break;
    }
    return out;
}

std::string render_error(OutputFormat format, const ErrorReport& error) {
    const int code = static_cast<int>(error.code);
    switch (format) {
    case OutputFormat::xml:
        return fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<doc><error type=\"{}\" "
                           "code=\"{}\">{}</error></doc>\n",
                           xml_escape(error.type), code,
                           xml_escape(printable(error.message, LineBreaks::to_space)));
    case OutputFormat::json: {
        rapidjson::StringBuffer buffer;
        JsonWriter writer(buffer);
        writer.StartObject();
        writer.Key("ok");
        writer.Bool(false);
        writer.Key("error");
        writer.StartObject();
        writer.Key("type");
        write_json_string(writer, error.type);
        writer.Key("code");
        writer.Int(code);
        writer.Key("message");
        write_json_string(writer, printable(error.message, LineBreaks::to_space));
        writer.EndObject();
        writer.EndObject();
        return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
    }
    case OutputFormat::text:
        return fmt::format("ERROR ({}, exit {}): {}\n", printable(error.type), code,
                           printable(error.message, LineBreaks::to_space));
    }
    return {};
}

} // namespace pm
