"""The oVirt simulator: SSO token endpoint, Bearer and Basic authentication, the HTML 401,
logout, the API root, version handling and Correlation-Id (ovirt.md §2, §3.1, §4.3)."""
import base64
import http.client
import json
import unittest

from common.testing import Client
from ovirt.testkit import API, TOKEN_URL, SimCase, form_post, token_fields


class Token(SimCase):
    def test_token_reply(self):
        status, headers, body = form_post(self.sim.port, TOKEN_URL, token_fields(),
                                          {"Accept": "application/json"})
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("application/json"))
        answer = json.loads(body)
        self.assertEqual(sorted(answer), ["access_token", "exp", "scope", "token_type"])
        self.assertEqual((answer["exp"], answer["token_type"]),
                         ("9223372036854775807", "bearer"))

    def test_accept_must_equal_application_json(self):
        for accept in (None, "application/json, */*", "*/*", "application/xml"):
            headers = {} if accept is None else {"Accept": accept}
            status, _, body = form_post(self.sim.port, TOKEN_URL, token_fields(), headers)
            self.assertEqual(status, 400, accept)
            self.assertEqual(json.loads(body), {"error_code": "invalid_request",
                                                "error": "Missing parameter: 'Accept Header'"})

    def test_bad_password_grant_and_scope(self):
        accept = {"Accept": "application/json"}
        status, _, body = form_post(self.sim.port, TOKEN_URL, token_fields("wrong"), accept)
        self.assertEqual((status, json.loads(body)["error_code"]), (400, "access_denied"))
        fields = dict(token_fields(), grant_type="client_credentials")
        status, _, body = form_post(self.sim.port, TOKEN_URL, fields, accept)
        self.assertEqual((status, json.loads(body)["error_code"]), (400, "unsupported_grant_type"))
        fields = dict(token_fields(), scope="openid")
        status, _, body = form_post(self.sim.port, TOKEN_URL, fields, accept)
        self.assertEqual(status, 400)
        self.assertEqual(self.ctl("GET", "state")["login_failures"], 1)

    def test_password_never_logged(self):
        form_post(self.sim.port, TOKEN_URL, token_fields("s3cret-pw"),
                  {"Accept": "application/json"})
        self.assertNotIn("s3cret-pw", json.dumps(self.ctl("GET", "requests")))


class Bearer(SimCase):
    def assert_html_401(self, reply):
        self.assertEqual(reply.status, 401)
        self.assertTrue(reply.headers["content-type"].startswith("text/html"))
        self.assertEqual(reply.headers["www-authenticate"], 'Basic realm="RESTAPI"')
        self.assertIn(b"invalid_grant", reply.raw)

    def test_root(self):
        root = self.get("")
        self.assertEqual(root["product_info"]["version"]["major"], "4")
        self.assertEqual(root["special_objects"]["blank_template"]["id"],
                         "00000000-0000-0000-0000-000000000000")
        self.assertIsInstance(root["time"], int)   # dates are epoch ms numbers

    def test_no_or_unknown_token_is_html_401(self):
        self.assert_html_401(Client(self.sim.port).get(API + "/vms"))
        self.assert_html_401(self.api.get(API + "/vms", headers={"Authorization": "Bearer x"}))

    def test_expired_tokens_and_relogin(self):
        self.assertEqual(self.ctl("POST", "tokens/expire"), {"expired": 1})
        self.assert_html_401(self.api.get(API + "/vms"))
        self.api.login()
        self.assertEqual(self.api.get(API + "/vms").status, 200)

    def test_idle_token_ttl(self):
        self.knob(token_ttl=60)
        self.tick(50)
        self.assertEqual(self.api.get(API).status, 200)   # use renews it
        self.tick(50)
        self.assertEqual(self.api.get(API).status, 200)
        self.tick(61)
        self.assert_html_401(self.api.get(API))

    def test_logout_revokes(self):
        status, _, _ = form_post(self.sim.port, "/ovirt-engine/services/sso-logout",
                                 {"scope": "ovirt-app-api", "token": self.api.token})
        self.assertEqual(status, 200)
        self.assert_html_401(self.api.get(API))

    def test_basic_auth_logs_in_per_request(self):
        basic = "Basic " + base64.b64encode(b"admin@internal:admin").decode()
        client = Client(self.sim.port)
        client.headers = {"Accept": "application/json"}
        for _ in range(2):
            self.assertEqual(client.get(API + "/vms", headers={"Authorization": basic}).status,
                             200)
        self.assertEqual(self.ctl("GET", "state")["logins"], 3)
        wrong = "Basic " + base64.b64encode(b"admin@internal:no").decode()
        self.assertEqual(client.get(API, headers={"Authorization": wrong}).status, 401)


