"""Octavia in the OpenStack simulator: load balancers (PENDING_CREATE → ACTIVE | ERROR, 409
while PENDING_*, cascade delete → PENDING_DELETE → gone), their VIP ports, listings, quotas."""
import unittest
from urllib.parse import parse_qs, urlsplit

from openstack.testkit import SimCase

LB = "/load-balancer/v2/lbaas"


class LbCase(SimCase):
    config = {"seconds": {"lb_create": 4, "lb_delete": 2}}

    def setUp(self):
        super().setUp()
        self.subnet = self.make_subnet(self.admin)

    def make_subnet(self, client, cidr="10.0.0.0/24"):
        net = self.ok(client.post("/network/v2.0/networks", {"network": {"name": "n"}}),
                      201)["network"]["id"]
        return self.ok(client.post("/network/v2.0/subnets", {"subnet": {
            "network_id": net, "ip_version": 4, "cidr": cidr}}), 201)["subnet"]["id"]

    def create(self, client=None, status=201, **spec):
        client = client or self.admin
        reply = client.post(f"{LB}/loadbalancers", {"loadbalancer": dict(
            {"vip_subnet_id": self.subnet}, **spec)})
        self.assertEqual(reply.status, status, reply)
        return reply.json["loadbalancer"]["id"] if status == 201 else reply

    def lb(self, ident):
        reply = self.admin.get(f"{LB}/loadbalancers/{ident}")
        return reply.json["loadbalancer"] if reply.status == 200 else reply

    def fault(self, reply, status):
        self.assertEqual(reply.status, status, reply)
        self.assertEqual(sorted(reply.json), ["debuginfo", "faultcode", "faultstring"])
        self.assertIsNone(reply.json["debuginfo"])
        return reply.json["faultstring"]


class Listeners(LbCase):
    """Real Octavia (Zed), FINDINGS §1 item 16 and §6: a listener makes the load balancer
    PENDING_UPDATE for a while; children of a PENDING_* load balancer are refused with 409
    "immutable"; DELETE without cascade of a load balancer with children is 400."""

    def listener(self, lb, port=80, status=201):
        reply = self.admin.post(f"{LB}/listeners", {"listener": {
            "name": "l1", "protocol": "HTTP", "protocol_port": port, "loadbalancer_id": lb}})
        self.assertEqual(reply.status, status, reply)
        return reply

    def test_listener_life_and_the_lb_states(self):
        lb = self.create()
        self.assertEqual(self.fault(self.listener(lb, status=409), 409),
                         f"Load Balancer {lb} is immutable and cannot be updated.")
        self.tick(4)
        created = self.listener(lb).json["listener"]
        self.assertEqual((created["provisioning_status"], created["operating_status"],
                          created["loadbalancers"], created["protocol_port"]),
                         ("PENDING_CREATE", "OFFLINE", [{"id": lb}], 80))
        self.assertEqual(created["project_id"], created["tenant_id"])
        self.assertEqual(self.lb(lb)["provisioning_status"], "PENDING_UPDATE")
        self.assertEqual(self.fault(self.admin.put(f"{LB}/loadbalancers/{lb}", {
            "loadbalancer": {"name": "x"}}), 409),
            f"Invalid state PENDING_UPDATE of loadbalancer resource {lb}")
        self.tick(0.3)
        self.assertEqual(self.lb(lb)["provisioning_status"], "ACTIVE")
        self.assertEqual(self.lb(lb)["listeners"], [{"id": created["id"]}])
        got = self.ok(self.admin.get(f"{LB}/listeners/{created['id']}"))["listener"]
        self.assertEqual(got["provisioning_status"], "ACTIVE")
        listed = self.ok(self.admin.get(f"{LB}/listeners"))["listeners"]
        self.assertEqual([x["id"] for x in listed], [created["id"]])
        self.assertEqual(self.fault(self.admin.delete(f"{LB}/loadbalancers/{lb}"), 400),
                         f"Validation failure: Cannot delete Load Balancer {lb} - it has "
                         "children")
        self.assertEqual(self.admin.delete(f"{LB}/listeners/{created['id']}").status, 204)
        self.assertEqual(self.lb(lb)["provisioning_status"], "PENDING_UPDATE")
        self.tick(0.3)
        self.assertEqual(self.lb(lb)["listeners"], [])
        self.assertEqual(self.admin.delete(f"{LB}/loadbalancers/{lb}").status, 204)

    def test_cascade_delete_takes_the_children(self):
        lb = self.create()
        self.tick(4)
        listener = self.listener(lb).json["listener"]["id"]
        self.tick(0.3)
        self.assertEqual(self.admin.delete(f"{LB}/loadbalancers/{lb}?cascade=true").status,
                         204)
        self.assertEqual(self.fault(self.admin.delete(
            f"{LB}/loadbalancers/{lb}?cascade=true"), 409),
            f"Invalid state PENDING_DELETE of loadbalancer resource {lb}")
        self.tick(2)
        self.assertEqual(self.lb(lb).status, 404)
        self.assertEqual(self.admin.get(f"{LB}/listeners/{listener}").status, 404)

    def test_listener_validation_and_quota(self):
        lb = self.create()
        self.tick(4)
        self.fault(self.admin.post(f"{LB}/listeners", {"listener": {
            "protocol": "GOPHER", "protocol_port": 70, "loadbalancer_id": lb}}), 400)
        self.fault(self.admin.post(f"{LB}/listeners", {"listener": {
            "protocol": "HTTP", "protocol_port": 0, "loadbalancer_id": lb}}), 400)
        self.fault(self.admin.post(f"{LB}/listeners", {"listener": {
            "protocol": "HTTP", "protocol_port": 80, "loadbalancer_id": "nope"}}), 400)
        project = self.admin.project_id
        self.assertEqual(self.admin.put(f"{LB}/quotas/{project}", {
            "quota": {"listener": 0}}).status, 202)
        self.assertEqual(self.fault(self.listener(lb, status=403), 403),
                         "Quota has been met for resources: Listener")


