"""The engine's state and its state machines (ovirt.md §4, §5, §6, §10.2), driven by the
common Timeline: every request first runs what is due, so the outcome does not depend on how
often a client polls. Each scheduled step checks the VM's generation: a step of an operation
that something else overtook does nothing (as the go-ovirt-client mock does)."""
import uuid
from dataclasses import dataclass, field

from common.timeline import Timeline

from . import fixtures
from .errors import Refused
from .fixtures import GIB, MIB

MAX_NAME = 64            # MaxVmNameLength
MAX_NAME_SYSPREP = 15    # MaxVmNameLengthSysprep
MAX_SOCKETS, MAX_CORES, MAX_THREADS, MAX_VCPUS = 16, 254, 8, 512   # 4.5 limits (§5.1)
MAX_MEMORY = 6 * 1024 * GIB
HOTPLUG_FACTOR = 256 * MIB
RUNNING = ("up", "powering_up", "wait_for_launch", "reboot_in_progress", "powering_down",
           "migrating", "paused", "not_responding", "unknown")


@dataclass
class Disk:
    id: str
    alias: str
    vm_id: str
    provisioned: int
    actual: int
    template_disk: str = None
    status: str = "locked"
    bootable: bool = True
    sparse: bool = True
    format: str = "cow"
    storage_domain: str = fixtures.STORAGE_ID


@dataclass
class Job:
    id: str
    description: str
    correlation_id: str
    start: float          # wall seconds
    status: str = "started"
    end: float = None
    updated: float = None


@dataclass
class Vm:
    id: str
    name: str
    template: object
    cluster_id: str
    memory: int
    guaranteed: int
    max_memory: int
    sockets: int
    cores: int
    threads: int
    os_type: str
    created: float                 # wall seconds
    description: str = ""
    comment: str = ""
    type: str = "server"
    status: str = "image_locked"
    initialization: dict = None
    delete_protected: bool = False
    ballooning: bool = True
    is_initialized: bool = False
    run_once: bool = False
    next_run: dict = None          # pending changes (field -> value) for the next power-cycle
    disks: list = field(default_factory=list)     # disk ids, the first bootable
    nics: list = field(default_factory=list)      # [{"id","name","mac"}]
    boots: list = field(default_factory=list)     # what each boot applied
    reported_ips: list = field(default_factory=list)
    start_time: float = None
    stop_time: float = None
    deleting: bool = False
    clone: bool = False
    gen: int = 0                   # bumped by each operation; stale steps do nothing
    creating: tuple = None         # (timeline handle, step) while the disks are copied
    applied_password: str = None   # the last password a boot delivered (never dumped)

    @property
    def windows(self) -> bool:
        return self.os_type.startswith("windows")


def check_name(name: str, windows: bool, action: str) -> None:
    """^[\\p{L}0-9._-]*$, at most 64 characters (15 for Windows/sysprep) (§5.1)."""
    if len(name) > (MAX_NAME_SYSPREP if windows else MAX_NAME):
        raise Refused("NAME_TOO_LONG", action)
    if any(not (c.isalpha() or c in "0123456789._-") for c in name):
        raise Refused("NAME_SPECIAL_CHARS", action)


