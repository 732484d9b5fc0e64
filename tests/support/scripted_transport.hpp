// A fake http::Transport for unit tests (STYLE.md): answers from a script and records every
// request, so that a test asserts what a client sent and what it made of the answers.
#pragma once

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pm/deadline.hpp"
#include "pm/http.hpp"

namespace pm::test {

// A client's clock (http::ClientOptions::now, ::sleep): starts now, moves only when the client
// sleeps or a scripted request "takes" time.
struct FakeTime {
    Deadline::Clock::time_point now = Deadline::Clock::now();
    std::vector<std::chrono::milliseconds> sleeps;
};

// Answers the n-th request with the n-th scripted response (the last one repeats).
class ScriptedTransport : public http::Transport {
public:
    explicit ScriptedTransport(std::vector<http::Response> script) : m_script(std::move(script)) {}
    ScriptedTransport(FakeTime& time, std::vector<http::Response> script)
        : m_time(&time), m_script(std::move(script)) {}

    http::Response perform(const http::Request& request,
                           std::chrono::milliseconds timeout) override {
        requests.push_back(request);
        timeouts.push_back(timeout);
        if (m_time != nullptr) {
            m_time->now += per_attempt;
        }
        return m_script.at(std::min(requests.size(), m_script.size()) - 1);
    }

    // The value of header `name` (case-insensitive) in the n-th request, "" when absent.
    [[nodiscard]] std::string header(std::size_t n, std::string_view name) const {
        for (const auto& h : requests.at(n).headers) {
            if (h.name.size() == name.size() &&
                std::equal(h.name.begin(), h.name.end(), name.begin(), [](char a, char b) {
                    return std::tolower(static_cast<unsigned char>(a)) ==
                           std::tolower(static_cast<unsigned char>(b));
                })) {
                return h.value;
            }
        }
        return {};
    }

    // "METHOD path" of each request from the `first`-th on, `path` the URL less `base`: the
    // order of what a client sent, for one CHECK.
    [[nodiscard]] std::vector<std::string> sent(std::string_view base,
                                                std::size_t first = 0) const {
        std::vector<std::string> lines;
        for (std::size_t i = first; i < requests.size(); ++i) {
            const auto& url = requests[i].url;
            const auto path =
                url.compare(0, base.size(), base) == 0 ? url.substr(base.size()) : url;
            lines.push_back(std::string(http::method_name(requests[i].method)) + " " + path);
        }
        return lines;
    }

    std::vector<http::Request> requests;
    std::vector<std::chrono::milliseconds> timeouts;
    std::chrono::milliseconds per_attempt{0};

private:
    FakeTime* m_time = nullptr;
    std::vector<http::Response> m_script;
};

// A complete answer with `status`, `body` and `headers`.
inline http::Response reply(long status, std::string body = {},
                            std::vector<http::Header> headers = {}) {
    http::Response response;
    response.status = status;
    response.body = std::move(body);
    response.headers = std::move(headers);
    return response;
}

} // namespace pm::test
