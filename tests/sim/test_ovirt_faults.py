"""The oVirt simulator's fault knobs: the common ones (503, drop, act-then, slow) in the engine's
shapes, failed jobs, expired tokens, a template locked or illegal, a VM gone behind the
module's back, finishing everything now, time scaling, secrets in the log."""
import http.client
import json
import threading
import time
import unittest

from ovirt.testkit import API, GIB, SimCase, search


class CommonFaults(SimCase):
    def test_503_is_an_html_page_with_correlation(self):
        self.ctl("POST", "fault/503", {"count": 1, "prefix": "/api/vms", "method": "POST"})
        reply = self.api.post(f"{API}/vms", {"name": "bm1", "cluster": {"name": "Default"},
                                             "template": {"name": "debian12"}},
                              headers={"Correlation-Id": "c503"})
        self.assertEqual(reply.status, 503)
        self.assertTrue(reply.headers["content-type"].startswith("text/html"))
        self.assertEqual(reply.headers["correlation-id"], "c503")
        self.assertEqual(self.get("/vms"), {})   # nothing was done
        self.create()

    def test_drop_after_create_then_retry_is_409(self):
        self.ctl("POST", "fault/act_then", {"status": "drop", "prefix": "/api/vms",
                                            "method": "POST"})
        with self.assertRaises((http.client.HTTPException, OSError)):
            self.api.post(f"{API}/vms", {"name": "bm1", "cluster": {"name": "Default"},
                                         "template": {"name": "debian12"}},
                          headers={"Correlation-Id": "bm1-create-1"})
        self.fault(self.api.post(f"{API}/vms", {"name": "bm1", "cluster": {"name": "Default"},
                                                "template": {"name": "debian12"}}), 409,
                   "already in use")
        found = self.get(f"/vms?{search('name=bm1')}")["vm"]
        self.assertEqual(len(found), 1)
        jobs = self.get(f"/jobs?{search('correlation_id=bm1-create-1')}")["job"]
        self.assertEqual(len(jobs), 1)

    def test_hold_a_create_after_it_acted(self):
        """The crash harness's pause at request k: the engine has made the VM, the client
        still waits; released, the connection drops."""
        self.ctl("POST", "fault/hold", {"prefix": "/api/vms", "method": "POST", "after": True})
        outcome = {}

        def send():
            try:
                outcome["reply"] = self.api.post(f"{API}/vms", {
                    "name": "bm1", "cluster": {"name": "Default"},
                    "template": {"name": "debian12"}})
            except (http.client.HTTPException, OSError) as error:
                outcome["error"] = error
        sender = threading.Thread(target=send)
        sender.start()
        for _ in range(500):
            if self.ctl("GET", "held")["list"]:
                break
            time.sleep(0.01)
        self.assertEqual(len(self.ctl("GET", "held")["list"]), 1)
        self.assertEqual(len(self.get(f"/vms?{search('name=bm1')}")["vm"]), 1)
        self.assertEqual(self.ctl("POST", "release"), {"released": 1})
        sender.join(10)
        self.assertIn("error", outcome)

    def test_act_then_503_on_start(self):
        vm_id = self.created()
        self.ctl("POST", "fault/act_then", {"status": 503, "prefix": f"/api/vms/{vm_id}/start"})
        self.assertEqual(self.api.post(f"{API}/vms/{vm_id}/start", {}).status, 503)
        self.assertEqual(self.status(vm_id), "wait_for_launch")

    def test_engine_restart(self):
        self.ctl("POST", "engine/restart", {"seconds": 30})
        reply = self.api.get(API)
        self.assertEqual((reply.status, reply.headers["content-type"]), (503, "text/html"))
        self.tick(30)
        self.assertEqual(self.api.get(API).status, 401)
        self.api.login()
        self.assertEqual(self.api.get(API).status, 200)
        self.assertEqual(self.control.post("/__sim__/engine/restart", {"seconds": -1}).status,
                         400)

    def test_slow_and_counters(self):
        self.ctl("POST", "fault/slow", {"count": 1, "delay_ms": 1, "prefix": "/api/clusters"})
        self.assertEqual(self.api.get(f"{API}/clusters").status, 200)
        counters = self.ctl("GET", "counters")
        self.assertEqual(counters["faults"], {"slow": 1})
        self.assertEqual(counters["requests"]["GET /api/clusters"], 1)
        self.assertEqual(counters["logins"], 1)


