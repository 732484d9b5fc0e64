"""Faults in the Zabbix simulator, aimed at one remote method through the path
/api_jsonrpc.php/<method>: a 503 page before anything is done, a reply lost after the work
(the rerun meets the duplicate error and finds the object by name), slow replies, holds."""
import http.client
import json
import threading
import time

from zabbix.testkit import PASSWORD, ZabbixCase, raw_post

USER = {"username": "c1@example.com", "passwd": PASSWORD, "roleid": "1",
        "usrgrps": [{"usrgrpid": "7"}]}


class Faults(ZabbixCase):
    def test_503_on_one_method_is_an_html_page_and_does_nothing(self):
        self.ctl("POST", "fault/503", {"prefix": "/api_jsonrpc.php/user.create"})
        self.api.call("hostgroup.create", {"name": "untouched"})   # another method passes
        body = self.api.envelope("user.create", USER, self.api.auth)
        status, headers, payload = raw_post(self.port, json.dumps(body).encode())
        self.assertEqual(status, 503)
        self.assertTrue(headers["content-type"].startswith("text/html"))
        self.assertEqual(self.api.call("user.get", {"filter": {"username": USER["username"]}}),
                         [])
        self.assertEqual(self.api.call("user.create", USER), {"userids": ["3"]})

    def test_reply_lost_after_create_then_rerun(self):
        self.ctl("POST", "fault/act_then", {"status": "drop",
                                            "prefix": "/api_jsonrpc.php/user.create"})
        with self.assertRaises((http.client.HTTPException, OSError)):
            self.api.send("user.create", USER)
        self.error(self.api.send("user.create", USER), -32602,
                   'User with username "c1@example.com" already exists.')
        found = self.api.call("user.get", {"output": ["userid"], "filter": {
            "username": USER["username"]}})
        self.assertEqual(found, [{"userid": "3"}])
        self.assertEqual(self.ctl("GET", "counters")["faults"], {"drop-after": 1})

    def test_502_after_commit(self):
        self.ctl("POST", "fault/act_then", {"status": 502,
                                            "prefix": "/api_jsonrpc.php/hostgroup.create"})
        with self.assertRaises(AssertionError):
            self.api.send("hostgroup.create", {"name": "g"})
        self.assertEqual(len(self.api.call("hostgroup.get", {"filter": {"name": "g"}})), 1)

    def test_slow_reply(self):
        self.ctl("POST", "fault/slow", {"prefix": "/api_jsonrpc.php/apiinfo.version",
                                        "delay_ms": 300})
        started = time.monotonic()
        self.assertEqual(self.api.call("apiinfo.version", auth=None), "6.0.14")
        self.assertGreaterEqual(time.monotonic() - started, 0.3)

    def test_hold_after_acting(self):
        self.ctl("POST", "fault/hold", {"prefix": "/api_jsonrpc.php/host.create",
                                        "after": True})
        group = self.api.call("hostgroup.create", {"name": "g"})["groupids"][0]
        outcome = {}

        def send():
            try:
                outcome["answer"] = self.api.send("host.create", {
                    "host": "h1", "groups": [{"groupid": group}]})
            except (http.client.HTTPException, OSError) as error:
                outcome["error"] = error
        sender = threading.Thread(target=send)
        sender.start()
        for _ in range(500):
            if self.ctl("GET", "held")["list"]:
                break
            time.sleep(0.01)
        held = self.ctl("GET", "held")["list"]
        self.assertEqual([h["path"] for h in held], ["/api_jsonrpc.php/host.create"])
        self.assertEqual(len(self.api.call("host.get", {"filter": {"host": "h1"}})), 1)
        self.assertEqual(self.ctl("POST", "release")["released"], 1)
        sender.join(10)
        self.assertIn("error", outcome)

    def test_counters_by_method(self):
        self.api.call("hostgroup.get", {})
        self.api.call("hostgroup.get", {})
        counts = self.ctl("GET", "counters")["requests"]
        self.assertEqual(counts["POST /api_jsonrpc.php/hostgroup.get"], 2)
        self.assertEqual(counts["POST /api_jsonrpc.php/user.login"], 1)
