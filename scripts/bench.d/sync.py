#!/usr/bin/env python3
"""pmopenstack `vdc_sync_all` at scale against the OpenStack simulator: wall time, requests
and peak RSS with 10,000 VDCs holding 50k, 100k, 250k and 500k objects (issue 18: a large
provider's scale, within 60 s and 300 MB).

usage: sync.py ROOT PMOPENSTACK [--vdcs N] [--before BIN] [OBJECTS_PER_VDC…]
                                                           (default 10000; 5 10 25 50)
--before BIN runs BIN (pmopenstack of an earlier commit) first on a copy of the same seeded
SQLite store, against the same simulator: before and after in the same run.

For each size the simulator is seeded (`POST /__sim__/seed`) with N projects, and a
scratch SQLite store built from examples/schema.sql gets a pmopenstack module, N active
VDC items and one store object per OpenStack object (bulk SQL, as a billing platform that
has been in sync would hold them), minus 1% left out (the sync adds them) and plus 1% whose
OpenStack object is gone (the sync marks them deleted). Then:
  first  the sync that finds that drift and loads every VDC's limits for the first time;
  steady the next one, with nothing left to change (what cron does every 30 minutes);
  dry    a --dry-run of the steady state.
CPU is pmopenstack's own (user + system); the rest of the wall time is spent waiting for the
simulator, a single-threaded Python process (one lock per request).
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

import stores

VDCS = 10000
# Objects per VDC → the simulator's per-project seed (servers, volumes, networks, routers,
# interfaces, load balancers), adding up to the store objects per VDC.
MIXES = {
    5: {"servers": 2, "volumes": 1, "networks": 1, "routers": 1, "interfaces": 0,
        "loadbalancers": 0},
    10: {"servers": 4, "volumes": 3, "networks": 1, "routers": 1, "interfaces": 1,
         "loadbalancers": 0},
    50: {"servers": 25, "volumes": 15, "networks": 3, "routers": 2, "interfaces": 3,
         "loadbalancers": 2},
    25: {"servers": 12, "volumes": 7, "networks": 2, "routers": 1, "interfaces": 2,
         "loadbalancers": 1},
    100: {"servers": 50, "volumes": 30, "networks": 6, "routers": 4, "interfaces": 6,
          "loadbalancers": 4},
}
KINDS = {"servers": "vm", "volumes": "volume", "networks": "network", "routers": "router",
         "loadbalancers": "loadbalancer"}


def start_simulator(root: str) -> tuple[subprocess.Popen, str]:
    sim = subprocess.Popen([os.path.join(root, "scripts/sim"), "openstack", "--build-seconds", "0"],
                           stdout=subprocess.PIPE, text=True)
    line = sim.stdout.readline().strip()
    return sim, line.removeprefix("listening on ")


def control(url: str, path: str, method: str = "GET", body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + "/__sim__/" + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as reply:
        text = reply.read()
    return json.loads(text) if text else None


def objects(url: str, kind: str) -> list:
    return control(url, "objects/" + kind)["list"]


def build_store(root: str, db: str, url: str, projects: list) -> None:
    """The module, the VDC items and a store object for each OpenStack object, 1% left out
    and 1% more that OpenStack does not have."""
    conn = sqlite3.connect(db)
    conn.executescript(open(os.path.join(root, "examples", "schema.sql")).read())
    conn.execute("INSERT INTO processingmodule (id, name, type) VALUES (1, 'OpenStack', "
                 "'pmopenstack')")
    conn.executemany("INSERT INTO processingparam VALUES (1, ?, ?)", [
        ("url", url + "/identity/v3"), ("username", "admin"), ("password", "admin"),
        ("external_network", "public"), ("sync_grace", "0")])
    conn.execute("INSERT INTO account (id, name) VALUES (1, 'Bench')")
    conn.execute("INSERT INTO pricelist (id, name, type) VALUES (1, 'VDC', 'vdc')")
    conn.executemany("INSERT INTO pricelistparam VALUES (1, ?, ?)",
                     [("cores", "20"), ("instances", "10"), ("volumes", "10")])
    item_of = {}
    for n, project in enumerate(projects, start=1):
        item_of[project["id"]] = n
        conn.execute("INSERT INTO item (id, account_id, pricelist_id, module_id, type, status) "
                     "VALUES (?, 1, 1, 1, 'vdc', 'active')", (n,))
        conn.execute("INSERT INTO itemparam VALUES (?, 'project_id', ?)", (n, project["id"]))
    rows, params = [], []
    next_id = 1

    def add(item, kind, name, external, extra=()):
        nonlocal next_id
        rows.append((next_id, item, kind, name, external))
        params.extend((next_id, key, value) for key, value in extra)
        next_id += 1

    subnets = {s["id"]: s for s in objects(url, "subnets")}
    for sim_kind, kind in KINDS.items():
        for n, obj in enumerate(objects(url, sim_kind)):
            item = item_of.get(obj["project_id"])
            if item is None or n % 100 == 7:   # another project's, or the 1% left out
                continue
            extra = ()
            if kind == "network" and obj["subnet_ids"]:
                extra = (("subnet_id", obj["subnet_ids"][0]),
                         ("cidr", subnets[obj["subnet_ids"][0]]["cidr"]))
            add(item, kind, obj["name"], obj["id"], extra)
    for n, port in enumerate(objects(url, "ports")):
        item = item_of.get(port["project_id"])
        if port["device_owner"] != "network:router_interface" or item is None or n % 100 == 7:
            continue
        add(item, "router_interface", "", port["id"],
            (("router_id", port["device_id"]), ("subnet_id", port["fixed_ips"][0]["subnet_id"])))
    for n in range(len(rows) // 100):          # the 1% OpenStack no longer has
        add(1 + n % len(projects), "vm", f"gone-{n}", f"00000000-0000-4000-8000-{n:012d}")
    conn.executemany("INSERT INTO vdcobject (id, item_id, type, name, external_id, status) "
                     "VALUES (?, ?, ?, ?, ?, 'active')", rows)
    conn.executemany("INSERT INTO vdcobjectparam VALUES (?, ?, ?)", params)
    conn.commit()
    conn.close()
    return len(rows)


def sync(binary: str, env: dict, url: str, *extra: str) -> tuple[float, int, float, float, dict]:
    """One run: wall seconds, requests, peak RSS (MiB), CPU seconds of pmopenstack, summary."""
    control(url, "requests", "DELETE")
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", binary, "--command", "vdc_sync_all",
                           "--output", "json", *extra], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"vdc_sync_all failed ({done.returncode}): {done.stdout} {done.stderr}")
    counters = control(url, "counters")
    rss, user, system = done.stderr.strip().splitlines()[-1].split()
    module = json.loads(done.stdout)["modules"][0]
    return (wall, sum(counters["requests"].values()), int(rss) / 1024.0,
            float(user) + float(system), module)


def run_three(label_store: str, binary: str, env: dict, url: str) -> None:
    for label, extra in (("first", ()), ("steady", ()), ("dry", ("--dry-run",))):
        wall, requests, rss, cpu, module = sync(binary, env, url, *extra)
        changes = ", ".join(f"{key} {module[key]}" for key in
                            ("added", "marked_deleted", "limits_changed")
                            if module[key] != "0")
        print(f"    [{label_store}] {label:6} wall {wall:6.2f} s (CPU {cpu:5.2f} s)  "
              f"requests {requests:5}  peak RSS {rss:6.1f} MiB  "
              f"({changes or 'no changes'})")


def run_size(root: str, binary: str, vdcs: int, per_vdc: int, before: str = "") -> None:
    sim, url = start_simulator(root)
    work = tempfile.mkdtemp(prefix="pm-bench-sync-")
    try:
        started = time.perf_counter()
        seeded = control(url, "seed", "POST", {"projects": vdcs, "prefix": "bench",
                                               "per_project": MIXES[per_vdc], "users": False})
        db = os.path.join(work, "billing.db")
        stored = build_store(root, db, url, seeded["projects"])
        print(f"{vdcs} VDCs, {per_vdc * vdcs:>7} objects: seeded {sum(seeded['created'].values())} OpenStack "
              f"objects and {stored} store objects in {time.perf_counter() - started:.1f} s")
        def env_of(store_url: str) -> dict:
            return dict(os.environ, PM_STORE=store_url, PM_LOG_DIR=work + "/log",
                        PM_CACHE_DIR=work + "/cache", PM_LOCK_DIR=work + "/locks",
                        PM_CONFIG="/dev/null")
        if before:
            copy = os.path.join(work, "before.db")
            shutil.copyfile(db, copy)
            run_three("sqlite, before", before, env_of("sqlite:" + copy), url)
            os.remove(copy)
        # The MariaDB copy is taken before the first sync changes the SQLite store.
        for label_store, store_url in stores.backends(db):
            run_three(label_store, binary, env_of(store_url), url)
            stores.drop(store_url)
    finally:
        sim.terminate()
        sim.wait()
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    root, binary, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    vdcs = VDCS
    before = ""
    while args[:1] in (["--vdcs"], ["--before"]) and len(args) > 1:
        if args[0] == "--vdcs":
            vdcs = int(args[1])
        else:
            before = args[1]
        args = args[2:]
    sizes = [int(a) for a in args] or [5, 10, 25, 50]
    for size in sizes:
        if size not in MIXES:
            sys.exit(f"objects per VDC: one of {sorted(MIXES)}")
        run_size(root, binary, vdcs, size, before)
    return 0


if __name__ == "__main__":
    sys.exit(main())
