#include <algorithm>
#include <ctime>

#include <catch2/catch.hpp>

#include "pm/errors.hpp"
#include "pm/http.hpp"
#include "pm/log.hpp"

#include "support/process.hpp"
#include "support/scripted_transport.hpp"

using namespace std::chrono_literals;
using pm::http::Client;
using pm::http::ClientOptions;
using pm::http::Header;
using pm::http::Idempotency;
using pm::http::Method;
using pm::http::Request;
using pm::http::Response;
using std::chrono::milliseconds;
using Kind = pm::http::TransportFailure::Kind;
using pm::test::FakeTime;
using pm::test::ScriptedTransport;

namespace {

Response status(long code, std::vector<Header> headers = {}) {
    Response response;
    response.status = code;
    response.headers = std::move(headers);
    return response;
}

Response failure(Kind kind) {
    Response response;
    response.failure = pm::http::TransportFailure{kind, "scripted failure"};
    return response;
}

ClientOptions fake_options(FakeTime& time, double random = 0.5) {
    ClientOptions options;
    options.retry.max_attempts = 5;
    options.retry.base_delay = 100ms;
    options.retry.max_delay = 1000ms;
    options.retry.retry_after_cap = 5000ms;
    options.sleep = [&time](milliseconds delay) {
        time.sleeps.push_back(delay);
        time.now += delay;
    };
    options.now = [&time] { return time.now; };
    options.random = [random] { return random; };
    return options;
}

Request request(Method method, std::string url = "http://127.0.0.1:9/v1/thing") {
    Request out;
    out.method = method;
    out.url = std::move(url);
    return out;
}

std::string http_date(std::chrono::system_clock::time_point at) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char text[64];
    std::strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &parts);
    return text;
}

// How many requests a first answer `first` followed by 200 takes.
std::size_t attempts_after(Method method, const Response& first,
                           Idempotency idempotency = Idempotency::by_method) {
    FakeTime time;
    ScriptedTransport transport(time, {first, status(200)});
    Client client(transport, fake_options(time));
    try {
        const Response response =
            client.send(request(method), pm::Deadline::after(1h), idempotency);
        CHECK((response.status == 200 || response.status == first.status));
    } catch (const pm::TransportError&) {
        CHECK(first.failure.has_value());
    } catch (const pm::ConfigError&) {
        CHECK(first.failure.has_value());
    }
    return transport.requests.size();
}

} // namespace

TEST_CASE("http client: retries follow the method's idempotency") {
    struct Case {
        const char* name;
        Response first;
        bool idempotent_retry;
        bool other_retry;
    };
    const std::vector<Case> cases = {
        {"429", status(429), true, false},
        {"503", status(503), true, false},
        {"502", status(502), true, false},
        {"504", status(504), true, false},
        {"connect failure", failure(Kind::connect), true, true},
        {"timeout", failure(Kind::timeout), true, false},
        {"dropped connection", failure(Kind::dropped), true, false},
        {"TLS failure", failure(Kind::tls), false, false},
        {"reply too large", failure(Kind::too_large), false, false},
        {"unusable URL", failure(Kind::misconfigured), false, false},
        {"other failure", failure(Kind::other), false, false},
        {"500", status(500), false, false},
        {"404", status(404), false, false},
        {"413", status(413, {{"Retry-After", "0"}}), false, false},
        {"200", status(200), false, false},
    };
    for (const auto& c : cases) {
        for (const Method method : {Method::get, Method::head, Method::put, Method::del}) {
            DYNAMIC_SECTION(pm::http::method_name(method) << " after " << c.name) {
                CHECK(attempts_after(method, c.first) == (c.idempotent_retry ? 2u : 1u));
            }
        }
        for (const Method method : {Method::post, Method::patch}) {
            DYNAMIC_SECTION(pm::http::method_name(method) << " after " << c.name) {
                CHECK(attempts_after(method, c.first) == (c.other_retry ? 2u : 1u));
            }
        }
        DYNAMIC_SECTION("POST marked idempotent after " << c.name) {
            CHECK(attempts_after(Method::post, c.first, Idempotency::idempotent) ==
                  (c.idempotent_retry ? 2u : 1u));
        }
        DYNAMIC_SECTION("GET marked not idempotent after " << c.name) {
            CHECK(attempts_after(Method::get, c.first, Idempotency::not_idempotent) ==
                  (c.other_retry ? 2u : 1u));
        }
    }
}

