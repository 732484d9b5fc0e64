"""Secret host macros in the Zabbix simulator: pushed with host.create, rotated with
usermacro.update, never readable back through the API or the request log, visible only
through the control endpoint."""
from zabbix.testkit import SECRET, ZabbixCase


class SecretMacros(ZabbixCase):
    def test_secret_value_is_not_readable(self):
        made = self.customer("c1")
        hostid = self.vdc_host(made["groupid"])
        macros = self.api.call("usermacro.get", {"output": "extend", "hostids": [hostid]})
        by_name = {m["macro"]: m for m in macros}
        secret = by_name["{$OPENSTACK.APP.CRED.SECRET}"]
        self.assertEqual(sorted(secret), ["description", "hostid", "hostmacroid", "macro",
                                          "type"])
        self.assertEqual(secret["type"], "1")
        self.assertEqual(by_name["{$OPENSTACK.APP.CRED.ID}"]["value"], "cred-id-1")
        host = self.api.call("host.get", {"hostids": hostid, "selectMacros": "extend",
                                          "output": ["host"]})[0]
        self.assertNotIn(SECRET, str(host))
        self.assertNotIn(SECRET, str(self.ctl("GET", "state")))
        self.assertNotIn(SECRET, str(self.ctl("GET", "requests")))
        # Filtering on the value finds nothing either.
        self.assertEqual(self.api.call("usermacro.get", {"filter": {"value": SECRET}}), [])
        clear = self.ctl("GET", "macros?host=pm-vdc-7")["list"]
        self.assertIn({"host": "pm-vdc-7", "hostid": hostid,
                       "hostmacroid": secret["hostmacroid"],
                       "macro": "{$OPENSTACK.APP.CRED.SECRET}", "type": "1", "value": SECRET},
                      clear)

    def test_rotation(self):
        made = self.customer("c1")
        hostid = self.vdc_host(made["groupid"])
        secret = self.api.call("usermacro.get", {"hostids": hostid, "filter": {
            "macro": "{$OPENSTACK.APP.CRED.SECRET}"}})[0]
        self.api.call("usermacro.update", [
            {"hostmacroid": secret["hostmacroid"], "value": "rotated-secret-2", "type": 1}])
        self.api.call("usermacro.update", {"hostmacroid": secret["hostmacroid"],
                                           "value": "rotated-secret-3"})
        values = {m["macro"]: (m["value"], m["type"])
                  for m in self.ctl("GET", "macros?host=pm-vdc-7")["list"]}
        self.assertEqual(values["{$OPENSTACK.APP.CRED.SECRET}"], ("rotated-secret-3", "1"))
        self.assertNotIn("rotated-secret", str(self.ctl("GET", "requests")))

    def test_macro_errors(self):
        made = self.customer("c1")
        hostid = self.vdc_host(made["groupid"])
        self.error(self.api.send("usermacro.create", {
            "hostid": hostid, "macro": "{$OPENSTACK.APP.CRED.ID}", "value": "x"}), -32602,
            'Macro "{$OPENSTACK.APP.CRED.ID}" already exists on "pm-vdc-7".')
        self.error(self.api.send("usermacro.create", {"hostid": hostid, "macro": "bad",
                                                      "value": "x"}), -32602,
                   'Invalid parameter "/1/macro": incorrect syntax near "bad".')
        self.error(self.api.send("usermacro.update", {"hostmacroid": "999", "value": "x"}),
                   -32500, "No permissions to referred object or it does not exist!")
        created = self.api.call("usermacro.create", {"hostid": hostid, "macro": "{$X}",
                                                     "value": "x"})
        self.assertEqual(created, {"hostmacroids": ["5865"]})
        self.api.call("usermacro.delete", ["5865"])
        self.assertEqual(len(self.api.call("usermacro.get", {"hostids": hostid})), 3)

    def test_masked_variant(self):
        self.knob(secret_macro_value="masked")
        made = self.customer("c1")
        hostid = self.vdc_host(made["groupid"])
        secret = [m for m in self.api.call("usermacro.get", {"hostids": hostid})
                  if m["type"] == "1"][0]
        self.assertEqual(secret["value"], "******")

    def test_host_update_replaces_macros(self):
        made = self.customer("c1")
        hostid = self.vdc_host(made["groupid"])
        self.api.call("host.update", {"hostid": hostid, "macros": [
            {"macro": "{$OPENSTACK.APP.CRED.SECRET}", "value": "new-one-4", "type": 1}]})
        listed = self.ctl("GET", "macros")["list"]
        self.assertEqual([(m["macro"], m["value"]) for m in listed],
                         [("{$OPENSTACK.APP.CRED.SECRET}", "new-one-4")])
