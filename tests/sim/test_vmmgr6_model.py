"""Behaviour of the VMmanager 6 simulator with a hand-driven clock: task lag, queues,
deferred changes, resource rules, IPs, sessions. Served in-process so time is exact."""
import unittest

from common.clock import ManualClock
from common.server import Simulator
from common.testing import Client, InProcessSim
from vmmgr6.app import Vmmgr6App
from vmmgr6.config import Config

CREATE = {"name": "vm", "cluster": 1, "os": 1, "cpu_number": 1, "ram_mib": 1024,
          "hdd_mib": 20480, "password": "Root-1", "ipv4_number": 1}


class SimCase(unittest.TestCase):
    def setUp(self):
        self.clock = ManualClock()
        config = Config(task_lag=0.5, task_seconds={"default": 1.0, "host_create": 10.0})
        self.app = Vmmgr6App(config, self.clock)
        self.sim = InProcessSim(Simulator(self.app, self.clock))
        self.client = self.login("admin@example.com", "admin")

    def tearDown(self):
        self.sim.stop()

    def login(self, email, password) -> Client:
        client = Client(self.sim.port)
        reply = client.post("/auth/v4/public/token", {"email": email, "password": password})
        self.assertEqual(reply.status, 201, reply)
        client.headers["x-xsrf-token"] = reply.json["token"]
        return client

    def tick(self, seconds):
        self.clock.advance(seconds)

    def ok(self, method, path, body=None, client=None):
        reply = (client or self.client).request(method, path, body)
        self.assertEqual(reply.status, 200, reply)
        return reply.json

    def fails(self, method, path, body, status, code):
        reply = self.client.request(method, path, body)
        self.assertEqual((reply.status, reply.json["error"]["code"]), (status, code), reply)
        return reply.json["error"]

    def task(self, consul_id):
        tasks = self.ok("GET", f"/vm/v3/task?where=consul_id+EQ+{consul_id}")["list"]
        return tasks[0] if tasks else None

    def host(self, host_id):
        hosts = self.ok("GET", f"/vm/v3/host?where=(id+EQ+'{host_id}')")["list"]
        return hosts[0] if hosts else None

    def create(self, body=None, **changes):
        answer = self.ok("POST", "/vm/v3/host", dict(body or CREATE, **changes))
        self.tick(10)
        self.assertEqual(self.task(answer["task"])["status"], "complete")
        return answer["id"]


