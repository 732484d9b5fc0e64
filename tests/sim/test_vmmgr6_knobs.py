"""The VMmanager 6 simulator's variant knobs (README.md, "Variant knobs"): each default is
the most likely real shape per shared/api/vmmanager6-replies.md, each other value the shape a
real server might give instead. Served in-process with a hand-driven clock."""
import json
import unittest

from common.testing import Client, SimProcess
from test_vmmgr6_model import CREATE, SimCase
from vmmgr6.config import VARIANTS, Config, ConfigError, parse_knob


class Knob(SimCase):
    def knob(self, **changes):
        return self.ok("POST", "/__sim__/config", changes)

    def done(self):
        self.tick(20)

    def running_host(self):
        host = self.create()
        self.done()
        return host


class Defaults(Knob):
    def test_defaults_are_the_likely_real_shapes(self):
        config = self.ok("GET", "/__sim__/config")
        for name, choices in VARIANTS.items():
            if name != "task_lag":   # SimCase sets 0.5; see test_task_lag_default_is_zero
                self.assertEqual(config[name], choices[0], name)
        self.assertIsNone(config["variants_seed"])

    def test_login_reply(self):
        reply = Client(self.sim.port).post("/auth/v4/public/token",
                                           {"email": "admin@example.com", "password": "admin"})
        self.assertEqual(reply.status, 201)
        self.assertTrue(reply.headers["content-type"].startswith("application/json"))
        self.assertEqual(list(reply.json), ["confirmed", "expires_at", "id", "token"])
        self.assertEqual((reply.json["id"], reply.json["expires_at"]), ("1", None))

    def test_empty_list_is_200_with_size_0(self):
        answer = self.ok("GET", "/vm/v3/host?where=(id+EQ+'999')")
        self.assertEqual((answer["list"], answer["size"]), ([], 0))

    def test_task_lag_default_is_zero(self):
        self.assertEqual(Config().task_lag, 0.0)

    def test_error_body_and_sure_codes(self):
        error = self.fails("POST", "/vm/v3/host/999/start", {}, 404, 3080)   # no such object
        self.assertEqual(sorted(error), ["code", "msg", "value"])
        self.fails("GET", "/vm/v3/nothing", None, 404, 1106)                 # no such handler

    def test_logout(self):
        token = self.client.headers["x-xsrf-token"]
        self.assertEqual(self.ok("DELETE", f"/auth/v4/token/{token}"), {})
        self.assertEqual(self.client.get("/vm/v3/os").status, 401)

    def test_ip_change_takes_pool_zero_as_any_pool(self):
        host = self.running_host()
        task = self.ok("POST", f"/vm/v3/host/{host}/ip", {"ipv4_number": 1, "ipv4_pool": [0]})
        self.tick(5)
        self.assertEqual(self.task(task["task"])["status"], "complete")
        self.assertEqual(len(self.host(host)["ip4"]), 2)

    def test_reduced_and_full_host(self):
        host = self.running_host()
        self.assertEqual(sorted(self.ok("GET", f"/vm/v3/host/{host}")),
                         ["cpu_number", "expand_part", "id", "internal_name", "ip_automation",
                          "name", "net_is_synced", "node", "ram_mib", "state"])
        full = self.host(host)
        self.assertEqual(full["ip4"], [{"interface": "eth0", "ip": "10.10.1.10"}])
        self.assertEqual((full["os"]["id"], full["os_name"]), (1, "Debian 12"))


