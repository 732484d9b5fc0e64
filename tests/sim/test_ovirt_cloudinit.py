"""The oVirt simulator's cloud-init and sysprep semantics (ovirt.md §5.3, §5.4, §12 item 5):
what each boot applied, recorded for tests through the control API."""
import json
import unittest

from ovirt.testkit import API, SimCase

INIT = {"host_name": "vps1.example.com", "user_name": "root", "root_password": "pw-one",
        "authorized_ssh_keys": "ssh-ed25519 AAAAkey", "dns_servers": "8.8.8.8",
        "nic_configurations": {"nic_configuration": [{
            "name": "eth0", "on_boot": "true", "boot_protocol": "static",
            "ip": {"address": "203.0.113.10", "netmask": "255.255.255.0",
                   "gateway": "203.0.113.1", "version": "v4"}}]}}


class FirstRun(SimCase):
    def boot(self, vm_id, body=None):
        self.act(vm_id, "start", body)
        self.tick(40)
        self.assertEqual(self.status(vm_id), "up")
        self.act(vm_id, "stop")
        self.tick(5)
        return self.boots(vm_id)[-1]

    def test_persistent_init_applies_on_the_first_run_only(self):
        vm_id = self.created(initialization=INIT)
        first = self.boot(vm_id)
        self.assertEqual((first["applied"], first["first_run"], first["run_once"]),
                         ("cloud_init", True, False))
        self.assertEqual(first["initialization"]["host_name"], "vps1.example.com")
        self.assertEqual(first["initialization"]["root_password"], "***")
        self.assertEqual(first["initialization"]["nic_configurations"][0]["ip"]["address"],
                         "203.0.113.10")
        second = self.boot(vm_id)
        self.assertEqual((second["applied"], second["first_run"]), (None, False))
        forced = self.boot(vm_id, {"use_cloud_init": "true"})
        self.assertEqual(forced["applied"], "cloud_init")
        self.assertNotEqual(forced["instance_id"], first["instance_id"])

    def test_password_is_checked_not_dumped(self):
        vm_id = self.created(initialization=INIT)
        self.assertEqual(self.ctl("POST", "check_password", {"vm": "bm1", "password": "pw-one"}),
                         {"match": False, "boot": None})
        self.boot(vm_id)
        self.assertEqual(self.ctl("POST", "check_password", {"vm": vm_id, "password": "pw-one"}),
                         {"match": True, "boot": 1})
        state = json.dumps(self.ctl("GET", "state"))
        self.assertNotIn("pw-one", state)
        self.assertNotIn("pw-one", json.dumps(self.ctl("GET", "requests")))
        self.assertNotIn("root_password", self.vm(vm_id)["initialization"])

    def test_run_once_password_change(self):
        vm_id = self.created(initialization=INIT)
        self.boot(vm_id)
        self.act(vm_id, "start", {"use_cloud_init": "true", "vm": {"initialization": {
            "user_name": "root", "root_password": "pw-two"}}})
        self.assertEqual(self.vm(vm_id)["run_once"], "true")
        record = self.boots(vm_id)[-1]
        self.assertEqual((record["applied"], record["run_once"]), ("cloud_init", True))
        self.assertTrue(self.ctl("POST", "check_password",
                                 {"vm": vm_id, "password": "pw-two"})["match"])
        self.tick(40)
        self.act(vm_id, "stop")
        self.tick(5)
        self.assertEqual(self.vm(vm_id)["run_once"], "false")
        # run-once is not saved: the stored initialization keeps the first password
        self.boot(vm_id, {"use_cloud_init": "true"})
        self.assertTrue(self.ctl("POST", "check_password",
                                 {"vm": vm_id, "password": "pw-one"})["match"])

    def test_persisted_change_for_later_boots(self):
        vm_id = self.created(initialization=INIT)
        self.boot(vm_id)
        self.ok(self.api.put(f"{API}/vms/{vm_id}", {"initialization": dict(
            INIT, root_password="pw-three")}))
        self.assertEqual(self.boot(vm_id)["applied"], None)   # not the first run any more
        self.boot(vm_id, {"use_cloud_init": "true"})
        self.assertTrue(self.ctl("POST", "check_password",
                                 {"vm": vm_id, "password": "pw-three"})["match"])

    def test_explicit_false_disables(self):
        vm_id = self.created(initialization=INIT)
        self.assertEqual(self.boot(vm_id, {"use_cloud_init": "false"})["applied"], None)

    def test_cloud_init_and_sysprep_together_409(self):
        vm_id = self.created(initialization=INIT)
        reply = self.api.post(f"{API}/vms/{vm_id}/start", {"use_cloud_init": "true",
                                                          "use_sysprep": "true"})
        self.assertEqual((reply.status, reply.json["status"]), (409, "failed"))
        self.assertEqual(reply.json["fault"]["reason"],
                         "Cannot use multiple initialization tags simultaneously when running "
                         "VM.")

    def test_windows_gets_sysprep(self):
        vm_id = self.created("win1", "win2022-plesk", initialization={
            "host_name": "win1", "root_password": "Adm1n!", "org_name": "pm"})
        record = self.boot(vm_id)
        self.assertEqual(record["applied"], "sysprep")
        self.assertEqual(self.boot(vm_id, {"use_sysprep": "true"})["applied"], "sysprep")
        self.assertEqual(self.boot(vm_id, {"use_sysprep": "false"})["applied"], None)
        self.assertEqual(self.boot(vm_id, {"use_cloud_init": "true"})["applied"], "cloud_init")

    def test_agent_reports_the_static_address(self):
        vm_id = self.created(initialization=INIT)
        self.act(vm_id, "start")
        self.tick(50)
        device = self.get(f"/vms/{vm_id}/reporteddevices")["reported_device"][0]
        self.assertEqual(device["ips"]["ip"], [{"address": "203.0.113.10", "version": "v4"}])

    def test_guest_agent_off(self):
        self.knob(guest_agent="off")
        vm_id = self.running()
        self.tick(60)
        self.assertEqual(self.get(f"/vms/{vm_id}/reporteddevices"), {})

    def test_initialization_shape_and_bare_list_refused(self):
        vm_id = self.created(initialization=INIT)
        shown = self.vm(vm_id)["initialization"]
        self.assertEqual(shown["nic_configurations"]["nic_configuration"][0]["on_boot"], "true")
        bad = dict(INIT, nic_configurations=[{"name": "eth0"}])
        reply = self.api.post(f"{API}/vms", {"name": "x", "cluster": {"name": "Default"},
                                             "template": {"name": "debian12"},
                                             "initialization": bad})
        self.assertEqual((reply.status, reply.json["reason"]),
                         (400, "Request syntactically incorrect."))


class TemplateInit(SimCase):
    def test_inherited_from_the_template_by_default(self):
        vm_id = self.created()   # debian12 carries a timezone and DNS servers
        self.assertEqual(self.vm(vm_id)["initialization"]["dns_servers"], "9.9.9.9")

    def test_not_inherited_variant(self):
        self.knob(template_init="none")
        vm_id = self.created()
        self.assertNotIn("initialization", self.vm(vm_id))
        self.act(vm_id, "start")
        self.assertEqual(self.boots(vm_id)[-1]["applied"], None)


if __name__ == "__main__":
    unittest.main()
