"""Keystone v3 in the OpenStack simulator: tokens and the catalog, version discovery,
projects, users, roles and role assignments, policy (403), token expiry."""
import unittest

from openstack.testkit import ADMIN_PROJECT, SimCase, password_auth

KS = "/identity/v3"


class Tokens(SimCase):
    def test_token_only_in_header_and_body_shape(self):
        reply = self.client().post(f"{KS}/auth/tokens", password_auth("admin", "admin", "admin"))
        self.assertEqual(reply.status, 201, reply)
        token = reply.headers["x-subject-token"]
        self.assertTrue(token.startswith("gAAAAAB") and len(token) > 150)
        self.assertNotIn(token, reply.raw.decode())
        body = reply.json["token"]
        self.assertEqual(body["project"], {"domain": {"id": "default", "name": "Default"},
                                           "id": ADMIN_PROJECT, "name": "admin"})
        self.assertEqual(body["user"]["name"], "admin")
        self.assertEqual(sorted(r["name"] for r in body["roles"]), ["admin", "member", "reader"])
        self.assertRegex(body["expires_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
        self.assertIn("x-openstack-request-id", reply.headers)

    def test_catalog(self):
        catalog = self.admin.token["catalog"]
        types = {s["type"]: s for s in catalog}
        self.assertEqual(sorted(types), sorted(["identity", "compute", "volumev3",
                                                "block-storage", "network", "load-balancer",
                                                "image"]))
        base = f"http://127.0.0.1:{self.sim.port}"
        for service in catalog:
            self.assertTrue(service["id"] and service["name"])
            self.assertEqual(sorted(e["interface"] for e in service["endpoints"]),
                             ["admin", "internal", "public"])
            for endpoint in service["endpoints"]:
                self.assertEqual((endpoint["region"], endpoint["region_id"]),
                                 ("RegionOne", "RegionOne"))
                self.assertTrue(endpoint["id"])
        urls = {t: s["endpoints"][0]["url"] for t, s in types.items()}
        self.assertEqual(urls["compute"], base + "/compute/v2.1")
        self.assertEqual(urls["volumev3"], f"{base}/volume/v3/{ADMIN_PROJECT}")
        self.assertEqual(urls["block-storage"], urls["volumev3"])
        self.assertEqual(urls["network"], base + "/network")
        self.assertEqual(urls["load-balancer"], base + "/load-balancer")
        self.assertEqual(urls["image"], base + "/image")

    def test_user_and_project_by_id(self):
        reply = self.client().post(f"{KS}/auth/tokens", password_auth(
            "ad0000000000400080000000000000b1", "admin", ADMIN_PROJECT, by_id=True))
        self.assertEqual(reply.status, 201, reply)

    def test_domain_scoped_token_has_no_cinder_endpoints(self):
        reply = self.admin.put(f"{KS}/domains/default/users/ad0000000000400080000000000000b1/"
                               "roles/ad0000000000400080000000000000c1")
        self.assertEqual(reply.status, 204, reply)
        body = self.ok(self.client().post(f"{KS}/auth/tokens", password_auth(
            "admin", "admin", domain="Default")), 201)["token"]
        self.assertEqual(body["domain"], {"id": "default", "name": "Default"})
        self.assertNotIn("project", body)
        endpoints = {s["type"]: s["endpoints"] for s in body["catalog"]}
        self.assertEqual(endpoints["volumev3"], [])
        self.assertEqual(endpoints["block-storage"], [])
        self.assertEqual(len(endpoints["compute"]), 3)

    def test_bad_credentials(self):
        for body in (password_auth("admin", "wrong", "admin"),
                     password_auth("nobody", "admin", "admin")):
            reply = self.client().post(f"{KS}/auth/tokens", body)
            self.assertEqual(reply.status, 401)
            self.assertEqual(reply.json, {"error": {
                "code": 401, "title": "Unauthorized",
                "message": "The request you have made requires authentication."}})
        self.assertEqual(self.ctl("GET", "state")["login_failures"], 2)

    def test_malformed_auth_is_400(self):
        reply = self.client().post(f"{KS}/auth/tokens", {"auth": {}})
        self.assertEqual(reply.status, 400)
        self.assertEqual(reply.json["error"]["title"], "Bad Request")

    def test_scope_without_role_is_401(self):
        self.project("lonely")
        reply = self.client().post(f"{KS}/auth/tokens", password_auth("admin", "admin",
                                                                        "lonely"))
        self.assertEqual(reply.status, 401)
        # real Zed never says why (FINDINGS §1 item 9)
        self.assertEqual(reply.json["error"]["message"],
                         "The request you have made requires authentication.")
        self.assertEqual(reply.headers["www-authenticate"],
                         f'Keystone uri="http://127.0.0.1:{self.sim.port}/identity/v3"')

    def test_validate_check_revoke(self):
        other = self.client().login()
        subject = {"X-Subject-Token": other.headers["X-Auth-Token"]}
        reply = self.admin.get(f"{KS}/auth/tokens", headers=subject)
        self.assertEqual(reply.status, 200, reply)
        self.assertEqual(reply.headers["x-subject-token"], subject["X-Subject-Token"])
        self.assertEqual(reply.json["token"]["project"]["name"], "admin")
        self.assertNotIn("catalog", self.ok(self.admin.get(f"{KS}/auth/tokens?nocatalog",
                                                           headers=subject))["token"])
        self.assertEqual(self.admin.head(f"{KS}/auth/tokens", headers=subject).status, 200)
        self.assertEqual(self.admin.delete(f"{KS}/auth/tokens", headers=subject).status, 204)
        reply = self.admin.get(f"{KS}/auth/tokens", headers=subject)
        self.assertEqual((reply.status, reply.json["error"]["message"]),
                         (404, "Failed to validate token"))
        reply = self.admin.get(f"{KS}/auth/tokens", headers={"X-Subject-Token": "garbage"})
        self.assertEqual((reply.status, reply.json["error"]["message"]),
                         (404, "Could not recognize Fernet token"))
        self.assertEqual(other.get("/compute/v2.1/servers").status, 401)

    def test_tokens_expire(self):
        self.tick(3599)
        self.assertEqual(self.admin.get("/compute/v2.1/servers").status, 200)
        self.tick(2)
        reply = self.admin.get("/compute/v2.1/servers")
        self.assertEqual(reply.status, 401)
        self.assertEqual(reply.json["error"]["code"], 401)
        self.assertIn("Keystone uri=", reply.headers["www-authenticate"])
        fresh = self.client().login()
        self.assertEqual(fresh.get(f"{KS}/auth/tokens", headers={
            "X-Subject-Token": self.admin.headers["X-Auth-Token"]}).status, 404)

    def test_token_ttl_knob_and_expire_all(self):
        self.ctl("POST", "config", {"token_ttl": 60})
        client = self.client().login()
        self.assertEqual(client.get("/network/v2.0/networks").status, 200)
        self.tick(61)
        self.assertEqual(client.get("/network/v2.0/networks").status, 401)
        client.login()
        self.assertGreaterEqual(self.ctl("POST", "tokens/expire")["expired"], 1)
        self.assertEqual(client.get("/network/v2.0/networks").status, 401)
        self.assertEqual(client.get("/load-balancer/v2/lbaas/loadbalancers").status, 401)

    def test_missing_token_everywhere(self):
        anonymous = self.client()
        for path in ("/compute/v2.1/servers", f"/volume/v3/{ADMIN_PROJECT}/volumes",
                     "/network/v2.0/networks", "/load-balancer/v2/lbaas/loadbalancers",
                     "/image/v2/images", f"{KS}/projects"):
            reply = anonymous.get(path)
            self.assertEqual(reply.status, 401, path)
            if path.startswith("/image"):   # real Glance: webob's shape (FINDINGS §1 item 8)
                self.assertEqual(reply.json["title"], "Unauthorized")
                self.assertEqual(reply.json["code"], "401 Unauthorized")
                self.assertTrue(reply.json["message"].startswith(
                    "This server could not verify that you are authorized"))
            else:
                self.assertEqual(reply.json["error"]["title"], "Unauthorized")
            self.assertIn("www-authenticate", reply.headers)


class RealKeystoneFacts(SimCase):
    """What real Keystone (Zed) answers, from tests/real/FINDINGS.md."""

    def test_every_refused_authentication_is_the_same_401(self):
        """§1 item 9: wrong password, unknown or disabled project, disabled user, no role
        on a domain: one generic 401 with WWW-Authenticate naming /v3."""
        KS_URL = f"http://127.0.0.1:{self.sim.port}{KS}"
        disabled = self.project("off")
        self.ok(self.admin.patch(f"{KS}/projects/{disabled}",
                                 {"project": {"enabled": False}}))
        bodies = [password_auth("admin", "wrong", "admin"),
                  password_auth("admin", "admin", "no-such-project"),
                  password_auth("admin", "admin", "off"),
                  {"auth": {"identity": {"methods": ["password"], "password": {"user": {
                      "id": "ad0000000000400080000000000000b1", "password": "admin"}}},
                      "scope": {"domain": {"name": "Default"}}}}]
        for body in bodies:
            reply = self.client().post(f"{KS}/auth/tokens", body)
            self.assertEqual(reply.status, 401, body)
            self.assertEqual(reply.json, {"error": {
                "code": 401, "title": "Unauthorized",
                "message": "The request you have made requires authentication."}})
            self.assertEqual(reply.headers["www-authenticate"], f'Keystone uri="{KS_URL}"')

    def test_patch_replies_carry_extra(self):
        """§2: PATCH of a project or user answers with "extra": {} (create and GET do not)."""
        project = self.project("p-extra")
        patched = self.ok(self.admin.patch(f"{KS}/projects/{project}",
                                           {"project": {"enabled": False}}))["project"]
        self.assertEqual(patched["extra"], {})
        self.assertNotIn("extra", self.ok(self.admin.get(f"{KS}/projects/{project}"))["project"])
        user = self.ok(self.admin.post(f"{KS}/users", {"user": {
            "name": "u-extra", "domain_id": "default", "password": "pw"}}), 201)["user"]
        self.assertNotIn("extra", user)
        patched = self.ok(self.admin.patch(f"{KS}/users/{user['id']}",
                                           {"user": {"enabled": False}}))["user"]
        self.assertEqual(patched["extra"], {})


class Discovery(SimCase):
    def test_documents(self):
        anonymous = self.client()
        base = f"http://127.0.0.1:{self.sim.port}"
        reply = anonymous.get("/identity")
        self.assertEqual(reply.status, 300)
        version = reply.json["versions"]["values"][0]
        self.assertEqual((version["id"], version["status"]), ("v3.14", "stable"))
        self.assertEqual(version["links"][0]["href"], base + "/identity/v3/")
        self.assertEqual(self.ok(anonymous.get("/identity/v3"))["version"]["id"], "v3.14")
        nova = self.ok(anonymous.get("/compute/"))["versions"]
        self.assertEqual([(v["id"], v["status"]) for v in nova],
                         [("v2.0", "SUPPORTED"), ("v2.1", "CURRENT")])
        self.assertEqual((nova[1]["min_version"], nova[1]["version"]), ("2.1", "2.93"))
        self.assertEqual(self.ok(anonymous.get("/compute/v2.1"))["version"]["version"], "2.93")
        reply = anonymous.get("/volume/")
        self.assertEqual(reply.status, 300)
        self.assertEqual(reply.json["versions"][0]["version"], "3.70")
        self.assertEqual(self.ok(anonymous.get("/network"))["versions"][0]["id"], "v2.0")
        octavia = self.ok(anonymous.get("/load-balancer"))["versions"]
        self.assertEqual(octavia[-1]["status"], "CURRENT")
        self.assertEqual(octavia[0]["links"][0]["href"], base + "/load-balancer/v2")
        self.assertEqual(anonymous.get("/image").status, 300)
        self.assertEqual(anonymous.get("/network/v2.0").status, 401)
        self.assertEqual(self.ok(self.admin.get("/network/v2.0"))["resources"][0]["name"],
                         "network")


class Identity(SimCase):
    def test_project_crud_and_name_lookup(self):
        created = self.ok(self.admin.post(f"{KS}/projects", {"project": {
            "name": "p1", "domain_id": "default", "description": "d", "enabled": True,
            "x_custom": 1}}), 201)["project"]
        self.assertEqual(created["links"]["self"],
                         f"http://127.0.0.1:{self.sim.port}{KS}/projects/{created['id']}")
        self.assertEqual((created["x_custom"], created["is_domain"]), (1, False))
        reply = self.admin.get(f"{KS}/projects/p1")
        self.assertEqual(reply.status, 404)
        self.assertEqual(reply.json["error"]["message"], "Could not find project: p1.")
        found = self.ok(self.admin.get(f"{KS}/projects?name=p1"))
        self.assertEqual([p["id"] for p in found["projects"]], [created["id"]])
        self.assertEqual(found["links"]["next"], None)
        self.assertEqual(self.ok(self.admin.get(f"{KS}/projects?name=zz"))["projects"], [])
        duplicate = self.admin.post(f"{KS}/projects", {"project": {"name": "p1"}})
        self.assertEqual(duplicate.status, 409)
        self.assertEqual(duplicate.json["error"]["title"], "Conflict")
        patched = self.ok(self.admin.patch(f"{KS}/projects/{created['id']}",
                                           {"project": {"enabled": False}}))["project"]
        self.assertFalse(patched["enabled"])
        self.assertEqual(self.admin.delete(f"{KS}/projects/{created['id']}").status, 204)
        self.assertEqual(self.admin.get(f"{KS}/projects/{created['id']}").status, 404)
        self.assertEqual(self.admin.delete(f"{KS}/projects/{created['id']}").status, 404)

    def test_bad_project_bodies(self):
        for body in ({"project": {}}, {"project": {"name": ""}}, {"nope": {}},
                     {"project": {"name": "x", "enabled": "yes"}},
                     {"project": {"name": "x", "domain_id": "nodomain"}}):
            reply = self.admin.post(f"{KS}/projects", body)
            self.assertIn(reply.status, (400, 404), body)
            self.assertEqual(reply.json["error"]["code"], reply.status)

    def test_users_roles_assignments(self):
        project = self.project("p2")
        user = self.ok(self.admin.post(f"{KS}/users", {"user": {
            "name": "u2", "domain_id": "default", "password": "pw",
            "default_project_id": project}}), 201)["user"]
        self.assertNotIn("password", user)
        self.assertEqual(user["default_project_id"], project)
        self.assertEqual(self.admin.post(f"{KS}/users", {"user": {"name": "u2"}}).status, 409)
        self.assertEqual(self.admin.get(f"{KS}/users/u2").status, 404)
        self.assertEqual(self.ok(self.admin.get(f"{KS}/users?name=u2"))["users"][0]["id"],
                         user["id"])
        roles = self.ok(self.admin.get(f"{KS}/roles"))["roles"]
        self.assertEqual(sorted(r["name"] for r in roles), ["admin", "member", "reader"])
        member = self.ok(self.admin.get(f"{KS}/roles?name=member"))["roles"][0]
        self.assertEqual(self.admin.get(f"{KS}/roles/member").status, 404)
        grant = f"{KS}/projects/{project}/users/{user['id']}/roles/{member['id']}"
        self.assertEqual(self.admin.head(grant).status, 404)
        self.assertEqual(self.admin.put(grant).status, 204)
        self.assertEqual(self.admin.head(grant).status, 204)
        listing = self.ok(self.admin.get(
            f"{KS}/role_assignments?scope.project.id={project}&include_names=1"))
        self.assertEqual(len(listing["role_assignments"]), 1)
        entry = listing["role_assignments"][0]
        self.assertEqual(entry["user"]["name"], "u2")
        self.assertEqual(entry["role"]["name"], "member")
        self.assertEqual(entry["scope"]["project"]["domain"]["name"], "Default")
        self.assertTrue(entry["links"]["assignment"].endswith(grant))
        effective = self.ok(self.admin.get(
            f"{KS}/role_assignments?user.id={user['id']}&effective"))["role_assignments"]
        self.assertEqual(sorted(e["role"]["id"] for e in effective),
                         sorted([member["id"], "ad0000000000400080000000000000c3"]))
        # the user logs in scoped to the project; without a default scope too
        scoped = self.client().login("u2", "pw", "p2")
        self.assertEqual(sorted(r["name"] for r in scoped.token["roles"]), ["member", "reader"])
        unscoped = self.ok(self.client().post(f"{KS}/auth/tokens", password_auth(
            "u2", "pw")), 201)["token"]
        self.assertEqual(unscoped["project"]["id"], project)
        self.assertEqual(self.admin.delete(grant).status, 204)
        self.assertEqual(self.admin.delete(grant).status, 404)
        self.assertEqual(scoped.get("/compute/v2.1/servers").status, 401)
        self.assertEqual(self.admin.delete(f"{KS}/users/{user['id']}").status, 204)
        self.assertEqual(self.admin.get(f"{KS}/users/{user['id']}").status, 404)

    def test_disabling_project_or_user_kills_its_tokens(self):
        client, project, user = self.member_client("p3")
        self.assertEqual(client.get("/compute/v2.1/servers").status, 200)
        self.ok(self.admin.patch(f"{KS}/projects/{project}", {"project": {"enabled": False}}))
        self.assertEqual(client.get("/compute/v2.1/servers").status, 401)
        reply = self.client().post(f"{KS}/auth/tokens", password_auth("p3-user", "pw", "p3"))
        self.assertEqual(reply.status, 401)
        self.ok(self.admin.patch(f"{KS}/projects/{project}", {"project": {"enabled": True}}))
        client.login("p3-user", "pw", "p3")
        self.ok(self.admin.patch(f"{KS}/users/{user}", {"user": {"enabled": False}}))
        self.assertEqual(client.get("/compute/v2.1/servers").status, 401)

    def test_non_admin_gets_403(self):
        client, project, _ = self.member_client("p4")
        for method, path, body in (
                ("GET", f"{KS}/projects", None),
                ("POST", f"{KS}/projects", {"project": {"name": "x"}}),
                ("GET", f"{KS}/users", None),
                ("GET", f"{KS}/role_assignments", None),
                ("GET", f"{KS}/projects/{ADMIN_PROJECT}", None)):
            reply = client.request(method, path, body)
            self.assertEqual(reply.status, 403, path)
            self.assertEqual(reply.json["error"]["title"], "Forbidden")
        self.assertEqual(self.ok(client.get(f"{KS}/projects/{project}"))["project"]["name"],
                         "p4")

    def test_project_delete_keeps_resources(self):
        client, project, _ = self.member_client("p5")
        net = self.ok(client.post("/network/v2.0/networks", {"network": {"name": "n"}}),
                      201)["network"]
        vol = self.ok(client.post(client.cinder("/volumes"), {"volume": {"size": 1}}),
                      202)["volume"]
        self.assertEqual(self.admin.delete(f"{KS}/projects/{project}").status, 204)
        nets = self.ok(self.admin.get(f"/network/v2.0/networks?project_id={project}"))
        self.assertEqual([n["id"] for n in nets["networks"]], [net["id"]])
        vols = self.ok(self.admin.get(self.admin.cinder(
            f"/volumes/detail?all_tenants=1&project_id={project}")))
        self.assertEqual([v["id"] for v in vols["volumes"]], [vol["id"]])


if __name__ == "__main__":
    unittest.main()
