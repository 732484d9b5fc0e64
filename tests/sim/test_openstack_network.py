"""Neutron in the OpenStack simulator: networks, subnets, ports, routers and interfaces,
409 rules, filters and visibility, pagination (and switching it off), quotas."""
import unittest
from urllib.parse import parse_qs, urlsplit

from openstack.fixtures import PUBLIC_NETWORK_ID, PUBLIC_SUBNET_ID
from openstack.testkit import ADMIN_PROJECT, SimCase

NET = "/network/v2.0"


class NetworkCase(SimCase):
    def net(self, client=None, name="n", cidr="10.0.0.0/24", **extra):
        client = client or self.admin
        net = self.ok(client.post(f"{NET}/networks", {"network": dict(name=name, **extra)}),
                      201)["network"]
        if cidr is None:
            return net["id"], None
        sub = self.ok(client.post(f"{NET}/subnets", {"subnet": {
            "network_id": net["id"], "ip_version": 4, "cidr": cidr, "name": name + "-sub"}}),
            201)["subnet"]
        return net["id"], sub["id"]

    def neutron_error(self, reply, status, kind):
        self.assertEqual(reply.status, status, reply)
        self.assertEqual(sorted(reply.json["NeutronError"]), ["detail", "message", "type"])
        self.assertEqual(reply.json["NeutronError"]["type"], kind, reply)
        return reply.json["NeutronError"]["message"]