TEST_CASE("http client: after the last attempt a status is returned, a failure thrown") {
    FakeTime time;
    SECTION("a status comes back as the response") {
        ScriptedTransport transport(time, {status(503, {{"X-Request-Id", "req-last"}})});
        Client client(transport, fake_options(time));
        const Response response = client.send(request(Method::get), pm::Deadline::never());
        CHECK(response.status == 503);
        CHECK(response.request_id == "req-last");
        CHECK(transport.requests.size() == 5);
        CHECK(time.sleeps.size() == 4);
    }
    SECTION("a transport failure is a TransportError naming kind, method and redacted URL") {
        ScriptedTransport transport(time, {failure(Kind::connect)});
        Client client(transport, fake_options(time));
        const Request secret_url =
            request(Method::post, "http://admin:hunter2pw@127.0.0.1:9/x?token=abcdef123");
        try {
            static_cast<void>(client.send(secret_url, pm::Deadline::never()));
            FAIL("no exception");
        } catch (const pm::TransportError& error) {
            const std::string message = error.what();
            CHECK_THAT(message, Catch::Contains("connect failure"));
            CHECK_THAT(message, Catch::Contains("POST http://***@127.0.0.1:9/x?token=***"));
            CHECK_THAT(message, Catch::Contains("5 attempts"));
            CHECK(message.find("hunter2pw") == std::string::npos);
            CHECK(message.find("abcdef123") == std::string::npos);
        }
        CHECK(transport.requests.size() == 5);
    }
    SECTION("an unusable URL or a TLS failure is a configuration error, tried once") {
        for (const Kind kind : {Kind::misconfigured, Kind::tls}) {
            ScriptedTransport transport(time, {failure(kind)});
            Client client(transport, fake_options(time));
            CHECK_THROWS_AS(client.send(request(Method::get), pm::Deadline::never()),
                            pm::ConfigError);
            CHECK(transport.requests.size() == 1);
        }
    }
    SECTION("max_attempts 1 means no retry") {
        ScriptedTransport transport(time, {status(503)});
        auto options = fake_options(time);
        options.retry.max_attempts = 1;
        Client client(transport, options);
        CHECK(client.send(request(Method::get), pm::Deadline::never()).status == 503);
        CHECK(transport.requests.size() == 1);
    }
}

TEST_CASE("http client: backoff is exponential with full jitter, capped at max_delay") {
    FakeTime time;
    ScriptedTransport transport(time, {status(503)});
    SECTION("the top of the jitter range doubles up to the cap") {
        auto options = fake_options(time, 0.999);
        options.retry.max_attempts = 7;
        Client client(transport, options);
        static_cast<void>(client.send(request(Method::get), pm::Deadline::never()));
        CHECK(time.sleeps == std::vector<milliseconds>{99ms, 199ms, 399ms, 799ms, 999ms, 999ms});
    }
    SECTION("the middle of the range") {
        Client client(transport, fake_options(time, 0.5));
        static_cast<void>(client.send(request(Method::get), pm::Deadline::never()));
        CHECK(time.sleeps == std::vector<milliseconds>{50ms, 100ms, 200ms, 400ms});
    }
    SECTION("real jitter stays inside [0, min(max_delay, base * 2^n))") {
        auto options = fake_options(time);
        options.random = nullptr; // the real generator
        options.retry.max_attempts = 10;
        for (int round = 0; round < 20; ++round) {
            time.sleeps.clear();
            Client client(transport, options);
            static_cast<void>(client.send(request(Method::get), pm::Deadline::never()));
            milliseconds ceiling = 100ms;
            for (const auto sleep : time.sleeps) {
                CHECK(sleep >= 0ms);
                CHECK(sleep < ceiling);
                ceiling = std::min(ceiling * 2, milliseconds(1000));
            }
        }
    }
}

