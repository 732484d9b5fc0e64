// Test support: runs tests/support/fake_http.py (one named handler per scenario) on
// 127.0.0.1 for the lifetime of the object. Header-only so that no build file changes.
#pragma once

#include <chrono>
#include <cstdint>
#include <netinet/in.h>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "support/process.hpp"

namespace pm::test {

class FakeHttp {
public:
    enum class Scheme { http, https };

    explicit FakeHttp(Scheme scheme = Scheme::http)
        : m_scheme(scheme), m_process(Process::spawn(command(m_dir, scheme))) {
        const auto port_file = m_dir / "port";
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (!std::filesystem::exists(port_file)) {
            if (!m_process.running()) {
                throw std::runtime_error("fake_http.py exited: " + m_process.wait().err);
            }
            if (std::chrono::steady_clock::now() > until) {
                throw std::runtime_error("fake_http.py did not start in time");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        m_port = std::stoi(read_file(port_file));
    }

    [[nodiscard]] int port() const { return m_port; }
    // "http://127.0.0.1:PORT" + path
    [[nodiscard]] std::string url(std::string_view path) const {
        return std::string(m_scheme == Scheme::https ? "https" : "http") +
               "://127.0.0.1:" + std::to_string(m_port) + std::string(path);
    }

private:
    static std::vector<std::string> command(const TempDir& dir, Scheme scheme) {
        std::vector<std::string> argv = {"/usr/bin/env", "python3",
                                         (source_dir() / "tests/support/fake_http.py").string(),
                                         "--port-file", (dir / "port").string()};
        if (scheme == Scheme::https) {
            argv.push_back("--tls");
            argv.push_back(dir.path().string());
        }
        return argv;
    }

    Scheme m_scheme;
    TempDir m_dir;
    Process m_process;
    int m_port = 0;
};

// One plain-HTTP server shared by the tests that need no fresh server state, started on
// first use and stopped when the test binary exits.
inline FakeHttp& shared_fake_http() {
    static FakeHttp server;
    return server;
}

// A port on 127.0.0.1 that nothing listens on: bound to learn a free one, then closed.
inline int closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        throw std::runtime_error("socket() failed");
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    ::close(fd);
    if (!ok) {
        throw std::runtime_error("cannot find a free port");
    }
    return ntohs(address.sin_port);
}

// A listening socket on 127.0.0.1 whose accept queue is full, so that a new connection
// attempt hangs until the client's connect timeout.
class StuckListener {
public:
    StuckListener() {
        m_listener = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address = loopback(0);
        socklen_t length = sizeof(address);
        if (m_listener < 0 || ::bind(m_listener, as_sockaddr(address), sizeof(address)) != 0 ||
            ::listen(m_listener, 0) != 0 ||
            ::getsockname(m_listener, as_sockaddr(address), &length) != 0) {
            throw std::runtime_error("cannot listen on 127.0.0.1");
        }
        m_port = ntohs(address.sin_port);
        for (int i = 0; i < 4; ++i) { // fills the queue; the rest of the handshakes stall
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            const sockaddr_in target = loopback(m_port);
            static_cast<void>(::connect(fd, as_const_sockaddr(target), sizeof(target)));
            m_fillers.push_back(fd);
        }
    }
    ~StuckListener() {
        for (const int fd : m_fillers) {
            ::close(fd);
        }
        ::close(m_listener);
    }
    StuckListener(const StuckListener&) = delete;
    StuckListener& operator=(const StuckListener&) = delete;
    [[nodiscard]] int port() const { return m_port; }

private:
    static sockaddr_in loopback(int port) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        return address;
    }
    static sockaddr* as_sockaddr(sockaddr_in& address) {
        return reinterpret_cast<sockaddr*>(&address);
    }
    static const sockaddr* as_const_sockaddr(const sockaddr_in& address) {
        return reinterpret_cast<const sockaddr*>(&address);
    }
    int m_listener = -1;
    int m_port = 0;
    std::vector<int> m_fillers;
};

} // namespace pm::test
