"""Nova in the OpenStack simulator: the server life (BUILD → ACTIVE | ERROR, stop/start,
asynchronous delete), listings and their pages, flavors, microversions, quotas and their
enforcement, os-simple-tenant-usage with per-instance pages."""
import datetime
import unittest
from urllib.parse import parse_qs, urlsplit

from openstack.fixtures import PUBLIC_NETWORK_ID
from openstack.testkit import ADMIN_PROJECT, SimCase

NOVA = "/compute/v2.1"
V240 = {"OpenStack-API-Version": "compute 2.40"}


class ComputeCase(SimCase):
    config = {"seconds": {"server_build": 10, "server_delete": 5, "server_stop": 2,
                          "server_start": 2}}

    def network(self, client=None, name="net", cidr="10.0.0.0/24"):
        client = client or self.admin
        net = self.ok(client.post("/network/v2.0/networks", {"network": {"name": name}}),
                      201)["network"]
        self.ok(client.post("/network/v2.0/subnets", {"subnet": {
            "network_id": net["id"], "ip_version": 4, "cidr": cidr}}), 201)
        return net["id"]

    def boot(self, client=None, name="vm", flavor="1", network=None, status=202):
        client = client or self.admin
        body = {"server": {"name": name, "flavorRef": flavor,
                           "imageRef": "c1000000-0000-4000-8000-000000000001"}}
        if network:
            body["server"]["networks"] = [{"uuid": network}]
        reply = client.post(f"{NOVA}/servers", body)
        self.assertEqual(reply.status, status, reply)
        return reply

    def server(self, ident, client=None):
        reply = (client or self.admin).get(f"{NOVA}/servers/{ident}")
        return reply.json["server"] if reply.status == 200 else reply.status

    def active(self, client=None, **kw) -> str:
        ident = self.boot(client, **kw).json["server"]["id"]
        self.tick(10)
        self.assertEqual(self.server(ident, client)["status"], "ACTIVE")
        return ident


