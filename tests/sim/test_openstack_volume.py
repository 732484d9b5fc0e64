"""Cinder in the OpenStack simulator: volumes under /v3/{project_id}, their life (creating →
available | error, deleting → gone), listings, volume types, quotas and 413 over quota."""
import unittest

from openstack.testkit import ADMIN_PROJECT, SimCase


class VolumeCase(SimCase):
    config = {"seconds": {"volume_create": 3, "volume_delete": 2}}

    def create(self, client=None, status=202, **spec):
        client = client or self.admin
        reply = client.post(client.cinder("/volumes"), {"volume": dict({"size": 1}, **spec)})
        self.assertEqual(reply.status, status, reply)
        self.tick(0.001)   # created_at orders the lists; equal times fall back to the id
        return reply.json["volume"]["id"] if status == 202 else reply

    def volume(self, ident, client=None):
        client = client or self.admin
        reply = client.get(client.cinder(f"/volumes/{ident}"))
        return reply.json["volume"] if reply.status == 200 else reply.status


class DeleteWhileCreating(VolumeCase):
    """Real Zed, FINDINGS §1 item 15: a creating volume without a host yet (its first
    ~100 ms, volume_schedule) is deleted at once (202, then 404); later 400."""

    def test_delete_in_the_first_100_ms(self):
        ident = self.create(self.admin)
        self.tick(0.05)
        self.assertEqual(self.admin.delete(self.admin.cinder(f"/volumes/{ident}")).status, 202)
        self.assertEqual(self.volume(ident), 404)
        quota = self.ok(self.admin.get(self.admin.cinder(
            f"/os-quota-sets/{ADMIN_PROJECT}?usage=true")))["quota_set"]
        self.assertEqual(quota["volumes"]["in_use"], 0)
        self.tick(5)
        self.assertEqual(self.volume(ident), 404)

    def test_delete_later_while_creating_is_400(self):
        ident = self.create(self.admin)
        self.tick(0.15)
        reply = self.admin.delete(self.admin.cinder(f"/volumes/{ident}"))
        self.assertEqual(reply.status, 400)
        self.assertTrue(reply.json["badRequest"]["message"].startswith(
            "Invalid volume: Volume status must be available or error"))