TEST_CASE("http client: Retry-After is honoured and capped") {
    FakeTime time;
    const auto retry_after = [&](const std::string& value) {
        ScriptedTransport transport(time, {status(429, {{"retry-after", value}}), status(200)});
        Client client(transport, fake_options(time));
        CHECK(client.send(request(Method::get), pm::Deadline::never()).status == 200);
        CHECK(transport.requests.size() == 2);
    };
    SECTION("seconds") {
        retry_after("3");
        CHECK(time.sleeps == std::vector<milliseconds>{3000ms});
    }
    SECTION("seconds beyond the cap wait the cap") {
        retry_after("3600");
        CHECK(time.sleeps == std::vector<milliseconds>{5000ms});
    }
    SECTION("an HTTP date") {
        retry_after(http_date(std::chrono::system_clock::now() + 4s));
        REQUIRE(time.sleeps.size() == 1);
        CHECK(time.sleeps[0] > 2000ms);
        CHECK(time.sleeps[0] <= 4000ms);
    }
    SECTION("an HTTP date beyond the cap waits the cap") {
        retry_after(http_date(std::chrono::system_clock::now() + 1h));
        CHECK(time.sleeps == std::vector<milliseconds>{5000ms});
    }
    SECTION("a date in the past or 0 retries at once") {
        retry_after(http_date(std::chrono::system_clock::now() - 1h));
        retry_after("0");
        CHECK(time.sleeps == std::vector<milliseconds>{0ms, 0ms});
    }
    SECTION("garbage falls back to the backoff") {
        retry_after("soon, please");
        CHECK(time.sleeps == std::vector<milliseconds>{50ms});
    }
}

TEST_CASE("http client: every attempt and wait stays inside the deadline") {
    FakeTime time;
    SECTION("a deadline already gone sends nothing") {
        ScriptedTransport transport(time, {status(200)});
        Client client(transport, fake_options(time));
        time.now += 1s;
        CHECK_THROWS_AS(client.send(request(Method::get), pm::Deadline::after(500ms)),
                        pm::DeadlineExceeded);
        CHECK(transport.requests.empty());
    }
    SECTION("a Retry-After past the deadline fails at once instead of sleeping") {
        ScriptedTransport transport(time, {status(503, {{"Retry-After", "30"}}), status(200)});
        auto options = fake_options(time);
        options.retry.retry_after_cap = 60s;
        Client client(transport, options);
        CHECK_THROWS_AS(client.send(request(Method::get), pm::Deadline::after(10s)),
                        pm::DeadlineExceeded);
        CHECK(transport.requests.size() == 1);
        CHECK(time.sleeps.empty());
    }
    SECTION("the error says the last status and why retrying stopped") {
        ScriptedTransport transport(time, {status(503, {{"Retry-After", "30"}})});
        auto options = fake_options(time);
        options.retry.retry_after_cap = 60s;
        Client client(transport, options);
        CHECK_THROWS_WITH(client.send(request(Method::get), pm::Deadline::after(10s)),
                          Catch::Contains(": 503 after 1 attempt; not retried: the next attempt "
                                          "was due in 30000ms, after the operation deadline"));
    }
    SECTION("slow attempts use up the deadline; each gets only what is left") {
        ScriptedTransport transport(time, {status(503, {{"Retry-After", "1"}})});
        transport.per_attempt = 2s;
        auto options = fake_options(time);
        options.retry.max_attempts = 100;
        Client client(transport, options);
        CHECK_THROWS_AS(client.send(request(Method::get), pm::Deadline::after(10s)),
                        pm::DeadlineExceeded);
        REQUIRE(transport.requests.size() == 4);
        CHECK(transport.timeouts[0] <= 10s);
        CHECK(transport.timeouts[0] > 9s);
        CHECK(transport.timeouts[1] <= 7s);
        CHECK(transport.timeouts[2] <= 4s);
        CHECK(transport.timeouts[3] <= 1s);
    }
    SECTION("a timeout that ran into the deadline is DeadlineExceeded, not TransportError") {
        ScriptedTransport transport(time, {failure(Kind::timeout)});
        transport.per_attempt = 6s;
        Client client(transport, fake_options(time));
        CHECK_THROWS_AS(client.send(request(Method::post), pm::Deadline::after(5s)),
                        pm::DeadlineExceeded);
        CHECK(transport.requests.size() == 1);
    }
    SECTION("a timeout with time left is a TransportError") {
        ScriptedTransport transport(time, {failure(Kind::timeout)});
        transport.per_attempt = 1s;
        Client client(transport, fake_options(time));
        CHECK_THROWS_AS(client.send(request(Method::post), pm::Deadline::after(5s)),
                        pm::TransportError);
    }
    SECTION("no deadline: attempts get a long time") {
        ScriptedTransport transport(time, {status(200)});
        Client client(transport, fake_options(time));
        CHECK(client.send(request(Method::get), pm::Deadline::never()).status == 200);
        CHECK(transport.timeouts.at(0) > 24h);
    }
}

