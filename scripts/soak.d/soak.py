#!/usr/bin/env python3
"""A month of billing, replayed on the simulators (issue 15, item 3). See scripts/soak.

usage: soak.py ROOT PMVMMGR6 PMOPENSTACK --seed N --orders N --work DIR  (DIR is emptied first)

Everything the soak does is drawn from random.Random(seed): the orders and their waves, the
follow-up operations, the faults, which operations are SIGKILLed and when. (Timing of the
processes themselves is not deterministic, so a failure is replayed by its seed, not to the
millisecond.) Each wave: faults are armed on both simulators, the wave's operations start
together (the queue limits them, queue_count 2 per module), some are SIGKILLed and run again
as the billing platform does, every operation is run again until it ends with exit 0
(exit 3 = temporary, run again; anything else stops it and leaves it not done); then the cron
jobs run alone: pool_process, vdc_sync_all, vdc_stat. Two waves of follow-ups only end the
month. At the end the faults are cleared and check.py's invariants are checked on the
collected state, which is also written to DIR/world.json for reading a failure.

A VDC gets per wave either one change of the whole VDC (close, suspend, setparam with a
raised limit; resume or close when suspended) or up to three object operations that a
billing platform could order at once (VdcPlan: within the limits, no dependency inside the
wave, no router closed with interfaces, no network closed while in use).
"""
import argparse
import collections
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "bench.d"))
sys.path.insert(0, HERE)

import check  # noqa: E402
import pool  # noqa: E402  (start_simulator, Billing: the scratch store from examples/)
import sync  # noqa: E402  (control: the simulators' /__sim__/ API with a JSON body)
import random  # noqa: E402

QUEUE_COUNT = 2
OSES = ["Debian 12", "Ubuntu 22.04", "AlmaLinux 9"]
LOGIN = {"vmmgr6": ("POST", "/auth/v4/public/token"),
         "openstack": ("POST", "/identity/v3/auth/tokens")}
# Faults only on the service paths: a fault on the login itself would count as a login.
PREFIXES = {"vmmgr6": ["/vm/v3/"], "openstack": ["/compute/", "/volume/v3/", "/network/",
                                                  "/load-balancer/"]}
MAX_RUNS = 12
# Waves of follow-ups only after the last orders: the month goes on for what was bought (a
# VDC's objects need a wave or two: a network first, then what uses it).
FOLLOW_UP_WAVES = 2
# The VDC limits a billing platform knows (DESIGN §5: tariff, overridden by the item's own
# param of the same name) and the sizes of what the soak orders inside a VDC: servers of the
# simulator's m1.tiny (1 vCPU, 512 MiB) from its cirros image.
QUOTA_NAMES = ("cores", "ram_mib", "instances", "volumes", "gigabytes", "networks", "subnets",
               "routers", "ports", "loadbalancers")
VM_FLAVOR, VM_IMAGE, VM_CORES, VM_RAM_MIB = "m1.tiny", "cirros", 1, 512
# setparam: a limit raised (an addon bought) by a step, never past a ceiling — raising never
# goes below what is in use, which Nova and Cinder would refuse. networks and subnets go
# together (one subnet per network).
RAISES = {"instances": (1, 8), "cores": (2, 16), "ram_mib": (1024, 32768), "volumes": (2, 20),
          "gigabytes": (50, 500), "networks": (1, 4), "routers": (1, 3), "ports": (5, 40),
          "loadbalancers": (1, 3)}