class Tasks(SimCase):
    def test_lag_then_running_then_complete(self):
        answer = self.ok("POST", "/vm/v3/host", CREATE)
        self.assertIsNone(self.task(answer["task"]))
        self.assertEqual(self.host(answer["id"])["state"], "creating")
        self.tick(0.5)
        self.assertEqual(self.task(answer["task"])["status"], "running")
        self.tick(9.4)
        self.assertEqual(self.host(answer["id"])["state"], "creating")
        self.tick(0.1)
        self.assertEqual(self.task(answer["task"])["status"], "complete")
        self.assertEqual(self.host(answer["id"])["state"], "active")

    def test_tasks_of_one_host_run_in_turn(self):
        host = self.create()
        stop = self.ok("POST", f"/vm/v3/host/{host}/stop")["task"]
        start = self.ok("POST", f"/vm/v3/host/{host}/start")["task"]
        self.tick(0.5)
        self.assertEqual([self.task(stop)["status"], self.task(start)["status"]],
                         ["running", "created"])
        self.tick(0.5)
        self.assertEqual(self.host(host)["state"], "stopped")
        self.assertEqual(self.task(start)["status"], "running")
        self.tick(1)
        self.assertEqual(self.host(host)["state"], "active")

    def test_tasks_of_different_hosts_run_together(self):
        first = self.ok("POST", "/vm/v3/host", CREATE)["task"]
        second = self.ok("POST", "/vm/v3/host", CREATE)["task"]
        self.tick(10)
        self.assertEqual([self.task(first)["status"], self.task(second)["status"]],
                         ["complete", "complete"])
        self.assertEqual(self.ok("GET", "/__sim__/state")["peak_active_tasks"], 2)

    def test_injected_failure(self):
        self.ok("POST", "/__sim__/tasks/fail", {"name": "host_create", "msg": "no space"})
        answer = self.ok("POST", "/vm/v3/host", CREATE)
        self.tick(10)
        self.assertEqual(self.task(answer["task"])["status"], "fail")
        self.assertEqual(self.task(answer["task"])["output"], "no space")
        self.assertEqual(self.host(answer["id"])["state"], "failed")
        again = self.ok("POST", "/vm/v3/host", CREATE)
        self.tick(10)
        self.assertEqual(self.task(again["task"])["status"], "complete")

    def test_finish_all_now(self):
        answer = self.ok("POST", "/vm/v3/host", CREATE)
        self.assertEqual(self.ok("POST", "/__sim__/tasks/finish")["finished"], 1)
        self.assertEqual(self.host(answer["id"])["state"], "active")

    def test_busy_while_deleting_and_reject_mode(self):
        host = self.create()
        self.ok("DELETE", f"/vm/v3/host/{host}")
        self.fails("POST", f"/vm/v3/host/{host}/start", {}, 409, 5001)
        self.fails("DELETE", f"/vm/v3/host/{host}", None, 409, 5001)
        other = self.create()
        self.ok("POST", "/__sim__/config", {"busy_mode": "reject"})
        self.ok("POST", f"/vm/v3/host/{other}/stop")
        self.fails("POST", f"/vm/v3/host/{other}/start", {}, 409, 5001)

    def test_queue_mode_runs_tasks_of_a_host_one_at_a_time_parallel_mode_at_once(self):
        for mode, second_after_one_tick in (("queue", "running"), ("parallel", "complete")):
            host = self.create()
            self.ok("POST", "/__sim__/config", {"busy_mode": mode,
                                                "task_seconds": {"default": 1.0}})
            first = self.ok("POST", f"/vm/v3/host/{host}/password", {"password": "Pass-3"})
            second = self.ok("POST", f"/vm/v3/host/{host}/password", {"password": "Pass-4"})
            self.tick(1.01)
            self.assertEqual(self.task(first["task"])["status"], "complete")
            self.assertEqual(self.task(second["task"])["status"], second_after_one_tick, mode)
            self.tick(1.01)
            self.assertEqual(self.task(second["task"])["status"], "complete")


class Resources(SimCase):
    def test_hot_growth_rules(self):
        host = self.create()
        self.fails("POST", f"/vm/v3/host/{host}/resource", {"ram_mib": 512}, 400, 5003)
        self.fails("POST", f"/vm/v3/host/{host}/resource", {"cpu_number": 0}, 400, 2004)
        self.fails("POST", f"/vm/v3/host/{host}/resource", {"ram_mib": 1536}, 400, 5004)
        task = self.ok("POST", f"/vm/v3/host/{host}/resource",
                       {"ram_mib": 2048, "cpu_number": 2})["task"]
        self.tick(1)
        self.assertEqual(self.task(task)["status"], "complete")
        self.assertEqual((self.host(host)["ram_mib"], self.host(host)["cpu_number"]), (2048, 2))

    def test_deferred_change_applies_on_restart(self):
        host = self.create()
        change = self.ok("POST", f"/vm/v3/host/{host}/resource",
                         {"ram_mib": 1536, "defer": {"action": "host_stop"}})["task"]
        self.tick(5)
        self.assertEqual(self.task(change)["status"], "deferred")
        self.assertEqual(self.host(host)["ram_mib"], 1024)
        restart = self.ok("POST", f"/vm/v3/host/{host}/restart")
        self.tick(1)   # the stop
        self.assertEqual(self.task(change)["status"], "running")
        self.assertEqual(self.task(restart["start_task"])["status"], "created")
        self.tick(2)   # the change, then the start
        self.assertEqual(self.task(restart["start_task"])["status"], "complete")
        self.assertEqual((self.host(host)["ram_mib"], self.host(host)["state"]), (1536, "active"))

    def test_stopped_host_changes_without_defer(self):
        host = self.create()
        self.ok("POST", f"/vm/v3/host/{host}/stop")
        self.tick(1)
        self.ok("POST", f"/vm/v3/host/{host}/resource", {"ram_mib": 1536})
        self.tick(1)
        self.assertEqual(self.host(host)["ram_mib"], 1536)

    def test_disk_grows_only(self):
        host = self.create()
        disk = self.host(host)["disk"]["id"]
        self.fails("POST", f"/vm/v3/disk/{disk}", {"size_mib": 10240}, 400, 5003)
        self.fails("POST", "/vm/v3/disk/9999", {"size_mib": 30720}, 404, 3080)
        task = self.ok("POST", f"/vm/v3/disk/{disk}", {"size_mib": 30720})["task"]
        self.tick(1)
        self.assertEqual(self.task(task)["name"], "disk_resize")
        self.assertEqual(self.host(host)["disk"]["disk_mib"], 30720)


