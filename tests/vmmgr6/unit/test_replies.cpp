// pmvmmgr6 reads every VMmanager reply shape the reference allows
// (shared/api/vmmanager6-replies.md): sentinels 0 / [] / null / "" for "no task", ids as numbers or
// digit strings, unknown and missing optional fields; and refuses what it cannot trust (ids that
// are not positive integers).
#include <catch2/catch.hpp>

#include "pm/errors.hpp"

#include "pmvmmgr6/api/client.hpp"
#include "pmvmmgr6/api/parse.hpp"

using namespace pm;
using namespace pm::vmmgr6::api;

TEST_CASE("pmvmmgr6 create reply: 0, [] and null are no task (issue 17)") {
    SECTION("the sentinels of a real installation") {
        const auto created = parse_created(
            R"({"id":101,"task":7,"recipe_task":0,"recipe_task_list":[],"spice_task":0})");
        CHECK(created.id == 101);
        REQUIRE(created.task);
        CHECK(created.task->consul_id == 7);
        CHECK(created.task->name == "host_create");
        CHECK(created.recipe_tasks.empty());
    }
    SECTION("nulls and a missing list") {
        const auto created =
            parse_created(R"({"id":101,"task":7,"recipe_task":null,"spice_task":null})");
        CHECK(created.recipe_tasks.empty());
        CHECK(parse_created(R"({"id":101,"task":7})").recipe_tasks.empty());
        CHECK(parse_created(R"({"id":101,"task":7,"recipe_task_list":null})").recipe_tasks.empty());
    }
    SECTION("a create reply without a task has nothing to wait for") {
        CHECK_FALSE(parse_created(R"({"id":101})").task);
        CHECK_FALSE(parse_created(R"({"id":101,"task":0})").task);
        CHECK_FALSE(parse_created(R"({"id":101,"task":null})").task);
        CHECK_FALSE(parse_created(R"({"id":101,"task":""})").task);
    }
    SECTION("an ordered recipe: polled by consul id alone, each id once") {
        const auto created =
            parse_created(R"({"id":"101","task":"7","recipe_task":"9","recipe_task_list":[9,10],
                              "spice_task":0,"x_extra":{"a":1},"_links":[]})");
        CHECK(created.id == 101);
        REQUIRE(created.task);
        CHECK(created.task->consul_id == 7);
        REQUIRE(created.recipe_tasks.size() == 2);
        CHECK(created.recipe_tasks[0].consul_id == 9);
        CHECK(created.recipe_tasks[0].name.empty());
        CHECK(created.recipe_tasks[1].consul_id == 10);
    }
}

TEST_CASE("pmvmmgr6 refuses ids that are not positive integers (PROBE D6, D21)") {
    CHECK_THROWS_AS(parse_created(R"({"id":"101x","task":7})"), ProtocolError);
    CHECK_THROWS_AS(parse_created(R"({"id":-102,"task":7})"), ProtocolError);
    CHECK_THROWS_AS(parse_created(R"({"id":0,"task":7})"), ProtocolError);
    CHECK_THROWS_AS(parse_created(R"({"task":7})"), ProtocolError);
    CHECK_THROWS_AS(parse_created(R"({"id":101,"task":-7})"), ProtocolError);
    CHECK_THROWS_AS(parse_created(R"({"id":101,"task":"7x"})"), ProtocolError);
    CHECK_THROWS_AS(parse_id(R"({"id":-3})", "account create"), ProtocolError);
    CHECK(parse_id(R"({"id":"42"})", "account create") == 42);
    CHECK_THROWS_AS(parse_first_id(R"({"list":[{"id":-4}],"size":1})"), ProtocolError);
    CHECK_THROWS_AS(parse_hosts(R"({"list":[{"id":0,"name":"x"}]})"), ProtocolError);
}

TEST_CASE("pmvmmgr6 restart reply: start_task, else task, else none (issue 17)") {
    const auto both = parse_restart(R"({"id":5,"task":8,"start_task":9})");
    REQUIRE(both.start);
    CHECK(both.start->consul_id == 9);
    CHECK(both.start->name == "host_start");
    const auto start_only = parse_restart(R"({"id":5,"start_task":"9"})");
    REQUIRE(start_only.start);
    CHECK(start_only.start->consul_id == 9);
    // Only `task`: which task it is is a guess, so it is polled by consul id alone.
    const auto task_only = parse_restart(R"({"id":5,"task":8})");
    REQUIRE(task_only.start);
    CHECK(task_only.start->consul_id == 8);
    CHECK(task_only.start->name.empty());
    CHECK_FALSE(parse_restart(R"({"id":5})").start);
    CHECK_FALSE(parse_restart(R"({"id":5,"start_task":0,"task":0})").start);
}

TEST_CASE("pmvmmgr6 task replies: a missing or zero task is none") {
    CHECK_FALSE(parse_task(R"({"id":5})", "password", {}));
    CHECK_FALSE(parse_task(R"({"id":5,"task":0})", "password", {}));
    CHECK_FALSE(parse_task(R"({"id":5,"task":null})", "password", {}));
    const auto task = parse_task(R"({"id":5,"task":"12"})", "password", {});
    REQUIRE(task);
    CHECK(task->consul_id == 12);
    CHECK_THROWS_AS(parse_task(R"([1])", "password", {}), ProtocolError);
}

