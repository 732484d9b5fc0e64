"""The oVirt simulator's host-trouble statuses (ovirt.md §5.2: not_responding, unknown, paused,
unassigned), which no API call leads to: set through /__sim__/vms/{id}/status, then what the
engine allows from them."""
import unittest

from ovirt.testkit import API, SimCase


class Trouble(SimCase):
    def test_status_set_and_what_was_under_way_ends(self):
        vm_id = self.running()
        self.act(vm_id, "shutdown")
        self.assertEqual(self.status(vm_id), "powering_down")
        answer = self.ctl("POST", f"vms/{vm_id}/status", {"status": "not_responding"})
        self.assertEqual((answer["id"], answer["status"]), (vm_id, "not_responding"))
        self.tick(60)   # the shutdown's step would have made it down
        self.assertEqual(self.status(vm_id), "not_responding")

    def test_a_not_responding_vm_refuses_start_and_takes_stop(self):
        vm_id = self.running()
        self.ctl("POST", f"vms/{vm_id}/status", {"status": "not_responding"})
        start = self.api.post(f"{API}/vms/{vm_id}/start", {})
        self.action_fault(start, 409, "VM is running")
        self.act(vm_id, "stop")
        self.tick(6)
        self.assertEqual(self.status(vm_id), "down")

    def test_start_resumes_a_paused_vm(self):
        vm_id = self.running()
        self.ctl("POST", f"vms/{vm_id}/status", {"status": "paused"})
        self.assertEqual(self.status(vm_id), "paused")
        self.act(vm_id, "start")
        self.assertEqual(self.status(vm_id), "up")
        self.assertEqual(len(self.boots(vm_id)), 1)   # resumed, not booted again

    def test_an_unassigned_vm_can_be_deleted(self):
        vm_id = self.created()
        self.ctl("POST", f"vms/{vm_id}/status", {"status": "unassigned"})
        self.ok(self.api.delete(f"{API}/vms/{vm_id}"))
        self.tick(11)
        self.assertEqual(self.api.get(f"{API}/vms/{vm_id}").status, 404)

    def test_only_trouble_statuses_and_known_vms(self):
        vm_id = self.created()
        bad = self.control.request("POST", f"/__sim__/vms/{vm_id}/status", {"status": "up"})
        self.assertEqual(bad.status, 400)
        self.assertIn("not_responding", bad.json["error"])
        unknown = self.control.request("POST", "/__sim__/vms/nope/status",
                                       {"status": "paused"})
        self.assertEqual(unknown.status, 400)


if __name__ == "__main__":
    unittest.main()
