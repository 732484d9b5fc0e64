"""The oVirt simulator's VMs: create from a template and its validation, the VM and disk state
machines with their timings, delete, jobs by correlation id (ovirt.md §3.3-§5.7, §10.2)."""
import unittest

from ovirt.testkit import API, GIB, SimCase, search

MIB = 1 << 20


class Create(SimCase):
    def test_reply_202_image_locked_then_down(self):
        answer = self.create(headers={"Correlation-Id": "bm1-create-1"})
        self.assertEqual((answer["status"], answer["creation_status"]),
                         ("image_locked", "pending"))
        self.assertIn({"href": f"/ovirt-engine/api/vms/{answer['id']}/creation_status/"
                               f"{answer['id']}", "rel": "creation_status"}, answer["link"])
        vm_id = answer["id"]
        self.assertEqual(self.disk_states(vm_id), ["locked"])
        start = self.api.post(f"{API}/vms/{vm_id}/start", {})
        self.action_fault(start, 409, "[Cannot run VM because the VM is in Image Locked status.]")
        self.tick(29)
        self.assertEqual(self.status(vm_id), "image_locked")
        self.tick(1)
        self.assertEqual((self.status(vm_id), self.disk_states(vm_id)), ("down", ["ok"]))
        # the job ends after the disks read ok (job_lag)
        job = self.get("/jobs?" + search("correlation_id=bm1-create-1"))["job"][0]
        self.assertEqual(job["status"], "started")
        self.tick(2)
        job = self.get(f"/jobs/{job['id']}")
        self.assertEqual(job["status"], "finished")
        self.assertIsInstance(job["end_time"], int)

    def test_encoding_of_a_vm(self):
        vm = self.vm(self.created(memory=str(2 * GIB)))
        self.assertEqual(vm["memory"], str(2 * GIB))
        self.assertEqual(vm["memory_policy"], {"guaranteed": str(2 * GIB),
                                               "max": str(8 * GIB), "ballooning": "true"})
        self.assertEqual(vm["cpu"]["topology"], {"sockets": "1", "cores": "1", "threads": "1"})
        self.assertEqual(vm["stateless"], "false")
        self.assertIsInstance(vm["creation_time"], int)
        self.assertEqual(vm["os"]["boot"], {"devices": {"device": ["hd"]}})
        self.assertEqual(vm["template"]["id"], "7e3a0000-0000-4000-8000-000000000001")
        self.assertIn({"href": f"/ovirt-engine/api/vms/{vm['id']}/start", "rel": "start"},
                      vm["actions"]["link"])
        followed = self.get(f"/vms/{vm['id']}?follow=disk_attachments.disk,nics")
        disk = followed["disk_attachments"]["disk_attachment"][0]["disk"]
        self.assertEqual((disk["provisioned_size"], disk["status"]), (str(10 * GIB), "ok"))
        self.assertEqual(followed["nics"]["nic"][0]["vnic_profile"]["id"],
                         "5a1d0000-0000-4000-8000-000000000005")

    def test_attachment_id_is_disk_id(self):
        vm_id = self.created()
        attachment = self.get(f"/vms/{vm_id}/diskattachments")["disk_attachment"][0]
        self.assertEqual(attachment["id"], attachment["disk"]["id"])
        self.assertEqual(attachment["bootable"], "true")
        self.assertEqual(self.get(f"/disks/{attachment['id']}")["status"], "ok")

    def test_newest_template_version_by_name_or_a_chosen_one(self):
        vm = self.create("a", "centos7-cpanel")
        self.assertEqual(vm["template"]["id"], "7e3a0000-0000-4000-8000-000000000003")
        body = {"name": "b", "cluster": {"name": "Default"},
                "template": {"name": "centos7-cpanel", "version": {"version_number": "1"}}}
        vm = self.ok(self.api.post(f"{API}/vms", body), 202)
        self.assertEqual(vm["template"]["id"], "7e3a0000-0000-4000-8000-000000000002")
        added = self.ctl("POST", "templates", {"name": "debian12", "version_name": "dec"})
        self.assertEqual(added["version"]["version_number"], 2)
        vm = self.create("c", "debian12")
        self.assertEqual(vm["template"]["id"], added["id"])

    def test_expect_201_blocks(self):
        for header in ("Expect", "X-Ovirt-Expect"):
            vm = self.create(f"bm-{header}", headers={header: "201-created"}, status=201)
            self.assertEqual(vm["status"], "down")
            self.assertEqual(self.disk_states(vm["id"]), ["ok"])

    def test_blank_template_201_down_and_no_boot_disk(self):
        reply = self.api.post(f"{API}/vms", {"name": "empty", "cluster": {"name": "Default"},
                                             "template": {"name": "Blank"}})
        vm = self.ok(reply, 201)
        self.assertTrue(reply.headers["location"].endswith(f"/ovirt-engine/api/vms/{vm['id']}"))
        self.assertEqual(vm["status"], "down")
        self.action_fault(self.api.post(f"{API}/vms/{vm['id']}/start", {}), 409,
                          "Cannot run VM without at least one bootable disk")

    def test_clone_is_slower_and_reads_back_as_blank(self):
        vm = self.create(query="?clone=true")
        self.tick(31)
        self.assertEqual(self.status(vm["id"]), "image_locked")
        self.tick(90)
        vm = self.vm(vm["id"])
        self.assertEqual((vm["status"], vm["template"]["id"]),
                         ("down", "00000000-0000-0000-0000-000000000000"))
        disk = self.get(f"/vms/{vm['id']}/diskattachments?follow=disk")["disk_attachment"][0]
        self.assertEqual((disk["disk"]["format"], disk["disk"]["sparse"]), ("raw", "false"))

    def test_name_in_use_409_until_gone(self):
        vm_id = self.created()
        reply = self.api.post(f"{API}/vms", {"name": "bm1", "cluster": {"name": "Default"},
                                             "template": {"name": "debian12"}})
        self.assertEqual(reply.json, {"reason": "Operation Failed", "detail": (
            "[Cannot add VM. The VM name is already in use, please choose a unique name and "
            "try again.]")})
        self.assertEqual(reply.status, 409)
        self.assertEqual(self.ok(self.api.delete(f"{API}/vms/{vm_id}")), {"status": "complete"})
        self.assertEqual(self.status(vm_id), "image_locked")
        self.fault(self.api.post(f"{API}/vms", {"name": "bm1", "cluster": {"name": "Default"},
                                                "template": {"name": "debian12"}}), 409)
        self.tick(10)
        reply = self.api.get(f"{API}/vms/{vm_id}")
        self.assertEqual((reply.status, reply.raw), (404, b""))
        self.create()

    def test_name_rules(self):
        self.fault(self.api.post(f"{API}/vms", {"name": "a" * 65, "cluster": {"name": "Default"},
                                                "template": {"name": "debian12"}}), 400,
                   "The given name is too long.")
        self.create("a" * 64)
        self.fault(self.api.post(f"{API}/vms", {"name": "bad name", "cluster": {
            "name": "Default"}, "template": {"name": "debian12"}}), 400, "special characters")
        self.create("ok.name_é-1")
        self.fault(self.api.post(f"{API}/vms", {"name": "bm²", "cluster": {"name": "Default"},
                                                "template": {"name": "debian12"}}), 400)
        self.fault(self.api.post(f"{API}/vms", {"name": "w" * 16, "cluster": {"name": "Default"},
                                                "template": {"name": "win2022-plesk"}}), 400,
                   "too long")
        self.create("w" * 15, "win2022-plesk")

    def test_missing_fields_and_unknown_references(self):
        reply = self.api.post(f"{API}/vms", {"cluster": {"name": "Default"}})
        self.assertEqual(reply.status, 400)
        self.assertEqual(reply.json, {"reason": "Incomplete parameters", "detail":
                                      "Vm [name, template.id|name] required for add"})
        self.fault(self.api.post(f"{API}/vms", {"name": "x", "cluster": {"name": "Default"},
                                                "template": {"name": "nope"}}), 404,
                   "Entity not found: GetVmTemplate")
        self.fault(self.api.post(f"{API}/vms", {"name": "x", "cluster": {"name": "Other"},
                                                "template": {"name": "debian12"}}), 404,
                   "Entity not found: Cluster: name=Other")
        self.fault(self.api.post(f"{API}/vms", {"name": "x", "cluster": {"name": "Default"},
                                                "template": {"id": "7e3a0000-0000-4000-8000-"
                                                                   "000000000099"}}), 400,
                   "Template does not exist")

    def test_syntax_errors(self):
        reply = self.api.request("POST", f"{API}/vms", None, headers={
            "Content-Type": "application/json"})
        self.assertEqual(reply.json["reason"], "Request syntactically incorrect.")
        reply = self.api.post(f"{API}/vms", {"name": "x", "cluster": {"name": "Default"},
                                             "template": {"name": "debian12"}, "bogus": "1"})
        self.assertEqual((reply.status, reply.json["reason"]),
                         (400, "Request syntactically incorrect."))
        reply = self.api.post(f"{API}/vms", {"name": "x", "cluster": {"name": "Default"},
                                             "template": {"name": "debian12"},
                                             "type": "tiny"})
        self.assertEqual(reply.json, {"reason": "Invalid value",
                                      "detail": "tiny is not a member of VmType"})
        reply = self.api.get(f"{API}/vms/not-a-uuid")
        self.assertEqual((reply.status, reply.json["reason"]), (400, "Operation failed"))

    def test_memory_rules(self):
        self.fault(self.api.post(f"{API}/vms", {
            "name": "m", "cluster": {"name": "Default"}, "template": {"name": "debian12"},
            "memory": str(2 * GIB), "memory_policy": {"guaranteed": str(4 * GIB)}}), 400,
            "Physical Memory Guaranteed cannot exceed Memory Size.")
        self.fault(self.api.post(f"{API}/vms", {
            "name": "m", "cluster": {"name": "Default"}, "template": {"name": "debian12"},
            "memory": str(4 * GIB), "memory_policy": {"max": str(2 * GIB)}}), 409,
            "Memory size (4096MB) cannot exceed maximum memory size (2048MB).")
        self.fault(self.api.post(f"{API}/vms", {
            "name": "m", "cluster": {"name": "Default"}, "template": {"name": "debian12"},
            "cpu": {"topology": {"sockets": "17", "cores": "1", "threads": "1"}}}), 400)
        vm = self.create("m", cpu={"topology": {"sockets": "2", "cores": "2", "threads": "1"}})
        self.assertEqual(vm["cpu"]["topology"], {"sockets": "2", "cores": "2", "threads": "1"})
        self.assertEqual(vm["memory"], str(2 * GIB))   # the template's

    def test_template_locked_and_storage_low(self):
        self.ctl("POST", "template", {"name": "centos7-cpanel", "status": "locked"})
        self.fault(self.api.post(f"{API}/vms", {"name": "t", "cluster": {"name": "Default"},
                                                "template": {"name": "centos7-cpanel"}}), 409,
                   "Template is currently locked (temporarily).")
        self.create("t2", "debian12")
        self.knob(storage_available=5.5 * GIB)
        self.fault(self.api.post(f"{API}/vms", {"name": "t3", "cluster": {"name": "Default"},
                                                "template": {"name": "debian12"}}), 409,
                   "Low disk space on Storage Domain data1.")
        domain = self.get("/storagedomains?" + search("name=data1"))["storage_domain"][0]
        self.assertLess(int(domain["available"]), 6 * GIB)

    def test_disks_placed_on_a_storage_domain(self):
        domains = self.get("/storagedomains")["storage_domain"]
        self.assertEqual([d["name"] for d in domains], ["data1", "data2"])
        data2 = domains[1]["id"]
        disk = "d15c0000-0000-4000-8000-000000000001"   # debian12's
        placed = {"disk_attachment": [{"disk": {"id": disk, "storage_domains": {
            "storage_domain": [{"id": data2}]}}}]}
        vm_id = self.created("p1", disk_attachments=placed)
        attachment = self.get(f"/vms/{vm_id}/diskattachments?follow=disk")["disk_attachment"][0]
        self.assertEqual(attachment["disk"]["storage_domains"]["storage_domain"][0]["id"], data2)
        self.assertEqual(int(self.get(f"/storagedomains/{data2}")["used"]), GIB)
        # without disk_attachments the disks stay where the template's are (data1)
        other = self.created("p2")
        attachment = self.get(f"/vms/{other}/diskattachments?follow=disk")["disk_attachment"][0]
        self.assertEqual(attachment["disk"]["storage_domains"]["storage_domain"][0]["id"],
                         domains[0]["id"])
        # a domain or a disk the engine does not know
        unknown = {"disk_attachment": [{"disk": {"id": disk, "storage_domains": {
            "storage_domain": [{"id": "5a1d0000-0000-4000-8000-0000000000ff"}]}}}]}
        self.fault(self.api.post(f"{API}/vms", {
            "name": "p3", "cluster": {"name": "Default"}, "template": {"name": "debian12"},
            "disk_attachments": unknown}), 404, "Entity not found")
        self.fault(self.api.post(f"{API}/vms", {
            "name": "p3", "cluster": {"name": "Default"}, "template": {"name": "debian12"},
            "disk_attachments": {"disk_attachment": [{"disk": {"id": data2}}]}}), 404,
            "Entity not found")
        # a bare list is not the engine's JSON (§3.2)
        self.fault(self.api.post(f"{API}/vms", {
            "name": "p3", "cluster": {"name": "Default"}, "template": {"name": "debian12"},
            "disk_attachments": [{"disk": {"id": disk}}]}), 400)

    def test_nics_added_and_their_profile_changed(self):
        profiles = self.get("/vnicprofiles")["vnic_profile"]
        self.assertEqual([p["name"] for p in profiles], ["ovirtmgmt", "vps"])
        vps = profiles[1]["id"]
        vm_id = self.created("n1")
        nic = self.get(f"/vms/{vm_id}/nics")["nic"][0]
        self.assertEqual(nic["vnic_profile"]["id"], profiles[0]["id"])   # the template's
        changed = self.ok(self.api.put(f"{API}/vms/{vm_id}/nics/{nic['id']}",
                                       {"vnic_profile": {"id": vps}}))
        self.assertEqual(changed["vnic_profile"]["id"], vps)
        self.assertEqual(self.get(f"/vms/{vm_id}/nics")["nic"][0]["vnic_profile"]["id"], vps)
        blank = self.create("n2", "Blank", status=201)["id"]
        self.assertEqual(self.get(f"/vms/{blank}/nics"), {})
        added = self.ok(self.api.post(f"{API}/vms/{blank}/nics", {
            "name": "nic1", "interface": "virtio", "vnic_profile": {"id": vps}}), 201)
        self.assertEqual(added["vnic_profile"]["id"], vps)
        self.fault(self.api.post(f"{API}/vms/{blank}/nics", {"name": "nic1"}), 409,
                   "already in use")
        self.fault(self.api.post(f"{API}/vms/{blank}/nics", {
            "name": "nic2", "vnic_profile": {"id": vm_id}}), 404, "Entity not found")
        self.assertEqual(self.api.put(f"{API}/vms/{blank}/nics/{nic['id']}",
                                      {"vnic_profile": {"id": vps}}).status, 404)


