// Test helper: gets a session for (url, user) through the session cache, logging in with
// POST <url>/login of tests/support/login_server.py over pm::http, optionally uses it
// (GET <url>/resource, 401 = AuthError), and prints "token <token>".
// Exit codes as the modules': 0 done, 1 rejected, 3 temporary, 4 anything else.
#include <chrono>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "pm/errors.hpp"
#include "pm/http.hpp"
#include "pm/json.hpp"
#include "pm/session_cache.hpp"

namespace {

struct Options {
    std::string cache_dir;
    std::string url;
    std::string user;
    std::string password;
    int ttl = 3600;
    int timeout_ms = 30'000;
    bool use = false;
};

void check_status(const pm::http::Response& response, const std::string& what) {
    if (response.status == 401) {
        throw pm::AuthError(what + ": 401", response.status);
    }
    if (!response.ok()) {
        throw pm::ApiError(what + ": " + std::to_string(response.status), response.status);
    }
}

pm::Session login(pm::http::Client& client, const Options& options, const pm::Deadline& deadline) {
    pm::json::Writer body;
    body.begin_object()
        .member("user", options.user)
        .member("password", options.password)
        .end_object();
    pm::http::Request request{pm::http::Method::post,
                              options.url + "/login",
                              {{"Content-Type", "application/json"}},
                              body.str()};
    const auto response = client.send(request, deadline);
    check_status(response, "login");
    const auto document = pm::json::parse(response.body, "reply of login");
    pm::Session session;
    session.token = document.root().at("token").as_string();
    if (const auto expires_in = document.root().find("expires_in")) {
        session.expires_at =
            std::chrono::system_clock::now() + std::chrono::seconds(expires_in->as_int64());
    }
    return session;
}

void use(pm::http::Client& client, const Options& options, const pm::Session& session,
         const pm::Deadline& deadline) {
    pm::http::Request request{
        pm::http::Method::get, options.url + "/resource", {{"X-Auth-Token", session.token}}, {}};
    check_status(client.send(request, deadline), "resource");
}

int run(const Options& options) {
    const auto transport = pm::http::make_curl_transport({});
    pm::http::Client client(*transport);
    const pm::SessionCache cache(options.cache_dir, options.url, options.user,
                                 std::chrono::seconds(options.ttl));
    const auto deadline = pm::Deadline::after(std::chrono::milliseconds(options.timeout_ms));
    const auto do_login = [&](const pm::Deadline& left) { return login(client, options, left); };
    const std::string token =
        cache.with_session(do_login, deadline, [&](const pm::Session& session) {
            if (options.use) {
                use(client, options, session, deadline);
            }
            return session.token;
        });
    std::cout << "token " << token << '\n';
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App app("pm_session_client: get a session through the session cache, for tests");
    app.add_option("--cache-dir", options.cache_dir)->required();
    app.add_option("--url", options.url)->required();
    app.add_option("--user", options.user)->required();
    app.add_option("--password", options.password)->required();
    app.add_option("--ttl", options.ttl);
    app.add_option("--timeout-ms", options.timeout_ms);
    app.add_flag("--use", options.use, "use the session once (GET /resource)");
    CLI11_PARSE(app, argc, argv);
    try {
        return run(options);
    } catch (const pm::Error& error) {
        std::cerr << error.type() << ": " << error.what() << '\n';
        return static_cast<int>(error.exit_code());
    } catch (const std::exception& error) {
        std::cerr << "internal: " << error.what() << '\n';
        return static_cast<int>(pm::ExitCode::internal);
    }
}