class CreateReply(Knob):
    def test_sentinels_without_recipe(self):
        answer = self.ok("POST", "/vm/v3/host", CREATE)
        self.assertEqual({k: answer[k] for k in ("recipe_task", "recipe_task_list",
                                                 "spice_task")},
                         {"recipe_task": 0, "recipe_task_list": [], "spice_task": 0})

    def test_sentinels_with_recipe(self):
        answer = self.ok("POST", "/vm/v3/host", dict(CREATE, recipe_list=[{"recipe": 2}]))
        self.assertEqual(answer["recipe_task_list"], [answer["recipe_task"]])
        self.assertGreater(answer["recipe_task"], answer["task"])

    def test_minimal(self):
        self.knob(create_reply="minimal")
        self.assertEqual(sorted(self.ok("POST", "/vm/v3/host", CREATE)), ["id", "task"])
        answer = self.ok("POST", "/vm/v3/host", dict(CREATE, recipe_list=[{"recipe": 2}]))
        self.assertEqual(sorted(answer), ["id", "recipe_task", "recipe_task_list", "task"])

    def test_nulls(self):
        self.knob(create_reply="nulls")
        answer = self.ok("POST", "/vm/v3/host", CREATE)
        self.assertEqual([answer[k] for k in ("recipe_task", "recipe_task_list",
                                              "spice_task")], [None, None, None])

    def test_reinstall_answers_like_create(self):
        host = self.running_host()
        answer = self.ok("POST", f"/vm/v3/host/{host}/reinstall", {"os": 2})
        self.assertEqual((answer["recipe_task"], answer["recipe_task_list"]), (0, []))


class RestartReply(Knob):
    def test_start_task_only(self):
        host = self.running_host()
        answer = self.ok("POST", f"/vm/v3/host/{host}/restart")
        self.assertEqual(sorted(answer), ["id", "start_task"])
        self.tick(5)
        self.assertEqual(self.task(answer["start_task"])["name"], "host_start")

    def test_both(self):
        self.knob(restart_reply="both")
        host = self.running_host()
        answer = self.ok("POST", f"/vm/v3/host/{host}/restart")
        self.assertEqual(sorted(answer), ["id", "start_task", "task"])


class PasswordAndOwnerReply(Knob):
    def password(self, host, value):
        return self.ok("POST", "/__sim__/check_password",
                       {"host": host, "password": value})["match"]

    def test_password_task(self):
        host = self.running_host()
        answer = self.ok("POST", f"/vm/v3/host/{host}/password", {"password": "P-2"})
        self.assertEqual(sorted(answer), ["id", "task"])
        self.assertFalse(self.password(host, "P-2"))
        self.tick(5)
        self.assertEqual(self.task(answer["task"])["name"], "host_change_password")
        self.assertTrue(self.password(host, "P-2"))

    def test_password_no_task_or_zero_applies_at_once(self):
        host = self.running_host()
        for mode, expected in (("no_task", {"id": host}), ("task_zero", {"id": host, "task": 0})):
            self.knob(password_reply=mode)
            secret = f"P-{mode}"
            self.assertEqual(self.ok("POST", f"/vm/v3/host/{host}/password",
                                     {"password": secret}), expected)
            self.assertTrue(self.password(host, secret))

    def test_injected_failure_without_a_task_is_the_calls_error(self):
        host = self.running_host()
        self.knob(password_reply="no_task", owner_reply="no_task",
                  owner_task_name="host_account")
        self.ok("POST", "/__sim__/tasks/fail", {"name": "host_change_password", "host": host})
        self.ok("POST", "/__sim__/tasks/fail", {"name": "host_account", "msg": "no"})
        self.fails("POST", f"/vm/v3/host/{host}/password", {"password": "P-9"}, 400, 5009)
        self.assertFalse(self.password(host, "P-9"))
        error = self.fails("POST", f"/vm/v3/host/{host}/account", {"account": 2}, 400, 5009)
        self.assertEqual(error["msg"], "no")
        self.assertEqual(self.host(host)["account"]["id"], 1)
        self.ok("POST", f"/vm/v3/host/{host}/password", {"password": "P-9"})   # used up
        self.assertTrue(self.password(host, "P-9"))

    def test_owner(self):
        host = self.running_host()
        answer = self.ok("POST", f"/vm/v3/host/{host}/account", {"account": 2})
        self.tick(5)
        self.assertEqual(self.task(answer["task"])["name"], "host_change_owner")
        self.knob(owner_reply="no_task")
        self.assertEqual(self.ok("POST", f"/vm/v3/host/{host}/account", {"account": 1}),
                         {"id": host})
        self.assertEqual(self.host(host)["account"]["id"], 1)