class Life(VolumeCase):
    def test_create_available_delete(self):
        reply = self.admin.post(self.admin.cinder("/volumes"), {"volume": {
            "size": "2", "name": "v1", "description": "d"}})
        created = self.ok(reply, 202)["volume"]
        self.assertEqual((created["status"], created["size"], created["bootable"]),
                         ("creating", 2, "false"))
        self.assertEqual(reply.headers["openstack-api-version"], "volume 3.0")
        self.assertRegex(created["created_at"], r"^\S+T\d\d:\d\d:\d\d\.\d{6}$")
        self.assertEqual(created["volume_type"], "__DEFAULT__")
        # real Zed: the POST reply has no os-vol-* attributes, the GET has them
        self.assertNotIn("os-vol-tenant-attr:tenant_id", created)
        self.assertNotIn("os-vol-host-attr:host", created)
        self.assertEqual(self.volume(created["id"])["os-vol-tenant-attr:tenant_id"],
                         ADMIN_PROJECT)
        ident = created["id"]
        self.tick(0.2)   # past the first 100 ms (see DeleteWhileCreating)
        deleting = self.admin.delete(self.admin.cinder(f"/volumes/{ident}"))
        self.assertEqual(deleting.status, 400)
        self.assertIn("Volume status must be available", deleting.json["badRequest"]["message"])
        self.tick(3)
        self.assertEqual(self.volume(ident)["status"], "available")
        self.assertEqual(self.admin.delete(self.admin.cinder(f"/volumes/{ident}")).status, 202)
        self.assertEqual(self.volume(ident)["status"], "deleting")
        self.assertEqual(self.admin.delete(self.admin.cinder(f"/volumes/{ident}")).status, 400)
        self.tick(2)
        reply = self.admin.get(self.admin.cinder(f"/volumes/{ident}"))
        self.assertEqual(reply.json, {"itemNotFound": {
            "code": 404, "message": f"Volume {ident} could not be found."}})

    def test_bootable_from_image_and_microversion_fields(self):
        ident = self.create(imageRef="c1000000-0000-4000-8000-000000000001")
        reply = self.admin.get(self.admin.cinder(f"/volumes/{ident}"),
                               headers={"OpenStack-API-Version": "volume 3.63"})
        self.assertEqual(reply.json["volume"]["bootable"], "true")
        self.assertEqual(reply.json["volume"]["volume_type_id"],
                         "d0000000-0000-4000-8000-000000000001")
        self.assertEqual(self.admin.get(self.admin.cinder("/volumes"), headers={
            "OpenStack-API-Version": "volume 3.99"}).status, 406)

    def test_failures(self):
        self.ctl("POST", "fail", {"kind": "volume_create"})
        self.ctl("POST", "fail", {"kind": "volume_delete"})
        bad = self.create()
        self.tick(3)
        self.assertEqual(self.volume(bad)["status"], "error")
        self.assertEqual(self.admin.delete(self.admin.cinder(f"/volumes/{bad}")).status, 202)
        self.tick(2)
        self.assertEqual(self.volume(bad)["status"], "error_deleting")

    def test_validation(self):
        for spec in ({"size": 0}, {"size": "x"}, {"size": None}):
            self.assertEqual(self.create(status=400, **spec).json["badRequest"]["code"], 400)
        self.create(status=404, volume_type="gold")
        self.create(status=400, imageRef="nope")
        self.assertEqual(self.create(volume_type="__DEFAULT__") is not None, True)

    def test_url_must_carry_the_token_project(self):
        other = self.project("p1")
        reply = self.admin.get(f"/volume/v3/{other}/volumes")
        self.assertEqual(reply.status, 400)
        self.assertEqual(reply.json["badRequest"]["message"], "Malformed request url")

    def test_types(self):
        types = self.ok(self.admin.get(self.admin.cinder("/types")))["volume_types"]
        self.assertEqual([t["name"] for t in types], ["__DEFAULT__"])
        default = self.ok(self.admin.get(self.admin.cinder("/types/default")))["volume_type"]
        self.assertEqual(default["id"], types[0]["id"])


class Listing(VolumeCase):
    config = {"seconds": {"volume_create": 0}}

    def test_projects_and_pages(self):
        client, project, _ = self.member_client("p1")
        mine = [self.create(client) for _ in range(3)]
        theirs = self.create()
        own = self.ok(client.get(client.cinder("/volumes/detail?all_tenants=1")))["volumes"]
        self.assertEqual(sorted(v["id"] for v in own), sorted(mine))
        everyone = self.ok(self.admin.get(self.admin.cinder(
            "/volumes/detail?all_tenants=1")))["volumes"]
        self.assertEqual([v["id"] for v in everyone], [theirs] + mine[::-1])
        only = self.ok(self.admin.get(self.admin.cinder(
            f"/volumes/detail?all_tenants=1&project_id={project}&limit=2")))
        self.assertEqual([v["id"] for v in only["volumes"]], mine[::-1][:2])
        href = only["volumes_links"][0]["href"]
        self.assertIn(f"/volume/v3/{ADMIN_PROJECT}/volumes/detail?", href)
        self.assertTrue(href.endswith(f"all_tenants=1&project_id={project}&limit=2&marker="
                                      f"{mine[1]}"))
        rest = self.ok(self.admin.get(href.split(str(self.sim.port), 1)[1]))
        self.assertEqual([v["id"] for v in rest["volumes"]], [mine[0]])
        self.assertNotIn("volumes_links", rest)
        summary = self.ok(self.admin.get(self.admin.cinder("/volumes")))["volumes"][0]
        self.assertEqual(sorted(summary), ["id", "links", "name"])
        self.assertEqual(self.admin.get(self.admin.cinder("/volumes?marker=nope")).status, 404)

    def test_exact_multiple_ends_with_an_empty_page(self):
        for _ in range(4):
            self.create()
        first = self.ok(self.admin.get(self.admin.cinder("/volumes/detail?limit=2")))
        second = self.ok(self.admin.get(first["volumes_links"][0]["href"].split(
            str(self.sim.port), 1)[1]))
        third = self.ok(self.admin.get(second["volumes_links"][0]["href"].split(
            str(self.sim.port), 1)[1]))
        self.assertEqual((len(first["volumes"]), len(second["volumes"]), third),
                         (2, 2, {"volumes": []}))
        self.ctl("POST", "config", {"next_links": "when_more"})
        second = self.ok(self.admin.get(first["volumes_links"][0]["href"].split(
            str(self.sim.port), 1)[1]))
        self.assertNotIn("volumes_links", second)