TEST_CASE("http client: the remote request id of the last response is kept") {
    FakeTime time;
    ScriptedTransport transport(time, {status(503, {{"X-Compute-Request-Id", "req-compute"}}),
                                       status(201, {{"x-compute-request-id", "req-compute-2"},
                                                    {"X-OpenStack-Request-ID", "req-openstack"}}),
                                       status(200)});
    Client client(transport, fake_options(time));
    const Response created =
        client.send(request(Method::post), pm::Deadline::never(), Idempotency::idempotent);
    CHECK(created.status == 201);
    CHECK(created.request_id == "req-openstack"); // the first header of the list wins
    CHECK(client.last_request_id() == "req-openstack");
    const Response plain = client.send(request(Method::get), pm::Deadline::never());
    CHECK(plain.request_id.empty());
    CHECK(client.last_request_id().empty());

    SECTION("the header names are configurable") {
        ScriptedTransport other(time, {status(200, {{"X-Trace", "t-1"}})});
        auto options = fake_options(time);
        options.request_id_headers = {"x-trace"};
        Client traced(other, options);
        static_cast<void>(traced.send(request(Method::get), pm::Deadline::never()));
        CHECK(traced.last_request_id() == "t-1");
    }
}

TEST_CASE("http client: requests reach the transport unchanged") {
    FakeTime time;
    ScriptedTransport transport(time, {status(503), status(200)});
    Client client(transport, fake_options(time));
    Request sent = request(Method::put, "http://127.0.0.1:9/a?b=c");
    sent.headers = {{"Content-Type", "application/json"}, {"X-Auth-Token", "tok"}};
    sent.body = R"({"a":1})";
    static_cast<void>(client.send(sent, pm::Deadline::never()));
    REQUIRE(transport.requests.size() == 2);
    for (const auto& seen : transport.requests) {
        CHECK(seen.method == Method::put);
        CHECK(seen.url == sent.url);
        CHECK(seen.body == sent.body);
        REQUIRE(seen.headers.size() == 2);
        CHECK(seen.headers[1].value == "tok");
    }
}

TEST_CASE("http client: one redacted info line per attempt, headers and bodies at debug") {
    pm::test::TempDir dir;
    struct LogGuard {
        ~LogGuard() { pm::log::close(); }
    } guard;
    FakeTime time;
    Response created = status(201, {{"X-Subject-Token", "subject-secret-4242"},
                                    {"X-OpenStack-Request-Id", "req-created"}});
    created.body = R"({"token":"body-secret-3131","name":"ok"})";
    ScriptedTransport transport(time, {status(503), created});
    Client client(transport, fake_options(time));
    Request sent =
        request(Method::post, "http://127.0.0.1:9/v3/auth/tokens?token=query-secret-1212");
    sent.headers = {{"X-Auth-Token", "header-secret-5656"}, {"Content-Type", "application/json"}};
    sent.body = R"({"auth":{"password":"body-secret-7878"}})";

    SECTION("at info level") {
        pm::log::open(dir.path(), "pmtest", pm::log::Level::info);
        static_cast<void>(client.send(sent, pm::Deadline::never(), Idempotency::idempotent));
        pm::log::close();
        const std::string log = pm::test::read_file(dir / "pmtest.log");
        CHECK_THAT(log, Catch::Contains("HTTP POST http://127.0.0.1:9/v3/auth/tokens?token=*** "
                                        "-> 503 0ms; attempt 1/5, retrying in 50ms"));
        CHECK_THAT(log, Catch::Contains("HTTP POST http://127.0.0.1:9/v3/auth/tokens?token=*** "
                                        "-> 201 0ms req=req-created; attempt 2/5"));
        CHECK(std::count(log.begin(), log.end(), '\n') == 2);
        CHECK(log.find("query-secret") == std::string::npos);
    }
    SECTION("at debug level") {
        pm::log::open(dir.path(), "pmtest", pm::log::Level::debug);
        static_cast<void>(client.send(sent, pm::Deadline::never(), Idempotency::idempotent));
        pm::log::close();
        const std::string log = pm::test::read_file(dir / "pmtest.log");
        CHECK_THAT(log, Catch::Contains(R"(request headers:\nX-Auth-Token: ***\nContent-Type: )"
                                        R"(application/json\nbody: {"auth":{"password":"***"}})"));
        CHECK_THAT(log, Catch::Contains(R"(response 201 headers:\nX-Subject-Token: ***\n)"
                                        R"(X-OpenStack-Request-Id: req-created\nbody: )"));
        CHECK_THAT(log, Catch::Contains(R"("name":"ok")"));
        for (const char* secret :
             {"query-secret", "header-secret", "body-secret", "subject-secret"}) {
            CHECK(log.find(secret) == std::string::npos);
        }
    }
}