class RunRecipeReply(Knob):
    def recipe(self, host):
        return self.ok("POST", f"/vm/v3/host/{host}/runrecipe", {"recipe": 2})

    def test_modes(self):
        host = self.running_host()
        full = self.recipe(host)
        self.assertEqual((full["task"], full["recipe_task_list"]),
                         (full["recipe_task"], [full["recipe_task"]]))
        self.knob(runrecipe_reply="task_only")
        self.assertEqual(sorted(self.recipe(host)), ["id", "task"])
        self.knob(runrecipe_reply="recipe_only")
        self.assertEqual(sorted(self.recipe(host)), ["id", "recipe_task", "recipe_task_list"])


class TaskNames(Knob):
    def test_names_follow_the_knobs(self):
        self.knob(recipe_task_name="script_run", password_task_name="host_password",
                  owner_task_name="change_owner")
        host = self.running_host()
        recipe = self.ok("POST", f"/vm/v3/host/{host}/runrecipe", {"recipe": 2})["task"]
        password = self.ok("POST", f"/vm/v3/host/{host}/password", {"password": "X-1"})["task"]
        owner = self.ok("POST", f"/vm/v3/host/{host}/account", {"account": 2})["task"]
        self.tick(5)
        self.assertEqual([self.task(t)["name"] for t in (recipe, password, owner)],
                         ["script_run", "host_password", "change_owner"])

    def test_failure_rule_by_canonical_name_still_matches(self):
        self.knob(recipe_task_name="host_recipe")
        host = self.running_host()
        self.ok("POST", "/__sim__/tasks/fail", {"name": "recipe_run"})
        task = self.ok("POST", f"/vm/v3/host/{host}/runrecipe", {"recipe": 2})["task"]
        self.tick(5)
        self.assertEqual(self.task(task)["status"], "fail")

    def test_any_name_but_empty(self):
        self.knob(recipe_task_name="whatever_name")
        reply = self.client.post("/__sim__/config", {"recipe_task_name": ""})
        self.assertEqual(reply.status, 400)


class Lag(Knob):
    def test_lag(self):
        self.knob(task_lag=2)
        answer = self.ok("POST", "/vm/v3/host", CREATE)
        self.tick(1.9)
        self.assertIsNone(self.task(answer["task"]))
        self.tick(0.1)
        self.assertEqual(self.task(answer["task"])["status"], "running")


class FailWord(Knob):
    def test_failed(self):
        self.knob(fail_word="failed")
        self.ok("POST", "/__sim__/tasks/fail", {"name": "host_create", "msg": "no space"})
        answer = self.ok("POST", "/vm/v3/host", CREATE)
        self.tick(20)
        task = self.task(answer["task"])
        self.assertEqual((task["status"], task["output"]), ("failed", "no space"))


class AuthError(Knob):
    def test_each_value(self):
        for value, status, code in (("401", 401, 1000), ("403", 403, 3001),
                                    ("1000", 400, 1000)):
            self.knob(auth_error=value)
            self.ok("POST", "/__sim__/sessions/expire")
            reply = self.client.get("/vm/v3/host")
            self.assertEqual((reply.status, reply.json["error"]["code"]), (status, code))
            self.client = self.login("admin@example.com", "admin")


class OsClusters(Knob):
    def clusters(self):
        return {o["id"]: o["clusters"] for o in self.ok("GET", "/vm/v3/os")["list"]}

    def test_modes(self):
        self.assertEqual(self.clusters()[3], [{"id": 1, "name": "KVM cluster"}])
        self.knob(os_clusters="ids")
        self.assertEqual((self.clusters()[1], self.clusters()[3]), ([1, 2], [1]))
        self.knob(os_clusters="object")
        self.assertEqual(self.clusters()[3], {"id": 1, "name": "KVM cluster"})
        self.assertEqual(len(self.clusters()[1]), 2)


