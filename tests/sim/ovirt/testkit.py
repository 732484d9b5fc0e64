"""Helpers for the simulator's own tests (tests/sim/test_ovirt_*.py): an in-process simulator
on a hand-driven clock with the realistic durations (tick() moves time), a client that logs in
through SSO like the SDKs and sends Bearer, Accept and Version, and shortcuts for VMs."""
import http.client
import json
import unittest
from urllib.parse import quote, urlencode

from common.clock import ManualClock
from common.server import Simulator
from common.testing import Client, InProcessSim

from .app import OvirtApp
from .config import Config

API = "/ovirt-engine/api"
TOKEN_URL = "/ovirt-engine/sso/oauth/token"
GIB = 1 << 30


def form_post(port: int, path: str, fields: dict, headers=None):
    """A form POST (the SSO endpoints); returns (status, headers, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", path, body=urlencode(fields), headers=dict(
            {"Content-Type": "application/x-www-form-urlencoded"}, **(headers or {})))
        answer = conn.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        conn.close()


def token_fields(password="admin", user="admin@internal") -> dict:
    return {"grant_type": "password", "scope": "ovirt-app-api", "username": user,
            "password": password}


class EngineClient(Client):
    def login(self, password="admin"):
        status, _, body = form_post(self.port, TOKEN_URL, token_fields(password),
                                    {"Accept": "application/json"})
        if status != 200:
            raise AssertionError(f"login failed: {status} {body!r}")
        self.token = json.loads(body)["access_token"]
        self.headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json",
                        "Version": "4"}
        return self

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)


def search(text: str) -> str:
    return "search=" + quote(text, safe="")


class SimCase(unittest.TestCase):
    """An in-process simulator per test; time moves only with tick()."""

    config = {}

    def setUp(self):
        self.clock = ManualClock()
        config = Config()
        config.update(dict(self.config))
        self.app = OvirtApp(config, self.clock)
        self.sim = InProcessSim(Simulator(self.app, self.clock))
        self.api = EngineClient(self.sim.port).login()
        self.control = Client(self.sim.port)

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

    def ok(self, reply, status: int = 200):
        self.assertEqual(reply.status, status, reply)
        return reply.json

    def get(self, path: str, status: int = 200):
        return self.ok(self.api.get(API + path), status)

    def fault(self, reply, status: int, text: str = None) -> dict:
        """A bare fault {reason, detail} with a bracketed detail."""
        self.assertEqual(reply.status, status, reply)
        self.assertEqual(sorted(reply.json), ["detail", "reason"], reply)
        if text is not None:
            self.assertIn(text, reply.json["detail"])
        return reply.json

    def action_fault(self, reply, status: int, text: str) -> dict:
        self.assertEqual(reply.status, status, reply)
        self.assertEqual(reply.json["status"], "failed")
        self.assertEqual(reply.json["fault"]["reason"], "Operation Failed")
        self.assertIn(text, reply.json["fault"]["detail"])
        return reply.json

    def create(self, name="bm1", template="debian12", status=202, headers=None, query="",
               **extra):
        body = {"name": name, "cluster": {"name": "Default"}, "template": {"name": template}}
        body.update(extra)
        reply = self.api.post(f"{API}/vms{query}", body, headers=headers)
        return self.ok(reply, status)

    def vm(self, vm_id: str) -> dict:
        return self.get(f"/vms/{vm_id}")

    def status(self, vm_id: str) -> str:
        return self.vm(vm_id)["status"]

    def disk_states(self, vm_id: str) -> list:
        attachments = self.get(f"/vms/{vm_id}/diskattachments?follow=disk")
        return [a["disk"]["status"] for a in attachments.get("disk_attachment", [])]

    def act(self, vm_id: str, action: str, body=None, status: int = 200):
        return self.ok(self.api.post(f"{API}/vms/{vm_id}/{action}", body or {}), status)

    def created(self, name="bm1", template="debian12", **extra) -> str:
        """A VM made and settled (down, disks ok)."""
        vm_id = self.create(name, template, **extra)["id"]
        self.tick(130)
        self.assertEqual(self.status(vm_id), "down")
        return vm_id

    def running(self, name="bm1", template="debian12", **extra) -> str:
        vm_id = self.created(name, template, **extra)
        self.act(vm_id, "start")
        self.tick(41)
        self.assertEqual(self.status(vm_id), "up")
        return vm_id

    def boots(self, vm_id: str) -> list:
        return self.ctl("GET", f"vms/{vm_id}/boots")["boots"]