class Objects(NetworkCase):
    def test_public_fixture(self):
        public = self.ok(self.admin.get(f"{NET}/networks?name=public"))["networks"]
        self.assertEqual(len(public), 1)
        self.assertEqual((public[0]["id"], public[0]["router:external"], public[0]["subnets"]),
                         (PUBLIC_NETWORK_ID, True, [PUBLIC_SUBNET_ID]))
        external = self.ok(self.admin.get(f"{NET}/networks?router:external=True"))["networks"]
        self.assertEqual([n["name"] for n in external], ["public"])
        subnet = self.ok(self.admin.get(f"{NET}/subnets/{PUBLIC_SUBNET_ID}"))["subnet"]
        self.assertEqual(subnet["cidr"], "172.24.4.0/24")

    def test_create_shapes(self):
        net_id, sub_id = self.net()
        net = self.ok(self.admin.get(f"{NET}/networks/{net_id}"))["network"]
        for key in ("subnets", "tags", "availability_zone_hints", "availability_zones"):
            self.assertIsInstance(net[key], list, key)
        self.assertEqual((net["project_id"], net["tenant_id"]), (ADMIN_PROJECT, ADMIN_PROJECT))
        self.assertEqual(net["subnets"], [sub_id])
        self.assertRegex(net["created_at"], r"^\S+T\d\d:\d\d:\d\dZ$")
        sub = self.ok(self.admin.get(f"{NET}/subnets/{sub_id}.json"))["subnet"]
        self.assertEqual(sub["gateway_ip"], "10.0.0.1")
        self.assertEqual(sub["allocation_pools"], [{"start": "10.0.0.2", "end": "10.0.0.254"}])
        for key in ("dns_nameservers", "host_routes", "service_types", "tags"):
            self.assertEqual(sub[key], [], key)
        self.assertEqual(self.admin.get(f"{NET}/networks/n").status, 404)
        fields = self.ok(self.admin.get(f"{NET}/networks?fields=id&fields=name&name=n"))
        self.assertEqual(fields["networks"], [{"id": net_id, "name": "n"}])

    def test_validation(self):
        net_id, _ = self.net(cidr=None)
        self.neutron_error(self.admin.post(f"{NET}/networks", {"network": {"bogus": 1}}),
                           400, "HTTPBadRequest")
        for cidr in ("10.0.0.0/33", "banana", "10.0.0.1/24"):
            self.neutron_error(self.admin.post(f"{NET}/subnets", {"subnet": {
                "network_id": net_id, "ip_version": 4, "cidr": cidr}}), 400, "InvalidInput")
        self.net(name="x", cidr="10.1.0.0/24")
        self.ok(self.admin.post(f"{NET}/subnets", {"subnet": {
            "network_id": net_id, "ip_version": 4, "cidr": "10.9.0.0/16"}}), 201)
        message = self.neutron_error(self.admin.post(f"{NET}/subnets", {"subnet": {
            "network_id": net_id, "ip_version": 4, "cidr": "10.9.8.0/24"}}), 400,
            "InvalidInput")
        self.assertIn("overlaps with another subnet", message)
        self.neutron_error(self.admin.post(f"{NET}/subnets", {"subnet": {
            "network_id": "missing", "ip_version": 4, "cidr": "10.2.0.0/24"}}), 404,
            "NetworkNotFound")

    def test_delete_rules(self):
        net_id, sub_id = self.net()
        port = self.ok(self.admin.post(f"{NET}/ports", {"port": {"network_id": net_id}}),
                       201)["port"]
        self.assertEqual(port["fixed_ips"][0]["subnet_id"], sub_id)
        self.neutron_error(self.admin.delete(f"{NET}/networks/{net_id}"), 409, "NetworkInUse")
        self.neutron_error(self.admin.delete(f"{NET}/subnets/{sub_id}"), 409, "SubnetInUse")
        self.assertEqual(self.admin.delete(f"{NET}/ports/{port['id']}").status, 204)
        self.assertEqual(self.admin.delete(f"{NET}/networks/{net_id}").status, 204)
        self.neutron_error(self.admin.get(f"{NET}/subnets/{sub_id}"), 404, "SubnetNotFound")
        self.neutron_error(self.admin.delete(f"{NET}/networks/{net_id}"), 404,
                           "NetworkNotFound")

    def test_router_gateway_and_interfaces(self):
        net_id, sub_id = self.net()
        router = self.ok(self.admin.post(f"{NET}/routers", {"router": {
            "name": "r", "external_gateway_info": {"network_id": PUBLIC_NETWORK_ID}}}),
            201)["router"]
        gateway = router["external_gateway_info"]
        self.assertEqual((gateway["network_id"], gateway["enable_snat"]),
                         (PUBLIC_NETWORK_ID, True))
        self.assertEqual(gateway["external_fixed_ips"][0]["subnet_id"], PUBLIC_SUBNET_ID)
        rid = router["id"]
        added = self.ok(self.admin.put(f"{NET}/routers/{rid}/add_router_interface",
                                       {"subnet_id": sub_id}))
        # real Zed: tenant_id only, no project_id
        self.assertEqual(sorted(added), ["id", "network_id", "port_id",
                                         "subnet_id", "subnet_ids", "tenant_id"])
        self.assertEqual((added["id"], added["subnet_id"], added["network_id"]),
                         (rid, sub_id, net_id))
        port = self.ok(self.admin.get(f"{NET}/ports/{added['port_id']}"))["port"]
        self.assertEqual((port["device_owner"], port["device_id"],
                          port["fixed_ips"][0]["ip_address"]),
                         ("network:router_interface", rid, "10.0.0.1"))
        self.neutron_error(self.admin.put(f"{NET}/routers/{rid}/add_router_interface",
                                          {"subnet_id": sub_id}), 400, "BadRequest")
        self.neutron_error(self.admin.delete(f"{NET}/routers/{rid}"), 409, "RouterInUse")
        self.neutron_error(self.admin.delete(f"{NET}/subnets/{sub_id}"), 409, "SubnetInUse")
        self.neutron_error(self.admin.delete(f"{NET}/networks/{net_id}"), 409, "NetworkInUse")
        self.neutron_error(self.admin.delete(f"{NET}/ports/{added['port_id']}"), 409,
                           "ServicePortInUse")
        self.neutron_error(self.admin.delete(f"{NET}/networks/{PUBLIC_NETWORK_ID}"), 409,
                           "NetworkInUse")
        removed = self.ok(self.admin.put(f"{NET}/routers/{rid}/remove_router_interface",
                                         {"subnet_id": sub_id}))
        self.assertEqual(removed, added)
        self.neutron_error(self.admin.put(f"{NET}/routers/{rid}/remove_router_interface",
                                          {"subnet_id": sub_id}), 404,
                           "RouterInterfaceNotFoundForSubnet")
        cleared = self.ok(self.admin.put(f"{NET}/routers/{rid}", {"router": {
            "external_gateway_info": {}}}))["router"]
        self.assertIsNone(cleared["external_gateway_info"])
        self.assertEqual(self.admin.delete(f"{NET}/routers/{rid}").status, 204)
        self.assertEqual(self.admin.delete(f"{NET}/networks/{net_id}").status, 204)
        self.assertEqual(self.admin.delete(f"{NET}/networks/{PUBLIC_NETWORK_ID}").status, 204)

    def test_router_rules(self):
        net_id, _ = self.net()
        self.neutron_error(self.admin.post(f"{NET}/routers", {"router": {
            "external_gateway_info": {"network_id": net_id}}}), 400, "BadRequest")
        rid = self.ok(self.admin.post(f"{NET}/routers", {"router": {"name": "r"}}),
                      201)["router"]["id"]
        _, first = self.net(name="a", cidr="10.5.0.0/24")
        _, overlapping = self.net(name="b", cidr="10.5.0.0/25")
        self.ok(self.admin.put(f"{NET}/routers/{rid}/add_router_interface",
                               {"subnet_id": first}))
        self.neutron_error(self.admin.put(f"{NET}/routers/{rid}/add_router_interface",
                                          {"subnet_id": overlapping}), 400, "BadRequest")
        self.neutron_error(self.admin.put(f"{NET}/routers/{rid}/add_router_interface", {}),
                           400, "BadRequest")
        port = self.ok(self.admin.post(f"{NET}/ports", {"port": {"network_id": net_id}}),
                       201)["port"]
        added = self.ok(self.admin.put(f"{NET}/routers/{rid}/add_router_interface",
                                       {"port_id": port["id"]}))
        self.assertEqual(added["port_id"], port["id"])
        self.ok(self.admin.put(f"{NET}/routers/{rid}/remove_router_interface",
                               {"port_id": port["id"]}))
        self.assertEqual(self.admin.get(f"{NET}/ports/{port['id']}").status, 404)

    def test_visibility(self):
        client, project, _ = self.member_client("p1")
        mine, _ = self.net(client, name="mine")
        theirs, _ = self.net(name="theirs", cidr="10.3.0.0/24")
        names = sorted(n["name"] for n in self.ok(client.get(f"{NET}/networks"))["networks"])
        self.assertEqual(names, ["mine", "public"])
        self.assertEqual(client.get(f"{NET}/networks/{theirs}").status, 404)
        all_names = sorted(n["name"] for n in self.ok(
            self.admin.get(f"{NET}/networks"))["networks"])
        self.assertEqual(all_names, ["mine", "public", "theirs"])
        only = self.ok(self.admin.get(f"{NET}/networks?project_id={project}"))["networks"]
        self.assertEqual([n["id"] for n in only], [mine])
        legacy = self.ok(self.admin.get(f"{NET}/networks?tenant_id={project}"))["networks"]
        self.assertEqual([n["id"] for n in legacy], [mine])
        net = self.ok(client.get(f"{NET}/networks/{mine}"))["network"]
        self.assertNotIn("provider:network_type", net)
        self.neutron_error(client.post(f"{NET}/networks", {"network": {
            "name": "x", "project_id": ADMIN_PROJECT}}), 400, "HTTPBadRequest")
        self.neutron_error(client.post(f"{NET}/networks", {"network": {
            "name": "x", "router:external": True}}), 403, "HTTPForbidden")
        made = self.ok(self.admin.post(f"{NET}/networks", {"network": {
            "name": "for-p1", "project_id": project}}), 201)["network"]
        self.assertEqual(made["tenant_id"], project)