class ServerLife(ComputeCase):
    def test_build_then_active(self):
        net = self.network()
        reply = self.boot(network=net)
        created = reply.json["server"]
        self.assertEqual(len(created["adminPass"]), 12)
        self.assertTrue(reply.headers["location"].endswith(f"{NOVA}/servers/{created['id']}"))
        self.assertEqual(reply.headers["x-compute-request-id"],
                         reply.headers["x-openstack-request-id"])
        self.assertTrue(reply.headers["x-openstack-request-id"].startswith("req-"))
        self.assertEqual(reply.headers["openstack-api-version"], "compute 2.1")
        server = self.server(created["id"])
        # real Zed: BUILD/scheduling first (no cell yet), then spawning
        self.assertEqual((server["status"], server["OS-EXT-STS:task_state"]),
                         ("BUILD", "scheduling"))
        self.assertEqual(server["addresses"], {})
        self.assertNotIn("security_groups", server)   # real Zed: none while BUILD
        self.tick(0.3)
        server = self.server(created["id"])
        self.assertEqual((server["status"], server["OS-EXT-STS:task_state"]),
                         ("BUILD", "spawning"))
        self.tick(9.6)
        self.assertEqual(self.server(created["id"])["status"], "BUILD")
        self.tick(0.1)
        server = self.server(created["id"])
        self.assertEqual((server["status"], server["OS-EXT-STS:power_state"]), ("ACTIVE", 1))
        self.assertEqual(server["security_groups"], [{"name": "default"}])
        self.assertEqual(server["addresses"]["net"][0]["addr"], "10.0.0.2")
        self.assertEqual(server["flavor"]["id"], "1")
        self.assertEqual(server["tenant_id"], ADMIN_PROJECT)
        self.assertRegex(server["OS-SRV-USG:launched_at"], r"^\S+T\S+\.\d{6}$")
        ports = self.ok(self.admin.get(f"/network/v2.0/ports?device_id={created['id']}"))
        self.assertEqual(ports["ports"][0]["device_owner"], "compute:nova")

    def test_failed_build_has_fault_and_frees_its_port(self):
        net = self.network()
        self.ctl("POST", "fail", {"kind": "server_build", "count": 1})
        failed = self.boot(network=net).json["server"]["id"]
        good = self.boot(network=net).json["server"]["id"]
        self.tick(10)
        server = self.server(failed)
        self.assertEqual(server["status"], "ERROR")
        self.assertEqual(server["fault"]["code"], 500)
        self.assertIn("No valid host", server["fault"]["message"])
        self.assertEqual(self.server(good)["status"], "ACTIVE")
        ports = self.ok(self.admin.get(f"/network/v2.0/ports?device_id={failed}"))["ports"]
        self.assertEqual(ports, [])
        self.assertEqual(self.admin.delete(f"{NOVA}/servers/{failed}").status, 204)

    def test_stop_start_and_conflicts(self):
        ident = self.boot().json["server"]["id"]
        action = f"{NOVA}/servers/{ident}/action"
        self.tick(1)   # past BUILD/scheduling (see EarlyBuild)
        reply = self.admin.post(action, {"os-stop": None})
        self.assertEqual(reply.status, 409)
        self.assertEqual(reply.json["conflictingRequest"]["message"],
                         f"Cannot 'stop' instance {ident} while it is in vm_state building")
        self.tick(10)
        self.assertEqual(self.admin.post(action, {"os-start": None}).status, 409)
        self.assertEqual(self.admin.post(action, {"os-stop": None}).status, 202)
        server = self.server(ident)
        self.assertEqual((server["status"], server["OS-EXT-STS:task_state"]),
                         ("ACTIVE", "powering-off"))
        again = self.admin.post(action, {"os-stop": None})
        self.assertIn("task_state powering-off", again.json["conflictingRequest"]["message"])
        self.tick(2)
        server = self.server(ident)
        self.assertEqual((server["status"], server["OS-EXT-STS:power_state"]), ("SHUTOFF", 4))
        self.assertEqual(self.admin.post(action, {"os-start": None}).status, 202)
        self.tick(2)
        self.assertEqual(self.server(ident)["status"], "ACTIVE")
        bad = self.admin.post(action, {"os-fly": None})
        self.assertEqual((bad.status, list(bad.json)), (400, ["badRequest"]))

    def test_delete_is_asynchronous(self):
        ident = self.active()
        self.assertEqual(self.admin.delete(f"{NOVA}/servers/{ident}").status, 204)
        self.assertEqual(self.server(ident)["OS-EXT-STS:task_state"], "deleting")
        self.assertEqual(self.admin.delete(f"{NOVA}/servers/{ident}").status, 204)
        self.tick(5)
        # real Zed: DELETED/None/deleted/0 for a moment before the 404 (FINDINGS §1 item 14)
        server = self.server(ident)
        self.assertEqual((server["status"], server["OS-EXT-STS:task_state"],
                          server["OS-EXT-STS:vm_state"], server["OS-EXT-STS:power_state"]),
                         ("DELETED", None, "deleted", 0))
        self.assertEqual(self.admin.delete(f"{NOVA}/servers/{ident}").status, 204)
        self.tick(0.1)
        reply = self.admin.get(f"{NOVA}/servers/{ident}")
        self.assertEqual(reply.status, 404)
        self.assertEqual(reply.json, {"itemNotFound": {
            "code": 404, "message": f"Instance {ident} could not be found."}})
        self.assertEqual(self.admin.delete(f"{NOVA}/servers/{ident}").status, 404)

    def test_delete_during_build(self):
        ident = self.boot().json["server"]["id"]
        self.tick(1)
        self.assertEqual(self.admin.delete(f"{NOVA}/servers/{ident}").status, 204)
        self.assertEqual(self.server(ident)["OS-EXT-STS:task_state"], "deleting")
        self.tick(5.1)
        self.assertEqual(self.server(ident), 404)


