"""Keystone application credentials in the OpenStack simulator, as the real tier's Keystone 22
answered (tests/real/FINDINGS.md §12): only the user creates one, the secret once, owner or
admin list and delete, authentication by id or name without a scope, and the lifecycle (a
disabled project, user or role; a deleted credential or user; the same-second revocation)."""
import unittest

from openstack.testkit import SimCase

KS = "/identity/v3"


def appcred_auth(secret: str, ident: str = None, name: str = None, user: str = None,
                 scope=None) -> dict:
    method = {"secret": secret}
    if ident is not None:
        method["id"] = ident
    else:
        method.update(name=name, user={"id": user})
    body = {"auth": {"identity": {"methods": ["application_credential"],
                                  "application_credential": method}}}
    if scope is not None:
        body["auth"]["scope"] = scope
    return body


class AppCredentials(SimCase):
    def setUp(self):
        super().setUp()
        self.user_client, self.project_id, self.user = self.member_client("ac")
        self.path = f"{KS}/users/{self.user}/application_credentials"

    def create(self, name="c1", client=None, **extra):
        reply = (client or self.user_client).post(self.path, {
            "application_credential": dict(name=name, **extra)})
        return reply

    def auth(self, body):
        return self.client().post(f"{KS}/auth/tokens", body)

    def test_create_shows_the_secret_once(self):
        cred = self.ok(self.create(description="d"), 201)["application_credential"]
        self.assertEqual(len(cred["secret"]), 86)
        self.assertEqual(cred["project_id"], self.project_id)
        self.assertEqual(cred["user_id"], self.user)
        self.assertIsNone(cred["unrestricted"])
        self.assertEqual(sorted(r["name"] for r in cred["roles"]), ["member", "reader"])
        for reply in (self.user_client.get(self.path), self.admin.get(self.path),
                      self.admin.get(f"{self.path}?name=c1"),
                      self.admin.get(f"{self.path}/{cred['id']}")):
            body = self.ok(reply)
            self.assertNotIn(cred["secret"], reply.raw.decode())
            listed = body.get("application_credentials") or [body["application_credential"]]
            self.assertEqual([c["id"] for c in listed], [cred["id"]])
            self.assertNotIn("secret", listed[0])
        self.assertEqual(self.ok(self.admin.get(f"{self.path}?name=other"))
                         ["application_credentials"], [])
        self.assertEqual(self.user_client.head(f"{self.path}/{cred['id']}").status, 200)

    def test_only_the_user_creates(self):
        reply = self.create(client=self.admin)
        self.assertEqual(reply.status, 403, reply)
        self.assertIn("identity:create_application_credential", reply.json["error"]["message"])
        self.ok(self.create(), 201)
        reply = self.create()
        self.assertEqual(reply.status, 409, reply)
        self.assertIn("Duplicate entry found with name c1", reply.json["error"]["message"])
        reply = self.create("c2", roles=[{"name": "admin"}])
        self.assertEqual(reply.status, 400, reply)
        self.assertIn("unassigned role", reply.json["error"]["message"])
        other, _, _ = self.member_client("ac2")
        self.assertEqual(other.get(self.path).status, 403)

    def test_authenticate_by_id_or_name_without_scope(self):
        cred = self.ok(self.create(), 201)["application_credential"]
        reply = self.auth(appcred_auth(cred["secret"], ident=cred["id"]))
        token = self.ok(reply, 201)["token"]
        self.assertEqual(token["methods"], ["application_credential"])
        self.assertEqual(token["project"]["id"], self.project_id)
        self.assertEqual(token["application_credential"],
                         {"id": cred["id"], "name": "c1", "restricted": True})
        self.ok(self.auth(appcred_auth(cred["secret"], name="c1", user=self.user)), 201)
        reply = self.auth(appcred_auth(cred["secret"], ident=cred["id"],
                                       scope={"project": {"id": self.project_id}}))
        self.assertEqual(reply.status, 401)
        self.assertIn("cannot request a scope", reply.json["error"]["message"])
        self.assertEqual(self.auth(appcred_auth("wrong", ident=cred["id"])).status, 401)
        self.assertEqual(self.auth(appcred_auth("x", ident="0" * 32)).status, 404)

        restricted = self.client()
        restricted.headers["X-Auth-Token"] = reply_token = \
            self.auth(appcred_auth(cred["secret"], ident=cred["id"])).headers["x-subject-token"]
        self.assertTrue(reply_token)
        self.assertEqual(self.create("c3", client=restricted).status, 403)
        self.ok(restricted.get(self.path))
        self.assertEqual(restricted.delete(f"{self.path}/{cred['id']}").status, 403)

    def test_delete_ends_the_credential_and_its_tokens(self):
        cred = self.ok(self.create(), 201)["application_credential"]
        reply = self.auth(appcred_auth(cred["secret"], ident=cred["id"]))
        issued = self.client()
        issued.headers["X-Auth-Token"] = reply.headers["x-subject-token"]
        self.ok(issued.get("/compute/v2.1/servers"))
        self.assertEqual(self.admin.delete(f"{self.path}/{cred['id']}").status, 204)
        self.assertEqual(self.admin.delete(f"{self.path}/{cred['id']}").status, 404)
        self.assertEqual(issued.get("/compute/v2.1/servers").status, 401)
        self.assertEqual(self.auth(appcred_auth(cred["secret"], ident=cred["id"])).status, 404)

    def test_lifecycle_of_project_user_and_role(self):
        cred = self.ok(self.create(), 201)["application_credential"]
        body = appcred_auth(cred["secret"], ident=cred["id"])
        self.ok(self.admin.patch(f"{KS}/projects/{self.project_id}",
                                 {"project": {"enabled": False}}))
        reply = self.auth(body)
        self.assertEqual(reply.status, 404)
        self.assertIn("is disabled", reply.json["error"]["message"])
        self.ok(self.admin.patch(f"{KS}/projects/{self.project_id}",
                                 {"project": {"enabled": True}}))
        self.ok(self.auth(body), 201)
        self.ok(self.admin.patch(f"{KS}/users/{self.user}", {"user": {"enabled": False}}))
        self.assertEqual(self.auth(body).status, 401)
        self.assertEqual(len(self.ok(self.admin.get(self.path))["application_credentials"]), 1)
        self.ok(self.admin.patch(f"{KS}/users/{self.user}", {"user": {"enabled": True}}))
        self.ok(self.auth(body), 201)
        member = self.ok(self.admin.get(f"{KS}/roles?name=member"))["roles"][0]["id"]
        self.assertEqual(self.admin.delete(f"{KS}/projects/{self.project_id}/users/{self.user}"
                                           f"/roles/{member}").status, 204)
        self.assertEqual(self.auth(body).status, 401)
        self.assertEqual(self.admin.delete(f"{KS}/users/{self.user}").status, 204)
        self.assertEqual(self.ctl("GET", "state")["appcreds"], [])
        self.assertEqual(self.ok(self.admin.get(self.path))["application_credentials"], [])

    def test_same_second_revocation_after_a_password_change(self):
        self.ok(self.admin.patch(f"{KS}/users/{self.user}", {"user": {"password": "pw2"}}))
        login = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "id": self.user, "password": "pw2"}}}, "scope": {"project": {"id": self.project_id}}}}
        reply = self.client().post(f"{KS}/auth/tokens", login)
        self.assertEqual(reply.status, 201)
        token = reply.headers["x-subject-token"]
        check = self.client()
        check.headers["X-Auth-Token"] = token
        self.assertEqual(check.get("/compute/v2.1/servers").status, 401)
        self.tick(1.1)
        self.ok(self.client().post(f"{KS}/auth/tokens", login), 201)


class DisableRevokes(SimCase):
    config = {"same_second_revocation": "password_and_disable"}

    def test_a_disable_refuses_tokens_of_that_second(self):
        client, project, user = self.member_client("dr")
        self.ok(self.admin.patch(f"{KS}/users/{user}", {"user": {"enabled": False}}))
        self.ok(self.admin.patch(f"{KS}/users/{user}", {"user": {"enabled": True}}))
        fresh = self.client().login("dr-user", "pw", "dr")
        self.assertEqual(fresh.get("/compute/v2.1/servers").status, 401)
        self.tick(1.1)
        self.ok(self.client().login("dr-user", "pw", "dr").get("/compute/v2.1/servers"))
        del client, project


if __name__ == "__main__":
    unittest.main()