class RealNeutronFacts(NetworkCase):
    """What real Neutron (Zed, ML2) answers, from tests/real/FINDINGS.md §5."""

    def test_attribute_sets(self):
        created = self.ok(self.admin.post(f"{NET}/networks", {"network": {"name": "a"}}),
                          201)["network"]
        self.assertIs(created["is_default"], False)      # in the create reply
        listed = self.ok(self.admin.get(f"{NET}/networks?name=a"))["networks"][0]
        self.assertNotIn("is_default", listed)           # GETs: external networks only
        public = self.ok(self.admin.get(f"{NET}/networks?name=public"))["networks"][0]
        self.assertIs(public["is_default"], False)
        router = self.ok(self.admin.post(f"{NET}/routers", {"router": {"name": "r"}}),
                         201)["router"]
        self.assertIn("flavor_id", router)
        self.assertIsNone(router["flavor_id"])
        net, _ = self.net(name="b", cidr="10.1.0.0/24")
        port = self.ok(self.admin.post(f"{NET}/ports", {"port": {"network_id": net}}),
                       201)["port"]
        self.assertNotIn("ip_allocation", port)

    def test_in_use_and_not_found_texts(self):
        net, sub = self.net()
        router = self.ok(self.admin.post(f"{NET}/routers", {"router": {"name": "r"}}),
                         201)["router"]["id"]
        added = self.ok(self.admin.put(f"{NET}/routers/{router}/add_router_interface",
                                       {"subnet_id": sub}))
        self.assertNotIn("project_id", added)
        self.assertEqual(self.neutron_error(self.admin.delete(f"{NET}/routers/{router}"), 409,
                                            "RouterInUse"),
                         f"Router {router} has ports still attached: {added['port_id']}")
        self.assertEqual(self.neutron_error(self.admin.delete(f"{NET}/networks/{net}"), 409,
                                            "NetworkInUse"),
                         f"Unable to complete operation on network {net}. There are one or "
                         "more ports still in use on the network, id for these ports is: "
                         f"{added['port_id']}.")
        removed = self.ok(self.admin.put(f"{NET}/routers/{router}/remove_router_interface",
                                         {"subnet_id": sub}))
        self.assertNotIn("project_id", removed)
        self.assertEqual(self.admin.delete(f"{NET}/routers/{router}").status, 204)
        self.assertEqual(self.neutron_error(self.admin.get(f"{NET}/routers/{router}"), 404,
                                            "RouterNotFound"),
                         f"Router {router} could not be found")   # no period
        self.assertEqual(self.admin.delete(f"{NET}/networks/{net}").status, 204)
        self.assertEqual(self.neutron_error(self.admin.get(f"{NET}/networks/{net}"), 404,
                                            "NetworkNotFound"),
                         f"Network {net} could not be found.")

    def test_quota_value_text(self):
        reply = self.admin.put(f"{NET}/quotas/{ADMIN_PROJECT}",
                               {"quota": {"network": "many"}})
        self.assertEqual(self.neutron_error(reply, 400, "InvalidInput"),
                         "Invalid input for operation: 'many' is not an integer.")