def check_memory(memory: int, guaranteed: int, max_memory: int, action: str) -> None:
    """guaranteed <= memory (400) and memory <= max (409) (§3.5, §5.5)."""
    if guaranteed > memory:
        raise Refused("MIN_MEMORY_EXCEEDS", action)
    if memory > max_memory or memory > MAX_MEMORY:
        raise Refused("MAX_MEMORY", action, memory=memory // MIB, max=max_memory // MIB)


def check_cpu(sockets: int, cores: int, threads: int, action: str) -> None:
    if min(sockets, cores, threads) < 1 or sockets > MAX_SOCKETS or cores > MAX_CORES or \
            threads > MAX_THREADS or sockets * cores * threads > MAX_VCPUS:
        raise Refused("TOO_MANY_CPU", action)


class State:
    def __init__(self, config, clock, rng):
        self.config = config
        self.clock = clock
        self.rng = rng
        self.timeline = Timeline()
        self.mono0, self.wall0 = clock.now(), clock.wall()
        self.templates = {t.id: t for t in fixtures.templates()}
        self.vms = {}
        self.disks = {}
        self.jobs = {}
        self.tokens = {}           # token -> last use (clock time)
        self.logins = 0
        self.login_failures = 0
        self.storage_used = 0      # bytes the simulator's disks take on data1
        self.storage2_used = 0     # and on data2
        self.fail_next = {}        # operation -> how many of the next ones fail (control)

    # --- time -------------------------------------------------------------------------
    def now(self) -> float:
        return self.clock.now()

    def wall(self, when: float = None) -> float:
        """The wall time of clock time `when` (now by default), for dates in answers."""
        return self.wall0 + ((self.now() if when is None else when) - self.mono0)

    def advance(self) -> None:
        self.timeline.advance(self.now())

    def after(self, kind: str, start: float, callback) -> None:
        self.timeline.at(start + self.config.duration(kind), callback)

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    # --- storage ----------------------------------------------------------------------
    def storage_available(self, domain: str = fixtures.STORAGE_ID) -> int:
        if domain == fixtures.STORAGE2_ID:
            return max(0, fixtures.STORAGE2_SIZE - self.storage2_used)
        return max(0, int(self.config.storage_available) - self.storage_used)

    def need_space(self, size: int, action: str, domain: str = fixtures.STORAGE_ID) -> None:
        """Refused when the domain would fall under critical_space_action_blocker."""
        if self.storage_available(domain) - size < self.config.low_space_blocker:
            raise Refused("LOW_DISK_SPACE", action, domain=fixtures.STORAGE_NAMES[domain])

    def account(self, disk: Disk, size: int) -> None:
        """`size` bytes more (or fewer) on the disk's storage domain."""
        if disk.storage_domain == fixtures.STORAGE2_ID:
            self.storage2_used += size
        else:
            self.storage_used += size

    # --- jobs -------------------------------------------------------------------------
    def job(self, correlation_id: str, engine_text: str, command: str) -> Job:
        text = engine_text if self.config.job_description == "engine" else command
        job = Job(self.new_id(), text, correlation_id, self.wall(), updated=self.wall())
        self.jobs[job.id] = job
        return job

    def end_job(self, job: Job, when: float, status: str = "finished") -> None:
        if job.status == "started":
            job.status, job.end, job.updated = status, self.wall(when), self.wall(when)

    def take_failure(self, operation: str) -> bool:
        left = self.fail_next.get(operation, 0)
        if left:
            if left == 1:
                del self.fail_next[operation]
            else:
                self.fail_next[operation] = left - 1
        return bool(left)

    # --- lookups ----------------------------------------------------------------------
    def vm_named(self, name: str):
        """The VM holding a name: a deleted one keeps it until gone (name_reserved knob)."""
        for vm in self.vms.values():
            if vm.name == name and not (vm.deleting and
                                        self.config.name_reserved == "at_delete"):
                return vm
        return None

    def newest_template(self, name: str):
        versions = [t for t in self.templates.values() if t.name == name]
        return max(versions, key=lambda t: t.version) if versions else None

    # --- create -----------------------------------------------------------------------
    def create_vm(self, spec: dict, correlation_id: str, action="add VM") -> Vm:
        template = spec["template"]
        windows = spec["os_type"].startswith("windows")
        check_name(spec["name"], windows, action)
        if self.vm_named(spec["name"]) is not None:
            raise Refused("NAME_ALREADY_USED", action)
        if template.status == "locked":
            raise Refused("TEMPLATE_LOCKED", action)
        if template.status == "illegal":
            raise Refused("TEMPLATE_ILLEGAL", action)
        check_memory(spec["memory"], spec["guaranteed"], spec["max_memory"], action)
        check_cpu(spec["sockets"], spec["cores"], spec["threads"], action)
        clone = spec["clone"]
        # spec["placement"]: template disk id -> storage domain id (the body's disk_attachments)
        placement = spec.get("placement") or {}
        needed = {}
        for tdisk in template.disks:
            domain = placement.get(tdisk.id, fixtures.STORAGE_ID)
            needed[domain] = needed.get(domain, 0) + (tdisk.size if clone else GIB)
        for domain, size in needed.items():
            self.need_space(size, action, domain)
        now = self.now()
        vm = Vm(self.new_id(), spec["name"], template, fixtures.CLUSTER_ID, spec["memory"],
                spec["guaranteed"], spec["max_memory"], spec["sockets"], spec["cores"],
                spec["threads"], spec["os_type"], self.wall(), description=spec["description"],
                comment=spec["comment"], type=spec["type"],
                initialization=spec["initialization"],
                delete_protected=spec["delete_protected"], clone=clone,
                ballooning=spec["ballooning"])
        for number in range(template.nics):
            vm.nics.append({"id": self.new_id(), "name": f"nic{number + 1}",
                            "mac": "56:6f:" + ":".join(f"{self.rng.getrandbits(8):02x}"
                                                       for _ in range(4))})
        for tdisk in template.disks:
            disk = Disk(self.new_id(), tdisk.alias, vm.id, tdisk.size,
                        tdisk.size if clone else GIB, tdisk.id, sparse=not clone,
                        format="raw" if clone else "cow",
                        storage_domain=placement.get(tdisk.id, fixtures.STORAGE_ID))
            self.disks[disk.id] = disk
            vm.disks.append(disk.id)
            self.account(disk, disk.actual)
        self.vms[vm.id] = vm
        if not template.disks:
            vm.status = "down"   # no disk tasks: 201 and down at once (§4.1)
            return vm
        job = self.job(correlation_id, f"Creating VM {vm.name} from Template {template.name} "
                                       f"in Cluster Default", "AddVm")
        gen, fails = vm.gen, self.take_failure("create")

        def copied(when):
            if vm.gen != gen or vm.id not in self.vms:
                return
            if fails:   # AddVm ends with failure: the VM and its disks are removed
                self._gone(vm, job, False, when, "failed")
                return
            vm.status, vm.creating = "down", None
            for disk_id in vm.disks:
                self.disks[disk_id].status = "ok"
            self.after("job_lag", when, lambda end: self.end_job(job, end))
        handle = self.timeline.at(now + self.config.duration(
            "create_clone" if clone else "create_thin"), copied)
        vm.creating = (handle, copied, job)
        return vm

    def settle(self, vm: Vm) -> None:
        """Ends the VM's creation now (Expect: 201-created blocks until its tasks end)."""
        if vm.creating is not None:
            handle, copied, job = vm.creating
            self.timeline.cancel(handle)
            copied(self.now())
            self.end_job(job, self.now())

    # --- checks shared by the operations -----------------------------------------------
    def locked_disks(self, vm: Vm) -> list:
        return [self.disks[d].alias for d in vm.disks if self.disks[d].status == "locked"]

    def _not_locked(self, vm: Vm, action: str) -> None:
        if vm.status == "image_locked":
            raise Refused("VM_IS_LOCKED", action)
        locked = self.locked_disks(vm)
        if locked:
            raise Refused("DISKS_LOCKED", action, disks=", ".join(locked))

    # --- power ------------------------------------------------------------------------
    def start(self, vm: Vm, params: dict, correlation_id: str) -> Job:
        action = "run VM"
        if vm.status == "paused":
            # RunVm of a paused VM resumes it (Ansible starts a paused VM before acting,
            # ovirt.md §5.6) [guess: at once, no boot]
            job = self.job(correlation_id, f"Launching VM {vm.name}", "RunVm")
            vm.gen += 1
            vm.status = "up"
            self.end_job(job, self.now())
            return job
        if vm.status == "image_locked":
            raise Refused("STATUS_ILLEGAL", action, status="Image Locked")
        if vm.status in RUNNING:
            raise Refused("VM_IS_RUNNING", action)
        if vm.status in ("saving_state", "restoring_state"):
            raise Refused("SAVING_RESTORING", action)
        self._not_locked(vm, action)
        if not vm.disks:
            raise Refused("NO_BOOTABLE_DISK", action)
        job = self.job(correlation_id, f"Launching VM {vm.name}", "RunVm")
        vm.gen += 1
        gen, now = vm.gen, self.now()
        if vm.status == "suspended":
            vm.status = "restoring_state"
            self.after("restore", now, lambda when: self._up(vm, gen, job, when))
            return job
        self._boot(vm, params)
        vm.status = "wait_for_launch"

        def launched(when):
            if vm.gen == gen:
                vm.status = "powering_up"
                self.after("power_up", when, lambda up: self._up(vm, gen, job, up))
        self.after("launch", now, launched)
        return job

    def _boot(self, vm: Vm, params: dict) -> None:
        """What this boot applies (§5.3, §5.4; RunVmCommand.updateVmInit): use_cloud_init or
        use_sysprep true applies that kind, with the run-once initialization of the start
        body or else the stored one; an explicit false applies nothing; without a flag, the
        first run applies the stored initialization (sysprep on a windows_* OS, cloud-init
        otherwise), and a run-once one is applied as given [guess]."""
        if vm.next_run:
            self._apply_next_run(vm)
        cloud_init, sysprep = params.get("use_cloud_init"), params.get("use_sysprep")
        once = params.get("vm_initialization")
        first = not vm.is_initialized
        default_kind = "sysprep" if vm.windows else "cloud_init"
        kind, init = None, None
        if cloud_init or sysprep:
            kind = "cloud_init" if cloud_init else "sysprep"
            init = once if once is not None else vm.initialization
        elif cloud_init is None and sysprep is None:
            init = once if once is not None else (vm.initialization if first else None)
            kind = default_kind
        vm.is_initialized = True
        vm.run_once = params.get("run_once", False)
        vm.start_time = self.wall()
        record = {"boot": len(vm.boots) + 1, "time": round(self.wall(), 3), "first_run": first,
                  "run_once": vm.run_once, "applied": None}
        if init is not None:
            record["applied"] = kind
            record["instance_id"] = self.new_id()   # a fresh ConfigDrive uuid per boot
            record["initialization"] = init
            if init.get("root_password") is not None:
                vm.applied_password = init["root_password"]
        vm.boots.append(record)

    def _up(self, vm: Vm, gen: int, job: Job, when: float) -> None:
        if vm.gen != gen:
            return
        vm.status = "up"
        self.end_job(job, when)
        if self.config.guest_agent == "on":
            self.after("agent_ip", when, lambda t: self._report_ips(vm, gen))

    def _report_ips(self, vm: Vm, gen: int) -> None:
        if vm.gen != gen or vm.status != "up":
            return
        address = None
        for boot in reversed(vm.boots):
            nics = ((boot.get("initialization") or {}).get("nic_configurations") or [])
            static = [n for n in nics if (n.get("ip") or {}).get("address")]
            if static:
                address = static[0]["ip"]["address"]
                break
        if address is None:
            address = f"10.88.{(len(self.vms) // 250) % 250}.{len(self.vms) % 250 + 2}"
        vm.reported_ips = [address]

    def _down(self, vm: Vm, when: float) -> None:
        vm.status = "down"
        vm.run_once = False
        vm.reported_ips = []
        vm.stop_time = self.wall(when)
        if vm.next_run:
            self._apply_next_run(vm)

    def _apply_next_run(self, vm: Vm) -> None:
        for name, value in vm.next_run.items():
            setattr(vm, name, value)
        vm.next_run = None

    def stop(self, vm: Vm, correlation_id: str, graceful: bool) -> Job:
        action = "shutdown VM" if graceful else "stop VM"
        if vm.status in ("saving_state", "restoring_state"):
            raise Refused("SAVING_RESTORING", action)
        if vm.status == "image_locked":
            raise Refused("VM_IS_LOCKED", action)
        if vm.status == "down" or (graceful and vm.status == "suspended"):
            raise Refused("VM_IS_NOT_RUNNING", action)
        job = self.job(correlation_id, f"{'Shutting down' if graceful else 'Stopping'} VM "
                                       f"{vm.name}", "ShutdownVm" if graceful else "StopVm")
        vm.gen += 1
        gen, now = vm.gen, self.now()
        if vm.status == "suspended":   # stop discards the saved memory
            self._down(vm, now)
            self.end_job(job, now)
            return job
        vm.status = "powering_down"

        def ended(when):
            if vm.gen != gen:
                return
            if graceful and self.config.guest_shutdown == "ignore":
                vm.status = "up"   # the guest ignored ACPI (§5.6)
                self.end_job(job, when, "failed")
                return
            self._down(vm, when)
            self.end_job(job, when)
        self.after("shutdown" if graceful else "power_down", now, ended)
        return job

    def reboot(self, vm: Vm, correlation_id: str, command: str = "RebootVm") -> Job:
        action = "reboot VM"
        if vm.status != "up":
            raise Refused("VM_IS_NOT_RUNNING" if vm.status not in RUNNING else "VM_IS_NOT_UP",
                          action)
        job = self.job(correlation_id, f"Rebooting VM {vm.name}", command)
        vm.gen += 1
        gen = vm.gen
        cold = vm.next_run is not None or vm.run_once   # RebootVmCommand.isColdReboot
        vm.status = "reboot_in_progress"
        vm.reported_ips = []

        def rebooted(when):
            if vm.gen != gen:
                return
            if cold:
                self._down(vm, when)
                self._boot(vm, {})
            self._up(vm, gen, job, when)
        self.after("reboot", self.now(), rebooted)
        return job

    def suspend(self, vm: Vm, correlation_id: str) -> Job:
        if vm.status != "up":
            raise Refused("VM_IS_NOT_UP", "hibernate VM")
        job = self.job(correlation_id, f"Hibernating VM {vm.name}", "HibernateVm")
        vm.gen += 1
        gen = vm.gen
        vm.status = "saving_state"
        vm.reported_ips = []

        def saved(when):
            if vm.gen == gen:
                vm.status = "suspended"
                self.end_job(job, when)
        self.after("suspend", self.now(), saved)
        return job

    # --- delete -----------------------------------------------------------------------
    def delete(self, vm: Vm, correlation_id: str, force: bool, detach_only: bool) -> Job:
        action = "remove VM"
        if vm.deleting:
            raise Refused("VM_IS_LOCKED", action)
        if vm.status in RUNNING:
            raise Refused("VM_IS_RUNNING", action)
        if vm.status in ("suspended", "saving_state", "restoring_state"):
            raise Refused("REMOVE_NOT_DOWN", action)
        if vm.status == "image_locked" and not force:
            raise Refused("VM_IS_LOCKED", action)
        if vm.delete_protected:
            raise Refused("DELETE_PROTECTED", action)
        if self.locked_disks(vm) and not force:
            raise Refused("DISKS_LOCKED", action, disks=", ".join(self.locked_disks(vm)))
        job = self.job(correlation_id, f"Removing VM {vm.name} from system", "RemoveVm")
        if vm.creating is not None:   # forced while the disks were still copied
            handle, _, create_job = vm.creating
            self.timeline.cancel(handle)
            self.end_job(create_job, self.now(), "failed")
            vm.creating = None
        vm.gen += 1
        vm.deleting = True
        vm.status = "image_locked"
        for disk_id in vm.disks:
            self.disks[disk_id].status = "locked"
        self.after("delete", self.now(), lambda when: self._gone(vm, job, detach_only, when))
        return job

    def _gone(self, vm: Vm, job: Job, detach_only: bool, when: float,
              outcome: str = "finished") -> None:
        self.vms.pop(vm.id, None)
        for disk_id in vm.disks:
            disk = self.disks[disk_id]
            if detach_only:
                disk.status, disk.vm_id = "ok", None
            else:
                del self.disks[disk_id]
                self.account(disk, -disk.actual)
        self.end_job(job, when, outcome)

    HOST_TROUBLE = ("not_responding", "unknown", "paused", "unassigned")

    def trouble(self, vm: Vm, status: str) -> None:
        """The VM's host or storage in trouble (§5.2 lists these statuses; nothing a client
        sends leads to them): the status changes at once and what was under way stops."""
        vm.gen += 1
        vm.status = status
        vm.reported_ips = []

    def vanish(self, vm: Vm) -> None:
        """Gone at once (an admin deleted it in the portal)."""
        vm.gen += 1
        self._gone(vm, Job("", "", "", 0, status="finished"), False, self.now())

    # --- update -----------------------------------------------------------------------
    def update_vm(self, vm: Vm, changes: dict, next_run: bool) -> None:
        """PUT VM (§5.5): a down VM takes every change; a running one hot-plugs sockets and
        memory grown by a multiple of 256 MiB, and keeps the rest for the next run."""
        action = "edit VM"
        if vm.status == "image_locked":
            raise Refused("VM_IS_LOCKED", action)
        if "name" in changes and changes["name"] != vm.name:
            check_name(changes["name"], vm.windows, action)
            if self.vm_named(changes["name"]) is not None:
                raise Refused("NAME_ALREADY_USED", action)
        pending = dict(vm.next_run or {})
        merged = {k: pending.get(k, getattr(vm, k)) for k in
                  ("memory", "guaranteed", "max_memory", "sockets", "cores", "threads")}
        merged.update({k: v for k, v in changes.items() if k in merged})
        check_memory(merged["memory"], merged["guaranteed"], merged["max_memory"], action)
        check_cpu(merged["sockets"], merged["cores"], merged["threads"], action)
        running = vm.status in RUNNING or vm.status in ("suspended", "saving_state",
                                                        "restoring_state")
        if "initialization" in changes and self.config.init_update == "merge" and \
                vm.initialization:
            # the fields given over the stored ones (init_update knob) [guess: not in ovirt.md]
            changes = dict(changes, initialization=dict(vm.initialization,
                                                        **changes["initialization"]))
        later = {}
        for name, value in changes.items():
            if value == getattr(vm, name):
                continue
            if not running or name in ("name", "description", "comment", "initialization",
                                       "delete_protected"):
                if next_run and running and name == "initialization":
                    later[name] = value
                else:
                    setattr(vm, name, value)
                continue
            if next_run:
                later[name] = value
            elif name == "sockets" and vm.status == "up" and \
                    changes.get("cores", vm.cores) == vm.cores and \
                    changes.get("threads", vm.threads) == vm.threads:
                vm.sockets = value   # CPU hot-plug
            elif name == "memory" and vm.status == "up" and value > vm.memory:
                added = value - vm.memory
                if added % HOTPLUG_FACTOR == 0:
                    vm.memory = value   # memory hot-plug
                elif self.config.hotplug_odd_memory == "400":
                    raise Refused("NOT_DIVIDABLE", action, added=added // MIB)
                else:
                    later[name] = value
            elif name in ("guaranteed", "max_memory") and vm.status == "up":
                setattr(vm, name, value)
            else:
                later[name] = value
        if later:
            vm.next_run = dict(pending, **later)

    # --- disks ------------------------------------------------------------------------
    def extend_disk(self, disk: Disk, size: int, correlation_id: str) -> Job:
        action = "extend Virtual Disk size"
        vm = self.vms.get(disk.vm_id)
        if vm is not None and vm.status == "image_locked":
            raise Refused("VM_IS_LOCKED", action)
        if disk.status == "locked":
            raise Refused("DISKS_LOCKED", action, disks=disk.alias)
        if size < disk.provisioned:
            raise Refused("DISK_TOO_SMALL", action)
        if size == disk.provisioned:
            return None
        if not disk.sparse:
            self.need_space(size - disk.provisioned, action)
        job = self.job(correlation_id, f"Extending Disk {disk.alias} to {size // GIB} GB",
                       "ExtendImageSize")
        disk.status = "locked"
        grow = size - disk.provisioned
        fails = self.take_failure("extend")

        def grown(when):
            if fails and disk.id in self.disks:   # the size stays, the job fails
                disk.status = "ok"
                self.end_job(job, when, "failed")
            elif disk.id in self.disks:
                disk.provisioned = size
                if not disk.sparse:
                    disk.actual += grow
                    self.account(disk, grow)
                disk.status = "ok"
                self.after("job_lag", when, lambda end: self.end_job(job, end))
        self.after("disk_extend", self.now(), grown)
        return job

    # --- tokens -----------------------------------------------------------------------
    def token_alive(self, token: str) -> bool:
        last = self.tokens.get(token)
        if last is None:
            return False
        if self.now() - last > self.config.token_ttl:
            del self.tokens[token]
            return False
        self.tokens[token] = self.now()
        return True