class Power(SimCase):
    def test_first_boot_timeline(self):
        vm_id = self.created()
        answer = self.act(vm_id, "start")
        self.assertEqual(answer["status"], "complete")
        self.assertIn("/ovirt-engine/api/jobs/", answer["job"]["href"])
        self.assertEqual(self.status(vm_id), "wait_for_launch")
        self.tick(5)
        self.assertEqual(self.status(vm_id), "powering_up")
        self.tick(35)
        self.assertEqual(self.status(vm_id), "up")
        self.action_fault(self.api.post(f"{API}/vms/{vm_id}/start", {}), 409,
                          "[Cannot run VM. VM is running.]")
        self.assertEqual(self.get(f"/vms/{vm_id}/reporteddevices"), {})
        self.tick(10)
        device = self.get(f"/vms/{vm_id}/reporteddevices")["reported_device"][0]
        self.assertEqual(device["ips"]["ip"][0]["version"], "v4")
        self.assertIsInstance(self.vm(vm_id)["start_time"], int)
        self.tick(100)
        stats = {s["name"]: s["values"]["value"][0]["datum"]
                 for s in self.get(f"/vms/{vm_id}/statistics")["statistic"]}
        self.assertEqual((stats["memory.installed"], stats["elapsed.time"]),
                         (str(2 * GIB), "150"))

    def test_stop_shutdown_and_errors(self):
        vm_id = self.running()
        self.act(vm_id, "stop")
        self.assertEqual(self.status(vm_id), "powering_down")
        self.tick(5)
        self.assertEqual(self.status(vm_id), "down")
        self.action_fault(self.api.post(f"{API}/vms/{vm_id}/stop", {}), 409, "VM is not running")
        self.action_fault(self.api.post(f"{API}/vms/{vm_id}/shutdown", {}), 409,
                          "VM is not running")
        self.act(vm_id, "start")
        self.tick(40)
        self.act(vm_id, "shutdown", {"reason": "billing"})
        self.assertEqual(self.status(vm_id), "powering_down")
        self.tick(15)
        self.assertEqual(self.status(vm_id), "down")
        self.assertIsInstance(self.vm(vm_id)["stop_time"], int)

    def test_guest_ignoring_shutdown_stays_up(self):
        self.knob(guest_shutdown="ignore")
        vm_id = self.running()
        self.act(vm_id, "shutdown")
        self.tick(15)
        self.assertEqual(self.status(vm_id), "up")
        self.act(vm_id, "stop")
        self.tick(5)
        self.assertEqual(self.status(vm_id), "down")

    def test_reboot_and_reset(self):
        vm_id = self.running()
        self.act(vm_id, "reboot")
        self.assertEqual(self.status(vm_id), "reboot_in_progress")
        self.tick(20)
        self.assertEqual(self.status(vm_id), "up")
        self.act(vm_id, "reset")
        self.tick(20)
        self.assertEqual(self.status(vm_id), "up")
        self.act(vm_id, "stop")
        self.action_fault(self.api.post(f"{API}/vms/{vm_id}/reboot", {}), 409, "reboot VM")

    def test_suspend_and_resume(self):
        vm_id = self.running()
        answer = self.act(vm_id, "suspend", status=202)
        self.assertEqual(answer["async"], "true")
        self.assertEqual(answer["link"][0]["rel"], "replay")
        self.assertEqual(self.status(vm_id), "saving_state")
        self.action_fault(self.api.post(f"{API}/vms/{vm_id}/stop", {}), 409, "saving/restoring")
        self.tick(15)
        self.assertEqual(self.status(vm_id), "suspended")
        self.action_fault(self.api.post(f"{API}/vms/{vm_id}/suspend", {}), 409,
                          "[Cannot hibernate VM. VM is not up.]")
        self.fault(self.api.delete(f"{API}/vms/{vm_id}"), 409, "state is not down")
        self.act(vm_id, "start")
        self.assertEqual(self.status(vm_id), "restoring_state")
        self.tick(15)
        self.assertEqual(self.status(vm_id), "up")
        self.assertEqual(len(self.boots(vm_id)), 1)   # a restore is not a boot

    def test_stop_of_a_suspended_vm_discards_the_state(self):
        vm_id = self.running()
        self.act(vm_id, "suspend", status=202)
        self.tick(15)
        self.act(vm_id, "stop")
        self.assertEqual(self.status(vm_id), "down")

    def test_async_action_loses_validation(self):
        vm_id = self.created()
        answer = self.ok(self.api.post(f"{API}/vms/{vm_id}/stop?async=true", {}), 202)
        self.assertEqual(answer["status"], "in_progress")
        self.ok(self.api.post(f"{API}/vms/{vm_id}/start", {},
                              headers={"Expect": "202-accepted"}), 202)
        self.assertEqual(self.status(vm_id), "wait_for_launch")

    def test_action_echoes_input_and_missing_vm(self):
        vm_id = self.created()
        answer = self.act(vm_id, "start", {"use_cloud_init": "true"})
        self.assertEqual(answer["use_cloud_init"], "true")
        reply = self.api.post(f"{API}/vms/00000000-0000-4000-8000-000000000000/start", {})
        self.assertEqual((reply.status, reply.raw), (404, b""))


