"""The VMmanager 6 simulator as the modules meet it: a separate process started by
`scripts/sim vmmgr6`, spoken to over HTTP in real time (short task durations)."""
import http.client
import json
import signal
import time
import unittest

from common.testing import Client, SimProcess, where

ADMIN = {"email": "admin@example.com", "password": "Adm1n-Secret"}
CREATE = {"name": "vm-1", "cluster": 1, "os": 1, "cpu_number": 1, "ram_mib": 1024,
          "hdd_mib": 20480, "password": "Root-Pass-1", "ipv4_number": 2,
          "domain": "vm1.example.com"}


def task_filter(consul_id, name):
    return where(f"((consul_id EQ '{consul_id}') AND (name EQ '{name}'))")


class SimulatorProcess(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = SimProcess("vmmgr6", "--admin-password", ADMIN["password"],
                             "--task-seconds", "0.2", "--task-seconds", "host_create=0.5",
                             "--task-lag", "0.2")

    @classmethod
    def tearDownClass(cls):
        code = cls.sim.stop()
        if code != 0:
            raise AssertionError(f"the simulator exited with {code}")

    def setUp(self):
        self.control = Client(self.sim.port)
        self.assertEqual(self.control.post("/__sim__/reset").status, 200)
        self.client = self.login()

    def login(self, email=ADMIN["email"], password=ADMIN["password"]) -> Client:
        client = Client(self.sim.port)
        reply = client.post("/auth/v4/public/token", {"email": email, "password": password})
        self.assertEqual(reply.status, 201, reply)
        client.headers["x-xsrf-token"] = reply.json["token"]
        return client

    def ok(self, method, path, body=None, client=None):
        reply = (client or self.client).request(method, path, body)
        self.assertEqual(reply.status, 200, reply)
        return reply.json

    def unavailable(self, reply):
        """503 with the plain-text body "Unavailable" (§6.17, §6.19)."""
        self.assertEqual((reply.status, reply.raw), (503, b"Unavailable"), reply)
        self.assertTrue(reply.headers["content-type"].startswith("text/plain"), reply)

    def error(self, reply, status, code):
        self.assertEqual(reply.status, status, reply)
        self.assertEqual(reply.json["error"]["code"], code, reply)
        return reply.json["error"]

    def wait_task(self, consul_id, name, timeout=5.0):
        """Polls like a module: an empty list means "not yet"; returns the final task."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.ok("GET", "/vm/v3/task?where=" + task_filter(consul_id, name))["list"]
            if found and found[0]["status"] in ("complete", "fail"):
                return found[0]
            time.sleep(0.05)
        self.fail(f"task {consul_id} {name} did not end")

    def host(self, host_id):
        found = self.ok("GET", "/vm/v3/host?where=" + where(f"(id EQ '{host_id}')"))["list"]
        return found[0] if found else None

    def create(self, **changes):
        answer = self.ok("POST", "/vm/v3/host", dict(CREATE, **changes))
        self.assertEqual(self.wait_task(answer["task"], "host_create")["status"], "complete")
        return answer["id"]

    def state(self):
        return self.ok("GET", "/__sim__/state", client=self.control)


class Startup(SimulatorProcess):
    def test_first_line(self):
        self.assertRegex(self.sim.first_line, r"^listening on http://127\.0\.0\.1:\d+$")

    def test_stops_cleanly_on_sigterm_and_sigint(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            other = SimProcess("vmmgr6")
            other.proc.send_signal(sig)
            # Wait for it to end by itself: stop() would send SIGTERM again while it exits.
            self.assertEqual(other.proc.wait(timeout=10), 0)
            other.stop()

    def test_base_path(self):
        other = SimProcess("vmmgr6", "--base-path", "/vmmgr/")
        try:
            client = Client(other.port)
            self.assertEqual(client.post("/vmmgr/auth/v4/public/token",
                                         {"email": "admin@example.com",
                                          "password": "admin"}).status, 201)
            self.error(client.post("/auth/v4/public/token", {}), 404, 1106)
        finally:
            other.stop()

    def test_other_methods_405(self):
        self.error(self.client.request("PUT", "/vm/v3/host"), 405, 4005)
        self.error(self.client.request("PATCH", "/auth/v4/public/token"), 405, 4005)


class Auth(SimulatorProcess):
    def test_token_answer(self):
        reply = Client(self.sim.port).post("/auth/v4/public/token", ADMIN)
        self.assertEqual(reply.status, 201)
        self.assertEqual((reply.json["confirmed"], reply.json["expires_at"], reply.json["id"]),
                         (True, None, "1"))
        self.assertRegex(reply.json["token"], r"^4-[0-9a-f-]{36}$")

    def test_header_or_cookie(self):
        token = self.client.headers["x-xsrf-token"]
        by_cookie = Client(self.sim.port)
        by_cookie.headers["Cookie"] = f"lang=en; ses6={token}"
        self.assertEqual(self.ok("GET", "/auth/v4/whoami", client=by_cookie)["email"],
                         ADMIN["email"])
        self.assertEqual(self.ok("GET", "/auth/v4/whoami")["roles"], ["@admin"])
        auth = [e["auth"] for e in self.ok("GET", "/__sim__/requests")["list"]][-2:]
        self.assertEqual(auth, ["cookie", "header"])

    def test_bad_credentials_and_missing_token(self):
        anonymous = Client(self.sim.port)
        self.error(anonymous.post("/auth/v4/public/token",
                                  {"email": ADMIN["email"], "password": "wrong"}), 401, 1003)
        self.error(anonymous.post("/auth/v4/public/token",
                                  {"email": "nobody@example.com", "password": "x"}), 401, 1003)
        self.error(anonymous.get("/vm/v3/host"), 401, 1000)
        anonymous.headers["x-xsrf-token"] = "4-00000000-0000-4000-8000-000000000000"
        self.error(anonymous.get("/vm/v3/host"), 401, 1000)

    def test_expiry_after_inactivity(self):
        self.ok("POST", "/__sim__/config", {"session_ttl": 0.3}, client=self.control)
        self.ok("GET", "/auth/v4/whoami")
        time.sleep(0.4)
        self.error(self.client.get("/auth/v4/whoami"), 401, 1000)

    def test_expire_all_sessions_knob(self):
        self.assertEqual(self.ok("POST", "/__sim__/sessions/expire", client=self.control),
                         {"expired": 1})
        self.error(self.client.get("/vm/v3/host"), 401, 1000)
        self.ok("POST", "/__sim__/config", {"auth_error": "403"}, client=self.control)
        self.error(self.client.get("/vm/v3/host"), 403, 3001)
        self.ok("GET", "/vm/v3/host", client=self.login())

    def test_non_admin_is_refused_admin_endpoints(self):
        user = self.login("user@example.com", "user")
        self.assertEqual(self.ok("GET", "/auth/v4/whoami", client=user)["roles"], ["@user"])
        self.error(user.get("/vm/v3/account?where=" + where("(email EQ 'user@example.com')")),
                   403, 1001)
        self.error(user.post("/vm/v3/host", CREATE), 403, 1001)


class Accounts(SimulatorProcess):
    def test_find_and_create(self):
        query = "/vm/v3/account?where=" + where("(email EQ 'jane@example.com')")
        empty = self.ok("GET", query)
        self.assertEqual((empty["list"], empty["size"]), ([], 0))
        created = self.ok("POST", "/vm/v3/account",
                          {"email": "jane@example.com", "password": "J-1", "role": "@user"})
        self.assertEqual(created, {"id": 11})
        found = self.ok("GET", query)
        self.assertEqual((found["size"], found["list"][0]["id"], found["list"][0]["roles"]),
                         (1, 11, ["@user"]))
        self.error(self.client.post("/vm/v3/account", {"email": "JANE@example.com",
                                                       "password": "x"}), 400, 5005)

    def test_unknown_property_rejected(self):
        error = self.error(self.client.post("/vm/v3/account", {
            "email": "a@b.c", "password": "x", "role": "@user", "nickname": "a"}), 400, 2001)
        self.assertIn("Unexpected property", error["msg"])
        self.assertEqual(error["value"], {"property": "nickname"})


class Hosts(SimulatorProcess):
    def test_create_creating_then_active_with_addresses(self):
        answer = self.ok("POST", "/vm/v3/host", CREATE)
        self.assertEqual(set(answer), {"id", "task", "recipe_task", "recipe_task_list",
                                       "spice_task"})
        query = "/vm/v3/task?where=" + task_filter(answer["task"], "host_create")
        self.assertEqual(self.ok("GET", query)["list"], [])        # the lag
        self.assertEqual(self.host(answer["id"])["state"], "creating")
        self.assertEqual(self.wait_task(answer["task"], "host_create")["status"], "complete")
        host = self.host(answer["id"])
        self.assertEqual(host["state"], "active")
        self.assertEqual([ip["ip"] for ip in host["ip4"]], ["10.10.1.10", "10.10.1.11"])
        self.assertEqual((host["account"]["id"], host["cluster"]["id"], host["os"]["name"],
                          host["disk"]["disk_mib"], host["domain"]),
                         (1, 1, "Debian 12", 20480, "vm1.example.com"))
        self.assertEqual(self.state()["ippools"][0]["free"], 239)

    def test_unknown_property_on_create(self):
        error = self.error(self.client.post("/vm/v3/host", dict(CREATE, vcpu=2)), 400, 2001)
        self.assertEqual(error["value"], {"property": "vcpu"})
        error = self.error(self.client.post("/vm/v3/host", dict(CREATE, recipe_list=[
            {"recipe": 2, "params": []}])), 400, 2001)
        self.assertEqual(error["value"], {"property": "recipe_list[0].params"})

    def test_power_cycle(self):
        host = self.create()
        stop = self.ok("POST", f"/vm/v3/host/{host}/stop")
        self.assertEqual(self.wait_task(stop["task"], "host_stop")["status"], "complete")
        self.assertEqual(self.host(host)["state"], "stopped")
        start = self.ok("POST", f"/vm/v3/host/{host}/start")
        self.wait_task(start["task"], "host_start")
        restart = self.ok("POST", f"/vm/v3/host/{host}/restart")
        self.assertEqual(self.wait_task(restart["start_task"], "host_start")["status"],
                         "complete")
        self.assertEqual(self.host(host)["state"], "active")

    def test_delete_releases_addresses(self):
        host = self.create()
        answer = self.ok("DELETE", f"/vm/v3/host/{host}")
        self.assertEqual(self.wait_task(answer["task"], "host_delete")["status"], "complete")
        self.assertIsNone(self.host(host))
        self.assertEqual(self.state()["ip_allocations"], [])
        self.assertEqual(self.host(self.create())["ip4"][0]["ip"], "10.10.1.10")

    def test_failing_task_knob(self):
        self.ok("POST", "/__sim__/tasks/fail", {"name": "host_stop", "msg": "qemu hung"},
                client=self.control)
        host = self.create()
        task = self.wait_task(self.ok("POST", f"/vm/v3/host/{host}/stop")["task"], "host_stop")
        self.assertEqual((task["status"], task["output"]), ("fail", "qemu hung"))
        self.assertEqual(self.host(host)["state"], "active")

    def test_task_duration_knob(self):
        self.ok("POST", "/__sim__/config", {"task_seconds": {"host_create": 60}},
                client=self.control)
        answer = self.ok("POST", "/vm/v3/host", CREATE)
        time.sleep(0.3)
        task = self.ok("GET", "/vm/v3/task?where=" + task_filter(answer["task"],
                                                                  "host_create"))["list"][0]
        self.assertEqual(task["status"], "running")
        self.assertEqual(self.ok("POST", "/__sim__/tasks/finish", client=self.control),
                         {"finished": 1})
        self.assertEqual(self.host(answer["id"])["state"], "active")


class Filters(SimulatorProcess):
    def test_where_over_http(self):
        first, second = self.create(name="web-1"), self.create(name="db-1", comment="it's")
        self.ok("POST", f"/vm/v3/host/{second}/account", {"account": 2})
        self.ok("POST", "/__sim__/tasks/finish", client=self.control)
        cases = {"(name EQ 'web-1')": [first], "name CP '%-1'": [first, second],
                 "(account.id EQ 2)": [second], "cluster.id EQ 1 AND name CP 'db%'": [second],
                 "((name EQ 'x') OR (id EQ '%d')) AND state EQ 'active'" % first: [first],
                 r"comment EQ 'it\'s'": [second], "comment EQ 'it''s'": [second],
                 "ip4.ip EQ '10.10.1.12'": [second]}
        for text, expected in cases.items():
            with self.subTest(where=text):
                found = self.ok("GET", "/vm/v3/host?where=" + where(text))["list"]
                self.assertEqual([h["id"] for h in found], expected)

    def test_bad_filter_400(self):
        for text in ("(id EQ 1", "id LIKE 1", "nosuchfield EQ 1", "id EQ 'x"):
            with self.subTest(where=text):
                self.error(self.client.get("/vm/v3/host?where=" + where(text)), 400, 2005)


class Faults(SimulatorProcess):
    def test_503_burst_on_a_prefix(self):
        self.ok("POST", "/__sim__/fault/503", {"count": 2, "prefix": "/vm/v3/host"},
                client=self.control)
        self.ok("GET", "/vm/v3/os")
        self.unavailable(self.client.get("/vm/v3/host"))
        self.unavailable(self.client.get("/vm/v3/host/1"))
        self.ok("GET", "/vm/v3/host")
        self.assertEqual(self.ok("GET", "/__sim__/counters", client=self.control)
                         ["faults"], {"503": 2})

    def test_503_on_login(self):
        self.ok("POST", "/__sim__/fault/503", {"count": 1, "method": "POST"},
                client=self.control)
        self.unavailable(Client(self.sim.port).post("/auth/v4/public/token", ADMIN))
        self.login()

    def test_429_retry_after(self):
        self.ok("POST", "/__sim__/fault/429", {"count": 1, "retry_after": 7},
                client=self.control)
        reply = self.client.get("/vm/v3/host")
        self.error(reply, 429, 429)
        self.assertEqual(reply.headers["retry-after"], "7")
        self.ok("GET", "/vm/v3/host")

    def test_dropped_connection(self):
        self.ok("POST", "/__sim__/fault/drop", {"count": 1}, client=self.control)
        with self.assertRaises((http.client.HTTPException, OSError)):
            self.client.get("/vm/v3/host")
        self.ok("GET", "/vm/v3/host")
        self.assertIsNone(self.ok("GET", "/__sim__/requests")["list"][-2]["status"])

    def test_dropped_answer_after_the_create(self):
        self.ok("POST", "/__sim__/fault/drop", {"count": 1, "after": True,
                                                "method": "POST", "prefix": "/vm/v3/host"},
                client=self.control)
        with self.assertRaises((http.client.HTTPException, OSError)):
            self.client.post("/vm/v3/host", CREATE)
        self.assertEqual([h["name"] for h in self.state()["hosts"]], ["vm-1"])

    def test_slow_reply(self):
        self.ok("POST", "/__sim__/fault/slow", {"count": 1, "delay_ms": 300},
                client=self.control)
        start = time.monotonic()
        self.ok("GET", "/vm/v3/os")
        self.assertGreaterEqual(time.monotonic() - start, 0.29)
        self.assertEqual(self.ok("GET", "/__sim__/faults", client=self.control)["list"], [])

    def test_bad_fault_spec(self):
        reply = self.control.post("/__sim__/fault/slow", {"count": 1, "delay": 3})
        self.assertEqual(reply.status, 400)


class RequestLog(SimulatorProcess):
    def test_log_and_state_hold_no_secrets(self):
        token = self.client.headers["x-xsrf-token"]
        by_cookie = Client(self.sim.port)
        by_cookie.headers["Cookie"] = f"ses6={token}"
        self.ok("GET", "/auth/v4/whoami", client=by_cookie)
        self.create(recipe_list=[{"recipe": 3, "recipe_params": [
            {"name": "MYSQL_ROOT_PASSWORD", "value": "Db-Secret-9"}]}])
        self.ok("POST", "/vm/v3/account", {"email": "j@example.com", "password": "J-Secret-7"})
        log = self.ok("GET", "/__sim__/requests", client=self.control)
        dumped = json.dumps(log) + json.dumps(self.state())
        for secret in (ADMIN["password"], token, token[2:], CREATE["password"], "Db-Secret-9",
                       "J-Secret-7"):
            self.assertNotIn(secret, dumped)
        login = log["list"][0]
        self.assertEqual((login["method"], login["path"], login["status"],
                          login["body"]["password"], login["authenticated"]),
                         ("POST", "/auth/v4/public/token", 201, "***", False))
        self.assertEqual(set(login), {"seq", "time", "method", "path", "pattern", "query",
                                      "body", "status", "ms", "authenticated", "auth", "user",
                                      "fault", "conn", "agent"})

    def test_counters_and_clearing(self):
        self.create()
        counters = self.ok("GET", "/__sim__/counters", client=self.control)
        self.assertEqual(counters["logins"], 1)
        self.assertEqual(counters["requests"]["POST /vm/v3/host"], 1)
        self.assertGreaterEqual(counters["requests"]["GET /vm/v3/task"], 1)
        self.assertEqual(self.state()["logins"], 1)
        self.ok("DELETE", "/__sim__/requests", client=self.control)
        self.assertEqual(self.ok("GET", "/__sim__/requests", client=self.control)["size"], 0)
        self.assertEqual(self.ok("GET", "/__sim__/counters", client=self.control)["requests"], {})


if __name__ == "__main__":
    unittest.main()