class EarlyBuild(ComputeCase):
    """Real Zed, FINDINGS §1 item 13: until the instance is mapped to a cell (~1 s; here
    server_schedule, at most half of server_build) GET shows BUILD/scheduling, an action is
    404 "could not be found" and DELETE removes it at once."""

    def test_action_while_scheduling_is_404(self):
        ident = self.boot().json["server"]["id"]
        reply = self.admin.post(f"{NOVA}/servers/{ident}/action", {"os-stop": None})
        self.assertEqual(reply.status, 404)
        self.assertEqual(reply.json, {"itemNotFound": {
            "code": 404, "message": f"Instance {ident} could not be found."}})
        self.tick(0.3)
        reply = self.admin.post(f"{NOVA}/servers/{ident}/action", {"os-stop": None})
        self.assertEqual(reply.status, 409)

    def test_delete_while_scheduling_is_gone_at_once(self):
        net = self.network()
        ident = self.boot(network=net).json["server"]["id"]
        self.assertEqual(self.admin.delete(f"{NOVA}/servers/{ident}").status, 204)
        self.assertEqual(self.server(ident), 404)
        ports = self.ok(self.admin.get(f"/network/v2.0/ports?device_id={ident}"))["ports"]
        self.assertEqual(ports, [])
        quota = self.ok(self.admin.get(f"{NOVA}/os-quota-sets/{ADMIN_PROJECT}/detail"))
        self.assertEqual(quota["quota_set"]["instances"]["in_use"], 0)

    def test_action_on_an_id_nova_never_had(self):
        ident = "0b0b0b0b-0000-4000-8000-000000000000"
        reply = self.admin.post(f"{NOVA}/servers/{ident}/action", {"os-stop": None})
        self.assertEqual(reply.json, {"itemNotFound": {
            "code": 404, "message": f"Instance {ident} has no mapping to a cell."}})

    def test_create_validation(self):
        net = self.network()
        cases = [
            ({"server": {"name": "x", "flavorRef": "9", "imageRef": "c1000000-0000-4000-8000"
                                                                     "-000000000001"}}, 400),
            ({"server": {"name": "x", "flavorRef": "1", "imageRef": "nope"}}, 400),
            ({"server": {"name": "x", "flavorRef": "1"}}, 400),
            ({"server": {"flavorRef": "1", "imageRef": "x"}}, 400),
            ({"server": {"name": "x", "flavorRef": "1", "bogus": 1}}, 400),
            ({"server": {"name": "x", "flavorRef": "1",
                         "imageRef": "c1000000-0000-4000-8000-000000000001",
                         "networks": [{"uuid": "missing"}]}}, 400),
        ]
        for body, status in cases:
            reply = self.admin.post(f"{NOVA}/servers", body)
            self.assertEqual(reply.status, status, body)
            self.assertEqual(list(reply.json), ["badRequest"])
        self.network(name="second", cidr="10.0.1.0/24")
        ambiguous = self.admin.post(f"{NOVA}/servers", {"server": {
            "name": "x", "flavorRef": "1", "imageRef": "c1000000-0000-4000-8000-000000000001"}})
        self.assertEqual(ambiguous.status, 409)
        needed = self.admin.post(f"{NOVA}/servers", {"server": {
            "name": "x", "flavorRef": "1", "imageRef": "c1000000-0000-4000-8000-000000000001"}},
            headers={"OpenStack-API-Version": "compute 2.37"})
        self.assertEqual(needed.status, 400)
        self.boot(network=net, flavor="http://x/compute/flavors/2")

    def test_microversions(self):
        ident = self.active()
        reply = self.admin.get(f"{NOVA}/servers/{ident}",
                               headers={"OpenStack-API-Version": "compute 2.47"})
        self.assertEqual(reply.headers["openstack-api-version"], "compute 2.47")
        self.assertEqual(reply.json["server"]["flavor"]["original_name"], "m1.tiny")
        self.assertEqual(self.admin.get(f"{NOVA}/servers", headers={
            "X-OpenStack-Nova-API-Version": "latest"}).headers["openstack-api-version"],
            "compute 2.93")
        unknown = self.admin.get(f"{NOVA}/nothing")
        self.assertEqual(unknown.json, {"message": "The resource could not be found.<br /><br />"
                                                  "\n\n\n", "code": "404 Not Found",
                                        "title": "Not Found"})
        self.assertEqual(self.admin.get(f"{NOVA}/servers", headers={
            "OpenStack-API-Version": "compute 2.99"}).status, 406)
        self.assertEqual(self.admin.get(f"{NOVA}/servers", headers={
            "OpenStack-API-Version": "compute two"}).status, 400)

    def test_flavors(self):
        flavors = self.ok(self.admin.get(f"{NOVA}/flavors/detail"))["flavors"]
        self.assertEqual([(f["id"], f["name"], f["vcpus"], f["ram"], f["disk"]) for f in flavors],
                         [("1", "m1.tiny", 1, 512, 1), ("2", "m1.small", 1, 2048, 20)])
        self.assertEqual(self.ok(self.admin.get(f"{NOVA}/flavors/2"))["flavor"]["name"],
                         "m1.small")
        reply = self.admin.get(f"{NOVA}/flavors/m1.tiny")
        self.assertEqual(reply.json["itemNotFound"]["message"],
                         "Flavor m1.tiny could not be found.")
        names = [f["name"] for f in self.ok(self.admin.get(f"{NOVA}/flavors"))["flavors"]]
        self.assertEqual(names, ["m1.tiny", "m1.small"])

    def test_volume_attachment_makes_volume_in_use(self):
        ident = self.active()
        volume = self.ok(self.admin.post(self.admin.cinder("/volumes"), {"volume": {"size": 1}}),
                         202)["volume"]["id"]
        self.tick(1)
        reply = self.admin.post(f"{NOVA}/servers/{ident}/os-volume_attachments",
                                {"volumeAttachment": {"volumeId": volume}})
        self.assertEqual(self.ok(reply)["volumeAttachment"]["device"], "/dev/vdb")
        vol = self.ok(self.admin.get(self.admin.cinder(f"/volumes/{volume}")))["volume"]
        self.assertEqual((vol["status"], vol["attachments"][0]["server_id"]), ("in-use", ident))
        self.assertEqual(self.admin.delete(self.admin.cinder(f"/volumes/{volume}")).status, 400)
        self.assertEqual(self.admin.delete(f"{NOVA}/servers/{ident}").status, 204)
        self.tick(5)
        vol = self.ok(self.admin.get(self.admin.cinder(f"/volumes/{volume}")))["volume"]
        self.assertEqual((vol["status"], vol["attachments"]), ("available", []))


