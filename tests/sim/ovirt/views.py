"""Entities as the engine shows them, in plain Python values (encode.wire() writes integers
and booleans as strings). Shapes follow ovirt.md §3.2, §5-§7."""
from . import fixtures
from .encode import API, actions, epoch, links, ref, wrap
from .fixtures import GIB

VM_LINKS = ("diskattachments", "nics", "reporteddevices", "statistics", "graphicsconsoles",
            "snapshots", "permissions", "tags")
VM_ACTIONS = ("start", "stop", "shutdown", "reboot", "reset", "suspend", "ticket", "migrate",
              "cancelmigration", "detach", "export", "clone", "previewsnapshot")
INIT_SECRETS = ("root_password",)


def initialization(init: dict) -> dict:
    """The stored initialization as GET shows it: nic_configurations wrapped twice; the
    password is not shown [guess]."""
    shown = {k: v for k, v in init.items() if k not in INIT_SECRETS}
    if "nic_configurations" in shown:
        shown.update(wrap("nic_configurations", "nic_configuration",
                          shown.pop("nic_configurations")))
    return shown


def vm(state, vm, follow=()) -> dict:
    base = f"{API}/vms/{vm.id}"
    template = vm.template
    answer = {
        "href": base, "id": vm.id, "name": vm.name, "description": vm.description,
        "comment": vm.comment, "status": vm.status, "type": vm.type,
        "memory": vm.memory,
        "memory_policy": {"guaranteed": vm.guaranteed, "max": vm.max_memory,
                          "ballooning": vm.ballooning},
        "cpu": {"architecture": "x86_64", "topology": {
            "sockets": vm.sockets, "cores": vm.cores, "threads": vm.threads}},
        "os": {"type": vm.os_type, "boot": {"devices": {"device": ["hd"]}}},
        "cluster": ref("clusters", vm.cluster_id),
        # clone=true: the VM reads back as made from Blank (terraform-provider-ovirt docs)
        "template": ref("templates", fixtures.BLANK_ID if vm.clone else template.id),
        "original_template": ref("templates", template.id),
        "creation_time": epoch(vm.created),
        "stateless": False, "delete_protected": vm.delete_protected, "run_once": vm.run_once,
        "high_availability": {"enabled": False, "priority": 0},
        "next_run_configuration_exists": vm.next_run is not None,
        "start_paused": False, "origin": "ovirt", "placement_policy": {"affinity": "migratable"},
        "link": links(base, VM_LINKS),
        "actions": actions(base, VM_ACTIONS),
    }
    if vm.start_time is not None:
        answer["start_time"] = epoch(vm.start_time)
    if vm.stop_time is not None:
        answer["stop_time"] = epoch(vm.stop_time)
    if vm.status == "up" and vm.reported_ips:
        answer["fqdn"] = (vm.initialization or {}).get("host_name") or vm.name
    if vm.initialization:
        answer["initialization"] = initialization(vm.initialization)
    follow = set(follow)
    if "disk_attachments" in follow or "disk_attachments.disk" in follow:
        answer.update(wrap("disk_attachments", "disk_attachment",
                           [attachment(state, vm, d, "disk_attachments.disk" in follow)
                            for d in vm.disks]))
    if "nics" in follow:
        answer.update(wrap("nics", "nic", [nic(vm, n) for n in vm.nics]))
    if "reported_devices" in follow:
        answer.update(wrap("reported_devices", "reported_device", reported_devices(vm)))
    return answer


def next_run(state, vm_) -> dict:
    """GET VM;next_run: the configuration the next power-cycle gets."""
    answer = vm(state, vm_)
    pending = vm_.next_run or {}
    answer["memory"] = pending.get("memory", vm_.memory)
    answer["memory_policy"]["guaranteed"] = pending.get("guaranteed", vm_.guaranteed)
    answer["memory_policy"]["max"] = pending.get("max_memory", vm_.max_memory)
    for name in ("sockets", "cores", "threads"):
        answer["cpu"]["topology"][name] = pending.get(name, getattr(vm_, name))
    if "initialization" in pending:
        answer["initialization"] = initialization(pending["initialization"])
    return answer


def disk(state, disk_, full: bool = True) -> dict:
    base = f"{API}/disks/{disk_.id}"
    answer = {
        "href": base, "id": disk_.id, "name": disk_.alias, "alias": disk_.alias,
        "status": disk_.status, "provisioned_size": disk_.provisioned,
        "actual_size": disk_.actual, "total_size": disk_.actual, "format": disk_.format,
        "sparse": disk_.sparse, "storage_type": "image", "content_type": "data",
        "qcow_version": "qcow2_v3" if disk_.format == "cow" else None,
        "shareable": False, "wipe_after_delete": False, "propagate_errors": False,
        "storage_domains": {"storage_domain": [ref("storagedomains", disk_.storage_domain)]},
        "link": links(base, ("permissions", "statistics", "disksnapshots")),
        "actions": actions(base, ("copy", "move", "export", "sparsify", "refreshlun")),
    }
    if disk_.template_disk:
        answer["image_id"] = disk_.template_disk
    return answer