class IdTypes(Knob):
    def test_strings(self):
        self.knob(id_types="strings", restart_reply="both")
        answer = self.ok("POST", "/vm/v3/host", dict(CREATE, recipe_list=[{"recipe": 2}]))
        self.assertIsInstance(answer["id"], int)
        for key in ("task", "recipe_task"):
            self.assertIsInstance(answer[key], str, key)
        self.assertIsInstance(answer["recipe_task_list"][0], str)
        self.tick(20)
        task = self.ok("GET", f"/vm/v3/task?where=consul_id+EQ+{answer['task']}")["list"][0]
        self.assertEqual((task["consul_id"], task["status"]), (answer["task"], "complete"))
        restart = self.ok("POST", f"/vm/v3/host/{answer['id']}/restart")
        self.assertIsInstance(restart["start_task"], str)
        self.assertIsInstance(restart["task"], str)


class ExtraFieldsAndOrder(Knob):
    def test_extra_fields_everywhere(self):
        self.knob(extra_fields="on")
        host = self.create()
        listing = self.ok("GET", f"/vm/v3/host?where=(id+EQ+'{host}')")
        for obj in (listing, listing["list"][0], listing["list"][0]["cluster"]):
            self.assertEqual((obj["x_extra"], obj["_links"]), ({"a": 1}, []))

    def test_sorted_by_default_and_shuffled(self):
        raw = self.client.get("/vm/v3/host?where=(id+EQ+'1')").raw
        self.assertEqual(list(json.loads(raw)), ["last_notify", "list", "size"])
        self.knob(field_order="shuffled")
        self.create()
        orders = {tuple(self.ok("GET", "/vm/v3/host")["list"][0]) for _ in range(6)}
        self.assertGreater(len(orders), 1)


class NullableFields(Knob):
    def test_on(self):
        answer = self.ok("POST", "/vm/v3/host", CREATE)
        self.tick(1)
        self.assertEqual(self.task(answer["task"])["waiting_time"], 0)
        self.assertEqual(self.ok("GET", "/vm/v3/os")["list"][0]["kms_ip"], "")
        self.knob(nullable_fields="on")
        item = self.ok("GET", "/vm/v3/os")["list"][0]
        self.assertEqual([item[k] for k in ("comment", "cpu_mode", "kms_ip", "product_key")],
                         [None] * 4)
        task = self.task(answer["task"])
        self.assertEqual((task["running_time"], task["waiting_time"]), (None, None))


class LoginContentType(Knob):
    def test_text(self):
        self.knob(login_content_type="text")
        reply = Client(self.sim.port).post("/auth/v4/public/token",
                                           {"email": "admin@example.com", "password": "admin"})
        self.assertEqual(reply.status, 201)
        self.assertTrue(reply.headers["content-type"].startswith("text/plain"))
        self.assertIn("token", json.loads(reply.raw))
        self.assertTrue(self.client.get("/vm/v3/os").headers["content-type"]
                        .startswith("application/json"))


class Unavailable(Knob):
    def test_every_call_answers_503_text_for_the_period(self):
        self.ok("POST", "/__sim__/fault/unavailable", {"seconds": 5})
        for reply in (self.client.get("/vm/v3/os"),
                      Client(self.sim.port).post("/auth/v4/public/token",
                                                 {"email": "admin@example.com",
                                                  "password": "admin"})):
            self.assertEqual((reply.status, reply.raw), (503, b"Unavailable"))
            self.assertTrue(reply.headers["content-type"].startswith("text/plain"))
        self.tick(5)
        self.ok("GET", "/vm/v3/os")

    def test_reset_ends_it(self):
        self.ok("POST", "/__sim__/fault/unavailable", {"seconds": 60})
        self.ok("POST", "/__sim__/reset")
        self.client = self.login("admin@example.com", "admin")
        self.ok("GET", "/vm/v3/os")