class Pagination(NetworkCase):
    def setUp(self):
        super().setUp()
        for i in range(5):
            self.net(name=f"n{i}", cidr=None)
        self.ids = sorted(n["id"] for n in self.ok(
            self.admin.get(f"{NET}/networks"))["networks"])   # 6 with public

    def follow(self, path):
        pages = []
        while path:
            body = self.ok(self.admin.get(path))
            pages.append([n["id"] for n in body["networks"]])
            links = {l["rel"]: l["href"] for l in body.get("networks_links", [])}
            path = links["next"].split(str(self.sim.port), 1)[1] if "next" in links else None
        return pages

    def test_sorted_by_id_with_links(self):
        body = self.ok(self.admin.get(f"{NET}/networks?limit=2"))
        self.assertEqual([n["id"] for n in body["networks"]], self.ids[:2])
        links = {l["rel"]: l["href"] for l in body["networks_links"]}
        self.assertEqual(parse_qs(urlsplit(links["next"]).query),
                         {"limit": ["2"], "marker": [self.ids[1]]})
        self.assertEqual(parse_qs(urlsplit(links["previous"]).query),
                         {"limit": ["2"], "marker": [self.ids[0]], "page_reverse": ["True"]})
        past = self.ok(self.admin.get(f"{NET}/networks?limit=2&marker={self.ids[5]}"))
        self.assertEqual(past["networks"], [])
        self.assertEqual([(l["rel"], parse_qs(urlsplit(l["href"]).query))
                          for l in past["networks_links"]],
                         [("previous", {"limit": ["2"], "page_reverse": ["True"]})])
        back = self.ok(self.admin.get(f"{NET}/networks?limit=2&marker={self.ids[4]}"
                                      "&page_reverse=True"))
        self.assertEqual([n["id"] for n in back["networks"]], self.ids[2:4])

    def test_exact_multiple_and_remainder(self):
        self.assertEqual(self.follow(f"{NET}/networks?limit=3"),
                         [self.ids[:3], self.ids[3:], []])
        self.assertEqual(self.follow(f"{NET}/networks?limit=4"), [self.ids[:4], self.ids[4:]])
        self.ctl("POST", "config", {"next_links": "when_more"})
        self.assertEqual(self.follow(f"{NET}/networks?limit=3"), [self.ids[:3], self.ids[3:]])

    def test_filters_are_kept_in_links(self):
        client, project, _ = self.member_client("p1")
        mine = sorted(self.net(client, name=f"m{i}", cidr=None)[0] for i in range(2))
        pages = self.follow(f"{NET}/networks?project_id={project}&limit=1")
        self.assertEqual(pages, [[mine[0]], [mine[1]], []])

    def test_switched_off(self):
        self.ctl("POST", "config", {"neutron_pagination": False})
        body = self.ok(self.admin.get(f"{NET}/networks?limit=2&marker={self.ids[0]}"))
        self.assertEqual([n["id"] for n in body["networks"]], self.ids)
        self.assertNotIn("networks_links", body)

    def test_bad_limit_and_marker(self):
        self.assertEqual(self.neutron_error(self.admin.get(f"{NET}/networks?limit=x"), 400,
                                            "BadRequest"),
                         "Bad limit request: Limit must be an integer 0 or greater and not 'x'.")
        self.neutron_error(self.admin.get(f"{NET}/networks?limit=1&marker=nope"), 404,
                           "NetworkNotFound")


