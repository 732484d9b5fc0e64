// pmvmmgr6's waits for VMmanager's tasks (vm/connection.hpp: what every command waits on) as
// unit tests over a scripted transport: the operation's Connection is built from the module
// params as in a command, with the transport swapped, and each test states the task list's
// answers one by one.
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "pm/errors.hpp"

#include "pmvmmgr6/vm/connection.hpp"
#include "support/module_context.hpp"
#include "support/scripted_transport.hpp"

using pm::test::reply;
using pm::test::ScriptedTransport;
using pm::vmmgr6::api::TaskRef;

namespace {

constexpr auto k_url = "http://127.0.0.1:9";

pm::http::Response tasks(const std::string& rows) {
    return reply(200, R"({"list":[)" + rows + "]}");
}

std::string task(const std::string& status, const std::string& output = {}) {
    return R"({"id":1,"status":")" + status + R"(","output":")" + output + R"("})";
}

struct Vmmanager {
    explicit Vmmanager(std::vector<pm::http::Response> script, const std::string& appear_s = "120")
        : module({{"url", k_url},
                  {"username", "admin@example.com"},
                  {"password", "secret-vmmgr-admin"},
                  {"task_poll_ms", "1"},
                  {"task_appear_s", appear_s}}) {
        script.insert(script.begin(), reply(200, R"({"token":"tok-1"})"));
        auto owned = std::make_unique<ScriptedTransport>(std::move(script));
        transport = owned.get();
        connection = std::make_unique<pm::vmmgr6::Connection>(module.context, std::move(owned));
    }

    // The task-list URL of each request after the login.
    [[nodiscard]] std::vector<std::string> urls() const {
        std::vector<std::string> all;
        for (std::size_t i = 1; i < transport->requests.size(); ++i) {
            all.push_back(transport->requests[i].url);
        }
        return all;
    }

    pm::test::ModuleContext module;
    ScriptedTransport* transport = nullptr;
    std::unique_ptr<pm::vmmgr6::Connection> connection;
};

} // namespace

TEST_CASE("pmvmmgr6 waits: a task that fails is an error with VMmanager's output") {
    Vmmanager v({tasks(task("running")), tasks(task("fail", "not enough space on storage"))});
    REQUIRE_THROWS_WITH(v.connection->wait(TaskRef{101, "host_create"}),
                        Catch::Contains("host_create") &&
                            Catch::Contains("not enough space on storage"));
    CHECK(v.transport->requests.size() == 3);
}

TEST_CASE("pmvmmgr6 waits: tasks waited for together, a finished one looked at no more") {
    Vmmanager v({tasks(task("running")), tasks(task("complete")), tasks(task("complete"))});
    v.connection->wait(std::vector<TaskRef>{{101, "host_change_params"}, {202, "ip_change"}});
    const auto urls = v.urls();
    REQUIRE(urls.size() == 3);
    CHECK_THAT(urls[0], Catch::Contains("101") && Catch::Contains("host_change_params"));
    CHECK_THAT(urls[1], Catch::Contains("202") && Catch::Contains("ip_change"));
    CHECK_THAT(urls[2], Catch::Contains("101")); // 202 was over in the first round
    CHECK_THAT(urls[0], Catch::StartsWith(std::string(k_url) + "/vm/v3/task?where="));
}

TEST_CASE("pmvmmgr6 waits: a task never listed fails after task_appear_s, not at the deadline") {
    Vmmanager v({tasks("")}, "1");
    REQUIRE_THROWS_WITH(v.connection->wait(TaskRef{303, {}}),
                        Catch::Contains("did not appear") && Catch::Contains("task_appear_s"));
    CHECK_FALSE(v.module.context.deadline.expired());
}

TEST_CASE("pmvmmgr6 waits: a reply that names no task has its outcome checked, not assumed") {
    Vmmanager v({tasks("")}, "1");
    int looks = 0;
    v.connection->wait_or_verify(std::nullopt, "the owner change", [&] { return ++looks == 3; });
    CHECK(looks == 3);
    CHECK(v.transport->requests.empty()); // nothing to ask VMmanager: not even a login
    int never = 0;
    REQUIRE_THROWS_WITH(
        v.connection->wait_or_verify(std::nullopt, "the owner change", [&] { return ++never < 0; }),
        Catch::Contains("the owner change did not happen"));
    CHECK(never >= 1);
}