class ActThen(Knob):
    def test_status_after_the_work(self):
        self.ok("POST", "/__sim__/fault/act_then",
                {"status": 503, "count": 1, "prefix": "/vm/v3/host", "method": "POST"})
        reply = self.client.post("/vm/v3/host", CREATE)
        self.assertEqual((reply.status, reply.raw), (503, b"Unavailable"))
        self.assertEqual(len(self.ok("GET", "/vm/v3/host")["list"]), 1)   # it was created

    def test_429_has_retry_after(self):
        self.ok("POST", "/__sim__/fault/act_then", {"status": 429, "method": "POST"})
        reply = self.client.post("/vm/v3/host", CREATE)
        self.assertEqual((reply.status, reply.headers["retry-after"]), (429, "1"))
        self.assertEqual(len(self.ok("GET", "/vm/v3/host")["list"]), 1)

    def test_drop_after_the_work(self):
        self.ok("POST", "/__sim__/fault/act_then", {"status": "drop", "method": "POST"})
        with self.assertRaises(Exception):
            self.client.post("/vm/v3/host", CREATE)
        self.assertEqual(len(self.ok("GET", "/vm/v3/host")["list"]), 1)

    def test_bad_spec(self):
        for spec in ({"status": "x"}, {"status": 503, "after": False}):
            self.assertEqual(self.client.post("/__sim__/fault/act_then", spec).status, 400)


class ConfigUnits(unittest.TestCase):
    def test_update_is_all_or_nothing(self):
        config = Config()
        with self.assertRaises(ConfigError):
            config.update({"fail_word": "failed", "os_clusters": "nope"})
        self.assertEqual(config.fail_word, "fail")

    def test_parse_knob(self):
        self.assertEqual(parse_knob("task_lag=0.5"), {"task_lag": "0.5"})
        with self.assertRaises(ConfigError):
            parse_knob("task_lag")

    def test_variants_are_reproducible_and_vary(self):
        first, again = Config(), Config()
        drawn = first.draw_variants(7)
        self.assertEqual(drawn, again.draw_variants(7))
        self.assertEqual(first.variants_seed, 7)
        draws = [Config().draw_variants(seed) for seed in range(20)]
        for name in VARIANTS:
            self.assertGreater(len({d[name] for d in draws}), 1, name)


class CommandLine(unittest.TestCase):
    def start(self, *args):
        sim = SimProcess("vmmgr6", *args)
        self.addCleanup(sim.stop)
        return sim

    def test_knob_option(self):
        sim = self.start("--knob", "fail_word=failed", "--knob", "task_lag=0.5")
        config = Client(sim.port).get("/__sim__/config").json
        self.assertEqual((config["fail_word"], config["task_lag"]), ("failed", 0.5))

    def test_variants_option_prints_the_draw_first(self):
        sim = self.start("--variants", "42", "--knob", "fail_word=failed")
        line = sim.proc.stderr.readline().strip()
        config = Client(sim.port).get("/__sim__/config").json
        self.assertTrue(line.startswith("variants seed=42 "), line)
        shown = dict(part.split("=", 1) for part in line.split()[1:])
        self.assertEqual(shown.pop("seed"), "42")
        self.assertEqual(sorted(shown), sorted(VARIANTS))
        self.assertEqual(shown["fail_word"], "failed")   # --knob wins over the draw
        for name, value in shown.items():
            self.assertEqual(str(config[name]), value, name)
        self.assertEqual(config["variants_seed"], 42)
        expected = Config()
        expected.draw_variants(42)
        self.assertEqual(config["os_clusters"], expected.os_clusters)

    def test_bad_knob_exits_2(self):
        import subprocess
        from common.testing import SIM_SCRIPT
        done = subprocess.run([SIM_SCRIPT, "vmmgr6", "--knob", "fail_word=broken"],
                              capture_output=True, text=True, timeout=20)
        self.assertEqual(done.returncode, 2)
        self.assertIn("fail_word", done.stderr)


if __name__ == "__main__":
    unittest.main()