def attachment(state, vm_, disk_id: str, follow_disk: bool = False) -> dict:
    disk_ = state.disks[disk_id]
    base = f"{API}/vms/{vm_.id}/diskattachments/{disk_id}"
    return {"href": base, "id": disk_id, "active": True, "bootable": disk_.bootable,
            "interface": "virtio_scsi", "pass_discard": False, "read_only": False,
            "uses_scsi_reservation": False,
            "disk": disk(state, disk_) if follow_disk else ref("disks", disk_id),
            "vm": ref("vms", vm_.id)}


def nic(vm_, nic_) -> dict:
    return {"href": f"{API}/vms/{vm_.id}/nics/{nic_['id']}", "id": nic_["id"],
            "name": nic_["name"], "interface": "virtio", "linked": True, "plugged": True,
            "mac": {"address": nic_["mac"]},
            "vnic_profile": ref("vnicprofiles", nic_.get("profile", fixtures.VNIC_PROFILE_ID)),
            "vm": ref("vms", vm_.id)}


def reported_devices(vm_) -> list:
    if not vm_.reported_ips or not vm_.nics:
        return []
    first = vm_.nics[0]
    return [{"href": f"{API}/vms/{vm_.id}/reporteddevices/{first['id']}", "id": first["id"],
             "name": "eth0", "type": "network", "description": "guest reported data",
             "mac": {"address": first["mac"]},
             "ips": {"ip": [{"address": a, "version": "v4"} for a in vm_.reported_ips]},
             "vm": ref("vms", vm_.id)}]


def template(state, t) -> dict:
    base = f"{API}/templates/{t.id}"
    answer = {
        "href": base, "id": t.id, "name": t.name, "description": t.description,
        "status": t.status, "type": "server", "memory": t.memory,
        "memory_policy": {"guaranteed": t.memory, "max": 4 * t.memory, "ballooning": True},
        "cpu": {"architecture": "x86_64", "topology": {
            "sockets": t.sockets, "cores": t.cores, "threads": t.threads}},
        "os": {"type": t.os_type, "boot": {"devices": {"device": ["hd"]}}},
        "cluster": ref("clusters", fixtures.CLUSTER_ID) if t.disks else None,
        "creation_time": epoch(state.wall0 - 86400 * (30 - t.version)),
        "stateless": False, "delete_protected": False,
        "version": {"version_number": t.version, "version_name": t.version_name,
                    "base_template": ref("templates", t.base_id)},
        "link": links(base, ("diskattachments", "nics", "permissions", "watchdogs", "tags")),
        "actions": actions(base, ("export",)),
    }
    if t.initialization:
        answer["initialization"] = initialization(t.initialization)
    return answer


def template_attachment(t, tdisk) -> dict:
    return {"href": f"{API}/templates/{t.id}/diskattachments/{tdisk.id}", "id": tdisk.id,
            "active": True, "bootable": True, "interface": "virtio_scsi",
            "pass_discard": False, "read_only": False,
            "disk": ref("disks", tdisk.id), "template": ref("templates", t.id)}


def cluster() -> dict:
    base = f"{API}/clusters/{fixtures.CLUSTER_ID}"
    return {"href": base, "id": fixtures.CLUSTER_ID, "name": "Default",
            "description": "The default server cluster",
            "data_center": ref("datacenters", fixtures.DATACENTER_ID),
            "cpu": {"architecture": "x86_64", "type": "Secure Intel Cascadelake Server Family"},
            "memory_policy": {"over_commit": {"percent": 100},
                              "transparent_hugepages": {"enabled": True}},
            "version": {"major": 4, "minor": 7},
            "link": links(base, ("networks", "permissions", "cpuprofiles"))}


def datacenter() -> dict:
    base = f"{API}/datacenters/{fixtures.DATACENTER_ID}"
    return {"href": base, "id": fixtures.DATACENTER_ID, "name": "Default",
            "description": "The default Data Center", "local": False, "status": "up",
            "storage_format": "v5", "version": {"major": 4, "minor": 7},
            "link": links(base, ("clusters", "storagedomains", "networks", "quotas"))}


