"""Helpers for the simulator's own tests (tests/sim/test_zabbix_*.py): an in-process simulator
on a hand-driven clock, a JSON-RPC client that logs in as Admin and sends `auth` in the body,
and the customer objects the console add-on makes (DESIGN §14)."""
import http.client
import json
import unittest

from common.clock import ManualClock
from common.server import Simulator
from common.testing import Client, InProcessSim

from .app import ENDPOINT, ZabbixApp
from .config import Config

SECRET = "appcred-secret-0123456789"
PASSWORD = "Customer-pass-1234"


def raw_post(port: int, body: bytes, content_type="application/json-rpc", headers=None,
             method="POST", path=ENDPOINT):
    """(status, headers, body bytes) of one request on its own connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=dict({"Content-Type": content_type},
                                                              **(headers or {})))
        answer = conn.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        conn.close()


class RpcClient:
    def __init__(self, port: int):
        self.port = port
        self.auth = None
        self.next_id = 0

    def envelope(self, method: str, params, auth=None) -> dict:
        self.next_id += 1
        body = {"jsonrpc": "2.0", "method": method, "params": params, "id": self.next_id}
        if auth is not None:
            body["auth"] = auth
        return body

    def send(self, method: str, params=None, auth="default", headers=None) -> dict:
        """The whole answer envelope; auth "default" is the client's session (if any)."""
        auth = self.auth if auth == "default" else auth
        body = self.envelope(method, {} if params is None else params, auth)
        status, _, payload = raw_post(self.port, json.dumps(body).encode(), headers=headers)
        if status != 200:
            raise AssertionError(f"HTTP {status}: {payload[:300]!r}")
        return json.loads(payload)

    def call(self, method: str, params=None, **kw):
        answer = self.send(method, params, **kw)
        if "error" in answer:
            raise AssertionError(f"{method}: {answer['error']}")
        return answer["result"]

    def login(self, username="Admin", password="zabbix"):
        self.auth = self.call("user.login", {"username": username, "password": password},
                              auth=None)
        return self


class ZabbixCase(unittest.TestCase):
    """An in-process simulator per test; time moves only with tick()."""

    config = {}

    def setUp(self):
        self.clock = ManualClock()
        config = Config()
        config.update(dict(self.config))
        self.app = ZabbixApp(config, self.clock)
        self.sim = InProcessSim(Simulator(self.app, self.clock))
        self.port = self.sim.port
        self.api = RpcClient(self.port).login()
        self.control = Client(self.port)

    def tearDown(self):
        self.sim.stop()

    def tick(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def ctl(self, method: str, path: str, body=None):
        reply = self.control.request(method, "/__sim__/" + path, body)
        self.assertEqual(reply.status, 200, reply)
        return reply.json

    def knob(self, **changes):
        return self.ctl("POST", "config", changes)

    def error(self, answer: dict, code: int, data: str = None) -> dict:
        """An error envelope with that code (and exactly that data)."""
        self.assertIn("error", answer, answer)
        self.assertEqual(answer["error"]["code"], code, answer)
        self.assertEqual(sorted(answer["error"]), ["code", "data", "message"])
        if data is not None:
            self.assertEqual(answer["error"]["data"], data)
        return answer["error"]

    def customer(self, name="c1", template=None) -> dict:
        """What `open` makes for a customer: host group, user group (read-write), user, and
        the auto-registration action for agents with `cust=tok-<name>` in their metadata."""
        api = self.api
        group = api.call("hostgroup.create", {"name": f"pm-customer-{name}"})["groupids"][0]
        usrgrp = api.call("usergroup.create", {"name": f"pm-customer-{name}",
                                               "rights": [{"id": group, "permission": 3}]})
        usrgrp = usrgrp["usrgrpids"][0]
        user = api.call("user.create", {"username": f"{name}@example.com", "passwd": PASSWORD,
                                        "roleid": "1", "usrgrps": [{"usrgrpid": usrgrp}]})
        user = user["userids"][0]
        operations = [{"operationtype": 2}, {"operationtype": 4, "opgroup": [{"groupid": group}]}]
        if template:
            operations.append({"operationtype": 6, "optemplate": [{"templateid": template}]})
        action = api.call("action.create", {
            "name": f"pm-customer-{name}", "eventsource": 2,
            "filter": {"evaltype": 0, "conditions": [
                {"conditiontype": 24, "operator": 2, "value": f"cust=tok-{name}"}]},
            "operations": operations})["actionids"][0]
        return {"groupid": group, "usrgrpid": usrgrp, "userid": user, "actionid": action}

    def vdc_host(self, groupid: str, item="7", secret=SECRET) -> str:
        return self.api.call("host.create", {
            "host": f"pm-vdc-{item}", "groups": [{"groupid": groupid}],
            "macros": [{"macro": "{$OPENSTACK.AUTH.URL}", "value": "http://127.0.0.1:5000/v3"},
                       {"macro": "{$OPENSTACK.APP.CRED.ID}", "value": "cred-id-1"},
                       {"macro": "{$OPENSTACK.APP.CRED.SECRET}", "value": secret,
                        "type": 1}]})["hostids"][0]