class Delete(SimCase):
    def test_refused_while_running_locked_or_protected(self):
        vm_id = self.running()
        self.fault(self.api.delete(f"{API}/vms/{vm_id}"), 409, "[Cannot remove VM. VM is running.]")
        other = self.create("bm2")["id"]
        self.fault(self.api.delete(f"{API}/vms/{other}"), 409, "VM is locked")
        self.ok(self.api.delete(f"{API}/vms/{other}?force=true"))
        self.tick(10)
        self.assertEqual(self.api.get(f"{API}/vms/{other}").status, 404)
        self.assertEqual(sorted(j["status"] for j in self.get("/jobs")["job"]
                                if "bm2" in j["description"]), ["failed", "finished"])
        protected = self.created("bm3", delete_protected="true")
        self.fault(self.api.delete(f"{API}/vms/{protected}"), 409, "Delete protection")

    def test_delete_lifecycle_and_job(self):
        vm_id = self.created()
        self.ok(self.api.delete(f"{API}/vms/{vm_id}", headers={"Correlation-Id": "bm1-close"}))
        self.fault(self.api.delete(f"{API}/vms/{vm_id}"), 409, "VM is locked")
        self.tick(10)
        reply = self.api.delete(f"{API}/vms/{vm_id}")
        self.assertEqual((reply.status, reply.raw), (404, b""))
        job = self.get("/jobs?" + search("correlation_id=bm1-close"))["job"][0]
        self.assertEqual(job["status"], "finished")
        self.assertEqual(self.get("/disks"), {})

    def test_detach_only_keeps_disks(self):
        vm_id = self.created()
        self.ok(self.api.delete(f"{API}/vms/{vm_id};detach_only=true"))
        self.tick(10)
        self.assertEqual(len(self.get("/disks")["disk"]), 1)