class Quotas(NetworkCase):
    def test_show_update_details_and_over_quota(self):
        client, project, _ = self.member_client("p1")
        quota = self.ok(self.admin.get(f"{NET}/quotas/{project}"))["quota"]
        self.assertEqual((quota["network"], quota["subnet"], quota["port"], quota["router"]),
                         (100, 100, 500, 10))
        self.assertEqual(client.put(f"{NET}/quotas/{project}", {"quota": {"network": 1}})
                         .status, 403)
        updated = self.ok(self.admin.put(f"{NET}/quotas/{project}", {"quota": {
            "network": 1, "router": "1", "subnet": 1, "port": 1}}))["quota"]
        self.assertEqual((updated["network"], updated["router"]), (1, 1))
        self.net(client, name="only")
        self.assertEqual(self.neutron_error(client.post(f"{NET}/networks", {"network": {
            "name": "two"}}), 409, "OverQuota"), "Quota exceeded for resources: ['network'].")
        self.ok(client.post(f"{NET}/routers", {"router": {"name": "r"}}), 201)
        self.neutron_error(client.post(f"{NET}/routers", {"router": {}}), 409, "OverQuota")
        details = self.ok(client.get(f"{NET}/quotas/{project}/details.json"))["quota"]
        self.assertEqual(details["network"], {"used": 1, "limit": 1, "reserved": 0})
        self.assertEqual(details["subnet"]["used"], 1)
        self.neutron_error(self.admin.put(f"{NET}/quotas/{project}", {"quota": {
            "bogus": 1}}), 400, "HTTPBadRequest")
        self.neutron_error(self.admin.put(f"{NET}/quotas/{project}", {"quota": {
            "network": -5}}), 400, "InvalidInput")
        self.assertEqual(self.admin.delete(f"{NET}/quotas/{project}").status, 204)
        self.assertEqual(self.ok(self.admin.get(f"{NET}/quotas/{project}"))["quota"]["network"],
                         100)

    def test_interface_port_counts(self):
        client, project, _ = self.member_client("p2")
        _, sub = self.net(client)
        rid = self.ok(client.post(f"{NET}/routers", {"router": {}}), 201)["router"]["id"]
        self.ok(self.admin.put(f"{NET}/quotas/{project}", {"quota": {"port": 0}}))
        self.neutron_error(client.put(f"{NET}/routers/{rid}/add_router_interface",
                                      {"subnet_id": sub}), 409, "OverQuota")


if __name__ == "__main__":
    unittest.main()