class Quotas(VolumeCase):
    config = {"seconds": {"volume_create": 0}}

    def test_show_usage_update(self):
        client, project, _ = self.member_client("p1")
        self.create(client, size=3)
        path = self.admin.cinder(f"/os-quota-sets/{project}")
        quota = self.ok(self.admin.get(path))["quota_set"]
        self.assertEqual((quota["id"], quota["volumes"], quota["gigabytes"]),
                         (project, 10, 1000))
        self.assertEqual(quota["volumes___DEFAULT__"], -1)
        usage = self.ok(self.admin.get(path + "?usage=true"))["quota_set"]
        self.assertEqual(usage["gigabytes"], {"limit": 1000, "in_use": 3, "reserved": 0})
        self.assertEqual(usage["volumes___DEFAULT__"]["in_use"], 1)
        mine = self.ok(client.get(client.cinder(f"/os-quota-sets/{project}?usage=True")))
        self.assertEqual(mine["quota_set"]["volumes"]["in_use"], 1)
        self.assertEqual(client.put(client.cinder(f"/os-quota-sets/{project}"),
                                    {"quota_set": {"volumes": 1}}).status, 403)
        updated = self.ok(self.admin.put(path, {"quota_set": {
            "tenant_id": project, "volumes": 2, "gigabytes": "5"}}))["quota_set"]
        self.assertEqual((updated["volumes"], updated["gigabytes"]), (2, 5))
        self.assertEqual(self.admin.put(path, {"quota_set": {"bogus": 1}}).json["badRequest"]
                         ["message"], "Invalid input received: Bad key(s) in quota set: bogus")
        self.assertEqual(self.admin.put(path, {"quota_set": {"volumes": "many"}})
                         .json["badRequest"]["message"], "volumes must be an integer")
        below = self.admin.put(path, {"quota_set": {"gigabytes": 2}})
        self.assertEqual(below.status, 400)
        # real Zed's words (FINDINGS §1 item 12)
        self.assertEqual(below.json["badRequest"]["message"],
                         "Quota gigabytes limit must be equal or greater than existing "
                         "resources. Current usage is 3 and the requested limit is 2.")

    def test_over_quota_is_413_with_retry_after_zero(self):
        client, project, _ = self.member_client("p2")
        self.ok(self.admin.put(self.admin.cinder(f"/os-quota-sets/{project}"),
                               {"quota_set": {"volumes": 2, "gigabytes": 5}}))
        self.create(client, size=2)
        reply = self.create(client, size=4, status=413)
        self.assertEqual(reply.headers["retry-after"], "0")
        self.assertEqual(reply.json, {"overLimit": {
            "code": 413, "retryAfter": "0",
            "message": "VolumeSizeExceedsAvailableQuota: "
                       "Requested volume or snapshot exceeds allowed gigabytes quota. "
                       "Requested 4G, quota is 5G and 2G has been consumed."}})
        self.create(client, size=1)
        reply = self.create(client, size=1, status=413)
        self.assertEqual(reply.json["overLimit"]["message"],
                         "VolumeLimitExceeded: Maximum number of volumes allowed (2) exceeded "
                         "for quota 'volumes'.")
        limits = self.ok(client.get(client.cinder("/limits")))["limits"]["absolute"]
        self.assertEqual((limits["maxTotalVolumes"], limits["totalGigabytesUsed"]), (2, 3))


if __name__ == "__main__":
    unittest.main()
