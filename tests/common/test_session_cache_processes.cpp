// The session cache with real concurrent processes: tests/helpers/pm_session_client logs in
// to tests/support/login_server.py through pm::http and the cache.
#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "pm/http.hpp"
#include "pm/json.hpp"

#include "support/process.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using pm::test::Process;

class LoginServer {
public:
    explicit LoginServer(const fs::path& dir, int delay_ms)
        : m_process(Process::spawn(
              {"/usr/bin/env", "python3",
               (pm::test::source_dir() / "tests/support/login_server.py").string(), "--port-file",
               (dir / "port").string(), "--delay-ms", std::to_string(delay_ms)})) {
        const auto until = std::chrono::steady_clock::now() + 30s;
        while (!fs::exists(dir / "port") && std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(5ms);
        }
        const std::string port = pm::test::read_file(dir / "port");
        REQUIRE_FALSE(port.empty());
        m_url = "http://127.0.0.1:" + port.substr(0, port.find('\n'));
        m_transport = pm::http::make_curl_transport({});
    }

    [[nodiscard]] const std::string& url() const { return m_url; }

    pm::http::Response call(pm::http::Method method, const std::string& path) {
        pm::http::Client client(*m_transport);
        return client.send({method, m_url + path, {}, {}}, pm::Deadline::after(10s),
                           pm::http::Idempotency::idempotent);
    }

    std::int64_t logins() {
        const auto response = call(pm::http::Method::get, "/count");
        REQUIRE(response.status == 200);
        return pm::json::parse(response.body, "count").root().at("count").as_int64();
    }

private:
    Process m_process;
    std::string m_url;
    std::unique_ptr<pm::http::Transport> m_transport;
};

// Starts `n` clients at once and returns the token each printed.
std::vector<std::string> run_clients(const LoginServer& server, const fs::path& cache_dir, int n,
                                     const std::vector<std::string>& extra = {}) {
    std::vector<Process> clients;
    for (int i = 0; i < n; ++i) {
        std::vector<std::string> argv{pm::test::helper_path("pm_session_client"),
                                      "--cache-dir",
                                      cache_dir.string(),
                                      "--url",
                                      server.url(),
                                      "--user",
                                      "admin",
                                      "--password",
                                      "secret"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        clients.push_back(Process::spawn(argv));
    }
    std::vector<std::string> tokens;
    for (auto& client : clients) {
        const auto result = client.wait(60s);
        INFO(result.err);
        REQUIRE(result.exit_code == 0);
        REQUIRE(result.out.starts_with("token "));
        tokens.push_back(result.out.substr(6, result.out.find('\n') - 6));
    }
    return tokens;
}

} // namespace

TEST_CASE("session_cache: 20 processes with a cold cache log in exactly once") {
    pm::test::TempDir dir;
    LoginServer server(dir.path(), 300); // slow logins, so that all 20 overlap
    const auto tokens = run_clients(server, dir / "cache", 20);
    CHECK(server.logins() == 1);
    CHECK(std::set<std::string>(tokens.begin(), tokens.end()).size() == 1);

    SECTION("after the service revokes it, one process logs in again for all") {
        REQUIRE(server.call(pm::http::Method::post, "/expire").status == 200);
        const auto renewed = run_clients(server, dir / "cache", 5, {"--use"});
        CHECK(server.logins() == 2);
        const std::set<std::string> distinct(renewed.begin(), renewed.end());
        CHECK(distinct.size() == 1);
        CHECK(*distinct.begin() != tokens.front());
    }
}
