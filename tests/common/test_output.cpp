#include <catch2/catch.hpp>

#include "pm/output.hpp"

using pm::OutputFormat;

TEST_CASE("output: renders a result in xml, json and text") {
    pm::Result result;
    result.add("vm_id", "17");
    auto& ips = result.add("ips");
    ips.add("ip", "10.0.0.5").attr("family", "ipv4");
    result.add("note", "a < b & \"c\"");

    CHECK(pm::render_result(OutputFormat::xml, result) ==
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<doc><ok/><vm_id>17</vm_id><ips><ip "
          "family=\"ipv4\">10.0.0.5</ip></ips><note>a &lt; b &amp; &quot;c&quot;</note></doc>\n");
    CHECK(pm::render_result(OutputFormat::json, result) ==
          R"({"ok":true,"vm_id":"17","ips":[{"family":"ipv4","value":"10.0.0.5"}],)"
          R"("note":"a < b & \"c\""})"
          "\n");
    const auto text = pm::render_result(OutputFormat::text, result);
    CHECK(text.rfind("OK\n", 0) == 0);
    CHECK(text == "OK\n"
                  "  vm_id: 17\n"
                  "  ips\n"
                  "    family  ip\n"
                  "    ipv4    10.0.0.5\n"
                  "  note:  a < b & \"c\"\n");
}

TEST_CASE("output: renders errors with type and exit code") {
    const pm::ErrorReport error{"api", pm::ExitCode::failed, "quota <exceeded>"};
    CHECK(pm::render_error(OutputFormat::xml, error) ==
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<doc><error type=\"api\" "
          "code=\"1\">quota &lt;exceeded&gt;</error></doc>\n");
    CHECK(pm::render_error(OutputFormat::json, error) ==
          R"({"ok":false,"error":{"type":"api","code":1,"message":"quota <exceeded>"}})"
          "\n");
    CHECK(pm::render_error(OutputFormat::text, error) == "ERROR (api, exit 1): quota <exceeded>\n");
}

TEST_CASE("output: an empty result is just ok") {
    CHECK(pm::render_result(OutputFormat::xml, {}) ==
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<doc><ok/></doc>\n");
    CHECK(pm::render_result(OutputFormat::json, {}) == "{\"ok\":true}\n");
    CHECK(pm::parse_output_format("yaml") == std::nullopt);
    CHECK(pm::parse_output_format("json") == OutputFormat::json);
}

TEST_CASE("errors: API answers map to the exit codes of DESIGN §3") {
    const auto code = [](long status) { return pm::ApiError("x", status).exit_code(); };
    for (const long status : {429L, 500L, 502L, 503L, 504L, 507L}) {
        CAPTURE(status);
        CHECK(code(status) == pm::ExitCode::temporary);
    }
    for (const long status : {400L, 403L, 404L, 409L, 413L, 501L}) {
        CAPTURE(status);
        CHECK(code(status) == pm::ExitCode::failed);
    }
    CHECK(pm::AuthError("x", 401).exit_code() == pm::ExitCode::failed);
}

TEST_CASE("output: empty lists are [] and flags are true in json") {
    pm::Result result;
    result.nodes.push_back(pm::ResultNode::list("modules"));
    auto& full = result.nodes.emplace_back(pm::ResultNode::list("changes"));
    full.add("change", "x");
    result.add_flag("gone");
    result.add("ip", "");
    CHECK(pm::render_result(OutputFormat::json, result) ==
          R"({"ok":true,"modules":[],"changes":["x"],"gone":true,"ip":""})"
          "\n");
    CHECK(pm::render_result(OutputFormat::xml, result) ==
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<doc><ok/><modules/><changes><change>x"
          "</change></changes><gone/><ip/></doc>\n");
}

TEST_CASE("output: invalid UTF-8 and control characters never reach the output") {
    const std::string bad = "a\xFF\xFE\x01\x1b[1m\nb";
    const std::string fffd = "\xEF\xBF\xBD";
    pm::Result result;
    result.add("note", bad).attr("k", bad);
    const auto xml = pm::render_result(OutputFormat::xml, result);
    CHECK(xml.find("<note k=\"a" + fffd + fffd + "[1m\nb\">a" + fffd + fffd + "[1m\nb</note>") !=
          std::string::npos);
    const auto json = pm::render_result(OutputFormat::json, result);
    CHECK(json.find(R"("note":{"k":"a)" + fffd + fffd + R"([1m\nb")") != std::string::npos);
    const pm::ErrorReport error{"api", pm::ExitCode::failed, bad};
    const std::string line = "a" + fffd + fffd + "[1m b";
    CHECK(pm::render_error(OutputFormat::xml, error).find(">" + line + "</error>") !=
          std::string::npos);
    CHECK(pm::render_error(OutputFormat::json, error).find("\"message\":\"" + line + "\"") !=
          std::string::npos);
    CHECK(pm::render_error(OutputFormat::text, error) == "ERROR (api, exit 1): " + line + "\n");
}