class Addresses(SimCase):
    def test_ip_change_up_and_down(self):
        host = self.create(ipv4_number=2)
        self.ok("POST", f"/vm/v3/host/{host}/ip", {"ipv4_number": 2})
        self.tick(1)
        ips = [ip["ip_addr"] for ip in self.ok("GET", f"/vm/v3/host/{host}/ipv4")["list"]]
        self.assertEqual(ips, ["10.10.1.10", "10.10.1.11", "10.10.1.12", "10.10.1.13"])
        self.ok("POST", f"/vm/v3/host/{host}/ip", {"ipv4_number": -3})
        self.tick(1)
        self.assertEqual([ip["ip"] for ip in self.host(host)["ip4"]], ["10.10.1.10"])
        self.fails("POST", f"/vm/v3/host/{host}/ip", {"ipv4_number": -2}, 400, 2004)
        next_host = self.create()
        self.assertEqual(self.host(next_host)["ip4"][0]["ip"], "10.10.1.11")

    def test_pool_runs_dry(self):
        self.create(ipv4_pool=[4], ipv4_number=3)
        self.fails("POST", "/vm/v3/host", dict(CREATE, ipv4_pool=[4]), 400, 5002)
        self.fails("POST", "/vm/v3/host", dict(CREATE, ipv4_pool=[2]), 400, 4006)

    def test_second_interface(self):
        host = self.create(custom_interfaces=[{"model": "virtio", "is_main_network": False,
                                               "ippool": 3, "ip_count": 1}])
        ips = self.ok("GET", f"/vm/v3/host/{host}/ipv4")["list"]
        self.assertEqual([(ip["ip_addr"], ip["interface"]) for ip in ips],
                         [("10.10.1.10", 0), ("10.10.3.10", 1)])

    def test_ptr(self):
        host = self.create(domain="a.example.com")
        ip = self.ok("GET", f"/vm/v3/host/{host}/ipv4")["list"][0]
        self.assertEqual(ip["domain"], "a.example.com")
        self.ok("POST", f"/vm/v3/ip/{ip['id']}/ptr", {"domain": "b.example.com"})
        self.assertEqual(self.ok("GET", f"/vm/v3/host/{host}/ipv4")["list"][0]["domain"],
                         "b.example.com")


