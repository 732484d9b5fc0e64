"""The Zabbix simulator's JSON-RPC envelope, as real Zabbix 6.0.14 answered it: Content-Type
check (412), parse and request errors, batches and notifications, unknown methods, ids."""
import json

from zabbix.testkit import ZabbixCase, raw_post


class Envelope(ZabbixCase):
    def post(self, body: bytes, **kw):
        status, headers, payload = raw_post(self.port, body, **kw)
        return status, headers, (json.loads(payload) if payload else None)

    def test_version_without_auth(self):
        status, headers, answer = self.post(
            b'{"jsonrpc":"2.0","method":"apiinfo.version","params":{},"id":1}')
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(answer, {"jsonrpc": "2.0", "result": "6.0.14", "id": 1})
        for kind in ("application/json", "application/jsonrequest"):
            self.assertEqual(self.post(b'{"jsonrpc":"2.0","method":"apiinfo.version",'
                                       b'"params":[],"id":"x"}', content_type=kind)[2],
                             {"jsonrpc": "2.0", "result": "6.0.14", "id": "x"})

    def test_other_content_type_is_412_without_body(self):
        status, _, answer = self.post(
            b'{"jsonrpc":"2.0","method":"apiinfo.version","params":{},"id":1}',
            content_type="text/plain")
        self.assertEqual((status, answer), (412, None))

    def test_parse_error(self):
        for body in (b"{bad", b"", b'"text"'):
            status, _, answer = self.post(body)
            self.assertEqual(status, 200)
            self.assertEqual(answer, {"jsonrpc": "2.0", "id": None, "error": {
                "code": -32700, "message": "Parse error",
                "data": "Invalid JSON. An error occurred on the server while parsing the "
                        "JSON text."}})

    def test_missing_members(self):
        for name in ("jsonrpc", "method", "params"):
            body = {"jsonrpc": "2.0", "method": "apiinfo.version", "params": {}, "id": 4}
            del body[name]
            answer = self.post(json.dumps(body).encode())[2]
            self.error(answer, -32600,
                       f'Invalid parameter "/": the parameter "{name}" is missing.')
            self.assertEqual(answer["error"]["message"], "Invalid request.")
            self.assertEqual(answer["id"], 4)

    def test_empty_batch_and_batch(self):
        answer = self.post(b"[]")[2]
        self.error(answer, -32600, "The received JSON is not a valid JSON-RPC request.")
        self.assertIsNone(answer["id"])
        answer = self.post(json.dumps([
            {"jsonrpc": "2.0", "method": "apiinfo.version", "params": {}, "id": 1},
            {"jsonrpc": "2.0", "method": "nope.get", "params": {}, "id": 2},
            {"jsonrpc": "2.0", "method": "apiinfo.version", "params": {}}]).encode())[2]
        self.assertEqual(len(answer), 2)
        self.assertEqual(answer[0]["result"], "6.0.14")
        self.error(answer[1], -32601, 'Incorrect API "nope".')

    def test_notification_has_no_answer(self):
        status, _, answer = self.post(
            b'{"jsonrpc":"2.0","method":"apiinfo.version","params":{}}')
        self.assertEqual((status, answer), (200, None))

    def test_unknown_api_and_method(self):
        self.error(self.api.send("foo.bar"), -32601, 'Incorrect API "foo".')
        answer = self.api.send("user.frobnicate")
        self.error(answer, -32601, 'Incorrect method "user.frobnicate".')
        self.assertEqual(answer["error"]["message"], "Method not found.")

    def test_ids_are_strings(self):
        result = self.api.call("hostgroup.create", {"name": "g1"})
        self.assertEqual(result, {"groupids": ["20"]})
        found = self.api.call("hostgroup.get", {"output": "extend", "groupids": 20})
        self.assertEqual(found[0]["groupid"], "20")
        self.assertEqual(found[0]["internal"], "0")
        self.assertEqual(self.api.call("hostgroup.get", {"countOutput": True}), "19")

    def test_other_path_is_404(self):
        status, _, _ = raw_post(self.port, b"{}", path="/zabbix/api_jsonrpc.php")
        self.assertEqual(status, 404)

    def test_get_with_output_list_answers_the_id_first(self):
        found = self.api.call("hostgroup.get", {"output": ["name"], "filter": {
            "name": ["Templates", "Linux servers"]}})
        self.assertEqual(found, [{"groupid": "1", "name": "Templates"},
                                 {"groupid": "2", "name": "Linux servers"}])
        keyed = self.api.call("hostgroup.get", {"output": ["groupid"], "groupids": ["1", "2"],
                                                "preservekeys": True})
        self.assertEqual(keyed, {"1": {"groupid": "1"}, "2": {"groupid": "2"}})
        found = self.api.call("hostgroup.get", {"output": ["groupid", "name"],
                                                "search": {"name": "templates/"},
                                                "startSearch": True, "limit": 2})
        self.assertEqual([g["name"] for g in found], ["Templates/Modules",
                                                      "Templates/Network devices"])