class Listing(ComputeCase):
    config = {"seconds": {"server_build": 0}}

    def pages(self, path, client=None, key="servers"):
        client = client or self.admin
        result = []
        while path is not None:
            body = self.ok(client.get(path))
            result.append([s["id"] for s in body[key]])
            links = [l for l in body.get(f"{key}_links", []) if l["rel"] == "next"]
            path = links[0]["href"].split(str(self.sim.port), 1)[1] if links else None
        return result

    def test_all_tenants_project_filter_and_policy(self):
        client, project, _ = self.member_client("p1")
        mine = self.boot(client).json["server"]["id"]
        theirs = self.boot().json["server"]["id"]
        self.assertEqual([s["id"] for s in self.ok(client.get(f"{NOVA}/servers"))["servers"]],
                         [mine])
        reply = client.get(f"{NOVA}/servers?all_tenants=1")
        self.assertEqual(reply.status, 403)
        self.assertIn("forbidden", reply.json)
        everyone = self.ok(self.admin.get(f"{NOVA}/servers/detail?all_tenants=1"))["servers"]
        self.assertEqual([s["id"] for s in everyone], [theirs, mine])
        only = self.ok(self.admin.get(f"{NOVA}/servers/detail?all_tenants=1&project_id="
                                      f"{project}"))["servers"]
        self.assertEqual([s["id"] for s in only], [mine])
        own = self.ok(self.admin.get(f"{NOVA}/servers/detail?project_id={project}"))
        self.assertEqual([s["id"] for s in own["servers"]], [theirs])
        self.assertEqual(self.server(theirs, client), 404)

    def test_pages_newest_first_and_exact_multiple(self):
        ids = [self.boot(name=f"vm{i}").json["server"]["id"] for i in range(6)]
        pages = self.pages(f"{NOVA}/servers/detail?all_tenants=1&limit=3")
        self.assertEqual(pages, [ids[::-1][:3], ids[::-1][3:], []])
        pages = self.pages(f"{NOVA}/servers?limit=4")
        self.assertEqual(pages, [ids[::-1][:4], ids[::-1][4:]])
        body = self.ok(self.admin.get(f"{NOVA}/servers/detail?limit=2&all_tenants=1"))
        href = body["servers_links"][0]["href"]
        self.assertEqual(parse_qs(urlsplit(href).query),
                         {"all_tenants": ["1"], "limit": ["2"], "marker": [ids[-2]]})
        self.assertTrue(urlsplit(href).path.endswith(f"{NOVA}/servers/detail"))

    def test_when_more_knob_and_page_cap(self):
        ids = [self.boot(name=f"vm{i}").json["server"]["id"] for i in range(4)]
        self.ctl("POST", "config", {"next_links": "when_more"})
        self.assertEqual(self.pages(f"{NOVA}/servers?limit=2"), [ids[::-1][:2], ids[::-1][2:]])
        self.ctl("POST", "config", {"page_cap": 3, "next_links": "full_page"})
        self.assertEqual([len(p) for p in self.pages(f"{NOVA}/servers")], [3, 1])
        self.assertEqual([len(p) for p in self.pages(f"{NOVA}/servers?limit=50")], [3, 1])

    def test_empty_and_bad_markers(self):
        self.assertEqual(self.ok(self.admin.get(f"{NOVA}/servers/detail")), {"servers": []})
        reply = self.admin.get(f"{NOVA}/servers?marker=nope")
        self.assertEqual(reply.status, 400)
        self.assertEqual(reply.json["badRequest"]["message"], "marker [nope] not found")
        self.assertEqual(self.admin.get(f"{NOVA}/servers?limit=x").status, 400)
        self.assertEqual(self.admin.get(f"{NOVA}/servers?limit=-1").status, 400)

    def test_marker_of_a_deleted_server_still_works(self):
        ids = [self.boot(name=f"vm{i}").json["server"]["id"] for i in range(3)]
        self.admin.delete(f"{NOVA}/servers/{ids[1]}")
        self.tick(5)
        body = self.ok(self.admin.get(f"{NOVA}/servers?marker={ids[1]}"))
        self.assertEqual([s["id"] for s in body["servers"]], [ids[0]])

    def test_filters(self):
        self.boot(name="web-1")
        self.boot(name="db-1", flavor="2")
        names = lambda q: sorted(s["name"] for s in self.ok(  # noqa: E731
            self.admin.get(f"{NOVA}/servers/detail?{q}"))["servers"])
        self.assertEqual(names("name=web"), ["web-1"])
        self.assertEqual(names("name=^d.*1$"), ["db-1"])
        self.assertEqual(names("flavor=2"), ["db-1"])
        self.assertEqual(names("status=ACTIVE"), ["db-1", "web-1"])
        self.assertEqual(names("status=SHUTOFF"), [])


