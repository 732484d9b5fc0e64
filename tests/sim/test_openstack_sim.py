"""The OpenStack simulator as the module meets it: a separate process started by
`scripts/sim openstack`, spoken to over HTTP in real time; plus its control API (faults,
request log, knobs, seeding) and command line."""
import http.client
import json
import signal
import subprocess
import time
import unittest

from common.testing import SIM_SCRIPT, Client, SimProcess
from openstack.testkit import OsClient, password_auth

NOVA = "/compute/v2.1"
SERVER = {"server": {"name": "vm", "flavorRef": "1", "adminPass": "Root-Secret-1",
                     "imageRef": "c1000000-0000-4000-8000-000000000001"}}


class SimulatorProcess(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = SimProcess("openstack", "--admin-password", "Adm1n-Pw",
                             "--build-seconds", "0.2", "--build-seconds", "server_build=0.3")

    @classmethod
    def tearDownClass(cls):
        code = cls.sim.stop()
        if code != 0:
            raise AssertionError(f"the simulator exited with {code}")

    def setUp(self):
        self.control = Client(self.sim.port)
        self.assertEqual(self.control.post("/__sim__/reset").status, 200)
        self.client = OsClient(self.sim.port).login("admin", "Adm1n-Pw", "admin")

    def ctl(self, method, path, body=None, status=200):
        reply = self.control.request(method, "/__sim__/" + path, body)
        self.assertEqual(reply.status, status, reply)
        return reply.json

    def wait(self, path, key, field, want, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self.client.get(path)
            value = reply.json[key][field] if reply.status == 200 else reply.status
            if value == want:
                return
            time.sleep(0.05)
        self.fail(f"{path}: {field} never became {want}")


class Startup(SimulatorProcess):
    def test_first_line_and_fixtures(self):
        self.assertEqual(self.sim.first_line, f"listening on http://127.0.0.1:{self.sim.port}")
        self.assertEqual(self.ctl("GET", "health"), {"ok": True, "simulator": "openstack"})
        token = self.client.token
        self.assertEqual((token["project"]["name"], token["user"]["domain"]["name"]),
                         ("admin", "Default"))
        bad = OsClient(self.sim.port).post("/identity/v3/auth/tokens",
                                           password_auth("admin", "admin", "admin"))
        self.assertEqual(bad.status, 401)
        self.assertEqual(self.ctl("GET", "config")["seconds"]["server_build"], 0.3)
        self.assertEqual(self.ctl("GET", "config")["seconds"]["lb_create"], 0.2)

    def test_real_time_transitions(self):
        reply = self.client.post(f"{NOVA}/servers", SERVER)
        self.assertEqual(reply.status, 202, reply)
        ident = reply.json["server"]["id"]
        self.wait(f"{NOVA}/servers/{ident}", "server", "status", "ACTIVE")
        self.assertEqual(self.client.delete(f"{NOVA}/servers/{ident}").status, 204)
        self.wait(f"{NOVA}/servers/{ident}", "server", "status", 404)

    def test_bad_options_exit_2(self):
        for args in (["--build-seconds", "warp=1"], ["--build-seconds", "-1"]):
            result = subprocess.run([SIM_SCRIPT, "openstack", *args], capture_output=True,
                                    text=True, timeout=20)
            self.assertEqual(result.returncode, 2, result)
            self.assertIn("scripts/sim openstack:", result.stderr)

    def test_sigterm_and_sigint_exit_cleanly(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            other = SimProcess("openstack", "--port", "0")
            other.proc.send_signal(sig)
            # Wait for it to end by itself: stop() would signal it again while it exits.
            self.assertEqual(other.proc.wait(timeout=10), 0)
            other.stop()


class Faults(SimulatorProcess):
    def test_503_burst_in_the_service_shape(self):
        self.ctl("POST", "fault/503", {"count": 2, "prefix": "/compute/v2.1/servers",
                                       "method": "GET"})
        for _ in range(2):
            reply = self.client.get(f"{NOVA}/servers")
            self.assertEqual(reply.status, 503)
            self.assertEqual(reply.json["serviceUnavailable"]["code"], 503)
        self.assertEqual(self.client.get(f"{NOVA}/servers").status, 200)
        self.ctl("POST", "fault/status", {"status": 502, "prefix": "/network"})
        reply = self.client.get("/network/v2.0/networks")
        self.assertEqual((reply.status, reply.json["NeutronError"]["message"]),
                         (502, "Injected by the simulator"))
        self.assertEqual(self.ctl("GET", "counters")["faults"], {"503": 2, "502": 1})

    def test_429_with_retry_after(self):
        self.ctl("POST", "fault/429", {"count": 1, "retry_after": 7,
                                       "prefix": "/load-balancer"})
        reply = self.client.get("/load-balancer/v2/lbaas/loadbalancers")
        self.assertEqual((reply.status, reply.headers["retry-after"]), (429, "7"))
        self.assertEqual(reply.json["faultcode"], "Client")

    def test_drop_before_and_after(self):
        self.ctl("POST", "fault/drop", {"count": 1, "prefix": f"{NOVA}/servers",
                                        "method": "POST"})
        with self.assertRaises((http.client.HTTPException, OSError)):
            self.client.post(f"{NOVA}/servers", SERVER)
        self.assertEqual(self.client.get(f"{NOVA}/servers").json["servers"], [])
        self.ctl("POST", "fault/drop", {"count": 1, "after": True, "method": "POST",
                                        "prefix": f"{NOVA}/servers"})
        with self.assertRaises((http.client.HTTPException, OSError)):
            self.client.post(f"{NOVA}/servers", SERVER)
        self.assertEqual(len(self.client.get(f"{NOVA}/servers").json["servers"]), 1)
        statuses = [e["status"] for e in self.ctl("GET", "requests")["list"]
                    if e["method"] == "POST" and e["path"] == f"{NOVA}/servers"]
        self.assertEqual(statuses, [None, None])

    def test_malformed_bodies(self):
        token = {"X-Auth-Token": self.client.headers["X-Auth-Token"],
                 "Content-Type": "application/json"}
        for path, key in ((f"{NOVA}/servers", "badRequest"),
                          ("/network/v2.0/networks", "NeutronError"),
                          ("/identity/v3/projects", "error"),
                          ("/load-balancer/v2/lbaas/loadbalancers", "faultstring")):
            conn = http.client.HTTPConnection("127.0.0.1", self.sim.port, timeout=10)
            conn.request("POST", path, body=b"{not json", headers=token)
            answer = conn.getresponse()
            body = json.loads(answer.read())
            conn.close()
            self.assertEqual(answer.status, 400, path)
            self.assertIn(key, body, path)

    def test_wrong_types_are_400_not_500(self):
        cases = [(f"{NOVA}/servers", {"server": dict(SERVER["server"], metadata="x")}),
                 (self.client.cinder("/volumes"), {"volume": {"size": 1, "metadata": [1]}}),
                 ("/network/v2.0/networks", {"network": {"name": 5}}),
                 ("/network/v2.0/subnets", {"subnet": {"network_id": "x", "ip_version": 4,
                                                       "cidr": "10.0.0.0/24",
                                                       "allocation_pools": "all"}}),
                 ("/load-balancer/v2/lbaas/loadbalancers", {"loadbalancer": {"name": []}})]
        for path, body in cases:
            self.assertEqual(self.client.post(path, body).status, 400, path)

    def test_slow(self):
        self.ctl("POST", "fault/slow", {"count": 1, "delay_ms": 300})
        started = time.monotonic()
        self.assertEqual(self.client.get("/image/v2/images").status, 200)
        self.assertGreaterEqual(time.monotonic() - started, 0.3)


class Control(SimulatorProcess):
    def test_request_log_is_masked(self):
        self.client.post(f"{NOVA}/servers", SERVER)
        self.client.post("/identity/v3/users", {"user": {"name": "u", "password": "Pw-9"}})
        entries = self.ctl("GET", "requests")["list"]
        text = json.dumps(entries)
        for secret in ("Adm1n-Pw", "Root-Secret-1", "Pw-9", self.client.headers["X-Auth-Token"]):
            self.assertNotIn(secret, text)
        login = entries[0]
        self.assertEqual((login["method"], login["path"], login["status"]),
                         ("POST", "/identity/v3/auth/tokens", 201))
        self.assertEqual(login["body"]["auth"]["identity"]["password"], "***")
        create = [e for e in entries if e["path"] == f"{NOVA}/servers"][0]
        self.assertEqual(create["body"]["server"]["adminPass"], "***")
        self.assertEqual(create["pattern"], "/compute/v2.1/servers")
        self.assertTrue(create["authenticated"])
        counters = self.ctl("GET", "counters")
        self.assertEqual(counters["logins"], 1)
        self.assertEqual(counters["requests"]["POST /compute/v2.1/servers"], 1)
        state = json.dumps(self.ctl("GET", "state"))
        self.assertNotIn("Adm1n-Pw", state)
        self.assertNotIn("Pw-9", state)
        self.assertEqual(self.ctl("POST", "check_password", {"user": "u", "password": "Pw-9"}),
                         {"match": True})

    def test_config_finish_fail_and_reset(self):
        self.ctl("POST", "config", {"seconds": {"server_build": 60}, "page_cap": 5})
        ident = self.client.post(f"{NOVA}/servers", SERVER).json["server"]["id"]
        self.assertEqual(self.client.get(f"{NOVA}/servers/{ident}").json["server"]["status"],
                         "BUILD")
        # the build, and the end of BUILD/scheduling (the cell mapping) before it
        self.assertEqual(self.ctl("GET", "state")["pending_transitions"], 2)
        self.assertEqual(self.ctl("POST", "finish"), {"finished": 2})
        self.assertEqual(self.ctl("GET", "state")["pending_transitions"], 0)
        self.assertEqual(self.client.get(f"{NOVA}/servers/{ident}").json["server"]["status"],
                         "ACTIVE")
        for body in ({"seconds": {"warp": 1}}, {"page_cap": 0}, {"neutron_pagination": 1},
                     {"next_links": "never"}, {"colour": 1}):
            self.assertIn("error", self.ctl("POST", "config", body, status=400))
        self.ctl("POST", "fail", {"kind": "nope"}, status=400)
        self.ctl("POST", "fail", {"kind": "server_build", "count": 0}, status=400)
        self.ctl("POST", "time/shift", {"seconds": -1}, status=400)
        self.ctl("GET", "objects/cats", status=400)
        servers = self.ctl("GET", "objects/servers")
        self.assertEqual([s["id"] for s in servers["list"]], [ident])
        self.ctl("POST", "reset")
        self.assertEqual(self.ctl("GET", "config")["page_cap"], 1000)
        self.assertEqual(self.ctl("GET", "objects/servers")["size"], 0)
        self.assertEqual(self.client.get(f"{NOVA}/servers").status, 401)

    def test_seed_and_page_through_everything(self):
        made = self.ctl("POST", "seed", {
            "projects": 30, "prefix": "vdc", "admin_access": True,
            "per_project": {"servers": 4, "volumes": 3, "networks": 2, "routers": 1,
                            "interfaces": 2, "loadbalancers": 1},
            "quotas": {"compute": {"instances": 50}}})
        self.assertEqual(made["created"], {"servers": 120, "volumes": 90, "networks": 60,
                                           "subnets": 60, "ports": 210, "routers": 30,
                                           "loadbalancers": 30})
        project = made["projects"][0]
        self.assertEqual(project["name"], "vdc-00000")
        counts = {}
        cinder = self.client.cinder("/volumes/detail?all_tenants=1&limit=25")
        for path, key in ((f"{NOVA}/servers/detail?all_tenants=1&limit=25", "servers"),
                          (cinder, "volumes"),
                          ("/network/v2.0/networks?limit=25", "networks"),
                          ("/network/v2.0/subnets?limit=25", "subnets"),
                          ("/network/v2.0/routers?limit=25", "routers"),
                          ("/network/v2.0/ports?limit=25", "ports"),
                          ("/load-balancer/v2/lbaas/loadbalancers?limit=25", "loadbalancers")):
            seen = []
            while path:
                body = self.client.get(path).json
                seen += [o["id"] for o in body[key]]
                links = [l for l in body.get(f"{key}_links", []) if l["rel"] == "next"]
                path = links[0]["href"].split(str(self.sim.port), 1)[1] if links else None
            self.assertEqual(len(seen), len(set(seen)), key)
            counts[key] = len(seen)
        self.assertEqual(counts, {"servers": 120, "volumes": 90, "networks": 61,
                                  "subnets": 61, "routers": 30, "ports": 210,
                                  "loadbalancers": 30})
        scoped = OsClient(self.sim.port).login("admin", "Adm1n-Pw", "vdc-00000")
        quota = scoped.get(f"{NOVA}/os-quota-sets/{project['id']}/detail").json["quota_set"]
        self.assertEqual(quota["instances"], {"in_use": 4, "limit": 50, "reserved": 0})
        member = OsClient(self.sim.port).login("vdc-00001-user", "secret", "vdc-00001")
        self.assertEqual(len(member.get(f"{NOVA}/servers").json["servers"]), 4)
        more = self.ctl("POST", "seed", {"projects": 1, "prefix": "vdc"})
        self.assertEqual(more["projects"][0]["name"], "vdc-00030")
        self.ctl("POST", "seed", {"per_project": {"interfaces": 1}}, status=400)


if __name__ == "__main__":
    unittest.main()