def storage_domain(state, id_: str = fixtures.STORAGE_ID) -> dict:
    base = f"{API}/storagedomains/{id_}"
    name = fixtures.STORAGE_NAMES[id_]
    available = state.storage_available(id_)
    first = id_ == fixtures.STORAGE_ID
    used = fixtures.STORAGE_USED + state.storage_used if first else state.storage2_used
    committed = sum(d.provisioned for d in state.disks.values() if d.storage_domain == id_)
    return {"href": base, "id": id_, "name": name, "type": "data",
            "external_status": "ok",
            "master": first, "storage": {"type": "nfs", "address": "127.0.0.1",
                                         "path": f"/exports/{name}"},
            "available": available, "used": used,
            "committed": (fixtures.STORAGE_USED if first else 0) + committed,
            "warning_low_space_indicator": 10,
            "critical_space_action_blocker": int(state.config.low_space_blocker // GIB),
            "storage_format": "v5", "data_centers": {"data_center": [
                ref("datacenters", fixtures.DATACENTER_ID)]},
            "link": links(base, ("disks", "templates", "vms", "permissions"))}


def network() -> dict:
    return {"href": f"{API}/networks/{fixtures.NETWORK_ID}", "id": fixtures.NETWORK_ID,
            "name": "ovirtmgmt", "description": "Management Network", "mtu": 0, "stp": False,
            "usages": {"usage": ["vm", "management"]},
            "data_center": ref("datacenters", fixtures.DATACENTER_ID)}


def vnic_profile(follow=(), id_: str = fixtures.VNIC_PROFILE_ID) -> dict:
    return {"href": f"{API}/vnicprofiles/{id_}",
            "id": id_, "name": fixtures.VNIC_PROFILES[id_], "pass_through": {
                "mode": "disabled"}, "port_mirroring": False,
            "network": network() if "network" in follow else ref("networks",
                                                                  fixtures.NETWORK_ID)}


def job(j) -> dict:
    base = f"{API}/jobs/{j.id}"
    answer = {"href": base, "id": j.id, "description": j.description, "status": j.status,
              "auto_cleared": True, "external": False, "start_time": epoch(j.start),
              "last_updated": epoch(j.updated or j.start),
              "owner": ref("users", fixtures.USER_ID),
              "link": links(base, ("steps",)),
              "actions": actions(base, ("clear", "end"))}
    if j.end is not None:
        answer["end_time"] = epoch(j.end)
    return answer


def root(state) -> dict:
    vms = list(state.vms.values())
    return {
        "product_info": {"name": "oVirt Engine", "vendor": "ovirt.org", "version": {
            "major": 4, "minor": 5, "build": 7, "revision": 0,
            "full_version": "4.5.7-1.el9"}},
        "special_objects": {"blank_template": ref("templates", fixtures.BLANK_ID),
                            "root_tag": ref("tags", fixtures.ROOT_TAG_ID)},
        "summary": {"hosts": {"active": 1, "total": 1},
                    "storage_domains": {"active": 2, "total": 2},
                    "users": {"active": 1, "total": 1},
                    "vms": {"active": sum(v.status == "up" for v in vms), "total": len(vms)}},
        "time": epoch(state.wall()),
        "authenticated_user": ref("users", fixtures.USER_ID),
        "effective_user": ref("users", fixtures.USER_ID),
        "link": [{"href": f"{API}/{rel}", "rel": rel} for rel in (
            "clusters", "datacenters", "disks", "jobs", "networks", "storagedomains",
            "templates", "vms", "vnicprofiles", "vms/search", "templates/search",
            "jobs/search")],
    }


STATISTICS = (  # name, description, unit, value of a VM
    ("memory.installed", "Total memory configured", "bytes", lambda vm, now: vm.memory),
    ("memory.used", "Memory used (agent)", "bytes",
     lambda vm, now: vm.memory // 4 if vm.status == "up" else 0),
    ("cpu.current.guest", "CPU used by guest", "percent",
     lambda vm, now: 3 if vm.status == "up" else 0),
    ("cpu.current.total", "Total CPU used", "percent",
     lambda vm, now: 4 if vm.status == "up" else 0),
    ("elapsed.time", "Time elapsed since the VM started", "seconds",
     lambda vm, now: int(now - vm.start_time) if vm.status == "up" and vm.start_time else 0),
)


def statistics(state, vm_) -> list:
    """GET VM/statistics (§7): gauges with one datum each; the datum written as a string like
    every other number [guess]."""
    now = state.wall()
    return [{"href": f"{API}/vms/{vm_.id}/statistics/{vm_.id[:24]}{n:012d}",
             "id": f"{vm_.id[:24]}{n:012d}", "name": name, "description": text,
             "kind": "gauge", "type": "integer", "unit": unit,
             "values": {"value": [{"datum": value(vm_, now)}]}, "vm": ref("vms", vm_.id)}
            for n, (name, text, unit, value) in enumerate(STATISTICS)]
