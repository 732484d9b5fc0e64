"""What pmvmmgr6's pool of pre-created servers needs from the VMmanager 6 simulator: handing a
VM to another user, PTR and hostname changes, recipes with parameters, a new root password and
a new name, plus the control knobs its tests use (a task failing on one host only, a host
vanishing behind pm's back). Served in-process with a hand-driven clock."""
import unittest

from test_vmmgr6_model import CREATE, SimCase


class Takeover(SimCase):
    def setUp(self):
        super().setUp()
        self.pool_user = self.ok("POST", "/vm/v3/account",
                                 {"email": "pool@example.com", "password": "Pool-1"})["id"]
        self.customer = self.ok("POST", "/vm/v3/account",
                                {"email": "c@example.com", "password": "Cust-1"})["id"]

    def dumped(self, host_id):
        return next(h for h in self.ok("GET", "/__sim__/state")["hosts"] if h["id"] == host_id)

    def wait(self, answer, name):
        self.tick(2)
        task = self.task(answer["task"])
        self.assertEqual((task["name"], task["status"]), (name, "complete"))

    def test_a_pool_server_becomes_the_customers(self):
        host = self.create(account=self.pool_user, name="pm-item-7", comment="pm item 7")
        self.assertEqual(self.host(host)["account"]["id"], self.pool_user)
        self.wait(self.ok("POST", f"/vm/v3/host/{host}/account", {"account": self.customer}),
                  "host_change_owner")
        ip = self.ok("GET", f"/vm/v3/host/{host}/ipv4")["list"][0]
        self.assertEqual(self.ok("POST", f"/vm/v3/ip/{ip['id']}/ptr",
                                 {"domain": "shop.example.com"}), {"id": ip["id"]})
        self.wait(self.ok("POST", f"/vm/v3/host/{host}/runrecipe",
                          {"recipe": 1, "recipe_params": [{"name": "HOSTNAME",
                                                           "value": "shop.example.com"}]}),
                  "recipe_run")
        self.wait(self.ok("POST", f"/vm/v3/host/{host}/password", {"password": "Cust-Root-1"}),
                  "host_change_password")
        self.ok("POST", f"/vm/v3/host/{host}", {"name": "pm-item-9", "comment": "pm item 9"})

        seen = self.host(host)
        self.assertEqual((seen["account"]["id"], seen["account"]["email"]),
                         (self.customer, "c@example.com"))
        self.assertEqual((seen["domain"], seen["name"], seen["comment"]),
                         ("shop.example.com", "pm-item-9", "pm item 9"))
        self.assertEqual(self.ok("GET", f"/vm/v3/host/{host}/ipv4")["list"][0]["domain"],
                         "shop.example.com")
        dumped = self.dumped(host)
        self.assertEqual(dumped["hostname"], "shop.example.com")
        self.assertEqual(dumped["recipes_run"], [{"recipe": 1, "params": [
            {"name": "HOSTNAME", "value": "shop.example.com"}]}])
        self.assertTrue(self.ok("POST", "/__sim__/check_password",
                                {"host": host, "password": "Cust-Root-1"})["match"])
        found = self.ok("GET", "/vm/v3/host?where=(account.id+EQ+'%d')" % self.customer)["list"]
        self.assertEqual([h["id"] for h in found], [host])

    def test_refusals(self):
        host = self.create(account=self.pool_user)
        self.fails("POST", f"/vm/v3/host/{host}/account", {"account": 99}, 400, 4006)
        self.fails("POST", f"/vm/v3/host/{host}/account", {}, 400, 2002)
        self.fails("POST", f"/vm/v3/host/{host}/runrecipe", {"recipe": 1}, 400, 2002)
        self.fails("POST", f"/vm/v3/host/{host}/runrecipe",
                   {"recipe": 1, "recipe_params": [{"name": "X", "value": "y"}]}, 400, 2004)
        self.fails("POST", f"/vm/v3/host/{host}/runrecipe", {"recipe": 42}, 400, 4006)
        self.fails("POST", "/vm/v3/ip/9999/ptr", {"domain": "a.example.com"}, 404, 3080)
        building = self.ok("POST", "/vm/v3/host", CREATE)["id"]
        self.fails("POST", f"/vm/v3/host/{building}/account", {"account": self.customer},
                   409, 5001)
        self.fails("POST", f"/vm/v3/host/{building}/runrecipe",
                   {"recipe": 1, "recipe_params": [{"name": "HOSTNAME", "value": "a"}]},
                   409, 5001)

    def test_recipe_on_windows_runs_like_any_other(self):
        host = self.create(os=3)
        self.assertEqual(self.host(host)["os"]["name"], "Windows Server 2022")
        self.wait(self.ok("POST", f"/vm/v3/host/{host}/runrecipe", {"recipe": 2}), "recipe_run")
        self.assertEqual(self.dumped(host)["recipes_run"], [{"recipe": 2, "params": []}])


class Knobs(SimCase):
    def test_a_task_fails_on_one_host_only(self):
        first, second = self.create(), self.create()
        self.ok("POST", "/__sim__/tasks/fail",
                {"name": "host_change_password", "host": second, "msg": "agent down"})
        one = self.ok("POST", f"/vm/v3/host/{first}/password", {"password": "P-1"})
        two = self.ok("POST", f"/vm/v3/host/{second}/password", {"password": "P-2"})
        again = self.ok("POST", f"/vm/v3/host/{second}/password", {"password": "P-3"})
        self.tick(5)
        self.assertEqual(self.task(one["task"])["status"], "complete")
        self.assertEqual((self.task(two["task"])["status"], self.task(two["task"])["output"]),
                         ("fail", "agent down"))
        self.assertEqual(self.task(again["task"])["status"], "complete")

    def test_bad_fail_host(self):
        reply = self.client.post("/__sim__/tasks/fail", {"name": "x", "host": "101"})
        self.assertEqual(reply.status, 400)

    def test_a_host_vanishes(self):
        host = self.create(ipv4_number=2)
        other = self.create()
        reply = self.client.delete(f"/__sim__/hosts/{host}")
        self.assertEqual(reply.status, 200, reply)
        self.assertIsNone(self.host(host))
        self.fails("POST", f"/vm/v3/host/{host}/start", {}, 404, 3080)
        addresses = [a["host"] for a in self.ok("GET", "/__sim__/state")["ip_allocations"]]
        self.assertEqual(addresses, [other])
        self.assertEqual(self.client.delete(f"/__sim__/hosts/{host}").status, 400)

    def test_a_busy_host_does_not_vanish(self):
        building = self.ok("POST", "/vm/v3/host", CREATE)["id"]
        self.assertEqual(self.client.delete(f"/__sim__/hosts/{building}").status, 400)
        self.tick(10)
        self.assertEqual(self.client.delete(f"/__sim__/hosts/{building}").status, 200)


if __name__ == "__main__":
    unittest.main()