TEST_CASE("pmvmmgr6 runrecipe reply: recipe tasks, else task") {
    const auto full =
        parse_recipe_run(R"({"id":5,"task":3,"recipe_task":4,"recipe_task_list":[4]})");
    REQUIRE(full.size() == 1);
    CHECK(full[0].consul_id == 4);
    const auto task_only = parse_recipe_run(R"({"id":5,"task":3})");
    REQUIRE(task_only.size() == 1);
    CHECK(task_only[0].consul_id == 3);
    CHECK(task_only[0].name.empty());
    const auto recipe_only =
        parse_recipe_run(R"({"id":5,"recipe_task":"4","recipe_task_list":["4"]})");
    REQUIRE(recipe_only.size() == 1);
    CHECK(recipe_only[0].consul_id == 4);
    CHECK(parse_recipe_run(R"({"id":5})").empty());
}

TEST_CASE("pmvmmgr6 task status: fail and failed both fail, an empty list is not listed") {
    const auto none = parse_task_status(R"({"list":[],"size":0})");
    CHECK_FALSE(none.listed);
    CHECK(none.state == TaskState::running);
    CHECK(parse_task_status(R"({"list":[{"status":"complete"}]})").state == TaskState::complete);
    CHECK(parse_task_status(R"({"list":[{"status":"running","running_time":null}]})").state ==
          TaskState::running);
    const auto fail = parse_task_status(R"({"list":[{"status":"fail","output":"no disk"}]})");
    CHECK(fail.state == TaskState::failed);
    CHECK(fail.output == "no disk");
    CHECK(parse_task_status(R"({"list":[{"status":"failed"}]})").state == TaskState::failed);
    // By consul id alone several rows may answer: all must be complete.
    CHECK(parse_task_status(R"({"list":[{"status":"complete"},{"status":"created"}]})").state ==
          TaskState::running);
    CHECK(parse_task_status(R"({"list":[{"status":"complete"},{"status":"complete"}]})").state ==
          TaskState::complete);
}

TEST_CASE("pmvmmgr6 OS list: clusters as objects, ids, one object, null or absent") {
    const auto list = parse_os_list(R"({"list":[
        {"id":1,"name":"A","clusters":[{"id":1,"name":"c1"},{"id":2,"name":"c2"}]},
        {"id":2,"name":"B","clusters":[1,"2"]},
        {"id":3,"name":"C","clusters":{"id":1,"name":"c1"}},
        {"id":4,"name":"D","clusters":null,"comment":null,"cpu_mode":null,"kms_ip":null},
        {"id":5,"name":"E"}],"size":5,"last_notify":1})");
    REQUIRE(list.size() == 5);
    CHECK(list[0].clusters == std::vector<std::int64_t>{1, 2});
    CHECK(list[1].clusters == std::vector<std::int64_t>{1, 2});
    CHECK(list[2].clusters == std::vector<std::int64_t>{1});
    CHECK(list[3].clusters.empty());
    CHECK(list[4].clusters.empty());
}

TEST_CASE("pmvmmgr6 host list: unknown fields ignored, optional ones may be missing") {
    const auto hosts = parse_hosts(R"({"list":[
        {"id":"7","x_extra":{"a":1},"ip4":[{"id":1,"ip":""},{"id":2}]},
        {"id":8,"name":"n","state":"active","node":{"id":1},"account":{"id":"3"},
         "os":{"id":2,"name":"Ubuntu"},"disk":{"id":4,"disk_mib":10240}}]})");
    REQUIRE(hosts.size() == 2);
    CHECK(hosts[0].id == 7);
    REQUIRE(hosts[0].ip4.size() == 2);
    CHECK(hosts[0].ip4[0].ip.empty()); // not yet assigned: open waits for it
    CHECK(hosts[1].account_id == 3);
    CHECK(hosts[1].disk_mib == 10240);
}

TEST_CASE("pmvmmgr6 login and whoami: ids as strings or numbers") {
    CHECK(parse_token(R"({"confirmed":true,"expires_at":null,"id":"6","token":"4-abc"})") ==
          "4-abc");
    CHECK(parse_user(R"({"id":"6","email":"a@b","roles":["@admin"]})").id == 6);
    CHECK(parse_user(R"({"id":6,"email":"a@b","roles":["@admin"]})").is_admin());
}

TEST_CASE("pmvmmgr6 where=: quotes doubled and backslashes escaped (PROBE D20)") {
    // ' -> %27, \ -> %5C, space -> +
    CHECK(where_eq("email", "a@b") == "%28email+EQ+%27a%40b%27%29");
    CHECK(where_eq("email", "o'brien") == "%28email+EQ+%27o%27%27brien%27%29");
    CHECK(where_eq("email", "o\\'b") == "%28email+EQ+%27o%5C%5C%27%27b%27%29");
    CHECK(where_eq("email", "end\\") == "%28email+EQ+%27end%5C%5C%27%29");
}

TEST_CASE("pmvmmgr6 host ipv4 list: the top-level interface is optional, the pool is kept") {
    const auto list = parse_ipv4_list(R"({"list":[
        {"id":9,"ip_addr":"1.2.3.4","ippool":3,"host":{"id":1,"interface":1},"cluster_interface":1},
        {"id":10,"ip_addr":"1.2.3.5","ippool":1,"interface":0,"domain":"a.example.com"}]})");
    REQUIRE(list.size() == 2);
    CHECK_FALSE(list[0].interface_given);
    CHECK(list[0].ippool == 3);
    CHECK(list[1].interface_given);
    CHECK(list[1].interface == 0);
    CHECK(list[1].domain == "a.example.com");
}
