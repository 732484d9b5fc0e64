#include "pmovirt/api/error.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "pm/errors.hpp"
#include "pm/json.hpp"
#include "pm/redact.hpp"
#include "pm/text.hpp"

namespace pm::ovirt::api {
namespace {

constexpr std::size_t k_max_message = 300;

struct Fault {
    std::string reason;
    std::string detail;
};

std::string string_member(const json::View& object, std::string_view key) {
    const auto value = object.find(key);
    return value && value->is_string() ? value->as_string() : std::string();
}

// `detail` of an engine validation failure is a Java list printed with brackets (§3.3):
// "[Cannot add VM. …]" reads as the text inside.
std::string unbracketed(std::string detail) {
    if (detail.size() >= 2 && detail.front() == '[' && detail.back() == ']') {
        return detail.substr(1, detail.size() - 2);
    }
    return detail;
}

// The JSON shapes of §2.1 and §3.3, or nullopt when the body is none of them.
std::optional<Fault> json_fault(std::string_view body) {
    try {
        const auto doc = json::parse(body, "error reply");
        auto root = doc.root();
        if (root.is_array() && root.size() > 0) {
            root = root.at(std::size_t{0}); // array-wrapped SSO reply (§8.2)
        }
        if (!root.is_object()) {
            return std::nullopt;
        }
        if (const auto fault = root.find("fault"); fault && fault->is_object()) {
            return Fault{string_member(*fault, "reason"),
                         unbracketed(string_member(*fault, "detail"))};
        }
        if (root.find("reason") || root.find("detail")) {
            return Fault{string_member(root, "reason"), unbracketed(string_member(root, "detail"))};
        }
        if (const auto code = string_member(root, "error_code"); !code.empty()) {
            return Fault{code, string_member(root, "error")}; // {"error_code","error"}
        }
        if (const auto error = string_member(root, "error"); !error.empty()) {
            return Fault{error, string_member(root, "error_description")};
        }
        return std::nullopt;
    } catch (const Error&) {
        return std::nullopt;
    }
}

std::string lowered(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// The visible text of an HTML error page (§2.1: WildFly's sendError page, Apache's 401 page,
// the `invalid_grant` text): from <body> on when there is one, tags dropped, spaces collapsed.
std::string html_text(std::string_view body) {
    const std::string lower = lowered(body);
    std::size_t start = lower.find("<body");
    start = start == std::string::npos ? 0 : start;
    std::string out;
    bool in_tag = false;
    for (std::size_t i = start; i < body.size(); ++i) {
        const char c = body[i];
        if (c == '<') {
            in_tag = true;
        } else if (c == '>') {
            in_tag = false;
            out += ' ';
        } else if (!in_tag) {
            out += std::isspace(static_cast<unsigned char>(c)) != 0 ? ' ' : c;
        }
    }
    std::string collapsed;
    for (const char c : out) {
        if (c != ' ' || (!collapsed.empty() && collapsed.back() != ' ')) {
            collapsed += c;
        }
    }
    while (!collapsed.empty() && collapsed.back() == ' ') {
        collapsed.pop_back();
    }
    return collapsed;
}

std::string trimmed(const std::string& text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

bool looks_like_html(std::string_view body) {
    const auto first = body.find_first_not_of(" \t\r\n");
    return first != std::string_view::npos && body[first] == '<';
}

bool contains(const std::string& lower_text, std::string_view needle) {
    return lower_text.find(needle) != std::string::npos;
}

// §3.5's texts, lower case, per kind; the first match wins.
constexpr std::array<std::pair<std::string_view, FaultKind>, 17> k_texts{{
    {"name is already in use", FaultKind::name_in_use},
    {"vm is locked", FaultKind::locked},
    {"related operation is currently in progress", FaultKind::locked},
    {"image locked status", FaultKind::locked},
    {"disks are locked", FaultKind::locked},
    {"disk is locked", FaultKind::locked},
    {"template is currently locked", FaultKind::locked},
    {"currently in use to create vm", FaultKind::locked},
    {"performing an operation on a snapshot", FaultKind::locked},
    {"vm is not running", FaultKind::vm_not_running},
    {"vm is not up", FaultKind::vm_not_running},
    {"vm is running", FaultKind::vm_running},
    {"low disk space", FaultKind::storage_low},
    {"quota", FaultKind::quota},
    {"no host that satisfies", FaultKind::no_host},
    {"must be larger than the current disk size", FaultKind::disk_too_small},
    {"entity not found", FaultKind::not_found},
}};

FaultKind kind_of(long status, const std::string& code, const std::string& lower_text) {
    if (status == 401 || contains(lower_text, "invalid_grant") || code == "access_denied" ||
        code == "invalid_grant") {
        return FaultKind::auth;
    }
    if (status == 403) {
        return FaultKind::forbidden;
    }
    for (const auto& [needle, kind] : k_texts) {
        if (contains(lower_text, needle)) {
            return kind;
        }
    }
    if (status == 404) {
        return FaultKind::not_found;
    }
    return status == 400 ? FaultKind::bad_request : FaultKind::other;
}

} // namespace

DecodedError decode_error(long status, std::string_view body) {
    DecodedError error;
    error.status = status;
    std::string text;
    if (const auto fault = json_fault(body)) {
        error.code = printable(fault->reason, LineBreaks::to_space);
        if (fault->reason.empty() || fault->detail.empty()) {
            text = fault->reason.empty() ? fault->detail : fault->reason;
        } else {
            text = fmt::format("{}: {}", fault->reason, fault->detail);
        }
    } else if (looks_like_html(body)) {
        text = html_text(body);
    } else {
        text = std::string(body);
    }
    const std::string lower = lowered(text);
    if (error.code.empty() && contains(lower, "invalid_grant")) {
        error.code = "invalid_grant";
    }
    error.kind = kind_of(status, error.code, lower);
    error.is_auth = error.kind == FaultKind::auth;
    // Masked before it is cut, so that a token quoted in a reply leaves no tail.
    error.message = trimmed(printable(excerpt(text, k_max_message), LineBreaks::to_space));
    if (error.message.empty()) {
        error.message = fmt::format("HTTP {}", status); // an empty 404 (§3.3)
    }
    return error;
}

const char* to_string(FaultKind kind) {
    switch (kind) {
    case FaultKind::other:
        return "other";
    case FaultKind::auth:
        return "auth";
    case FaultKind::forbidden:
        return "forbidden";
    case FaultKind::not_found:
        return "not_found";
    case FaultKind::name_in_use:
        return "name_in_use";
    case FaultKind::locked:
        return "locked";
    case FaultKind::vm_running:
        return "vm_running";
    case FaultKind::vm_not_running:
        return "vm_not_running";
    case FaultKind::storage_low:
        return "storage_low";
    case FaultKind::quota:
        return "quota";
    case FaultKind::no_host:
        return "no_host";
    case FaultKind::disk_too_small:
        return "disk_too_small";
    case FaultKind::bad_request:
        return "bad_request";
    }
    return "other";
}

bool create_accepted(long status) {
    return status == 200 || status == 201 || status == 202;
}

} // namespace pm::ovirt::api
