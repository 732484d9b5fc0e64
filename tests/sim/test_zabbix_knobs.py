"""The Zabbix simulator's knobs (rights member, version, config endpoint) and the process:
scripts/sim zabbix prints its address first, --knob and --variants apply, bad knobs exit 2."""
import json
import subprocess
import unittest

from common.testing import SIM_SCRIPT, SimProcess
from zabbix.config import VARIANTS, Config
from zabbix.testkit import ZabbixCase, raw_post


class Knobs(ZabbixCase):
    def test_rights_member_variants(self):
        self.knob(rights_param="both")
        self.api.call("usergroup.create", {"name": "a", "hostgroup_rights": [
            {"id": "2", "permission": 2}]})
        self.api.call("usergroup.create", {"name": "b", "rights": [{"id": "2",
                                                                     "permission": 2}]})
        self.knob(rights_param="hostgroup_rights")
        self.error(self.api.send("usergroup.create", {"name": "c", "rights": []}), -32602,
                   'Invalid parameter "/1": unexpected parameter "rights".')
        group = self.api.call("usergroup.get", {"filter": {"name": "a"},
                                                "selectHostGroupRights": "extend"})[0]
        self.assertEqual(group["hostgroup_rights"], [{"permission": "2", "id": "2"}])

    def test_version_knob(self):
        self.knob(api_version="6.0.36")
        self.assertEqual(self.api.call("apiinfo.version", auth=None), "6.0.36")

    def test_config_is_all_or_nothing(self):
        reply = self.control.request("POST", "/__sim__/config",
                                     {"api_version": "6.0.36", "rights_param": "nope"})
        self.assertEqual(reply.status, 400)
        self.assertEqual(self.ctl("GET", "config")["api_version"], "6.0.14")
        self.assertNotIn("admin_password", self.ctl("GET", "config"))

    def test_reset_restores_fixtures(self):
        self.customer("c1")
        self.knob(api_version="6.0.36")
        self.ctl("POST", "reset")
        self.assertEqual(self.ctl("GET", "config")["api_version"], "6.0.14")
        state = self.ctl("GET", "state")
        self.assertEqual([u["username"] for u in state["users"]], ["Admin", "guest"])
        self.assertEqual(self.ctl("GET", "requests")["size"], 0)

    def test_every_variant_value_is_accepted(self):
        for name, values in VARIANTS.items():
            for value in values:
                self.knob(**{name: value})
        config = Config()
        config.draw_variants(3)
        self.assertTrue(all(getattr(config, n) in v for n, v in VARIANTS.items()))


class Process(unittest.TestCase):
    def test_scripts_sim_zabbix(self):
        sim = SimProcess("zabbix", "--admin-password", "Other-pass-1",
                         "--knob", "api_version=6.0.36")
        try:
            self.assertRegex(sim.first_line, r"^listening on http://127\.0\.0\.1:\d+$")
            body = {"jsonrpc": "2.0", "method": "apiinfo.version", "params": {}, "id": 1}
            status, _, payload = raw_post(sim.port, json.dumps(body).encode())
            self.assertEqual((status, json.loads(payload)["result"]), (200, "6.0.36"))
            login = {"jsonrpc": "2.0", "method": "user.login", "id": 2,
                     "params": {"username": "Admin", "password": "Other-pass-1"}}
            payload = raw_post(sim.port, json.dumps(login).encode())[2]
            self.assertRegex(json.loads(payload)["result"], r"^[0-9a-f]{32}$")
        finally:
            self.assertEqual(sim.stop(), 0)

    def test_variants_draw_is_printed(self):
        sim = SimProcess("zabbix", "--variants", "2")
        try:
            line = sim.proc.stderr.readline().strip()
        finally:
            sim.stop()
        self.assertTrue(line.startswith("variants seed=2 rights_param="), line)
        for name in VARIANTS:
            self.assertIn(f" {name}=", line)

    def test_bad_knob_exits_2(self):
        done = subprocess.run([SIM_SCRIPT, "zabbix", "--knob", "nope=1"], capture_output=True,
                              text=True, timeout=30)
        self.assertEqual(done.returncode, 2)
        self.assertIn("unknown knobs", done.stderr)
