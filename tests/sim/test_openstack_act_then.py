"""The simulator's "act, then answer" faults (POST /__sim__/fault/act_then): the service
carries the request out and the client gets a 503, a 429, another status or nothing."""
import http.client
import unittest

from openstack.testkit import SimCase

NETWORKS = "/network/v2.0/networks"


class ActThen(SimCase):
    def networks(self):
        return self.ok(self.admin.get(NETWORKS))["networks"]

    def test_each_status_answers_after_the_work_is_done(self):
        before = len(self.networks())
        for status in (503, 429, 502, 500):
            with self.subTest(status=status):
                self.ctl("POST", "fault/act_then", {"status": status, "count": 1,
                                                    "prefix": NETWORKS, "method": "POST"})
                reply = self.admin.post(NETWORKS, {"network": {"name": f"n{status}"}})
                self.assertEqual(reply.status, status)
                self.assertIn("NeutronError", reply.json)   # the service's own shape
                if status == 429:
                    self.assertEqual(reply.headers["retry-after"], "1")
                self.assertIn(f"n{status}", [n["name"] for n in self.networks()])
        self.assertEqual(len(self.networks()), before + 4)
        self.assertEqual(self.ctl("GET", "counters")["faults"],
                         {"act_then-503": 1, "act_then-429": 1, "act_then-502": 1,
                          "act_then-500": 1})

    def test_drop_after_the_work_is_done(self):
        self.ctl("POST", "fault/act_then", {"status": "drop", "prefix": NETWORKS,
                                            "method": "POST"})
        with self.assertRaises((http.client.HTTPException, OSError)):
            self.admin.post(NETWORKS, {"network": {"name": "lost"}})
        self.assertIn("lost", [n["name"] for n in self.networks()])

    def test_count_prefix_and_method_select_the_requests(self):
        self.ctl("POST", "fault/act_then", {"status": 503, "count": 2, "prefix": NETWORKS,
                                            "method": "POST"})
        self.ok(self.admin.get(NETWORKS))                                  # GET: untouched
        self.assertEqual(self.ctl("GET", "faults")["list"][0]["kind"], "act_then")
        for name in ("a", "b"):
            self.assertEqual(self.admin.post(NETWORKS, {"network": {"name": name}}).status,
                             503)
        self.ok(self.admin.post(NETWORKS, {"network": {"name": "c"}}), 201)
        self.assertEqual(self.ctl("GET", "faults")["list"], [])

    def test_bad_specs_are_refused_and_reset_forgets(self):
        for spec in ({"status": "later"}, {"status": 200}, {"status": "drop", "retry_after": 1},
                     {"bogus": 1}, {"count": 0}):
            with self.subTest(spec=spec):
                reply = self.control.request("POST", "/__sim__/fault/act_then", spec)
                self.assertEqual(reply.status, 400, reply)
        self.ctl("POST", "fault/act_then", {"status": 503})
        self.ctl("POST", "reset")
        self.assertEqual(self.ctl("GET", "faults")["list"], [])
        # the generic faults still work beside it
        self.assertEqual(self.ctl("POST", "fault/503", {"count": 1})["pending"][0]["kind"],
                         "status")


class EchoToken(SimCase):
    def test_the_token_is_quoted_in_both_forms(self):
        token = self.admin.headers["X-Auth-Token"]
        self.ctl("POST", "fault/echo_token", {"form": "text", "prefix": NETWORKS})
        reply = self.admin.post(NETWORKS, {"network": {"name": "n"}})
        self.assertEqual(reply.status, 400)
        self.assertEqual(reply.json, {"error": {"code": 9,
                                                "msg": f"session {token} has expired"}})
        self.ctl("POST", "fault/echo_token", {"form": "headers", "status": 500,
                                              "prefix": NETWORKS})
        reply = self.admin.get(NETWORKS)
        self.assertEqual((reply.status, reply.headers["content-type"]), (500, "text/plain"))
        text = reply.raw.decode()
        self.assertEqual(text.index(token), 150)
        self.assertIn("'X-Auth-Token': '", text)
        self.assertEqual(self.networks_named("n"), [])   # not handled

    def networks_named(self, name):
        return [n for n in self.ok(self.admin.get(NETWORKS))["networks"] if n["name"] == name]

    def test_bad_specs_are_refused(self):
        for spec in ({"form": "xml"}, {"status": "drop"}, {"after": True}):
            with self.subTest(spec=spec):
                reply = self.control.request("POST", "/__sim__/fault/echo_token", spec)
                self.assertEqual(reply.status, 400, reply)


class BadList(SimCase):
    def test_empty_and_blank_ids(self):
        self.ok(self.admin.post(NETWORKS, {"network": {"name": "n1"}}), 201)
        self.ctl("POST", "fault/bad_list", {"mode": "empty", "prefix": NETWORKS})
        self.assertEqual(self.ok(self.admin.get(NETWORKS))["networks"], [])
        self.ctl("POST", "fault/bad_list", {"mode": "blank_ids", "prefix": NETWORKS,
                                            "method": "GET"})
        blank = self.ok(self.admin.get(NETWORKS))["networks"]
        self.assertTrue(blank)
        self.assertEqual({n["id"] for n in blank}, {""})
        self.assertTrue(all(n["id"] for n in self.ok(self.admin.get(NETWORKS))["networks"]))
        reply = self.control.request("POST", "/__sim__/fault/bad_list", {"mode": "half"})
        self.assertEqual(reply.status, 400, reply)


class BlankLogin(SimCase):
    def test_the_next_login_has_every_string_blanked(self):
        self.ctl("POST", "fail", {"kind": "login_blank", "count": 1})
        blank = self.client().post("/identity/v3/auth/tokens", {"auth": {"identity": {
            "methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"name": "Default"}, "password": "admin"}}}}})
        self.assertEqual(blank.status, 201)
        self.assertTrue(blank.headers["x-subject-token"])
        self.assertEqual(blank.json["token"]["user"]["id"], "")
        self.assertEqual(blank.json["token"]["expires_at"], "")
        self.assertEqual(self.client().login().token["user"]["id"],
                         "ad0000000000400080000000000000b1")


if __name__ == "__main__":
    unittest.main()
