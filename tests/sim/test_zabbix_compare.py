"""compare.py's scenario (the one run against real Zabbix 6.0.14) on the simulator: every
step answers as it did on real Zabbix (the errors where real Zabbix gave errors), and two
simulators answer alike after normalisation."""
import json

from common.server import Simulator
from common.testing import InProcessSim
from zabbix.app import ZabbixApp
from zabbix.compare import Server, normalise, run, scenario
from zabbix.config import Config
from zabbix.testkit import ZabbixCase

# The steps that failed on real Zabbix, with the error data it gave.
EXPECTED_ERRORS = {
    2: 'Host group "cmp-t1" already exists.',
    6: 'User group "cmp-t1" already exists.',
    10: 'User with username "cmp-t1@example.com" already exists.',
    19: 'Host with the same name "cmp-t1-vdc" already exists.',
    24: 'Macro "{$OPENSTACK.APP.CRED.ID}" already exists on "cmp-t1-vdc".',
    26: "No permissions for system access.",
    28: 'Host "cmp-t1-vdc" cannot be without host group.',
    29: 'User "cmp-t1@example.com" cannot be without user group.',
    31: "No permissions to referred object or it does not exist!",
    36: "No permissions to referred object or it does not exist!",
}


class Scenario(ZabbixCase):
    def url(self, port):
        return f"http://127.0.0.1:{port}/api_jsonrpc.php"

    def test_scenario_errors_are_those_of_real_zabbix(self):
        results = run(Server(self.url(self.port), "zabbix"), scenario("t1"))
        errors = {i: r["error"]["data"] for i, r in enumerate(results) if "error" in r}
        self.assertEqual(errors, EXPECTED_ERRORS)
        self.assertEqual(results[-1]["result"], "0")   # nothing left
        self.assertNotIn("cmp-secret", json.dumps(results))

    def test_two_simulators_answer_alike(self):
        other = InProcessSim(Simulator(ZabbixApp(Config())))
        try:
            first = run(Server(self.url(self.port), "zabbix"), scenario("t1"))
            second = run(Server(self.url(other.port), "zabbix"), scenario("t1"))
        finally:
            other.stop()
        ids_a, ids_b = {}, {}
        for a, b in zip(first, second):
            self.assertEqual(normalise(a, ids_a), normalise(b, ids_b))