class Life(LbCase):
    def test_create_active_delete(self):
        reply = self.admin.post(f"{LB}/loadbalancers", {"loadbalancer": {
            "name": "lb1", "vip_subnet_id": self.subnet}})
        created = self.ok(reply, 201)["loadbalancer"]
        self.assertEqual((created["provisioning_status"], created["operating_status"]),
                         ("PENDING_CREATE", "OFFLINE"))
        self.assertRegex(created["created_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
        self.assertEqual(created["vip_address"], "10.0.0.2")
        for key in ("listeners", "pools", "tags"):
            self.assertEqual(created[key], [])
        ident = created["id"]
        port = self.ok(self.admin.get(f"/network/v2.0/ports/{created['vip_port_id']}"))["port"]
        self.assertEqual((port["device_owner"], port["name"]), ("Octavia", f"octavia-lb-{ident}"))
        # real Zed: the LB's own PUT/DELETE name the state; its children get "immutable"
        self.assertEqual(self.fault(self.admin.delete(f"{LB}/loadbalancers/{ident}"), 409),
                         f"Invalid state PENDING_CREATE of loadbalancer resource {ident}")
        self.assertEqual(self.admin.put(f"{LB}/loadbalancers/{ident}", {
            "loadbalancer": {"name": "x"}}).status, 409)
        self.tick(4)
        lb = self.lb(ident)
        self.assertEqual((lb["provisioning_status"], lb["operating_status"]),
                         ("ACTIVE", "ONLINE"))
        self.assertIsNotNone(lb["updated_at"])
        self.assertEqual(self.admin.get(f"/load-balancer/v2.0/lbaas/loadbalancers/{ident}")
                         .status, 200)
        self.assertEqual(self.admin.delete(f"{LB}/loadbalancers/{ident}?cascade=true").status,
                         204)
        self.assertEqual(self.lb(ident)["provisioning_status"], "PENDING_DELETE")
        self.fault(self.admin.delete(f"{LB}/loadbalancers/{ident}"), 409)
        self.tick(2)
        self.assertEqual(self.fault(self.admin.get(f"{LB}/loadbalancers/{ident}"), 404),
                         f"Load Balancer {ident} not found.")
        self.assertEqual(self.admin.get(f"/network/v2.0/ports/{created['vip_port_id']}")
                         .status, 404)

    def test_update(self):
        ident = self.create()
        self.tick(4)
        updated = self.ok(self.admin.put(f"{LB}/loadbalancers/{ident}", {
            "loadbalancer": {"name": "renamed"}}))["loadbalancer"]
        self.assertEqual((updated["name"], updated["provisioning_status"]),
                         ("renamed", "PENDING_UPDATE"))
        # real Zed: PENDING_UPDATE for a while (0.4-1 s), and a PUT meanwhile is 409
        self.assertEqual(self.lb(ident)["provisioning_status"], "PENDING_UPDATE")
        again = self.admin.put(f"{LB}/loadbalancers/{ident}", {"loadbalancer": {"name": "y"}})
        self.assertEqual(self.fault(again, 409),
                         f"Invalid state PENDING_UPDATE of loadbalancer resource {ident}")
        self.tick(0.3)
        self.assertEqual(self.lb(ident)["provisioning_status"], "ACTIVE")

    def test_error_and_the_vip_port_blocks_the_subnet(self):
        self.ctl("POST", "fail", {"kind": "lb_create"})
        ident = self.create()
        self.tick(4)
        self.assertEqual(self.lb(ident)["provisioning_status"], "ERROR")
        reply = self.admin.delete(f"/network/v2.0/subnets/{self.subnet}")
        self.assertEqual(reply.status, 409)
        self.assertEqual(self.admin.delete(f"{LB}/loadbalancers/{ident}").status, 204)
        self.tick(2)
        self.assertEqual(self.admin.delete(f"/network/v2.0/subnets/{self.subnet}").status, 204)

    def test_validation(self):
        self.fault(self.create(status=400, vip_subnet_id="missing"), 400)
        reply = self.admin.post(f"{LB}/loadbalancers", {"loadbalancer": {"name": "x"}})
        self.assertIn("VIP must contain one of", self.fault(reply, 400))
        self.fault(self.create(status=400, colour="blue"), 400)
        self.fault(self.admin.get(f"{LB}/loadbalancers?colour=blue"), 400)


class Listing(LbCase):
    config = {"seconds": {"lb_create": 0}}

    def test_projects_and_pages(self):
        client, project, _ = self.member_client("p1")
        subnet = self.make_subnet(client, "10.1.0.0/24")
        mine = []
        for _ in range(3):
            mine.append(self.create(client, vip_subnet_id=subnet))
            self.tick(1)
        theirs = self.create()
        own = self.ok(client.get(f"{LB}/loadbalancers"))
        self.assertEqual([lb["id"] for lb in own["loadbalancers"]], mine)
        self.assertEqual(own["loadbalancers_links"], [])
        self.fault(client.get(f"{LB}/loadbalancers?project_id=other"), 403)
        everyone = self.ok(self.admin.get(f"{LB}/loadbalancers"))["loadbalancers"]
        self.assertEqual([lb["id"] for lb in everyone], mine + [theirs])
        first = self.ok(self.admin.get(f"{LB}/loadbalancers?project_id={project}&limit=2"))
        self.assertEqual([lb["id"] for lb in first["loadbalancers"]], mine[:2])
        links = {l["rel"]: l["href"] for l in first["loadbalancers_links"]}
        # Octavia keeps only limit, sort and marker in its links: the filter is lost
        self.assertEqual(parse_qs(urlsplit(links["next"]).query),
                         {"limit": ["2"], "marker": [mine[1]]})
        self.assertNotIn("previous", links)
        second = self.ok(self.admin.get(f"{LB}/loadbalancers?project_id={project}&limit=2"
                                        f"&marker={mine[1]}"))
        self.assertEqual([lb["id"] for lb in second["loadbalancers"]], [mine[2]])
        self.assertEqual([l["rel"] for l in second["loadbalancers_links"]], ["previous"])
        exact = self.ok(self.admin.get(f"{LB}/loadbalancers?limit=4"))
        self.assertEqual([l["rel"] for l in exact["loadbalancers_links"]], ["next"])
        empty = self.ok(self.admin.get(f"{LB}/loadbalancers?limit=4&marker={theirs}"))
        self.assertEqual(empty, {"loadbalancers": [], "loadbalancers_links": []})
        self.fault(self.admin.get(f"{LB}/loadbalancers?marker=nope"), 400)
        named = self.ok(self.admin.get(f"{LB}/loadbalancers?provisioning_status=ACTIVE"))
        self.assertEqual(len(named["loadbalancers"]), 4)


class Quotas(LbCase):
    def test_show_update_enforce(self):
        client, project, _ = self.member_client("p1")
        quota = self.ok(self.admin.get(f"{LB}/quotas/{project}"))["quota"]
        self.assertEqual(quota, {"load_balancer": -1, "listener": -1, "member": -1,
                                 "pool": -1, "health_monitor": -1, "l7policy": -1,
                                 "l7rule": -1})
        self.fault(client.put(f"{LB}/quotas/{project}", {"quota": {"loadbalancer": 1}}), 403)
        reply = self.admin.put(f"{LB}/quotas/{project}", {"quota": {"loadbalancer": 1,
                                                                    "healthmonitor": 3}})
        answer = self.ok(reply, 202)["quota"]
        self.assertEqual((answer["load_balancer"], answer["health_monitor"]), (1, 3))
        self.assertNotIn("loadbalancer", answer)
        # wsme's texts on real Zed (FINDINGS §6)
        self.assertEqual(self.fault(self.admin.put(f"{LB}/quotas/{project}", {
            "quota": {"cats": 1}}), 400), "Unknown attribute for argument quotas.quota: cats")
        self.assertEqual(self.fault(self.admin.put(f"{LB}/quotas/{project}", {
            "quota": {"pool": "x"}}), 400),
            "Invalid input for field/attribute quotas. Value: '{'quota': {'pool': 'x'}}'. "
            "invalid literal for int() with base 10: 'x'")
        subnet = self.make_subnet(client, "10.1.0.0/24")
        self.create(client, vip_subnet_id=subnet)
        reply = self.create(client, status=403, vip_subnet_id=subnet)
        self.assertEqual(self.fault(reply, 403),
                         "Quota has been met for resources: Load Balancer")
        listed = self.ok(self.admin.get(f"{LB}/quotas"))["quotas"]
        self.assertEqual([(q["project_id"], q["tenant_id"], q["loadbalancer"],
                           q["load_balancer"], q["health_monitor"], q["pool"])
                          for q in listed], [(project, project, 1, 1, 3, None)])
        self.assertEqual(self.admin.delete(f"{LB}/quotas/{project}").status, 202)
        self.assertEqual(self.ok(client.get(f"{LB}/quotas/{project}"))["quota"]
                         ["load_balancer"], -1)
        unknown = self.admin.get(f"{LB}/nothing")
        self.assertEqual((unknown.status, unknown.json),
                         (404, {"code": 404, "title": "Not Found", "description": ""}))


if __name__ == "__main__":
    unittest.main()