class QuotasOfRealNova(ComputeCase):
    """Real Nova (Zed), FINDINGS §1 item 11 and §3."""

    def test_unknown_or_deleted_project_is_400(self):
        unknown = "0123456789abcdef0123456789abcdef"
        project = self.project("soon-gone")
        self.ok(self.admin.get(f"{NOVA}/os-quota-sets/{project}"))
        self.assertEqual(self.admin.delete(f"/identity/v3/projects/{project}").status, 204)
        for ident in (unknown, project):
            for method, path, body in (
                    ("GET", f"{NOVA}/os-quota-sets/{ident}", None),
                    ("GET", f"{NOVA}/os-quota-sets/{ident}/detail", None),
                    ("PUT", f"{NOVA}/os-quota-sets/{ident}", {"quota_set": {"cores": 1}})):
                reply = self.admin.request(method, path, body)
                self.assertEqual(reply.json, {"badRequest": {
                    "code": 400, "message": f"Project ID {ident} is not a valid project."}},
                    path)
        # the reset is not checked: it works after the project is gone
        self.assertEqual(self.admin.delete(f"{NOVA}/os-quota-sets/{project}").status, 202)

    def test_jsonschema_texts_of_bad_values(self):
        path = f"{NOVA}/os-quota-sets/{ADMIN_PROJECT}"
        cases = [
            ({"instances": "many"}, "Invalid input for field/attribute instances. Value: many. "
                                    "'many' does not match '^-?[0-9]+$'"),
            ({"instances": -2}, "Invalid input for field/attribute instances. Value: -2. "
                                "-2 is less than the minimum of -1"),
            ({"bogus": 1}, "Invalid input for field/attribute quota_set. Value: {'bogus': 1}. "
                           "Additional properties are not allowed ('bogus' was unexpected)"),
        ]
        for spec, message in cases:
            reply = self.admin.put(path, {"quota_set": spec})
            self.assertEqual(reply.json, {"badRequest": {"code": 400, "message": message}})


