#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>
#include <rapidjson/encodedstream.h>
#include <rapidjson/encodings.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "pm/errors.hpp"
#include "pm/json.hpp"

namespace pm::json {
namespace {

// RapidJSON's own validator, fed through a bounded stream: the writer's validating mode
// reads past the end of a string that ends inside a multi-byte sequence.
bool valid_utf8(std::string_view text) {
    struct Discard {
        void Put(char) {}
    } sink;
    rapidjson::MemoryStream bytes(text.data(), text.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> input(bytes);
    while (input.Tell() < text.size()) {
        if (!rapidjson::UTF8<>::Validate(input, sink)) {
            return false;
        }
    }
    return true;
}

} // namespace

struct Writer::State {
    struct Frame {
        bool object;
        bool key_due; // objects only: the next call must be key() or end_object()
    };
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer{buffer};
    std::vector<Frame> open;
    bool done = false;
    std::string last_key;

    // Checks that a value may come now, before anything is written.
    void before_value() const {
        if (done) {
            throw std::logic_error("json::Writer: a second value after the root value");
        }
        if (!open.empty() && open.back().object && open.back().key_due) {
            throw std::logic_error("json::Writer: a value where an object key is due");
        }
    }
    void after_value() {
        if (open.empty()) {
            done = true;
        } else if (open.back().object) {
            open.back().key_due = true;
        }
    }
    void close(bool object) {
        if (open.empty() || open.back().object != object || (object && !open.back().key_due)) {
            throw std::logic_error(object ? "json::Writer: end_object() out of place"
                                          : "json::Writer: end_array() out of place");
        }
        open.pop_back();
        after_value();
    }
    // A string's bytes, checked; `what` names it in the error.
    static rapidjson::SizeType checked(std::string_view text, std::string_view what) {
        if (!valid_utf8(text)) {
            throw ProtocolError(fmt::format("JSON body: {} is not valid UTF-8", what));
        }
        if (text.size() > std::numeric_limits<rapidjson::SizeType>::max()) {
            throw std::length_error("json::Writer: string too long");
        }
        return static_cast<rapidjson::SizeType>(text.size());
    }
};

Writer::Writer() : m_state(std::make_unique<State>()) {}
Writer::Writer(Writer&&) noexcept = default;
Writer& Writer::operator=(Writer&&) noexcept = default;
Writer::~Writer() = default;

Writer& Writer::begin_object() {
    m_state->before_value();
    m_state->writer.StartObject();
    m_state->open.push_back({true, true});
    return *this;
}

Writer& Writer::end_object() {
    m_state->close(true);
    m_state->writer.EndObject();
    return *this;
}

Writer& Writer::begin_array() {
    m_state->before_value();
    m_state->writer.StartArray();
    m_state->open.push_back({false, false});
    return *this;
}

Writer& Writer::end_array() {
    m_state->close(false);
    m_state->writer.EndArray();
    return *this;
}

Writer& Writer::key(std::string_view name) {
    auto& state = *m_state;
    if (state.open.empty() || !state.open.back().object || !state.open.back().key_due) {
        throw std::logic_error("json::Writer: a key outside an object or after another key");
    }
    const auto length = State::checked(name, "a key");
    state.writer.Key(name.empty() ? "" : name.data(), length, true);
    state.open.back().key_due = false;
    state.last_key = name;
    return *this;
}

Writer& Writer::value(std::string_view text) {
    auto& state = *m_state;
    state.before_value();
    const auto length = State::checked(
        text,
        state.open.empty() ? "the value" : fmt::format("the value of \"{}\"", state.last_key));
    state.writer.String(text.empty() ? "" : text.data(), length, true);
    state.after_value();
    return *this;
}

Writer& Writer::value(bool flag) {
    m_state->before_value();
    m_state->writer.Bool(flag);
    m_state->after_value();
    return *this;
}

Writer& Writer::value(double number) {
    if (!std::isfinite(number)) {
        throw ProtocolError("JSON body: NaN or an infinite number cannot be written");
    }
    m_state->before_value();
    m_state->writer.Double(number);
    m_state->after_value();
    return *this;
}

Writer& Writer::value_int(std::int64_t number) {
    m_state->before_value();
    m_state->writer.Int64(number);
    m_state->after_value();
    return *this;
}

Writer& Writer::value_uint(std::uint64_t number) {
    m_state->before_value();
    m_state->writer.Uint64(number);
    m_state->after_value();
    return *this;
}

Writer& Writer::null() {
    m_state->before_value();
    m_state->writer.Null();
    m_state->after_value();
    return *this;
}

std::string Writer::str() const {
    if (!m_state->done) {
        throw std::logic_error("json::Writer: str() before the root value is complete");
    }
    return std::string(m_state->buffer.GetString(), m_state->buffer.GetSize());
}

} // namespace pm::json