class Update(SimCase):
    def test_down_vm_takes_everything(self):
        vm_id = self.created()
        vm = self.ok(self.api.put(f"{API}/vms/{vm_id}", {
            "memory": str(4 * GIB), "memory_policy": {"guaranteed": str(4 * GIB),
                                                      "max": str(16 * GIB)},
            "cpu": {"topology": {"sockets": "4", "cores": "1", "threads": "1"}},
            "description": "item 7"}))
        self.assertEqual((vm["memory"], vm["cpu"]["topology"]["sockets"], vm["description"]),
                         (str(4 * GIB), "4", "item 7"))
        self.assertEqual(vm["next_run_configuration_exists"], "false")

    def test_memory_policy_rules(self):
        vm_id = self.created(memory=str(2 * GIB))
        self.fault(self.api.put(f"{API}/vms/{vm_id}", {"memory": str(16 * GIB)}), 409,
                   "cannot exceed maximum memory size")
        self.fault(self.api.put(f"{API}/vms/{vm_id}", {"memory": str(GIB)}), 400,
                   "Physical Memory Guaranteed cannot exceed Memory Size.")
        vm = self.ok(self.api.put(f"{API}/vms/{vm_id}", {
            "memory": str(GIB), "memory_policy": {"guaranteed": str(GIB)}}))
        self.assertEqual(vm["memory"], str(GIB))

    def test_running_vm_hotplug_and_next_run(self):
        vm_id = self.running(memory=str(2 * GIB))
        vm = self.ok(self.api.put(f"{API}/vms/{vm_id}", {"memory": str(2 * GIB + 512 * MIB)}))
        self.assertEqual((vm["memory"], vm["next_run_configuration_exists"]),
                         (str(2 * GIB + 512 * MIB), "false"))
        vm = self.ok(self.api.put(f"{API}/vms/{vm_id}", {
            "cpu": {"topology": {"sockets": "2", "cores": "1", "threads": "1"}}}))
        self.assertEqual(vm["cpu"]["topology"]["sockets"], "2")   # sockets hot-plug
        vm = self.ok(self.api.put(f"{API}/vms/{vm_id}", {
            "cpu": {"topology": {"sockets": "2", "cores": "2", "threads": "1"}}}))
        self.assertEqual((vm["cpu"]["topology"]["cores"], vm["next_run_configuration_exists"]),
                         ("1", "true"))
        self.assertEqual(self.get(f"/vms/{vm_id};next_run")["cpu"]["topology"]["cores"], "2")
        self.act(vm_id, "reboot")   # cold: the next run applies
        self.tick(20)
        vm = self.vm(vm_id)
        self.assertEqual((vm["cpu"]["topology"]["cores"], vm["next_run_configuration_exists"],
                          vm["status"]), ("2", "false", "up"))

    def test_next_run_parameter_and_stop_applies(self):
        vm_id = self.running()
        vm = self.ok(self.api.put(f"{API}/vms/{vm_id}?next_run=true", {
            "memory": str(3 * GIB)}))
        self.assertEqual((vm["memory"], vm["next_run_configuration_exists"]),
                         (str(2 * GIB), "true"))
        self.act(vm_id, "stop")
        self.tick(5)
        self.assertEqual(self.vm(vm_id)["memory"], str(3 * GIB))

    def test_odd_memory_hotplug_variants(self):
        vm_id = self.running()
        vm = self.ok(self.api.put(f"{API}/vms/{vm_id}", {"memory": str(2 * GIB + 100 * MIB)}))
        self.assertEqual(vm["next_run_configuration_exists"], "true")
        self.knob(hotplug_odd_memory="400")
        other = self.running("bm2")
        self.fault(self.api.put(f"{API}/vms/{other}", {"memory": str(2 * GIB + 100 * MIB)}),
                   400, "Amount of added memory (100MiB) is not dividable by 256MiB.")

    def test_rename_and_locked(self):
        first = self.created()
        self.create("bm2")
        self.fault(self.api.put(f"{API}/vms/{first}", {"name": "bm2"}), 409, "already in use")
        locked = self.create("bm3")["id"]
        self.fault(self.api.put(f"{API}/vms/{locked}", {"memory": str(4 * GIB)}), 409,
                   "VM is locked")
        reply = self.api.put(f"{API}/vms/00000000-0000-4000-8000-000000000000", {})
        self.assertEqual((reply.status, reply.raw), (404, b""))