class VdcPlan:
    """The object operations of one VDC in one wave, chosen so that a billing platform would
    order each: within the limits in force (what is open, plus what this wave opens), and
    never depending on another operation of the same wave, since they run at once — a server,
    load balancer or router interface only on a network (and router) open before the wave and
    not closed in it; a network closed only when nothing open or opening uses it, a router
    only without interfaces (the module refuses both, the billing platform closes the users
    first); each network with at most one router interface (Neutron: a subnet's gateway
    address goes to one router); distinct CIDRs in a VDC (one router's subnets must not
    overlap)."""

    def __init__(self, live: dict, limits: dict):
        self.live = live            # {id: (type, params)} open before the wave
        self.limits = limits
        self.closing = set()        # live ids closed in this wave
        self.new = []               # (type, params) opened in this wave

    def opening(self, kind, params):
        self.new.append((kind, params))

    def all(self):
        return list(self.live.values()) + self.new

    def count(self, kind) -> int:
        return sum(1 for k, _ in self.all() if k == kind)

    def used_by(self, obj, param) -> bool:
        return any(p.get(param) == str(obj) for _, p in self.all())

    def room(self, name, used, add=1) -> bool:
        limit = self.limits.get(name, -1)
        return limit == -1 or used + add <= limit

    def usable(self, kind) -> list:
        return [obj for obj, (k, _) in sorted(self.live.items())
                if k == kind and obj not in self.closing]

    def ports(self) -> int:
        return sum(self.count(k) for k in ("vm", "router_interface", "loadbalancer"))

    def gigabytes(self) -> int:
        return sum(int(p.get("size_gb", 0)) for k, p in self.all() if k == "volume")

    def free_pairs(self) -> list:
        return [(router, net) for router in self.usable("router")
                for net in self.usable("network") if not any(
                    k == "router_interface" and p.get("network") == str(net)
                    for k, p in self.all())]

    def options(self) -> list:
        """[("open", kind) | ("close", id)] allowed now."""
        opts = []
        nets, vms = self.usable("network"), self.count("vm")
        if self.room("volumes", self.count("volume")) and self.room("gigabytes",
                                                                    self.gigabytes()):
            opts.append(("open", "volume"))
        if (self.room("networks", self.count("network"))
                and self.room("subnets", self.count("network"))):
            opts.append(("open", "network"))
        if (nets and self.room("instances", vms) and self.room("cores", vms * VM_CORES, VM_CORES)
                and self.room("ram_mib", vms * VM_RAM_MIB, VM_RAM_MIB)
                and self.room("ports", self.ports())):
            opts.append(("open", "vm"))
        if self.room("routers", self.count("router")):
            opts.append(("open", "router"))
        if self.free_pairs() and self.room("ports", self.ports()):
            opts.append(("open", "router_interface"))
        if (nets and self.room("loadbalancers", self.count("loadbalancer"))
                and self.room("ports", self.ports())):
            opts.append(("open", "loadbalancer"))
        for obj, (kind, _) in sorted(self.live.items()):
            if obj in self.closing or (kind in ("router", "network")
                                       and self.used_by(obj, kind)):
                continue
            opts.append(("close", obj))
        return opts

    def params_for(self, kind, rng) -> list:
        if kind == "volume":
            most = self.limits.get("gigabytes", -1)
            sizes = [s for s in (1, 5, 10) if most == -1 or s <= most - self.gigabytes()]
            return [("size_gb", str(rng.choice(sizes)))]
        if kind == "network":
            taken = {p.get("cidr") for k, p in self.all() if k == "network"}
            cidrs = [c for c in (f"10.{n}.0.0/24" for n in range(256)) if c not in taken]
            return [("cidr", rng.choice(cidrs))]
        if kind == "vm":
            return [("flavor", VM_FLAVOR), ("image", VM_IMAGE),
                    ("network", str(rng.choice(self.usable("network"))))]
        if kind == "router":
            return [("external", "on" if rng.random() < 0.8 else "off")]
        if kind == "router_interface":
            router, net = rng.choice(self.free_pairs())
            return [("router", str(router)), ("network", str(net))]
        return [("network", str(rng.choice(self.usable("network"))))]   # loadbalancer