class Quotas(ComputeCase):
    def test_show_detail_update(self):
        client, project, _ = self.member_client("p1")
        quota = self.ok(self.admin.get(f"{NOVA}/os-quota-sets/{project}"))["quota_set"]
        self.assertEqual((quota["id"], quota["instances"], quota["cores"], quota["ram"]),
                         (project, 10, 20, 51200))
        self.assertIn("floating_ips", quota)
        newer = self.ok(self.admin.get(f"{NOVA}/os-quota-sets/{project}", headers={
            "OpenStack-API-Version": "compute 2.57"}))["quota_set"]
        self.assertNotIn("floating_ips", newer)
        self.assertNotIn("injected_files", newer)
        self.boot(client, flavor="2")
        detail = self.ok(client.get(f"{NOVA}/os-quota-sets/{project}/detail"))["quota_set"]
        self.assertEqual(detail["ram"], {"in_use": 2048, "limit": 51200, "reserved": 0})
        self.assertEqual(detail["instances"]["in_use"], 1)
        self.assertEqual(client.put(f"{NOVA}/os-quota-sets/{project}",
                                    {"quota_set": {"cores": 1}}).status, 403)
        self.assertEqual(client.get(f"{NOVA}/os-quota-sets/{ADMIN_PROJECT}").status, 403)
        updated = self.ok(self.admin.put(f"{NOVA}/os-quota-sets/{project}", {"quota_set": {
            "cores": 4, "instances": "3", "ram": -1}}))["quota_set"]
        self.assertNotIn("id", updated)
        self.assertEqual((updated["cores"], updated["instances"], updated["ram"]), (4, 3, -1))
        below = self.admin.put(f"{NOVA}/os-quota-sets/{project}",
                               {"quota_set": {"instances": 0}})
        self.assertEqual(below.status, 400)
        self.assertIn("must be greater than or equal to already used", below.json["badRequest"]
                      ["message"])
        self.assertEqual(self.admin.put(f"{NOVA}/os-quota-sets/{project}", {
            "quota_set": {"bogus": 1}}).status, 400)
        self.assertEqual(self.admin.put(f"{NOVA}/os-quota-sets/{project}", {
            "quota_set": {"cores": -2}}).status, 400)
        self.assertEqual(self.admin.delete(f"{NOVA}/os-quota-sets/{project}").status, 202)
        self.assertEqual(self.ok(self.admin.get(f"{NOVA}/os-quota-sets/{project}"))
                         ["quota_set"]["cores"], 20)

    def test_enforcement(self):
        client, project, _ = self.member_client("p2")
        self.ok(self.admin.put(f"{NOVA}/os-quota-sets/{project}", {"quota_set": {
            "instances": 2, "cores": 20, "ram": 3000}}))
        self.boot(client, flavor="2")
        reply = self.boot(client, flavor="2", status=403)
        self.assertEqual(reply.json, {"forbidden": {"code": 403, "message":
                                      "Quota exceeded for ram: Requested 2048, but already "
                                      "used 2048 of 3000 ram"}})
        self.boot(client, flavor="1")
        self.ok(self.admin.put(f"{NOVA}/os-quota-sets/{project}", {"quota_set": {"ram": -1}}))
        reply = self.boot(client, flavor="1", status=403)
        self.assertIn("Quota exceeded for instances", reply.json["forbidden"]["message"])
        self.ok(self.admin.put(f"{NOVA}/os-quota-sets/{project}", {"quota_set": {
            "instances": 10, "cores": 2}}))
        reply = self.boot(client, flavor="1", status=403)
        self.assertIn("cores", reply.json["forbidden"]["message"])
        self.assertEqual(len(self.ok(client.get(f"{NOVA}/servers"))["servers"]), 2)

    def test_port_quota_of_neutron(self):
        client, project, _ = self.member_client("p3")
        net = self.network(client)
        self.ok(self.admin.put(f"/network/v2.0/quotas/{project}", {"quota": {"port": 0}}))
        reply = self.boot(client, network=net, status=403)
        self.assertEqual(reply.json["forbidden"]["message"], "Maximum number of ports exceeded")

    def test_limits(self):
        self.boot()
        absolute = self.ok(self.admin.get(f"{NOVA}/limits"))["limits"]["absolute"]
        self.assertEqual((absolute["maxTotalInstances"], absolute["totalInstancesUsed"]),
                         (10, 1))


