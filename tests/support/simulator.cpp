#include "support/simulator.hpp"

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "pm/http.hpp"

namespace pm::test {
namespace {

constexpr std::string_view k_listening = "listening on http://127.0.0.1:";

http::Method method_of(std::string_view method) {
    if (method == "GET") {
        return http::Method::get;
    }
    if (method == "POST") {
        return http::Method::post;
    }
    if (method == "PUT") {
        return http::Method::put;
    }
    if (method == "DELETE") {
        return http::Method::del;
    }
    throw std::invalid_argument("unknown method " + std::string(method));
}

} // namespace

Simulator::Simulator(std::string_view name, const std::vector<std::string>& args) {
    const auto out = m_dir / "sim.out";
    std::string command =
        "exec '" + (source_dir() / "scripts/sim").string() + "' " + std::string(name);
    for (const auto& arg : args) {
        command += " '" + arg + "'";
    }
    command += " > '" + out.string() + "'";
    m_process.emplace(Process::spawn({"/bin/sh", "-c", command}));
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
        if (std::filesystem::exists(out)) {
            const auto text = read_file(out);
            const auto at = text.find(k_listening);
            if (at != std::string::npos && text.find('\n', at) != std::string::npos) {
                m_port = std::stoi(text.substr(at + k_listening.size()));
                return;
            }
        }
        if (!m_process->running()) {
            throw std::runtime_error("the simulator exited: " + m_process->wait().err);
        }
        if (std::chrono::steady_clock::now() > until) {
            throw std::runtime_error("the simulator did not start in time");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

Simulator::~Simulator() {
    if (m_process && m_process->running()) {
        m_process->kill(SIGTERM);
        m_process->wait(std::chrono::seconds(5));
    }
}

std::string Simulator::url() const {
    return "http://127.0.0.1:" + std::to_string(m_port);
}

std::string Simulator::call(std::string_view method, std::string_view path,
                            std::string_view body) const {
    auto transport = http::make_curl_transport({});
    http::Request request;
    request.method = method_of(method);
    request.url = url() + std::string(path);
    request.body = std::string(body);
    request.headers.push_back({"Content-Type", "application/json"});
    const auto response = transport->perform(request, std::chrono::seconds(30));
    if (!response.ok()) {
        throw std::runtime_error("simulator " + std::string(method) + " " + std::string(path) +
                                 ": HTTP " + std::to_string(response.status) + " " + response.body);
    }
    return response.body;
}

std::vector<std::string> with_env_args(std::vector<std::string> args, const char* variable) {
    const char* extra = std::getenv(variable);
    if (extra == nullptr || *extra == '\0') {
        return args;
    }
    static std::mutex mutex;
    static std::set<std::string> shown;
    {
        const std::lock_guard lock(mutex);
        if (shown.insert(variable).second) {
            std::cerr << "simulator: " << variable << "='" << extra << "'\n";
        }
    }
    std::istringstream words{std::string(extra)};
    for (std::string word; words >> word;) {
        args.push_back(word);
    }
    return args;
}

} // namespace pm::test
