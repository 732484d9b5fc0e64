"""Helpers for the simulator's own tests (tests/sim/test_openstack_*.py): an in-process
simulator on a hand-driven clock, a client that logs in like keystoneauth and keeps the
token and the catalog, and shortcuts for each service's URL."""
import unittest

from common.clock import ManualClock
from .act_then import OpenStackSimulator
from common.testing import Client, InProcessSim

from .app import OpenStackApp
from .config import Config
from .fixtures import ADMIN_PROJECT_ID


def password_auth(user: str, password: str, project: str = None, domain: str = None,
                  by_id: bool = False) -> dict:
    user_ref = {"id": user} if by_id else {"name": user, "domain": {"name": "Default"}}
    body = {"auth": {"identity": {"methods": ["password"], "password": {
        "user": dict(user_ref, password=password)}}}}
    if project is not None:
        ref = {"id": project} if by_id else {"name": project, "domain": {"name": "Default"}}
        body["auth"]["scope"] = {"project": ref}
    elif domain is not None:
        body["auth"]["scope"] = {"domain": {"name": domain}}
    return body


class OsClient(Client):
    """A client holding one token (X-Auth-Token on every call)."""

    def login(self, user="admin", password="admin", project="admin", **kw):
        reply = self.post("/identity/v3/auth/tokens", password_auth(user, password, project,
                                                                    **kw))
        if reply.status != 201:
            raise AssertionError(f"login failed: {reply}")
        self.headers["X-Auth-Token"] = reply.headers["x-subject-token"]
        self.token = reply.json["token"]
        self.project_id = self.token.get("project", {}).get("id")
        return self

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def head(self, path, **kw):
        return self.request("HEAD", path, **kw)

    def cinder(self, path: str = "") -> str:
        return f"/volume/v3/{self.project_id}{path}"


class SimCase(unittest.TestCase):
    """An in-process simulator per test, time moved by hand with tick()."""

    config = {}

    def setUp(self):
        self.clock = ManualClock()
        config = Config()
        config.update(dict(self.config))
        self.app = OpenStackApp(config, self.clock)
        self.sim = InProcessSim(OpenStackSimulator(self.app, self.clock))
        self.admin = self.client().login()
        self.control = Client(self.sim.port)

    def tearDown(self):
        self.sim.stop()

    def client(self) -> OsClient:
        return OsClient(self.sim.port)

    def tick(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def ok(self, reply, status: int = 200):
        self.assertEqual(reply.status, status, reply)
        return reply.json

    def ctl(self, method: str, path: str, body=None):
        reply = self.control.request(method, "/__sim__/" + path, body)
        self.assertEqual(reply.status, 200, reply)
        return reply.json

    def project(self, name: str, client=None) -> str:
        reply = (client or self.admin).post("/identity/v3/projects", {
            "project": {"name": name, "domain_id": "default"}})
        return self.ok(reply, 201)["project"]["id"]

    def member_client(self, name: str, role: str = "member"):
        """A project, a user with role on it, and a client logged in as that user."""
        project = self.project(name)
        user = self.ok(self.admin.post("/identity/v3/users", {"user": {
            "name": f"{name}-user", "domain_id": "default", "password": "pw"}}), 201)["user"]
        role_id = self.ok(self.admin.get(f"/identity/v3/roles?name={role}"))["roles"][0]["id"]
        reply = self.admin.put(f"/identity/v3/projects/{project}/users/{user['id']}/roles/"
                               f"{role_id}")
        self.assertEqual(reply.status, 204, reply)
        return self.client().login(f"{name}-user", "pw", name), project, user["id"]

    def seed(self, **spec):
        return self.ctl("POST", "seed", spec)


ADMIN_PROJECT = ADMIN_PROJECT_ID
