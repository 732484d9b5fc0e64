"""The oVirt simulator's collections and search (ovirt.md §3.2, §4.2, §7): name=, quotes, the
* wildcard, case-insensitive by default, case_sensitive, and/or, status=, sortby, page with
max, empty collections, the fixtures (DESIGN §12)."""
import unittest

from ovirt.testkit import API, SimCase, search


class Search(SimCase):
    def setUp(self):
        super().setUp()
        for name in ("bm1", "bm2", "BM3", "other"):
            self.create(name)
        self.tick(30)

    def names(self, query: str) -> list:
        return [vm["name"] for vm in self.get(f"/vms?{query}").get("vm", [])]

    def test_name_exact_quoted_and_case_insensitive(self):
        self.assertEqual(self.names(search("name=bm1")), ["bm1"])
        self.assertEqual(self.names(search('name="bm1"')), ["bm1"])
        self.assertEqual(self.names(search("name=bm3")), ["BM3"])
        self.assertEqual(self.names(search("name=bm3") + "&case_sensitive=true"), [])
        self.assertEqual(self.names(search("name=BM3") + "&case_sensitive=true"), ["BM3"])

    def test_wildcard_and_order(self):
        self.assertEqual(self.names(search("name=bm*")), ["bm1", "bm2", "BM3"])
        self.assertEqual(self.names(search("name=*m*")), ["bm1", "bm2", "BM3"])
        self.assertEqual(self.names(search("name=bm* sortby name desc")), ["BM3", "bm2", "bm1"])

    def test_paging(self):
        pages = [self.names(search(f"name=* page {n}") + "&max=3") for n in (1, 2, 3)]
        self.assertEqual(pages, [["bm1", "bm2", "BM3"], ["other"], []])
        self.assertEqual(self.names("max=2"), ["bm1", "bm2"])

    def test_status_and_or(self):
        vm_id = self.get(f"/vms?{search('name=bm1')}")["vm"][0]["id"]
        self.act(vm_id, "start")
        self.assertEqual(self.names(search("status=wait_for_launch")), ["bm1"])
        self.assertEqual(self.names(search("name=bm* and status=down")), ["bm2", "BM3"])
        self.assertEqual(self.names(search("name=other or name=bm2")), ["bm2", "other"])
        self.assertEqual(self.names(search("name!=bm*")), ["other"])

    def test_empty_collection_shapes(self):
        self.assertEqual(self.get(f"/vms?{search('name=nothing')}"), {})
        self.knob(empty_collection="empty_list")
        self.assertEqual(self.get(f"/vms?{search('name=nothing')}"), {"vm": []})

    def test_search_case_default_variant(self):
        self.knob(search_case_default="sensitive")
        self.assertEqual(self.names(search("name=bm3")), [])
        self.assertEqual(self.names(search("name=bm3") + "&case_sensitive=false"), ["BM3"])

    def test_bad_search(self):
        self.fault(self.api.get(f"{API}/vms?{search('colour=red')}"), 400)
        self.fault(self.api.get(f"{API}/vms?{search('name')}"), 400)

    def test_follow_on_lists(self):
        vm = self.get(f"/vms?{search('name=bm1')}&follow=disk_attachments")["vm"][0]
        self.assertIn("disk_attachment", vm["disk_attachments"])


class Fixtures(SimCase):
    def test_templates_with_versions(self):
        found = self.get(f"/templates?{search('name=centos7-cpanel')}")["template"]
        self.assertEqual([(t["version"]["version_number"], t["version"]["version_name"])
                          for t in found], [("1", "2026-10"), ("2", "2026-11")])
        self.assertEqual(found[1]["version"]["base_template"]["id"], found[0]["id"])
        names = {t["name"] for t in self.get("/templates")["template"]}
        self.assertEqual(names, {"Blank", "debian12", "centos7-cpanel", "win2022-plesk"})
        disks = self.get(f"/templates/{found[1]['id']}/diskattachments")["disk_attachment"]
        self.assertEqual(len(disks), 1)
        self.assertEqual(self.get(f"/templates/{found[1]['id']}/nics")["nic"][0]["name"], "nic1")

    def test_cluster_datacenter_storage_network_profile(self):
        cluster = self.get(f"/clusters?{search('name=Default')}")["cluster"][0]
        self.assertEqual(self.get(f"/clusters/{cluster['id']}")["name"], "Default")
        self.assertEqual(cluster["data_center"]["id"],
                         self.get("/datacenters")["data_center"][0]["id"])
        domain = self.get("/storagedomains")["storage_domain"][0]
        self.assertEqual((domain["name"], domain["type"]), ("data1", "data"))
        self.assertTrue(domain["available"].isdigit())
        self.assertEqual(self.get("/networks")["network"][0]["name"], "ovirtmgmt")
        profile = self.get("/vnicprofiles?follow=network")["vnic_profile"][0]
        self.assertEqual((profile["name"], profile["network"]["name"]),
                         ("ovirtmgmt", "ovirtmgmt"))
        reply = self.api.get(f"{API}/clusters/00000000-0000-4000-8000-000000000000")
        self.assertEqual((reply.status, reply.raw), (404, b""))
        self.assertEqual(self.get(f"/clusters?{search('name=nope')}"), {})

    def test_jobs_search_only_by_correlation_id(self):
        self.create(headers={"Correlation-Id": "abc-1"})
        self.create("bm2", headers={"Correlation-Id": "abc-2"})
        jobs = self.get(f"/jobs?{search('correlation_id=abc-1')}")["job"]
        self.assertEqual(len(jobs), 1)
        self.assertIn("bm1", jobs[0]["description"])
        self.assertEqual(len(self.get(f"/jobs?{search('correlation_id=abc*')}")["job"]), 2)
        self.assertEqual(len(self.get("/jobs")["job"]), 2)
        self.fault(self.api.get(f"{API}/jobs?{search('name=abc')}"), 400)


if __name__ == "__main__":
    unittest.main()