class Usage(ComputeCase):
    config = {"seconds": {"server_build": 0, "server_delete": 0}, "token_ttl": 86400}

    def usage(self, project=None, start="2020-01-01T00:00:00", end="2040-01-01T00:00:00",
              extra="", headers=None):
        path = f"{NOVA}/os-simple-tenant-usage" + (f"/{project}" if project else "")
        return self.admin.get(f"{path}?start={start}&end={end}{extra}", headers=headers)

    def test_hours_from_lifetime_in_period(self):
        ident = self.boot().json["server"]["id"]
        self.tick(1)
        self.ctl("POST", "time/shift", {"seconds": 7200, "kind": "server", "ids": [ident]})
        body = self.ok(self.usage(ADMIN_PROJECT))["tenant_usage"]
        self.assertAlmostEqual(body["total_hours"], 2.0 + 1 / 3600, places=6)
        self.assertAlmostEqual(body["total_memory_mb_usage"], 512 * body["total_hours"])
        self.assertAlmostEqual(body["total_vcpus_usage"], body["total_hours"])
        self.assertAlmostEqual(body["total_local_gb_usage"], body["total_hours"])
        usage = body["server_usages"][0]
        self.assertEqual((usage["instance_id"], usage["state"], usage["flavor"]),
                         (ident, "active", "m1.tiny"))
        self.assertEqual(usage["uptime"], 7201)
        self.assertNotIn("tenant_usage_links", self.usage(ADMIN_PROJECT).json)

    def test_deleted_servers_count_until_their_end(self):
        ident = self.boot().json["server"]["id"]
        self.tick(3600)
        self.admin.delete(f"{NOVA}/servers/{ident}")
        self.tick(3600)
        usage = self.ok(self.usage(ADMIN_PROJECT))["tenant_usage"]["server_usages"][0]
        self.assertEqual(usage["state"], "terminated")
        self.assertAlmostEqual(usage["hours"], 1.0)
        self.assertIsNotNone(usage["ended_at"])

    def test_period_clips_hours_and_is_validated(self):
        self.boot()
        self.tick(3 * 3600)
        server = self.ok(self.admin.get(f"{NOVA}/servers/detail"))["servers"][0]
        launched = datetime.datetime.strptime(server["OS-SRV-USG:launched_at"],
                                              "%Y-%m-%dT%H:%M:%S.%f")
        for start, hours in ((launched + datetime.timedelta(hours=1), 2.0),
                             (launched - datetime.timedelta(hours=5), 3.0)):
            body = self.ok(self.usage(ADMIN_PROJECT, start=start.strftime(
                "%Y-%m-%dT%H:%M:%S.%f")))["tenant_usage"]
            self.assertAlmostEqual(body["total_hours"], hours)
        end = (launched + datetime.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
        body = self.ok(self.usage(ADMIN_PROJECT, end=end.replace(" ", "+")))["tenant_usage"]
        self.assertAlmostEqual(body["total_hours"], 1.0)
        self.assertTrue(body["stop"].startswith(end[:10]))
        for start, end in (("2030-01-01T00:00:00", "2020-01-01T00:00:00"),
                           ("2020-01-01T00:00:00Z", "2030-01-01T00:00:00"),
                           ("yesterday", "2030-01-01T00:00:00")):
            reply = self.usage(ADMIN_PROJECT, start=start, end=end)
            self.assertEqual(reply.status, 400, (start, end))
        self.assertEqual(self.ok(self.usage("nobody"))["tenant_usage"], {})

    def test_paging_per_instance_adds_up(self):
        made = self.seed(projects=3, per_project={"servers": 5})
        self.tick(3600)
        whole = self.ok(self.usage(extra="&detailed=1"))["tenant_usages"]
        self.assertNotIn("tenant_usages_links", self.usage(extra="&limit=2").json)
        totals, seen, path = {}, [], f"{NOVA}/os-simple-tenant-usage?start=2020-01-01T00:00:00" \
                                     "&end=2040-01-01T00:00:00&detailed=1&limit=4"
        pages = 0
        while path:
            body = self.ok(self.admin.get(path, headers=V240))
            pages += 1
            for usage in body["tenant_usages"]:
                totals[usage["tenant_id"]] = totals.get(usage["tenant_id"], 0) + \
                    usage["total_hours"]
                seen += [s["instance_id"] for s in usage["server_usages"]]
            links = body.get("tenant_usages_links", [])
            path = links[0]["href"].split(str(self.sim.port), 1)[1] if links else None
        self.assertEqual(pages, 4)
        self.assertEqual(len(seen), 15)
        self.assertEqual(len(set(seen)), 15)
        for usage in whole:
            self.assertAlmostEqual(totals[usage["tenant_id"]], usage["total_hours"])
            self.assertAlmostEqual(usage["total_hours"], 5.0)
        self.assertEqual(sorted(totals), sorted(p["id"] for p in made["projects"]))
        project = made["projects"][0]["id"]
        first = self.ok(self.usage(project, extra="&limit=3", headers=V240))
        self.assertEqual(len(first["tenant_usage"]["server_usages"]), 3)
        self.assertAlmostEqual(first["tenant_usage"]["total_hours"], 3.0)
        href = first["tenant_usage_links"][0]["href"]
        rest = self.ok(self.admin.get(href.split(str(self.sim.port), 1)[1], headers=V240))
        self.assertEqual(len(rest["tenant_usage"]["server_usages"]), 2)
        self.assertNotIn("tenant_usage_links", rest)
        summary = self.ok(self.usage())["tenant_usages"][0]
        self.assertNotIn("server_usages", summary)

    def test_policy(self):
        client, project, _ = self.member_client("p1")
        self.assertEqual(client.get(f"{NOVA}/os-simple-tenant-usage?start=2020-01-01T00:00:00"
                                    ).status, 403)
        self.assertEqual(client.get(f"{NOVA}/os-simple-tenant-usage/{ADMIN_PROJECT}").status,
                         403)
        reply = client.get(f"{NOVA}/os-simple-tenant-usage/{project}?start=2020-01-01T00:00:00")
        self.assertEqual(self.ok(reply)["tenant_usage"], {})


class External(ComputeCase):
    def test_boot_on_the_public_network_is_refused_to_members(self):
        client, _, _ = self.member_client("p1")
        body = {"server": {"name": "x", "flavorRef": "1", "networks": [
            {"uuid": PUBLIC_NETWORK_ID}], "imageRef": "c1000000-0000-4000-8000-000000000001"}}
        self.assertEqual(client.post(f"{NOVA}/servers", body).status, 400)


if __name__ == "__main__":
    unittest.main()
