"""Each object method of the Zabbix simulator as the console add-on uses it: host groups, user
groups with rights, users, actions, hosts, templates, roles; duplicate names, missing
references, deletes that would orphan something, ids that are not there."""
from zabbix.testkit import PASSWORD, ZabbixCase

NO_OBJECT = "No permissions to referred object or it does not exist!"


class Objects(ZabbixCase):
    def test_customer_objects_and_their_duplicates(self):
        made = self.customer("c1")
        self.assertEqual(made, {"groupid": "20", "usrgrpid": "13", "userid": "3",
                                "actionid": "7"})
        api = self.api
        self.error(api.send("hostgroup.create", {"name": "pm-customer-c1"}), -32602,
                   'Host group "pm-customer-c1" already exists.')
        self.error(api.send("usergroup.create", {"name": "pm-customer-c1"}), -32602,
                   'User group "pm-customer-c1" already exists.')
        self.error(api.send("user.create", {"username": "c1@example.com", "passwd": PASSWORD,
                                            "roleid": "1", "usrgrps": [{"usrgrpid": "13"}]}),
                   -32602, 'User with username "c1@example.com" already exists.')
        self.error(api.send("action.create", {"name": "pm-customer-c1", "eventsource": 2,
                                              "operations": [{"operationtype": 2}]}),
                   -32602, 'Action "pm-customer-c1" already exists.')
        self.error(api.send("hostgroup.create", [{"name": "x"}, {"name": "x"}]), -32602,
                   'Invalid parameter "/2": value (name)=(x) already exists.')
        self.assertEqual(api.call("hostgroup.get", {"output": ["name"],
                                                    "filter": {"name": "x"}}), [])

    def test_lookups_by_name(self):
        made = self.customer("c1")
        api = self.api
        group = api.call("usergroup.get", {"output": "extend", "selectRights": "extend",
                                           "filter": {"name": "pm-customer-c1"}})
        self.assertEqual(group, [{"usrgrpid": "13", "name": "pm-customer-c1",
                                  "gui_access": "0", "users_status": "0", "debug_mode": "0",
                                  "rights": [{"permission": "3", "id": made["groupid"]}]}])
        user = api.call("user.get", {"output": "extend", "filter": {
            "username": "c1@example.com"}, "selectUsrgrps": ["usrgrpid", "name"],
            "selectMedias": "extend"})[0]
        self.assertNotIn("passwd", user)
        self.assertEqual(user["usrgrps"], [{"usrgrpid": "13", "name": "pm-customer-c1"}])
        self.assertEqual((user["roleid"], user["autologout"], user["medias"]),
                         ("1", "15m", []))
        action = api.call("action.get", {"output": "extend", "selectFilter": "extend",
                                         "selectOperations": "extend",
                                         "filter": {"eventsource": 2}})
        self.assertEqual(len(action), 1)
        self.assertEqual(action[0]["filter"], {
            "evaltype": "0", "formula": "", "eval_formula": "A",
            "conditions": [{"conditiontype": "24", "operator": "2", "value": "cust=tok-c1",
                            "value2": "", "formulaid": "A"}]})
        self.assertEqual([op["operationtype"] for op in action[0]["operations"]], ["2", "4"])
        self.assertEqual(action[0]["operations"][1]["opgroup"], [{"groupid": "20"}])
        roles = api.call("role.get", {"output": ["roleid", "name"],
                                      "filter": {"name": "User role"}})
        self.assertEqual(roles, [{"roleid": "1", "name": "User role"}])
        templates = api.call("template.get", {"output": ["templateid", "host"],
                                              "filter": {"host": "Linux by Zabbix agent"}})
        self.assertEqual(templates, [{"templateid": "10001", "host": "Linux by Zabbix agent"}])

    def test_bad_references(self):
        api = self.api
        self.error(api.send("usergroup.create", {"name": "g", "rights": [
            {"id": "999", "permission": 3}]}), -32602,
            'Host group with ID "999" is not available.')
        self.error(api.send("usergroup.create", {"name": "g", "rights": [
            {"id": "2", "permission": 5}]}), -32602,
            'Invalid parameter "/1/rights/1/permission": value must be one of 0, 2, 3.')
        self.error(api.send("usergroup.create", {"name": "g", "hostgroup_rights": []}), -32602,
                   'Invalid parameter "/1": unexpected parameter "hostgroup_rights".')
        user = {"username": "u@example.com", "passwd": PASSWORD, "roleid": "1",
                "usrgrps": [{"usrgrpid": "999"}]}
        self.error(api.send("user.create", user), -32602,
                   'User group with ID "999" is not available.')
        self.error(api.send("user.create", dict(user, roleid="99")), -32602,
                   'User role with ID "99" is not available.')
        user["usrgrps"] = [{"usrgrpid": "7"}]
        self.error(api.send("user.create", dict(user, passwd="short")), -32602,
                   'Incorrect value for field "/1/passwd": must be at least 8 characters long.')
        del user["roleid"]
        self.error(api.send("user.create", user), -32602,
                   'Invalid parameter "/1": the parameter "roleid" is missing.')
        self.error(api.send("host.create", {"host": "h", "groups": [{"groupid": "999"}]}),
                   -32500, NO_OBJECT)
        self.error(api.send("host.create", {"host": "h", "groups": []}), -32602,
                   'Host "h" cannot be without host group.')
        self.error(api.send("action.create", {"name": "a", "eventsource": 2, "operations": [
            {"operationtype": 4, "opgroup": [{"groupid": "999"}]}]}), -32500,
            "Incorrect action condition or operation host group. Host group does not exist "
            "or you have no access to it.")
        self.error(api.send("action.create", {"name": "a", "eventsource": 2, "operations": [
            {"operationtype": 6, "optemplate": [{"templateid": "999"}]}]}), -32500,
            "Incorrect action condition or operation template. Template does not exist or you "
            "have no access to it.")
        self.error(api.send("action.create", {"name": "a", "eventsource": 2,
                                              "operations": []}),
                   -32602, 'No operations defined for action "a".')
        self.error(api.send("hostgroup.create", {"name": ""}), -32602,
                   'Invalid parameter "/1/name": cannot be empty.')
        self.error(api.send("hostgroup.create", {}), -32602,
                   'Invalid parameter "/": cannot be empty.')
        self.error(api.send("hostgroup.create", {"name": "g", "x": 1}), -32602,
                   'Invalid parameter "/1": unexpected parameter "x".')

    def test_updates(self):
        made = self.customer("c1")
        api = self.api
        api.call("user.update", {"userid": made["userid"], "passwd": "Another-pass-5678"})
        self.assertTrue(self.ctl("POST", "check_password", {
            "username": "c1@example.com", "password": "Another-pass-5678"})["match"])
        api.call("action.update", {"actionid": made["actionid"], "status": 1})
        self.assertEqual(api.call("action.get", {"actionids": made["actionid"],
                                                 "output": ["status"]})[0]["status"], "1")
        self.error(api.send("action.update", {"actionid": "999", "status": 1}), -32602,
                   NO_OBJECT)
        self.error(api.send("user.update", {"userid": "999", "name": "x"}), -32500, NO_OBJECT)
        api.call("usergroup.update", {"usrgrpid": made["usrgrpid"], "rights": []})
        self.assertEqual(api.call("usergroup.get", {"usrgrpids": made["usrgrpid"],
                                                    "selectRights": "extend"})[0]["rights"], [])

    def test_close_order_leaves_nothing(self):
        made = self.customer("c1")
        hostid = self.vdc_host(made["groupid"])
        api = self.api
        self.error(api.send("hostgroup.delete", [made["groupid"]]), -32602,
                   'Host "pm-vdc-7" cannot be without host group.')
        self.error(api.send("usergroup.delete", [made["usrgrpid"]]), -32602,
                   'User "c1@example.com" cannot be without user group.')
        self.assertEqual(api.call("host.delete", [hostid]), {"hostids": [hostid]})
        self.error(api.send("host.delete", [hostid]), -32500, NO_OBJECT)
        api.call("action.delete", [made["actionid"]])
        api.call("user.delete", [made["userid"]])
        api.call("usergroup.delete", [made["usrgrpid"]])
        api.call("hostgroup.delete", [made["groupid"]])
        self.error(api.send("hostgroup.delete", [made["groupid"]]), -32500, NO_OBJECT)
        state = self.ctl("GET", "state")
        self.assertFalse([h for h in state["hosts"] if h["host"].startswith("pm-")])
        self.assertFalse([u for u in state["users"] if u["username"].endswith("example.com")])
        self.assertEqual(self.ctl("GET", "macros")["list"], [])

    def test_protected_objects(self):
        api = self.api
        self.error(api.send("user.delete", ["1"]), -32602,
                   "User is not allowed to delete himself.")
        self.error(api.send("usergroup.delete", ["7"]), -32602,
                   'User group "Zabbix administrators" is used in "Report problems to Zabbix '
                   'administrators" action.')

    def test_deleting_a_group_an_action_uses(self):
        made = self.customer("c1")
        api = self.api
        api.call("user.delete", [made["userid"]])
        api.call("usergroup.delete", [made["usrgrpid"]])
        api.call("hostgroup.delete", [made["groupid"]])
        action = api.call("action.get", {"actionids": made["actionid"], "output": ["status"],
                                         "selectOperations": ["operationtype"]})[0]
        # As on real 6.0.14: the operation goes, the action is disabled.
        self.assertEqual(action["operations"], [{"operationid": "11", "operationtype": "2"}])
        self.assertEqual(action["status"], "1")

    def test_drift_by_control(self):
        made = self.customer("c1")
        self.assertEqual(self.ctl("POST", "delete", {"kind": "user", "id": made["userid"]}),
                         {"deleted": True})
        self.assertEqual(self.api.call("user.get", {"filter": {
            "username": "c1@example.com"}}), [])
        self.assertEqual(self.ctl("POST", "delete", {"kind": "user", "id": made["userid"]}),
                         {"deleted": False})