class Soak:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.work = args.work
        shutil.rmtree(self.work, ignore_errors=True)   # the scratch directory of this run
        os.makedirs(os.path.join(self.work, "out"), exist_ok=True)
        self.counts = collections.Counter()    # operations by kind
        self.faults = collections.Counter()    # faults by kind
        self.kills = {"vmmgr6": [], "openstack": []}
        self.crons = {"vmmgr6": [], "openstack": []}   # (start, end) of each cron job
        self.reruns = 0
        self.expiries = {"vmmgr6": 0, "openstack": 0}
        self.requests = {"vmmgr6": [], "openstack": []}
        self.seen = {"vmmgr6": 0, "openstack": 0}
        self.secrets = []
        self.lock = threading.Lock()
        self.out_seq = 0
        self.running = set()   # the module processes started, for stop()
        self.waves_with_orders = 0

    # -- set-up ------------------------------------------------------------------------------
    def start(self):
        root = self.args.root
        self.vm_sim, self.vm_url = pool.start_simulator(
            root, "--task-seconds", "0.05", "--task-seconds", "host_create=0.3",
            "--task-lag", "0.01")
        self.os_sim, self.os_url = pool.start_simulator(
            root, "--build-seconds", "0.1", name="openstack")
        self.urls = {"vmmgr6": self.vm_url, "openstack": self.os_url}
        self.billing = pool.Billing(root, self.work, self.vm_url, {
            "pool_enabled": "on", "pool_hostname_recipe": "1", "pool_steps": "1,1,2,2,3",
            "pool_os": "Debian 12", "pool_pricelist": "1", "task_poll_ms": "50",
            "queue_enabled": "on", "queue_key": "__PMID__", "queue_count": str(QUEUE_COUNT)})
        self.billing.env.pop("PM_LOG_LEVEL", None)   # the modules' default level, as deployed
        with sqlite3.connect(self.billing.db) as conn:
            conn.execute("UPDATE processingparam SET value = ? WHERE module_id = 2 AND "
                         "name = 'url'", (self.os_url + "/identity/v3",))
            conn.executemany("INSERT INTO processingparam VALUES (2, ?, ?)", [
                ("task_poll_ms", "50"), ("queue_enabled", "on"), ("queue_key", "__PMID__"),
                ("queue_count", str(QUEUE_COUNT)), ("sync_grace", "0")])
            # The example seed's own items and operations are not part of the month.
            for table in ("runningoperation", "vdcobjectparam", "vdcobject", "itemparam",
                          "item"):
                conn.execute(f"DELETE FROM {table}")
            self.tariff = {name: int(value) for name, value in conn.execute(
                "SELECT name, value FROM pricelistparam WHERE pricelist_id = 2")
                if name in QUOTA_NAMES}
        self.ordered_objects = set()   # the vdcobject rows the soak wrote
        self.fixture_projects = [p["id"] for p in self.state("openstack")["projects"]]
        self.started = time.monotonic()

    def stop(self):
        # Interrupted (^C) or failed: no module process outlives the run (they would wait on
        # the stopped simulators until their op_timeout).
        with self.lock:
            for process in self.running:
                if process.poll() is None:
                    process.kill()
        for sim in (getattr(self, "vm_sim", None), getattr(self, "os_sim", None)):
            if sim is not None:
                sim.terminate()
                sim.wait()

    def control(self, sim, path, body=None, method=None):
        return sync.control(self.urls[sim], path, method or ("GET" if body is None else "POST"),
                            body)

    def state(self, sim):
        return self.control(sim, "state")

    def sql(self, query, params=()):
        with sqlite3.connect(self.billing.db, timeout=60) as conn:
            cursor = conn.execute(query, params)
            return cursor.lastrowid, cursor.fetchall()

    # -- the billing platform ----------------------------------------------------------------
    def order_vps(self):
        os_name = self.rng.choice(OSES)
        password = f"Soak-{self.args.seed}-{self.rng.getrandbits(40):010x}"
        self.secrets.append(password)
        item, _ = self.sql("INSERT INTO item (account_id, pricelist_id, module_id, type) "
                           "VALUES (1, 1, 1, 'vds')")
        with sqlite3.connect(self.billing.db, timeout=60) as conn:
            conn.executemany("INSERT INTO itemparam VALUES (?, ?, ?)", [
                (item, "os", os_name), (item, "password", password),
                (item, "domain", f"vps{item}.example.com")])
        return item

    def order_vdc(self):
        password = f"Vdc-{self.args.seed}-{self.rng.getrandbits(40):010x}"
        self.secrets.append(password)
        item, _ = self.sql("INSERT INTO item (account_id, pricelist_id, module_id, type) "
                           "VALUES (1, 2, 2, 'vdc')")
        with sqlite3.connect(self.billing.db, timeout=60) as conn:
            conn.executemany("INSERT INTO itemparam VALUES (?, ?, ?)", [
                (item, "project_name", f"vdc-soak-{item}"), (item, "username", f"soak{item}"),
                (item, "password", password)])
        return item

    def new_object(self, item, kind, params):
        obj, _ = self.sql("INSERT INTO vdcobject (item_id, type, name) VALUES (?, ?, ?)",
                          (item, kind, f"{kind}-{self.rng.getrandbits(24):06x}"))
        with sqlite3.connect(self.billing.db, timeout=60) as conn:
            conn.executemany("INSERT INTO vdcobjectparam VALUES (?, ?, ?)",
                             [(obj, k, v) for k, v in params])
        self.ordered_objects.add(obj)
        return obj

    def new_op(self, module, item, command, obj=None):
        op, _ = self.sql("INSERT INTO runningoperation (item_id, object_id, module_id, command) "
                         "VALUES (?, ?, ?, ?)", (item, obj, module, command))
        return op

    def binary(self, sim):
        return self.args.vmmgr6 if sim == "vmmgr6" else self.args.openstack

    def spawn(self, sim, argv):
        with self.lock:
            self.out_seq += 1
            name = os.path.join(self.work, "out", f"{self.out_seq:05d}-{argv[1]}")
        out = open(name + ".out", "w")
        err = open(name + ".err", "w")
        process = subprocess.Popen([self.binary(sim), *argv, "--output", "json"], stdout=out,
                                   stderr=err, env=self.billing.env)
        with self.lock:
            self.running.add(process)
        out.close()
        err.close()
        return process, name

    def run_op(self, sim, op, command, kill_after):
        """Runs one running operation until it is done, SIGKILLing the first run after
        kill_after seconds when it is still running (then the rerun, as the billing platform
        would). Returns the last exit code."""
        for attempt in range(MAX_RUNS):
            process, name = self.spawn(sim, ["--command", command, "--runningoperation", str(op)])
            if attempt == 0 and kill_after is not None:
                try:
                    process.wait(timeout=kill_after)
                except subprocess.TimeoutExpired:
                    with self.lock:
                        self.kills[sim].append(time.time())
                    process.send_signal(signal.SIGKILL)
                    process.wait()
                    with self.lock:
                        self.reruns += 1
                    continue
            rc = process.wait()
            if rc == 0:
                return rc
            if rc != 3:
                print(f"   op {op} {command}: exit {rc} ({name}.err)", flush=True)
                return rc
            with self.lock:
                self.reruns += 1
        return rc

    def cron(self, sim, argv):
        begin = time.time()
        try:
            self.cron_runs(sim, argv)
        finally:
            self.crons[sim].append((begin - 0.001, time.time() + 0.001))

    def cron_runs(self, sim, argv):
        for _ in range(MAX_RUNS):
            process, name = self.spawn(sim, argv)
            rc = process.wait()
            if rc == 0:
                return
            with self.lock:
                self.reruns += 1
            if rc != 3:
                # A cron job that fails is run again at the next period: only noted here;
                # what it should have done is checked by the invariants.
                print(f"   cron {' '.join(argv)}: exit {rc} ({name}.err)", flush=True)
                return

    # -- the VDCs' follow-ups -----------------------------------------------------------------
    def limits(self, item) -> dict:
        """The limits in force for a VDC as its billing platform knows them: the tariff's,
        each overridden by the item's param of the same name (-1: unlimited)."""
        own = dict(self.sql("SELECT name, value FROM itemparam WHERE item_id = ?", (item,))[1])
        return {name: int(own.get(name, self.tariff.get(name))) for name in QUOTA_NAMES
                if name in own or name in self.tariff}

    def live_objects(self, item) -> dict:
        """The VDC's active objects: {id: (type, {param: value})}."""
        live = {}
        for obj, kind, name, value in self.sql(
                "SELECT o.id, o.type, p.name, p.value FROM vdcobject o LEFT JOIN "
                "vdcobjectparam p ON p.object_id = o.id WHERE o.item_id = ? AND "
                "o.status = 'active' ORDER BY o.id, p.name", (item,))[1]:
            live.setdefault(obj, (kind, {}))
            if name is not None:
                live[obj][1][name] = value
        return live

    def vdc_follow_ups(self, item, status) -> list:
        """This wave's operations on one VDC, as [(sim, op, command)]: a change of the whole
        VDC (close, suspend, setparam; resume or close when suspended) alone, or one to three
        object operations that do not depend on each other (VdcPlan)."""
        roll = self.rng.random()
        if status == "suspended":
            command = "resume" if roll < 0.5 else "close" if roll < 0.6 else None
            return [("openstack", self.new_op(2, item, command), command)] if command else []
        if roll < 0.04:
            return [("openstack", self.new_op(2, item, "close"), "close")]
        if roll < 0.1:
            return [("openstack", self.new_op(2, item, "suspend"), "suspend")]
        if roll < 0.16:
            # A limit raised (an addon bought), written as the billing platform writes it.
            limits = self.limits(item)
            name = self.rng.choice(sorted(RAISES))
            step, most = RAISES[name]
            if limits.get(name, -1) == -1 or limits[name] >= most:
                return []
            value = str(min(most, limits[name] + step))
            names = ("networks", "subnets") if name == "networks" else (name,)
            with sqlite3.connect(self.billing.db, timeout=60) as conn:
                conn.executemany("INSERT OR REPLACE INTO itemparam VALUES (?, ?, ?)",
                                 [(item, n, value) for n in names])
            return [("openstack", self.new_op(2, item, "setparam"), "setparam")]
        if roll >= 0.9:
            return []
        plan = VdcPlan(self.live_objects(item), self.limits(item))
        jobs = []
        for _ in range(self.rng.choice([1, 2, 2, 3])):
            options = plan.options()
            opens = [o for o in options if o[0] == "open"]
            closes = [o for o in options if o[0] == "close"]
            if not options:
                break
            # Mostly growing, as a month of customers does; closing a third of the time.
            what, arg = self.rng.choice(opens if opens and (not closes or
                                                            self.rng.random() < 0.7)
                                        else closes)
            if what == "open":
                params = plan.params_for(arg, self.rng)
                obj = self.new_object(item, arg, params)
                plan.opening(arg, dict(params))
                command = f"vdc_{arg}_open"
            else:
                obj = arg
                plan.closing.add(obj)
                command = f"vdc_{plan.live[obj][0]}_close"
            jobs.append(("openstack", self.new_op(2, item, command, obj), command))
        return jobs

    # -- faults --------------------------------------------------------------------------------
    def arm_faults(self):
        for sim in ("vmmgr6", "openstack"):
            for _ in range(self.rng.randint(0, 3)):
                kind = self.rng.choice(["503", "429", "act_then_drop", "slow", "expire",
                                        "slow_tasks"])
                prefix = self.rng.choice(PREFIXES[sim])
                skip = self.rng.randint(0, 20)
                if kind == "503":
                    self.control(sim, "fault/503", {"count": self.rng.randint(1, 3),
                                                    "prefix": prefix, "skip": skip})
                elif kind == "429":
                    self.control(sim, "fault/429", {"count": 1, "retry_after": 1,
                                                    "prefix": prefix, "skip": skip})
                elif kind == "act_then_drop":
                    spec = {"status": "drop", "count": 1, "prefix": prefix, "method": "POST"}
                    if sim == "vmmgr6":   # openstack's act_then takes no skip
                        spec["skip"] = skip
                    self.control(sim, "fault/act_then", spec)
                elif kind == "slow":
                    self.control(sim, "fault/slow", {"count": self.rng.randint(1, 3),
                                                     "delay_ms": self.rng.randint(100, 800),
                                                     "prefix": prefix, "skip": skip})
                elif kind == "expire":
                    self.control(sim, "sessions/expire" if sim == "vmmgr6" else
                                 "tokens/expire", {})
                    self.expiries[sim] += 1
                else:
                    seconds = round(self.rng.uniform(0.2, 1.5), 2)
                    self.control(sim, "config", {"task_seconds": {"host_create": seconds}}
                                 if sim == "vmmgr6" else
                                 {"seconds": {"server_build": seconds}})
                self.faults[f"{sim} {kind}"] += 1

    def drain_log(self, sim):
        """The request log so far (the simulator keeps the last 20,000 entries)."""
        got = self.control(sim, f"requests?since={self.seen[sim]}")
        for entry in got["list"]:
            if entry["seq"] > self.seen[sim]:
                self.requests[sim].append(entry)
                self.seen[sim] = entry["seq"]

    # -- the month -----------------------------------------------------------------------------
    def wave(self, orders):
        vps = dict(self.sql("SELECT id, status FROM item WHERE module_id = 1 AND "
                            "status IN ('active', 'suspended')")[1])
        vdcs = dict(self.sql("SELECT id, status FROM item WHERE module_id = 2 AND "
                             "status IN ('active', 'suspended')")[1])
        jobs = []   # (sim, op, command)
        for _ in range(orders):
            if self.rng.random() < 0.7:
                jobs.append(("vmmgr6", self.new_op(1, self.order_vps(), "open"), "open"))
            else:
                jobs.append(("openstack", self.new_op(2, self.order_vdc(), "open"), "open"))
        for item, status in sorted(vps.items()):
            if self.rng.random() >= 0.3:
                continue
            if status == "suspended":
                command = self.rng.choice(["resume", "resume", "close"])
            else:
                command = self.rng.choice(["suspend", "reboot", "setparam", "change_password",
                                           "reopen", "close"])
            if command == "setparam":
                # An addon bought: VMmanager only grows a VM's CPUs (the module refuses to
                # shrink them, exit 1), so the count only goes up, as far as 8.
                now = self.sql("SELECT value FROM itemparam WHERE item_id = ? AND "
                               "name = 'cpu_number'", (item,))[1]
                cpus = min(8, (int(now[0][0]) if now else 1) + self.rng.choice([1, 2]))
                self.sql("INSERT OR REPLACE INTO itemparam VALUES (?, 'cpu_number', ?)",
                         (item, str(cpus)))
            elif command == "change_password":
                password = f"Soak-{self.args.seed}-{self.rng.getrandbits(40):010x}"
                self.secrets.append(password)
                self.sql("UPDATE itemparam SET value = ? WHERE item_id = ? AND "
                         "name = 'password'", (password, item))
            elif command == "reopen":
                self.sql("UPDATE itemparam SET value = ? WHERE item_id = ? AND name = 'os'",
                         (self.rng.choice(OSES), item))
            jobs.append(("vmmgr6", self.new_op(1, item, command), command))
        for item, status in sorted(vdcs.items()):
            jobs += self.vdc_follow_ups(item, status)
        self.rng.shuffle(jobs)
        self.arm_faults()
        threads, results = [], {}
        for sim, op, command in jobs:
            kill_after = (round(self.rng.uniform(0.05, 1.0), 2)
                          if self.rng.random() < 0.15 else None)
            self.counts[f"{sim} {command}"] += 1

            def work(sim=sim, op=op, command=command, kill_after=kill_after):
                results[op] = self.run_op(sim, op, command, kill_after)
            thread = threading.Thread(target=work, daemon=True)
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join()
        # The cron jobs, alone between the waves (see check.peak_in_flight).
        self.cron("vmmgr6", ["--command", "pool_process", "--module", "1"])
        self.cron("openstack", ["--command", "vdc_sync_all", "--module", "2"])
        self.cron("openstack", ["--command", "vdc_stat", "--module", "2"])
        for name in ("pool_process", "vdc_sync_all", "vdc_stat"):
            self.counts[f"cron {name}"] += 1
        for sim in ("vmmgr6", "openstack"):
            self.drain_log(sim)

    def month(self):
        left, number = self.args.orders, 0
        while left > 0 or number < self.waves_with_orders + FOLLOW_UP_WAVES:
            number += 1
            orders = min(left, self.rng.randint(4, 12))
            left -= orders
            if left == 0 and orders:
                self.waves_with_orders = number
            self.wave(orders)
            print(f"wave {number}: {orders} orders, {sum(self.counts.values())} operations so "
                  f"far, {sum(len(k) for k in self.kills.values())} kills", flush=True)
        # The end of the month: no faults left, the remote tasks finish, a last cron round.
        for sim in ("vmmgr6", "openstack"):
            self.control(sim, "faults", method="DELETE")
        self.control("vmmgr6", "tasks/finish", {})
        self.control("openstack", "finish", {})
        self.cron("vmmgr6", ["--command", "pool_process", "--module", "1"])
        self.control("vmmgr6", "tasks/finish", {})
        self.cron("vmmgr6", ["--command", "pool_process", "--module", "1"])
        for sim in ("vmmgr6", "openstack"):
            self.drain_log(sim)

    # -- the end state -----------------------------------------------------------------------
    def collect(self) -> dict:
        wall = time.monotonic() - self.started
        ops = [dict(zip(("id", "command", "status", "error"), row)) for row in
               self.sql("SELECT id, command, status, error FROM runningoperation")[1]]
        vps = [dict(zip(("id", "status", "vm_id"), row)) for row in self.sql(
            "SELECT i.id, i.status, p.value FROM item i LEFT JOIN itemparam p ON "
            "p.item_id = i.id AND p.name = 'vm_id' WHERE i.module_id = 1")[1]]
        vdcs = []
        for item, status in self.sql("SELECT id, status FROM item WHERE module_id = 2 "
                                     "ORDER BY id")[1]:
            params = dict(self.sql("SELECT name, value FROM itemparam WHERE item_id = ?",
                                   (item,))[1])
            vdcs.append({"id": item, "status": status, "project_id": params.get("project_id"),
                         # what the billing platform wants (tariff, item overrides) and what
                         # the module recorded as in force (limit_<name>)
                         "limits": self.limits(item),
                         "recorded": {name: int(params[f"limit_{name}"]) for name in
                                      QUOTA_NAMES if f"limit_{name}" in params}})
        objects = {}
        for row in self.sql("SELECT id, item_id, type, status, external_id FROM vdcobject "
                            "ORDER BY id")[1]:
            obj = dict(zip(("id", "item_id", "type", "status", "external_id"), row))
            obj["params"] = {}
            obj["ordered"] = obj["id"] in self.ordered_objects
            objects[obj["id"]] = obj
        for obj, name, value in self.sql("SELECT object_id, name, value FROM "
                                         "vdcobjectparam")[1]:
            if obj in objects:
                objects[obj]["params"][name] = value
        objects = list(objects.values())
        vm_state = self.state("vmmgr6")
        os_state = self.state("openstack")
        # The simulator's quota limits per project, under the billing names.
        quota_keys = {"cores": ("compute", "cores"), "ram_mib": ("compute", "ram"),
                      "instances": ("compute", "instances"), "volumes": ("volume", "volumes"),
                      "gigabytes": ("volume", "gigabytes"), "networks": ("network", "network"),
                      "subnets": ("network", "subnet"), "routers": ("network", "router"),
                      "ports": ("network", "port"),
                      "loadbalancers": ("load-balancer", "load_balancer")}

        def quotas_of(project):
            got = {}
            for name, (service, key) in quota_keys.items():
                value = os_state["quotas"].get(service, {}).get(project, {}).get(key)
                if value is not None:
                    got[name] = int(value)
            return got

        def owner(o):
            return o.get("project_id") or o.get("tenant_id")

        ports_of = collections.defaultdict(list)
        for port in os_state["ports"]:
            ports_of[port["device_id"]].append(port["network_id"])
        remote = {
            "volumes": [{"id": o["id"], "name": o.get("name", ""), "project_id": owner(o),
                         "status": o.get("status")} for o in os_state["volumes"]],
            "networks": [{"id": o["id"], "name": o.get("name", ""), "project_id": owner(o)}
                         for o in os_state["networks"] if not o.get("external")],
            "subnets": [{"id": o["id"], "name": o.get("name", ""), "project_id": owner(o),
                         "network_id": o.get("network_id")} for o in os_state["subnets"]],
            "servers": [{"id": o["id"], "name": o.get("name", ""), "project_id": owner(o),
                         "state": o.get("vm_state"), "task": o.get("task_state"),
                         "networks": sorted(ports_of.get(o["id"], []))}
                        for o in os_state["servers"]],
            "routers": [{"id": o["id"], "name": o.get("name", ""), "project_id": owner(o),
                         "gateway": bool(o.get("gateway_network_id"))}
                        for o in os_state["routers"]],
            "loadbalancers": [{"id": o["id"], "name": o.get("name", ""),
                               "project_id": owner(o), "status": o.get("provisioning_status"),
                               "subnet_id": o.get("vip_subnet_id")}
                              for o in os_state["loadbalancers"]],
            # Every port but the external network's own: router interfaces are billed
            # objects; the others (a server's, a load balancer's VIP, a router's gateway)
            # belong to their device.
            "ports": [{"id": o["id"], "name": o.get("name", ""), "project_id": owner(o),
                       "owner": o.get("device_owner", ""), "device": o.get("device_id", ""),
                       "network_id": o.get("network_id"),
                       "subnet_id": (o.get("fixed_ips") or [{}])[0].get("subnet_id")}
                      for o in os_state["ports"]],
        }
        logins = {}
        for sim in ("vmmgr6", "openstack"):
            method, path = LOGIN[sim]
            scopes = collections.Counter()
            for e in self.requests[sim]:
                if (e["method"] == method and e["path"] == path and e["status"]
                        and 200 <= e["status"] < 300):
                    body = e["body"] if isinstance(e["body"], dict) else {}
                    scope = body.get("auth", {}).get("scope") if sim == "openstack" else None
                    scopes[f"{e['user']} {json.dumps(scope, sort_keys=True)}"] += 1
            logins[sim] = {"scopes": dict(scopes), "ttl": 3600.0,
                           "expiries": self.expiries[sim]}
        # The WAL holds the billing platform's own rows (the passwords it ordered with) as raw
        # pages, which secret-scan cannot tell from a leak: fold it into the database, where
        # the scan reads rows and skips the platform's secret params.
        with sqlite3.connect(self.billing.db) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        scan = subprocess.run([sys.executable, os.path.join(self.args.root, "scripts",
                                                            "secret-scan"), self.work,
                               *[a for s in self.secrets for a in ("--secret", s)]],
                              capture_output=True, text=True)
        return {
            "wall": wall, "ops": ops, "vps": vps, "vdcs": vdcs, "objects": objects,
            "hosts": [{"id": h["id"], "name": h["name"], "state": h["state"]}
                      for h in vm_state["hosts"]],
            "projects": [{"id": p["id"], "name": p["name"], "enabled": p.get("enabled", True),
                          "quotas": quotas_of(p["id"])} for p in os_state["projects"]],
            "fixture_projects": self.fixture_projects,
            "remote_objects": remote,
            "requests": self.requests, "kills": self.kills, "crons": self.crons,
            "queue_limits": {"vmmgr6": QUEUE_COUNT, "openstack": QUEUE_COUNT},
            "logins": logins,
            "secret_scan": {"rc": scan.returncode, "output": scan.stdout + scan.stderr},
        }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("vmmgr6")
    parser.add_argument("openstack")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--orders", type=int, required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    # SIGTERM and SIGINT (ignored by default in a background job) end the run through the
    # finally below: simulators and module processes stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    print(f"soak: seed {args.seed}, {args.orders} orders, work {args.work}", flush=True)
    soak = Soak(args)
    try:
        soak.start()
        soak.month()
        world = soak.collect()
    finally:
        soak.stop()
    # The end state the invariants read, kept for reading a failure (PM_SOAK_DIR).
    with open(os.path.join(args.work, "world.json"), "w") as out:
        json.dump(world, out, indent=1, default=str)
    failed = 0
    print("\ninvariants:")
    for name, problems in check.run(world):
        print(f"  {'ok  ' if not problems else 'FAIL'} {name}")
        for problem in problems[:20]:
            print(f"       {problem}")
        if len(problems) > 20:
            print(f"       … and {len(problems) - 20} more")
        failed += bool(problems)
    print("\nsummary:")
    print(f"  operations: {sum(soak.counts.values())} — " + ", ".join(
        f"{k} {v}" for k, v in sorted(soak.counts.items())))
    print(f"  faults: {sum(soak.faults.values())} — " + ", ".join(
        f"{k} {v}" for k, v in sorted(soak.faults.items())))
    hits = 0
    for name in os.listdir(os.path.join(args.work, "out")):
        if name.endswith("-open.out"):
            with open(os.path.join(args.work, "out", name)) as out:
                hits += '"pool_server"' in out.read()
    print(f"  VPS opens served from the pool: {hits}")
    peaks = []
    for sim in ("vmmgr6", "openstack"):
        seen = (world["requests"][sim], world["kills"][sim], world["crons"][sim])
        peaks.append(f"{sim} {check.peak_in_flight(*seen)[0]}/{check.peak_holders(*seen)[0]}")
    print(f"  peak requests in flight / processes talking at once (queue_count {QUEUE_COUNT}): "
          + ", ".join(peaks))
    print(f"  kills: {sum(len(k) for k in soak.kills.values())}, reruns: {soak.reruns}, "
          f"requests: vmmgr6 {len(world['requests']['vmmgr6'])}, openstack "
          f"{len(world['requests']['openstack'])}, logins: vmmgr6 "
          f"{sum(world['logins']['vmmgr6']['scopes'].values())}, openstack "
          f"{sum(world['logins']['openstack']['scopes'].values())} in "
          f"{len(world['logins']['openstack']['scopes'])} scopes, wall {world['wall']:.1f} s")
    if failed:
        print(f"\nsoak FAILED: {failed} invariant(s); replay with scripts/soak --seed "
              f"{args.seed} --orders {args.orders}")
        sys.exit(1)
    print(f"\nsoak passed (seed {args.seed}, {args.orders} orders)")


if __name__ == "__main__":
    main()
