"""Agent auto-registration in the Zabbix simulator (POST /__sim__/agent/register): an agent
whose HostMetadata carries the customer's token lands in `Discovered hosts` and the customer's
group with the template linked; a wrong token registers nothing; a disabled action or one the
server has not loaded yet (registration=next_sync) does nothing."""
from zabbix.testkit import ZabbixCase


class Registration(ZabbixCase):
    def register(self, host, metadata):
        return self.ctl("POST", "agent/register", {"host": host, "metadata": metadata})

    def test_right_token_registers_into_the_customer_group(self):
        made = self.customer("c1", template="10001")
        outcome = self.register("vm-1", "cust=tok-c1;vdc=p1")
        self.assertEqual(outcome["registered"], True)
        self.assertEqual(outcome["groups"], ["Discovered hosts", "pm-customer-c1"])
        self.assertEqual(outcome["templates"], ["Linux by Zabbix agent"])
        self.assertEqual(outcome["actionids"], [made["actionid"]])
        hosts = self.api.call("host.get", {"output": ["host"], "groupids": made["groupid"],
                                           "selectParentTemplates": ["templateid"]})
        self.assertEqual(hosts, [{"hostid": outcome["hostid"], "host": "vm-1",
                                  "parentTemplates": [{"templateid": "10001"}]}])
        # Registering again changes nothing.
        self.assertEqual(self.register("vm-1", "cust=tok-c1;vdc=p1")["hostid"],
                         outcome["hostid"])
        self.assertEqual(len(self.api.call("host.get", {"filter": {"host": "vm-1"}})), 1)

    def test_wrong_token_registers_nothing(self):
        self.customer("c1")
        outcome = self.register("vm-2", "cust=tok-other")
        self.assertEqual(outcome, {"host": "vm-2", "registered": False, "actionids": []})
        self.assertEqual(self.api.call("host.get", {"filter": {"host": "vm-2"}}), [])

    def test_two_customers_do_not_mix(self):
        first = self.customer("c1")
        self.customer("c2")
        self.register("vm-a", "cust=tok-c2")
        self.assertEqual(self.api.call("host.get", {"groupids": first["groupid"]}), [])

    def test_disabled_action_stops_registration(self):
        made = self.customer("c1")
        self.api.call("action.update", {"actionid": made["actionid"], "status": 1})
        self.assertFalse(self.register("vm-3", "cust=tok-c1")["registered"])

    def test_next_sync_waits_for_the_server_cache(self):
        self.knob(registration="next_sync", cache_update_seconds=60)
        self.customer("c1")
        self.assertFalse(self.register("vm-4", "cust=tok-c1")["registered"])
        self.tick(61)
        self.assertTrue(self.register("vm-4", "cust=tok-c1")["registered"])
        self.knob(cache_update_seconds=3600)
        self.customer("c2")
        self.assertFalse(self.register("vm-5", "cust=tok-c2")["registered"])
        self.ctl("POST", "cache/sync")
        self.assertTrue(self.register("vm-5", "cust=tok-c2")["registered"])

    def test_custom_formula_and_regex(self):
        group = self.api.call("hostgroup.create", {"name": "g"})["groupids"][0]
        self.api.call("action.create", {
            "name": "formula", "eventsource": 2,
            "filter": {"evaltype": 3, "formula": "A and (B or C)", "conditions": [
                {"conditiontype": 24, "operator": 8, "value": "^cust=t[0-9]+"},
                {"conditiontype": 22, "operator": 2, "value": "web"},
                {"conditiontype": 22, "operator": 2, "value": "db"}]},
            "operations": [{"operationtype": 2},
                           {"operationtype": 4, "opgroup": [{"groupid": group}]}]})
        self.assertTrue(self.register("db-1", "cust=t42")["registered"])
        self.assertFalse(self.register("mail-1", "cust=t42")["registered"])
        self.assertFalse(self.register("web-1", "cust=x")["registered"])

    def test_bad_register_request(self):
        reply = self.control.request("POST", "/__sim__/agent/register", {"metadata": "x"})
        self.assertEqual(reply.status, 400)
        reply = self.control.request("POST", "/__sim__/agent/register",
                                     {"host": "h", "metadata": "x" * 256})
        self.assertEqual(reply.status, 400)