class FailedJobs(SimCase):
    def test_failed_create_removes_the_vm(self):
        self.ctl("POST", "fail", {"operation": "create"})
        vm_id = self.create(headers={"Correlation-Id": "bad-1"})["id"]
        self.tick(30)
        self.assertEqual(self.api.get(f"{API}/vms/{vm_id}").status, 404)
        job = self.get(f"/jobs?{search('correlation_id=bad-1')}")["job"][0]
        self.assertEqual(job["status"], "failed")
        self.create()   # the next one works, the name is free

    def test_failed_extend_keeps_the_size(self):
        vm_id = self.created()
        aid = self.get(f"/vms/{vm_id}/diskattachments")["disk_attachment"][0]["id"]
        self.ctl("POST", "fail", {"operation": "extend", "count": 1})
        self.ok(self.api.put(f"{API}/disks/{aid}", {"provisioned_size": str(20 * GIB)},
                             headers={"Correlation-Id": "grow-1"}))
        self.tick(10)
        disk = self.get(f"/disks/{aid}")
        self.assertEqual((disk["status"], disk["provisioned_size"]), ("ok", str(10 * GIB)))
        job = self.get(f"/jobs?{search('correlation_id=grow-1')}")["job"][0]
        self.assertEqual(job["status"], "failed")

    def test_bad_fail_spec(self):
        self.assertEqual(self.control.post("/__sim__/fail", {"operation": "boot"}).status, 400)
        self.assertEqual(self.control.post("/__sim__/fail", {"operation": "create",
                                                             "count": 0}).status, 400)


class Control(SimCase):
    def test_jobs_finish_runs_everything_now(self):
        vm_id = self.create()["id"]
        self.assertGreater(self.ctl("POST", "jobs/finish")["finished"], 0)
        self.assertEqual(self.status(vm_id), "down")
        self.assertEqual(self.get("/jobs")["job"][0]["status"], "finished")

    def test_vm_vanishes(self):
        vm_id = self.created()
        self.ctl("DELETE", f"vms/{vm_id}")
        self.assertEqual(self.api.get(f"{API}/vms/{vm_id}").status, 404)
        self.create()
        self.assertEqual(self.control.request("DELETE", f"/__sim__/vms/{vm_id}").status, 400)

    def test_template_status_knob(self):
        self.ctl("POST", "template", {"name": "debian12", "status": "illegal"})
        self.fault(self.api.post(f"{API}/vms", {"name": "x", "cluster": {"name": "Default"},
                                                "template": {"name": "debian12"}}), 409)
        self.ctl("POST", "template", {"name": "centos7-cpanel", "version": 2,
                                      "status": "locked"})
        found = self.get(f"/templates?{search('name=centos7-cpanel')}")["template"]
        self.assertEqual([t["status"] for t in found], ["ok", "locked"])
        self.assertEqual(self.control.post("/__sim__/template", {"name": "nope",
                                                                 "status": "ok"}).status, 400)

    def test_time_scale(self):
        self.knob(time_scale=0.01)
        vm_id = self.create()["id"]
        self.tick(0.3)
        self.assertEqual(self.status(vm_id), "down")
        self.act(vm_id, "start")
        self.tick(0.4)
        self.assertEqual(self.status(vm_id), "up")

    def test_state_dump(self):
        self.created(initialization={"root_password": "hidden-pw", "host_name": "h"})
        state = self.ctl("GET", "state")
        self.assertEqual(state["simulator"], "ovirt")
        self.assertEqual(state["vms"][0]["initialization"]["root_password"], "***")
        self.assertEqual(state["tokens"], 1)
        self.assertNotIn("hidden-pw", json.dumps(state))
        self.assertNotIn("hidden-pw", json.dumps(self.ctl("GET", "requests")))


if __name__ == "__main__":
    unittest.main()
