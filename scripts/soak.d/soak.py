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
jobs run alone: pool_process, vdc_sync_all, vdc_stat. At the end the faults are cleared and
check.py's invariants are checked on the collected state.
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
PREFIXES = {"vmmgr6": ["/vm/v3/"], "openstack": ["/compute/", "/volume/v3/", "/network/"]}
MAX_RUNS = 12


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

    def new_object(self, item, kind):
        obj, _ = self.sql("INSERT INTO vdcobject (item_id, type, name) VALUES (?, ?, ?)",
                          (item, kind, f"{kind}-{self.rng.getrandbits(24):06x}"))
        params = {"volume": [("size_gb", str(self.rng.choice([1, 5, 10])))],
                  "network": [("cidr", f"10.{self.rng.randrange(256)}.0.0/24")]}[kind]
        with sqlite3.connect(self.billing.db, timeout=60) as conn:
            conn.executemany("INSERT INTO vdcobjectparam VALUES (?, ?, ?)",
                             [(obj, k, v) for k, v in params])
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
        vdcs = [row[0] for row in self.sql("SELECT id FROM item WHERE module_id = 2 AND "
                                           "status = 'active'")[1]]
        jobs = []   # (sim, op, command)
        for _ in range(orders):
            if self.rng.random() < 0.8:
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
        for item in vdcs:
            roll = self.rng.random()
            if roll < 0.08:
                jobs.append(("openstack", self.new_op(2, item, "close"), "close"))
            elif roll < 0.4:
                live = self.sql("SELECT id, type FROM vdcobject WHERE item_id = ? AND "
                                "status = 'active'", (item,))[1]
                # What the tariff still allows (examples/seed.sql: 2 networks, 10 volumes and
                # 200 GB): a billing platform orders nothing over quota.
                room = [kind for kind, most in (("volume", 5), ("network", 2))
                        if sum(1 for _, k in live if k == kind) < most]
                if live and (not room or self.rng.random() < 0.4):
                    obj, kind = self.rng.choice(live)
                    command = f"vdc_{kind}_close"
                else:
                    kind = self.rng.choice(room)
                    obj = self.new_object(item, kind)
                    command = f"vdc_{kind}_open"
                jobs.append(("openstack", self.new_op(2, item, command, obj), command))
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
        while left > 0:
            number += 1
            orders = min(left, self.rng.randint(4, 12))
            left -= orders
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
        vdcs = [dict(zip(("id", "status", "project_id"), row)) for row in self.sql(
            "SELECT i.id, i.status, p.value FROM item i LEFT JOIN itemparam p ON "
            "p.item_id = i.id AND p.name = 'project_id' WHERE i.module_id = 2")[1]]
        objects = [dict(zip(("id", "type", "status", "external_id"), row)) for row in
                   self.sql("SELECT id, type, status, external_id FROM vdcobject")[1]]
        vm_state = self.state("vmmgr6")
        os_state = self.state("openstack")
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
            "projects": [{"id": p["id"], "name": p["name"], "enabled": p.get("enabled", True)}
                         for p in os_state["projects"]],
            "fixture_projects": self.fixture_projects,
            "remote_objects": {kind: [{"id": o["id"], "name": o.get("name", ""),
                                       "project_id": o.get("project_id")
                                       or o.get("tenant_id")}
                                      for o in os_state[kind]]
                               for kind in ("volumes", "networks")},
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
    print("  peak requests in flight / processes talking at once (queue_count {}): ".format(
        QUEUE_COUNT) + ", ".join(
        f"{sim} {check.peak_in_flight(world['requests'][sim], world['kills'][sim])[0]}/"
        f"{check.peak_holders(world['requests'][sim], world['kills'][sim], world['crons'][sim])[0]}"
        for sim in ("vmmgr6", "openstack")))
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