class Disks(SimCase):
    def attachment(self, vm_id):
        return self.get(f"/vms/{vm_id}/diskattachments")["disk_attachment"][0]["id"]

    def test_extend_through_the_attachment(self):
        vm_id = self.created()
        aid = self.attachment(vm_id)
        self.ok(self.api.put(f"{API}/vms/{vm_id}/diskattachments/{aid}",
                             {"disk": {"provisioned_size": str(30 * GIB)}},
                             headers={"Correlation-Id": "bm1-grow"}))
        self.assertEqual(self.disk_states(vm_id), ["locked"])
        self.action_fault(self.api.post(f"{API}/vms/{vm_id}/start", {}), 409,
                          "The following disks are locked")
        self.tick(10)
        disk = self.get(f"/disks/{aid}")
        self.assertEqual((disk["status"], disk["provisioned_size"]), ("ok", str(30 * GIB)))
        job = self.get("/jobs?" + search("correlation_id=bm1-grow"))["job"][0]
        self.assertEqual(job["status"], "started")
        self.tick(2)
        self.assertEqual(self.get(f"/jobs/{job['id']}")["status"], "finished")

    def test_shrink_locked_and_same_size(self):
        vm_id = self.create()["id"]
        aid = self.get(f"/vms/{vm_id}/diskattachments")["disk_attachment"][0]["id"]
        self.fault(self.api.put(f"{API}/vms/{vm_id}/diskattachments/{aid}",
                                {"disk": {"provisioned_size": str(20 * GIB)}}), 409, "locked")
        self.tick(30)
        self.fault(self.api.put(f"{API}/disks/{aid}", {"provisioned_size": str(5 * GIB)}), 400,
                   "New disk size must be larger than the current disk size.")
        self.ok(self.api.put(f"{API}/disks/{aid}", {"provisioned_size": str(10 * GIB)}))
        self.assertEqual(self.disk_states(vm_id), ["ok"])

    def test_put_disk_reply_stale_or_updated(self):
        vm_id = self.created()
        aid = self.attachment(vm_id)
        disk = self.ok(self.api.put(f"{API}/disks/{aid}", {"provisioned_size": str(20 * GIB)}))
        self.assertEqual((disk["provisioned_size"], disk["status"]), (str(10 * GIB), "ok"))
        self.tick(10)
        self.knob(disk_put_reply="updated")
        disk = self.ok(self.api.put(f"{API}/disks/{aid}", {"provisioned_size": str(25 * GIB)}))
        self.assertEqual((disk["provisioned_size"], disk["status"]), (str(25 * GIB), "locked"))

    def test_missing_attachment(self):
        vm_id = self.created()
        reply = self.api.get(f"{API}/vms/{vm_id}/diskattachments/"
                             f"00000000-0000-4000-8000-000000000000")
        self.assertEqual((reply.status, reply.raw), (404, b""))


if __name__ == "__main__":
    unittest.main()
