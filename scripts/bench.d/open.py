#!/usr/bin/env python3
"""Requests, wall time and peak RSS of pmvmmgr6 `open` against the simulator, 0-second tasks.

usage: open.py ROOT PMVMMGR6 [RUNS]
The first open runs with a cold session cache and a new VMmanager user; the others reuse the
session and the user. Peak RSS comes from GNU time (see startup.py).
"""
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import stores


def start_simulator(root: str) -> tuple[subprocess.Popen, str]:
    sim = subprocess.Popen([os.path.join(root, "scripts/sim"), "vmmgr6", "--task-seconds", "0",
                            "--task-lag", "0"], stdout=subprocess.PIPE, text=True)
    line = sim.stdout.readline().strip()
    return sim, line.removeprefix("listening on ")


def control(url: str, path: str, method: str = "GET"):
    request = urllib.request.Request(url + "/__sim__/" + path, method=method)
    with urllib.request.urlopen(request) as reply:
        body = reply.read()
    return json.loads(body) if body else None


def seed(root: str, db: str, url: str, items: int) -> None:
    with sqlite3.connect(db) as conn:
        for name in ("schema.sql", "seed.sql"):
            conn.executescript(open(os.path.join(root, "examples", name)).read())
        conn.execute("UPDATE processingparam SET value = ? WHERE module_id = 1 AND name = 'url'",
                     (url,))
        conn.execute("INSERT INTO processingparam VALUES (1, 'task_poll_ms', '10')")
        for item in range(101, 101 + items):
            conn.execute("INSERT INTO item (id, account_id, pricelist_id, module_id, type) "
                         "VALUES (?, 1, 1, 1, 'vds')", (item,))
            conn.executemany("INSERT INTO itemparam VALUES (?, ?, ?)",
                             [(item, "os", "Debian 12"), (item, "password", "Bench-Pass-1")])


def run_open(binary: str, item: int) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", binary, "--command", "open", "--item",
                           str(item)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    wall = (time.perf_counter() - start) * 1000.0
    if done.returncode != 0:
        sys.exit(f"open of item {item} failed: {done.stderr}")
    return wall, int(done.stderr.strip().splitlines()[-1])


def main() -> int:
    root, binary = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    sim, url = start_simulator(root)
    try:
        with tempfile.TemporaryDirectory() as work:
            db = os.path.join(work, "billing.db")
            # Items for each backend; the MariaDB copy is taken before any open runs.
            seed(root, db, url, 2 * runs)
            os.environ.update(PM_LOG_DIR=work + "/log", PM_CACHE_DIR=work + "/cache",
                              PM_LOCK_DIR=work + "/locks", PM_CONFIG="/dev/null")
            for backend, (label_store, store_url) in enumerate(stores.backends(db)):
                os.environ["PM_STORE"] = store_url
                first = 101 + backend * runs
                walls, rss = [], []
                for index, item in enumerate(range(first, first + runs)):
                    control(url, "requests", "DELETE")
                    wall, peak = run_open(binary, item)
                    walls.append(wall)
                    rss.append(peak)
                    if index < 2:
                        counters = control(url, "counters")["requests"]
                        label = "cold cache, new user" if index == 0 else "warm cache"
                        total = sum(counters.values())
                        print(f"[{label_store}] open ({label}): {total} requests, {wall:.0f} ms, "
                              f"peak RSS {peak / 1024:.1f} MiB")
                        for key, count in sorted(counters.items()):
                            print(f"    {count:3d}  {key}")
                print(f"[{label_store}] open x{runs}: wall median {statistics.median(walls):.0f} ms, "
                      f"max {max(walls):.0f} ms; peak RSS max {max(rss) / 1024:.1f} MiB")
                stores.drop(store_url)
    finally:
        sim.terminate()
        sim.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
