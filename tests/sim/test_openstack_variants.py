"""The simulator's variant knobs (README "Variants"): catalog URLs and types, endpoint region
keys, token time forms and Keystone's list_limit, each giving another plausible answer."""
import unittest

from openstack.testkit import SimCase


def endpoints(token: dict, kind: str) -> list:
    return [e for s in token["catalog"] if s["type"] == kind for e in s["endpoints"]]


class Defaults(SimCase):
    def test_default_answers_are_the_real_tiers(self):
        token = self.admin.token
        self.assertTrue(token["expires_at"].endswith(".000000Z"))
        public = endpoints(token, "compute")[0]
        self.assertEqual((public["region"], public["region_id"]), ("RegionOne", "RegionOne"))
        self.assertTrue(public["url"].endswith("/compute/v2.1"))
        self.assertTrue(endpoints(token, "volumev3") and endpoints(token, "block-storage"))


class Versionless(SimCase):
    config = {"catalog_urls": "versionless", "volume_types": "volumev3",
              "endpoint_region": "region", "token_times": "plain_z"}

    def test_catalog_and_times(self):
        token = self.admin.token
        self.assertTrue(endpoints(token, "compute")[0]["url"].endswith("/compute"))
        self.assertTrue(endpoints(token, "volumev3")[0]["url"].endswith("/volume"))
        self.assertEqual(endpoints(token, "block-storage"), [])
        self.assertNotIn("region_id", endpoints(token, "network")[0])
        self.assertRegex(token["expires_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


class Versioned(SimCase):
    config = {"catalog_urls": "versioned", "volume_types": "block-storage",
              "endpoint_region": "region_id", "token_times": "offset"}

    def test_catalog_and_times(self):
        token = self.admin.token
        self.assertTrue(endpoints(token, "network")[0]["url"].endswith("/network/v2.0/"))
        self.assertTrue(endpoints(token, "load-balancer")[0]["url"].endswith(
            "/load-balancer/v2.0/"))
        self.assertTrue(endpoints(token, "block-storage")[0]["url"].endswith(
            f"/volume/v3/{token['project']['id']}/"))
        self.assertEqual(endpoints(token, "volumev3"), [])
        self.assertNotIn("region", endpoints(token, "compute")[0])
        self.assertTrue(token["expires_at"].endswith(".000000+00:00"))
        # the versioned URLs are served
        self.ok(self.admin.get("/network/v2.0/networks"))
        self.ok(self.admin.get("/load-balancer/v2.0/lbaas/loadbalancers"))


class ListLimit(SimCase):
    config = {"keystone_list_limit": 1}

    def test_lists_are_cut_and_say_so(self):
        self.project("p1")
        listed = self.ok(self.admin.get("/identity/v3/projects"))
        self.assertEqual((len(listed["projects"]), listed["truncated"]), (1, True))
        one = self.ok(self.admin.get("/identity/v3/projects?name=p1"))
        self.assertEqual(len(one["projects"]), 1)
        self.assertNotIn("truncated", one)

    def test_bad_values_are_refused(self):
        for changes in ({"keystone_list_limit": -1}, {"catalog_urls": "odd"},
                        {"token_times": "local"}):
            with self.subTest(changes=changes):
                reply = self.control.request("POST", "/__sim__/config", changes)
                self.assertEqual(reply.status, 400, reply)


if __name__ == "__main__":
    unittest.main()
