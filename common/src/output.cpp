#include "pm/output.hpp"

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

void render_text(const ResultNode& node, int depth, std::string& out) {
    out += std::string(static_cast<std::size_t>(depth) * 2, ' ') + printable(node.name);
    for (const auto& [key, value] : node.attributes) {
        out += fmt::format(" {}={}", printable(key), printable(value, LineBreaks::to_space));
    }
    if (!node.text.empty()) {
        out += ": " + printable(node.text);
    }
    out += '\n';
    for (const auto& child : node.children) {
        render_text(child, depth + 1, out);
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
        for (const auto& node : result.nodes) {
            render_text(node, 1, out);
        }
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
