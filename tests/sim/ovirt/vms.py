"""The VM routes (ovirt.md §5, §6): list/search, create from a template, get (;next_run),
update, delete, the power actions, disk attachments and disk extend, NICs, reported devices."""
from . import errors, fixtures, views
from .encode import ref
from .errors import Refused
from .inputs import Reader, initialization, query_flag
from .lists import follow, listing, lookup, search

VM_FIELDS = {"name": lambda v: v.name, "id": lambda v: v.id, "status": lambda v: v.status,
             "description": lambda v: v.description, "comment": lambda v: v.comment,
             "type": lambda v: v.type, "os": lambda v: v.os_type,
             "cluster": lambda v: "Default", "template": lambda v: v.template.name,
             "memory": lambda v: v.memory // (1 << 20)}
# Vm attributes a body may carry; those the simulator does not model are accepted and ignored.
VM_ATTRIBUTES = {
    "name", "description", "comment", "cluster", "template", "type", "memory", "memory_policy",
    "cpu", "os", "initialization", "delete_protected", "high_availability",
    "placement_policy", "disk_attachments", "console", "soundcard_enabled", "instance_type",
    "stateless", "display", "io", "bios", "time_zone", "custom_properties", "large_icon",
    "small_icon", "usb", "migration", "rng_device", "serial_number", "sso", "start_paused",
    "virtio_scsi", "cpu_profile", "storage_domain", "lease", "nics", "origin", "quota",
    "auto_pinning_policy", "tunnel_migration", "multi_queues_enabled", "cpu_shares",
    "custom_cpu_model", "custom_emulated_machine", "tpm_enabled", "storage_error_resume_behaviour",
    "memory_policy", "vm_pool", "id", "href", "status", "virtio_scsi_multi_queues_enabled"}
VM_TYPES = ("server", "desktop", "high_performance")
ACTION_SCALARS = ("use_cloud_init", "use_sysprep", "use_ignition", "use_initialization",
                  "pause", "volatile", "force", "reason", "async")


def _vm(app, id):
    return lookup(app.state.vms, id)


def _correlation(request) -> str:
    return request.context["correlation_id"]


# --- list, get ----------------------------------------------------------------------------
def vms(app, request):
    chosen = search(app, request, list(app.state.vms.values()), VM_FIELDS, lambda v: v.name)
    return listing(app, "vm", [views.vm(app.state, v, follow(request)) for v in chosen])


def get_vm(app, request, id):
    found = _vm(app, id)
    if query_flag(request.query, "next_run"):
        return 200, views.next_run(app.state, found), []
    return 200, views.vm(app.state, found, follow(request)), []


# --- create -------------------------------------------------------------------------------
def _body(app, request, usage: str) -> tuple:
    reader = Reader(app.config, usage)
    try:
        body = request.json_object()
    except Exception:
        raise reader.fail() from None
    return reader, body


def _template(app, reader, spec: dict):
    spec = reader.obj(spec)
    if "id" in spec:
        found = app.state.templates.get(reader.text(spec["id"]))
        if found is None:
            raise Refused("TEMPLATE_DOES_NOT_EXIST", "add VM")
        return found
    name = reader.text(spec["name"])
    if "version" in spec:
        number = reader.integer(reader.obj(spec["version"]).get("version_number", "0"))
        for candidate in app.state.templates.values():
            if candidate.name == name and candidate.version == number:
                return candidate
        raise errors.entity_not_found("GetVmTemplate")
    found = app.state.newest_template(name)   # the newest version of that name (§5.1)
    if found is None:
        raise errors.entity_not_found("GetVmTemplate")
    return found


def _placement(reader, template, value) -> dict:
    """`disk_attachments` of a create (§5.1): per template disk, `{"disk":{"id":<template disk
    id>,"storage_domains":{"storage_domain":[{"id":…}]}}}` → {template disk id: domain id}.
    A disk the template does not have or a domain the engine does not know: 404 entity not
    found [guess: the texts]; `format`/`sparse` are accepted and not modelled."""
    placement = {}
    disks = {d.id for d in template.disks}
    for attachment in reader.wrapped_list(value, "disk_attachment"):
        disk = reader.obj(reader.obj(attachment).get("disk", {}))
        if "id" not in disk:
            raise errors.incomplete("DiskAttachment", ["disk.id"])
        disk_id = reader.text(disk["id"])
        if disk_id not in disks:
            raise errors.entity_not_found(f"Disk: id={disk_id}")
        if "storage_domains" in disk:
            for domain in reader.wrapped_list(disk["storage_domains"], "storage_domain"):
                domain_id = reader.text(reader.obj(domain).get("id", ""))
                if domain_id not in fixtures.STORAGE_NAMES:
                    raise errors.entity_not_found(f"StorageDomain: id={domain_id}")
                placement[disk_id] = domain_id
    return placement


def _cluster(reader, spec) -> None:
    spec = reader.obj(spec)
    if "id" in spec:
        ident = reader.text(spec["id"])
        if ident != fixtures.CLUSTER_ID:
            raise errors.entity_not_found(f"Cluster: id={ident}")
    elif reader.text(spec["name"]) != "Default":
        raise errors.entity_not_found(f"Cluster: name={spec['name']}")


def _resources(reader, body: dict) -> dict:
    """memory, memory_policy and cpu.topology of a create or update body."""
    out = {}
    if "memory" in body:
        out["memory"] = reader.integer(body["memory"])
    policy = reader.obj(body.get("memory_policy", {}))
    if "guaranteed" in policy:
        out["guaranteed"] = reader.integer(policy["guaranteed"])
    if "max" in policy:
        out["max_memory"] = reader.integer(policy["max"])
    if "ballooning" in policy:
        out["ballooning"] = reader.boolean(policy["ballooning"])
    topology = reader.obj(reader.obj(body.get("cpu", {})).get("topology", {}))
    for name in ("sockets", "cores", "threads"):
        if name in topology:
            out[name] = reader.integer(topology[name])
    return out


def create(app, request):
    reader, body = _body(app, request, "vms/methods/add")
    unknown = set(body) - VM_ATTRIBUTES
    if unknown:
        raise reader.fail()
    missing = [label for key, label in (("name", "name"), ("cluster", "cluster.id|name"),
                                        ("template", "template.id|name"))
               if not body.get(key) or (key != "name" and not (
                   isinstance(body[key], dict) and ("id" in body[key] or "name" in body[key])))]
    if missing:
        raise errors.incomplete("Vm", missing)
    _cluster(reader, body["cluster"])
    template = _template(app, reader, body["template"])
    given = _resources(reader, body)
    memory = given.get("memory", template.memory)
    kind = reader.text(body.get("type", "server"))
    if kind not in VM_TYPES:
        raise errors.invalid_value(kind, "VmType")
    init = None
    if "initialization" in body:
        init = initialization(reader, body["initialization"])
    elif app.config.template_init == "inherit" and template.initialization:
        init = dict(template.initialization)
    spec = {
        "name": reader.text(body["name"]), "template": template, "memory": memory,
        # §5.1: max = 4 x memory and guaranteed = memory x 100 / over-commit (100 %)
        "guaranteed": given.get("guaranteed", memory),
        "max_memory": given.get("max_memory", 4 * memory),
        "ballooning": given.get("ballooning", True),
        "sockets": given.get("sockets", template.sockets),
        "cores": given.get("cores", template.cores),
        "threads": given.get("threads", template.threads),
        "os_type": reader.text(reader.obj(body.get("os", {})).get("type", template.os_type)),
        "description": reader.text(body.get("description", "")),
        "comment": reader.text(body.get("comment", "")),
        "type": kind, "initialization": init,
        "delete_protected": reader.boolean(body.get("delete_protected", "false")),
        "clone": query_flag(request.query, "clone"),
        "placement": _placement(reader, template, body["disk_attachments"])
        if "disk_attachments" in body else {},
    }
    state = app.state
    vm = state.create_vm(spec, _correlation(request))
    expect = (request.headers.get("Expect", "") + " " +
              request.headers.get("X-Ovirt-Expect", "")).lower()
    location = [("Location", f"http://{request.headers.get('Host', '127.0.0.1')}"
                             f"/ovirt-engine/api/vms/{vm.id}")]
    if not template.disks:
        return 201, views.vm(state, vm), location
    if "201-created" in expect:
        state.settle(vm)   # blocks until the disk tasks end (ExpectationHelper)
        return 201, views.vm(state, vm), location
    answer = views.vm(state, vm)
    if app.config.create_status == "201":
        return 201, answer, location
    answer["creation_status"] = app.config.creation_status
    answer["link"] = answer["link"] + [{"href": f"/ovirt-engine/api/vms/{vm.id}/creation_status/"
                                                f"{vm.id}", "rel": "creation_status"}]
    return 202, answer, location


# --- update, delete -----------------------------------------------------------------------
def update(app, request, id):
    vm = _vm(app, id)
    reader, body = _body(app, request, "vms/methods/update")
    if set(body) - VM_ATTRIBUTES:
        raise reader.fail()
    changes = _resources(reader, body)
    for name in ("name", "description", "comment"):
        if name in body:
            changes[name] = reader.text(body[name])
    if "delete_protected" in body:
        changes["delete_protected"] = reader.boolean(body["delete_protected"])
    if "initialization" in body:
        changes["initialization"] = initialization(reader, body["initialization"])
    if "type" in body:
        kind = reader.text(body["type"])
        if kind not in VM_TYPES:
            raise errors.invalid_value(kind, "VmType")
        changes["type"] = kind
    app.state.update_vm(vm, changes, query_flag(request.query, "next_run"))
    return 200, views.vm(app.state, vm), []


def delete(app, request, id):
    vm = _vm(app, id)
    if _is_async(request):
        try:
            app.state.delete(vm, _correlation(request), query_flag(request.query, "force"),
                             query_flag(request.query, "detach_only"))
        except Refused:
            pass   # RunAsyncAction: validation results are lost (§4.1)
        return 202, {"status": "in_progress"}, []
    app.state.delete(vm, _correlation(request), query_flag(request.query, "force"),
                     query_flag(request.query, "detach_only"))
    return 200, {"status": "complete"}, []


# --- actions ------------------------------------------------------------------------------
def _is_async(request) -> bool:
    expect = (request.headers.get("Expect", "") + request.headers.get("X-Ovirt-Expect", ""))
    return query_flag(request.query, "async") or "202-accepted" in expect.lower()


def action(app, request, id, name):
    vm = _vm(app, id)
    reader, body = _body(app, request, f"services/vm/methods/{name}")
    echoed = {k: v for k, v in body.items() if k in ACTION_SCALARS}
    params = {}
    for flag in ("use_cloud_init", "use_sysprep", "force"):
        if flag in body:
            params[flag] = reader.boolean(body[flag])
    if "vm" in body:
        params["run_once"] = True
        once = reader.obj(body["vm"])
        if "initialization" in once:
            params["vm_initialization"] = initialization(reader, once["initialization"])
    state, correlation = app.state, _correlation(request)
    if name == "start" and params.get("use_cloud_init") and params.get("use_sysprep"):
        reason = "Cannot use multiple initialization tags simultaneously when running VM."
        raise errors.ApiError(409, dict(echoed, fault={"reason": reason, "detail": reason},
                                        status="failed"))
    run = {"start": lambda: state.start(vm, params, correlation),
           "stop": lambda: state.stop(vm, correlation, graceful=False),
           "shutdown": lambda: state.stop(vm, correlation, graceful=True),
           "reboot": lambda: state.reboot(vm, correlation),
           "reset": lambda: state.reboot(vm, correlation, "ResetVm"),
           "suspend": lambda: state.suspend(vm, correlation)}.get(name)
    if run is None:
        raise errors.not_found()
    if _is_async(request):
        try:
            run()
        except Refused:
            pass   # RunAsyncAction: validation results are lost (§4.1)
        return 202, dict(echoed, status="in_progress"), []
    try:
        job = run()
    except Refused as refusal:
        raise errors.action_failed(refusal, echoed) from None
    answer = dict(echoed, status="complete")
    if app.config.action_job == "link":
        answer["job"] = ref("jobs", job.id)
    if name == "suspend" and app.config.suspend_status == "202":
        # the action left tasks (the memory image): 202, async, a replay link (§4.1)
        answer.update({"async": True, "status": "pending", "link": [
            {"href": f"/ovirt-engine/api/vms/{vm.id}/suspend", "rel": "replay"}]})
        return 202, answer, []
    return 200, answer, []


# --- disks --------------------------------------------------------------------------------
def _attachment(app, vm, aid):
    if aid not in vm.disks:
        raise errors.not_found()
    return app.state.disks[aid]


def attachments(app, request, id):
    vm = _vm(app, id)
    with_disk = "disk" in request.query.get("follow", "").lower().split(",")
    return listing(app, "disk_attachment",
                   [views.attachment(app.state, vm, d, with_disk) for d in vm.disks])


def get_attachment(app, request, id, aid):
    vm = _vm(app, id)
    _attachment(app, vm, aid)
    with_disk = "disk" in request.query.get("follow", "").lower().split(",")
    return 200, views.attachment(app.state, vm, aid, with_disk), []


def _extend(app, request, reader, disk, spec: dict) -> None:
    if "provisioned_size" in spec:
        app.state.extend_disk(disk, reader.integer(spec["provisioned_size"]),
                              _correlation(request))


def update_attachment(app, request, id, aid):
    """PUT VM/diskattachments/{aid} {"disk":{"provisioned_size":N}} (§6)."""
    vm = _vm(app, id)
    disk = _attachment(app, vm, aid)
    reader, body = _body(app, request, "services/disk_attachment/methods/update")
    if "bootable" in body:
        disk.bootable = reader.boolean(body["bootable"])
    _extend(app, request, reader, disk, reader.obj(body.get("disk", {})))
    return 200, views.attachment(app.state, vm, aid), []


def _disk(app, id):
    return lookup(app.state.disks, id)


def get_disk(app, request, id):
    return 200, views.disk(app.state, _disk(app, id)), []


def update_disk(app, request, id):
    """PUT /disks/{id} {"provisioned_size":N}: the answer "might not be synced with the
    changed properties" (knob disk_put_reply)."""
    disk = _disk(app, id)
    reader, body = _body(app, request, "services/disk/methods/update")
    before = views.disk(app.state, disk)
    _extend(app, request, reader, disk, body)
    if app.config.disk_put_reply == "stale":
        return 200, before, []
    answer = views.disk(app.state, disk)
    answer["provisioned_size"] = reader.integer(body.get("provisioned_size",
                                                         str(disk.provisioned)))
    return 200, answer, []


def nics(app, request, id):
    vm = _vm(app, id)
    return listing(app, "nic", [views.nic(vm, n) for n in vm.nics])


def _profile(reader, body) -> str:
    profile = reader.text(reader.obj(body["vnic_profile"]).get("id", ""))
    if profile not in fixtures.VNIC_PROFILES:
        raise errors.entity_not_found(f"VnicProfile: id={profile}")   # [guess: the text]
    return profile


def add_nic(app, request, id):
    """POST VM/nics {"name","interface","vnic_profile":{"id"}} (§7, VmNicsService): 201."""
    vm = _vm(app, id)
    reader, body = _body(app, request, "services/vm_nics/methods/add")
    if not body.get("name"):
        raise errors.incomplete("Nic", ["name"])
    name = reader.text(body["name"])
    if any(n["name"] == name for n in vm.nics):
        raise Refused("NIC_NAME_USED", "add Network Interface")
    nic = {"id": app.state.new_id(), "name": name,
           "mac": "56:6f:" + ":".join(f"{app.state.rng.getrandbits(8):02x}" for _ in range(4))}
    if "vnic_profile" in body:
        nic["profile"] = _profile(reader, body)
    vm.nics.append(nic)
    return 201, views.nic(vm, nic), []


def update_nic(app, request, id, nic_id):
    """PUT VM/nics/{nic} {"vnic_profile":{"id"}} (VmNicService.update; not in ovirt.md
    [guess]): the profile changed, down or running alike."""
    vm = _vm(app, id)
    found = next((n for n in vm.nics if n["id"] == nic_id), None)
    if found is None:
        raise errors.not_found()
    reader, body = _body(app, request, "services/vm_nic/methods/update")
    if "vnic_profile" in body:
        found["profile"] = _profile(reader, body)
    return 200, views.nic(vm, found), []


def reported(app, request, id):
    vm = _vm(app, id)
    return listing(app, "reported_device", views.reported_devices(vm))


def statistics(app, request, id):
    return listing(app, "statistic", views.statistics(app.state, _vm(app, id)))


def register(router) -> None:
    router.add("GET", "/api/vms", vms)
    router.add("POST", "/api/vms", create)
    router.add("GET", "/api/vms/{id}", get_vm)
    router.add("PUT", "/api/vms/{id}", update)
    router.add("DELETE", "/api/vms/{id}", delete)
    router.add("GET", "/api/vms/{id}/diskattachments", attachments)
    router.add("GET", "/api/vms/{id}/diskattachments/{aid}", get_attachment)
    router.add("PUT", "/api/vms/{id}/diskattachments/{aid}", update_attachment)
    router.add("GET", "/api/vms/{id}/nics", nics)
    router.add("POST", "/api/vms/{id}/nics", add_nic)
    router.add("PUT", "/api/vms/{id}/nics/{nic_id}", update_nic)
    router.add("GET", "/api/vms/{id}/reporteddevices", reported)
    router.add("GET", "/api/vms/{id}/statistics", statistics)
    for name in ("start", "stop", "shutdown", "reboot", "reset", "suspend"):
        router.add("POST", f"/api/vms/{{id}}/{name}",
                   lambda app, request, id, _name=name: action(app, request, id, _name))
    router.add("GET", "/api/disks/{id}", get_disk)
    router.add("PUT", "/api/disks/{id}", update_disk)