class Hosts(SimCase):
    def test_create_validation(self):
        cases = [({"os": 5}, 400, 5006), ({"os": 77}, 400, 4006), ({"account": 99}, 400, 4006),
                 ({"preset": 1}, 400, 5007), ({"cluster": 9}, 400, 4006),
                 ({"node": 3}, 400, 5008), ({"node": 4}, 400, 4006),
                 ({"ipv4_number": "1"}, 400, 2003), ({"image": 1}, 400, 5007),
                 ({"recipe_list": [{"recipe": 1}]}, 400, 2002)]
        for changes, status, code in cases:
            with self.subTest(changes=changes):
                self.fails("POST", "/vm/v3/host", dict(CREATE, **changes), status, code)
        body = {k: v for k, v in CREATE.items() if k != "cpu_number"}
        self.fails("POST", "/vm/v3/host", body, 400, 2002)
        self.assertEqual(self.ok("GET", "/__sim__/state")["ip_allocations"], [])

    def test_preset_and_reduced_object(self):
        body = {k: v for k, v in CREATE.items() if k not in ("cpu_number", "ram_mib", "hdd_mib")}
        host = self.create(body, preset=2, cluster=2, os=5)
        reduced = self.ok("GET", f"/vm/v3/host/{host}")
        for absent in ("ip4", "disk", "cluster", "account"):   # §4.2: flat, reduced
            self.assertNotIn(absent, reduced)
        self.assertEqual((reduced["cpu_number"], reduced["ram_mib"], reduced["node"]),
                         (2, 2048, 4))   # node an int here [likely GA]
        full = self.host(host)
        self.assertEqual((full["node"]["id"], full["cluster"]["id"]), (4, 2))

    def test_nodes_are_balanced(self):
        nodes = [self.host(self.create())["node"]["id"] for _ in range(3)]
        self.assertEqual(nodes, [1, 2, 1])

    def test_reinstall_password_owner_recipe(self):
        host = self.create()
        self.ok("POST", f"/vm/v3/host/{host}/reinstall", {"os": 3, "password": "New-2"})
        self.assertEqual(self.host(host)["state"], "reinstalling")
        self.tick(10)
        self.assertEqual((self.host(host)["os"]["id"], self.host(host)["state"]), (3, "active"))
        self.assertTrue(self.ok("POST", "/__sim__/check_password",
                                {"host": host, "password": "New-2"})["match"])
        self.ok("POST", f"/vm/v3/host/{host}/password", {"password": "New-3"})
        self.ok("POST", f"/vm/v3/host/{host}/account", {"account": 2})
        self.ok("POST", f"/vm/v3/host/{host}/runrecipe",
                {"recipe": 1, "recipe_params": [{"name": "HOSTNAME", "value": "web"}]})
        self.tick(3)
        dumped = self.ok("GET", "/__sim__/state")["hosts"][0]
        self.assertEqual((dumped["account"]["id"], dumped["hostname"]), (2, "web"))
        self.assertTrue(self.ok("POST", "/__sim__/check_password",
                                {"host": host, "password": "New-3"})["match"])
        names = [t["name"] for t in self.ok("GET", "/__sim__/state")["tasks"]]
        self.assertEqual(names, ["host_create", "host_reinstall", "host_change_password",
                                 "host_change_owner", "recipe_run"])

    def test_edit_name_and_comment(self):
        host = self.create()
        self.assertEqual(self.ok("POST", f"/vm/v3/host/{host}", {"comment": "c"}), {"id": host})
        self.assertEqual(self.host(host)["comment"], "c")
        self.fails("POST", f"/vm/v3/host/{host}", {"domain": "x"}, 400, 2001)

    def test_delete_releases_addresses(self):
        host = self.create(ipv4_number=2)
        task = self.ok("DELETE", f"/vm/v3/host/{host}")["task"]
        self.assertEqual(self.host(host)["state"], "deleting")
        self.tick(1)
        self.assertEqual(self.task(task)["name"], "host_delete")
        self.assertIsNone(self.host(host))
        self.fails("GET", f"/vm/v3/host/{host}", None, 404, 3080)
        self.assertEqual(self.ok("GET", "/__sim__/state")["ip_allocations"], [])


class Sessions(SimCase):
    def test_inactivity_expiry_refreshed_by_use(self):
        self.tick(3000)
        self.ok("GET", "/auth/v4/whoami")
        self.tick(3000)
        self.ok("GET", "/auth/v4/whoami")
        self.tick(3601)
        self.fails("GET", "/auth/v4/whoami", None, 401, 1000)

    def test_auth_error_knob(self):
        self.ok("POST", "/__sim__/config", {"auth_error": "403"})
        self.ok("POST", "/__sim__/sessions/expire")
        self.fails("GET", "/vm/v3/host", None, 403, 3001)

    def test_plain_user(self):
        user = self.login("user@example.com", "user")
        self.assertEqual(user.get("/vm/v3/account").status, 403)
        self.assertEqual(user.get("/vm/v3/account").json["error"]["code"], 1001)
        self.create()
        self.assertEqual(self.ok("GET", "/vm/v3/host", client=user)["list"], [])
        self.assertEqual(self.ok("GET", "/vm/v3/os", client=user)["size"], 5)


if __name__ == "__main__":
    unittest.main()
