// JSON over RapidJSON. Replies are read only through View, whose accessors check every
// key, index and type: whatever the input, a mismatch is a ProtocolError naming the context
// and the JSON path (`reply of auth: $.list[0].id: expected integer, got string`), never a
// RapidJSON assert or a crash. Request bodies are built with Writer, which does the escaping.
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <rapidjson/fwd.h>

namespace pm::json {

// A checked, read-only view of one value of a Document. Cheap to copy; valid while the
// Document it came from lives.
class View {
public:
    struct Member;

    // Object member; throws ProtocolError when this is not an object or the key is absent.
    [[nodiscard]] View at(std::string_view key) const;
    // Object member, or nullopt when the key is absent or its value is null (APIs send
    // both for "not set"). Throws ProtocolError when this is not an object.
    [[nodiscard]] std::optional<View> find(std::string_view key) const;
    // Array element; throws ProtocolError when this is not an array or the index is out of range.
    [[nodiscard]] View at(std::size_t index) const;
    // Elements of an array / members of an object, in order; ProtocolError otherwise.
    [[nodiscard]] std::vector<View> items() const;
    [[nodiscard]] std::vector<Member> members() const;
    // Number of elements or members; ProtocolError for other types.
    [[nodiscard]] std::size_t size() const;

    [[nodiscard]] bool is_null() const;
    [[nodiscard]] bool is_object() const;
    [[nodiscard]] bool is_array() const;
    [[nodiscard]] bool is_string() const;
    [[nodiscard]] bool is_number() const;

    // Typed reads; ProtocolError when the value has another type.
    [[nodiscard]] std::string as_string() const;
    // An integer in the int64 range: rejects fractions, exponents and out-of-range values.
    [[nodiscard]] std::int64_t as_int64() const;
    [[nodiscard]] double as_double() const; // any number
    [[nodiscard]] bool as_bool() const;
    // An integer given as a number (6) or as a string of decimal digits ("6", "-6").
    [[nodiscard]] std::int64_t as_int64_or_string() const;
    // A boolean given as a JSON boolean (true) or as the string "true"/"false" in any case
    // (APIs that serialize every scalar as a string).
    [[nodiscard]] bool as_bool_or_string() const;

    // "$.list[0].id"
    [[nodiscard]] const std::string& path() const { return m_path; }
    // The JSON type's name: "null", "boolean", "number", "string", "array", "object".
    [[nodiscard]] std::string_view type_name() const;

private:
    friend class Document;
    View(const rapidjson::Value* value, const std::string* context, std::string path)
        : m_value(value), m_context(context), m_path(std::move(path)) {}
    [[noreturn]] void fail(std::string_view what) const;
    [[noreturn]] void expected(std::string_view type) const;
    [[nodiscard]] View child(const rapidjson::Value& value, std::string path) const;

    const rapidjson::Value* m_value;
    const std::string* m_context; // owned by the Document
    std::string m_path;
};

struct View::Member {
    std::string name;
    View value;
};

// Owns a parsed document. Movable; views stay valid across moves.
class Document {
public:
    Document(Document&&) noexcept;
    Document& operator=(Document&&) noexcept;
    ~Document();

    [[nodiscard]] View root() const;

private:
    struct State;
    friend Document parse(std::string_view text, std::string_view context);
    explicit Document(std::unique_ptr<State> state);
    std::unique_ptr<State> m_state;
};

// Parses `text`; `context` names it in errors ("reply of auth"). Malformed JSON, invalid
// UTF-8, an empty text or trailing garbage → ProtocolError with the error and its offset.
// Nesting depth is only limited by memory: the parser does not recurse.
[[nodiscard]] Document parse(std::string_view text, std::string_view context);

// Builds JSON text, escaping done by RapidJSON:
//   json::Writer w;
//   w.begin_object().member("name", name).key("tags").begin_array().value("a").end_array()
//    .end_object();
//   std::string body = w.str();
// Misuse (a value where a key is due, unbalanced ends, str() before the end) throws
// std::logic_error; a string that is not valid UTF-8 or a NaN/infinite number throws
// ProtocolError.
class Writer {
public:
    Writer();
    Writer(Writer&&) noexcept;
    Writer& operator=(Writer&&) noexcept;
    ~Writer();

    Writer& begin_object();
    Writer& end_object();
    Writer& begin_array();
    Writer& end_array();
    Writer& key(std::string_view name);

    Writer& value(std::string_view text);
    Writer& value(const char* text) { return value(std::string_view(text)); }
    Writer& value(const std::string& text) { return value(std::string_view(text)); }
    Writer& value(bool flag);
    Writer& value(double number);
    template <std::integral T>
    requires(!std::same_as<T, bool>) Writer& value(T number) {
        if constexpr (std::is_signed_v<T>) {
            const std::int64_t widened = number;
            return value_int(widened);
        } else {
            const std::uint64_t widened = number;
            return value_uint(widened);
        }
    }
    Writer& null();

    template <typename T>
    Writer& member(std::string_view name, const T& item) {
        key(name);
        return value(item);
    }

    // The finished text; throws std::logic_error while objects or arrays are open.
    [[nodiscard]] std::string str() const;

private:
    Writer& value_int(std::int64_t number);
    Writer& value_uint(std::uint64_t number);

    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace pm::json
