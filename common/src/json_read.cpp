#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "pm/errors.hpp"
#include "pm/json.hpp"

namespace pm::json {
namespace {

// A plain scan: names may hold any bytes, NUL included, and FindMember is linear anyway.
const rapidjson::Value* find_member(const rapidjson::Value& object, std::string_view key) {
    for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
        if (std::string_view(it->name.GetString(), it->name.GetStringLength()) == key) {
            return &it->value;
        }
    }
    return nullptr;
}

} // namespace

struct Document::State {
    rapidjson::Document document;
    std::string context;
};

Document::Document(std::unique_ptr<State> state) : m_state(std::move(state)) {}
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;
Document::~Document() = default;

View Document::root() const {
    if (!m_state) {
        throw std::logic_error("json::Document::root() on a moved-from document");
    }
    return View(&m_state->document, &m_state->context, "$");
}

Document parse(std::string_view text, std::string_view context) {
    // Validate UTF-8, and parse iteratively so that deep nesting cannot overflow the stack.
    constexpr unsigned k_flags =
        rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag;
    auto state = std::make_unique<Document::State>();
    state->context = context;
    const char* data = text.empty() ? "" : text.data();
    state->document.Parse<k_flags>(data, text.size());
    if (state->document.HasParseError()) {
        throw ProtocolError(fmt::format(
            "{}: malformed JSON at offset {}: {}", context, state->document.GetErrorOffset(),
            rapidjson::GetParseError_En(state->document.GetParseError())));
    }
    return Document(std::move(state));
}

void View::fail(std::string_view what) const {
    throw ProtocolError(fmt::format("{}: {}: {}", *m_context, m_path, what));
}

void View::expected(std::string_view type) const {
    fail(fmt::format("expected {}, got {}", type, type_name()));
}

View View::child(const rapidjson::Value& value, std::string path) const {
    return View(&value, m_context, std::move(path));
}

std::string_view View::type_name() const {
    switch (m_value->GetType()) {
    case rapidjson::kNullType:
        return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
        return "boolean";
    case rapidjson::kObjectType:
        return "object";
    case rapidjson::kArrayType:
        return "array";
    case rapidjson::kStringType:
        return "string";
    case rapidjson::kNumberType:
        return "number";
    }
    return "unknown";
}

bool View::is_null() const {
    return m_value->IsNull();
}
bool View::is_object() const {
    return m_value->IsObject();
}
bool View::is_array() const {
    return m_value->IsArray();
}
bool View::is_string() const {
    return m_value->IsString();
}
bool View::is_number() const {
    return m_value->IsNumber();
}

std::optional<View> View::find(std::string_view key) const {
    if (!m_value->IsObject()) {
        expected("object");
    }
    const rapidjson::Value* value = find_member(*m_value, key);
    if (value == nullptr || value->IsNull()) {
        return std::nullopt;
    }
    return child(*value, fmt::format("{}.{}", m_path, key));
}

View View::at(std::string_view key) const {
    if (!m_value->IsObject()) {
        expected("object");
    }
    const rapidjson::Value* value = find_member(*m_value, key);
    if (value == nullptr) {
        fail(fmt::format("missing key \"{}\"", key));
    }
    return child(*value, fmt::format("{}.{}", m_path, key));
}

View View::at(std::size_t index) const {
    if (!m_value->IsArray()) {
        expected("array");
    }
    if (index >= m_value->Size()) {
        fail(fmt::format("index {} out of range (size {})", index, m_value->Size()));
    }
    return child((*m_value)[static_cast<rapidjson::SizeType>(index)],
                 fmt::format("{}[{}]", m_path, index));
}

std::vector<View> View::items() const {
    if (!m_value->IsArray()) {
        expected("array");
    }
    std::vector<View> out;
    out.reserve(m_value->Size());
    std::size_t index = 0;
    for (auto it = m_value->Begin(); it != m_value->End(); ++it, ++index) {
        out.push_back(child(*it, fmt::format("{}[{}]", m_path, index)));
    }
    return out;
}

std::vector<View::Member> View::members() const {
    if (!m_value->IsObject()) {
        expected("object");
    }
    std::vector<Member> out;
    out.reserve(m_value->MemberCount());
    for (auto it = m_value->MemberBegin(); it != m_value->MemberEnd(); ++it) {
        std::string name(it->name.GetString(), it->name.GetStringLength());
        View value = child(it->value, fmt::format("{}.{}", m_path, name));
        out.push_back(Member{std::move(name), std::move(value)});
    }
    return out;
}

std::size_t View::size() const {
    if (m_value->IsArray()) {
        return m_value->Size();
    }
    if (m_value->IsObject()) {
        return m_value->MemberCount();
    }
    expected("array or object");
}

std::string View::as_string() const {
    if (!m_value->IsString()) {
        expected("string");
    }
    return std::string(m_value->GetString(), m_value->GetStringLength());
}

std::int64_t View::as_int64() const {
    if (m_value->IsInt64()) {
        return m_value->GetInt64();
    }
    if (!m_value->IsNumber()) {
        expected("integer");
    }
    // What is left is a uint64 above the int64 range or a double (a fraction, an exponent,
    // or an integer too long for 64 bits).
    constexpr double k_int64_limit = 9223372036854775808.0; // 2^63
    if (m_value->IsUint64() || std::fabs(m_value->GetDouble()) >= k_int64_limit) {
        fail("integer out of range");
    }
    fail("expected integer, got float");
}

double View::as_double() const {
    if (!m_value->IsNumber()) {
        expected("number");
    }
    return m_value->GetDouble();
}

bool View::as_bool() const {
    if (!m_value->IsBool()) {
        expected("boolean");
    }
    return m_value->GetBool();
}

std::int64_t View::as_int64_or_string() const {
    if (m_value->IsNumber()) {
        return as_int64();
    }
    if (!m_value->IsString()) {
        expected("integer or integer string");
    }
    const char* begin = m_value->GetString();
    const char* end = begin + m_value->GetStringLength();
    std::int64_t number = 0;
    const auto [stop, error] = std::from_chars(begin, end, number);
    if (error == std::errc::result_out_of_range) {
        fail("integer out of range");
    }
    if (error != std::errc() || stop != end) {
        fail("expected integer or integer string, got string");
    }
    return number;
}

bool View::as_bool_or_string() const {
    if (m_value->IsBool()) {
        return m_value->GetBool();
    }
    if (!m_value->IsString()) {
        expected("boolean or boolean string");
    }
    const std::string_view text(m_value->GetString(), m_value->GetStringLength());
    const auto equals = [text](std::string_view word) {
        return text.size() == word.size() &&
               std::equal(text.begin(), text.end(), word.begin(), [](char a, char b) {
                   return std::tolower(static_cast<unsigned char>(a)) == b;
               });
    };
    if (equals("true")) {
        return true;
    }
    if (equals("false")) {
        return false;
    }
    fail("expected boolean or boolean string, got string");
}

} // namespace pm::json