class Versions(SimCase):
    def test_v4_prefix_and_header(self):
        self.assertEqual(self.api.get(API + "/v4/clusters").status, 200)
        reply = self.api.get(API + "/clusters", headers={"Version": "3"})
        self.assertEqual((reply.status, reply.raw), (400, b""))
        reply = self.api.get(API + "/v3/clusters")
        self.assertEqual((reply.status, reply.raw), (400, b""))

    def test_unknown_route_and_matrix_parameters(self):
        self.assertEqual(self.api.get(API + "/nothing").raw, b"")
        self.assertEqual(self.api.get(API + "/nothing").status, 404)
        self.assertEqual(len(self.get("/templates;max=2")["template"]), 2)


class Negotiation(SimCase):
    def test_json_only(self):
        reply = self.api.get(API + "/vms", headers={"Accept": "application/xml"})
        self.assertEqual((reply.status, reply.raw), (406, b""))
        self.assertEqual(self.api.get(API + "/vms?accept=application/json",
                                      headers={"Accept": "*/*"}).status, 200)
        reply = self.api.request("PUT", API + "/vms/00000000-0000-4000-8000-000000000000",
                                 None, headers={"Content-Type": "application/xml"})
        self.assertEqual(reply.status, 404)   # no body: nothing to refuse
        conn = http.client.HTTPConnection("127.0.0.1", self.sim.port, timeout=10)
        try:
            conn.request("POST", API + "/vms", body=b'{"name":"x"}', headers=dict(
                self.api.headers, **{"Content-Type": "application/xml"}))
            answer = conn.getresponse()
            self.assertEqual((answer.status, answer.read()), (415, b""))
        finally:
            conn.close()


class Correlation(SimCase):
    def test_echoed_sanitised_cut_and_generated(self):
        reply = self.api.get(API, headers={"Correlation-Id": "bm1-open.1 é!"})
        self.assertEqual(reply.headers["correlation-id"], "bm1-open1")
        reply = self.api.get(API + "?correlation_id=from_query")
        self.assertEqual(reply.headers["correlation-id"], "from_query")
        reply = self.api.get(API + "?correlation_id=q", headers={"Correlation-Id": "h"})
        self.assertEqual(reply.headers["correlation-id"], "h")
        reply = self.api.get(API, headers={"Correlation-Id": "x" * 50})
        self.assertEqual(reply.headers["correlation-id"], "x" * 36)
        generated = self.api.get(API, headers={"Correlation-Id": "..."}).headers["correlation-id"]
        self.assertRegex(generated, r"^[0-9a-f-]{36}$")

    def test_on_errors_too(self):
        reply = self.api.get(API + "/vms/00000000-0000-0000-0000-000000000009",
                             headers={"Correlation-Id": "c1"})
        self.assertEqual((reply.status, reply.headers["correlation-id"]), (404, "c1"))
        reply = Client(self.sim.port).get(API, headers={"Correlation-Id": "c2"})
        self.assertEqual((reply.status, reply.headers["correlation-id"]), (401, "c2"))


if __name__ == "__main__":
    unittest.main()
