#!/usr/bin/env python3
"""pmovirt `open` against the oVirt simulator with realistic durations (a thin template copy
30 s, a first boot 40 s: launch 5 + power-up 35, a disk extend 10 s, the job's 2 s lag): wall
time of each open, requests per open by kind, peak RSS (GNU time).

usage: ovirt_open.py ROOT PMOVIRT [OPENS] [TIME_SCALE] [template|pool]
OPENS VPS (default 3) are opened at once, as a billing platform runs several orders, each
from the newest debian12 template, 2 CPU, 2 GiB, a 20 GiB disk (the template's 10 GiB grown),
cloud-init with a leased address. TIME_SCALE (default 1) multiplies every simulated duration.
`template` (default): each open makes its VM from the template. `pool`: pool_process first
fills the pool with OPENS VMs (their copies and extends finished at once through the
simulator's control endpoint: the preparation is not what is measured), then the opens take
them over (renamed, the order's cloud-init at their first boot).
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


def start_simulator(root: str, scale: str) -> tuple[subprocess.Popen, str]:
    sim = subprocess.Popen([os.path.join(root, "scripts/sim"), "ovirt", "--time-scale", scale],
                           stdout=subprocess.PIPE, text=True)
    line = sim.stdout.readline().strip()
    return sim, line.removeprefix("listening on ")


def control(url: str, path: str, method: str = "GET"):
    request = urllib.request.Request(url + "/__sim__/" + path, method=method)
    with urllib.request.urlopen(request) as reply:
        body = reply.read()
    return json.loads(body) if body else None


def seed(root: str, db: str, url: str, opens: int, pool: bool) -> list:
    with sqlite3.connect(db) as conn:
        for name in ("schema.sql", "seed.sql"):
            conn.executescript(open(os.path.join(root, "examples", name)).read())
        conn.execute("INSERT INTO processingmodule (id, name, type, sorting, enabled) "
                     "VALUES (3, 'oVirt', 'pmovirt', 3, 1)")
        conn.executemany("INSERT INTO processingparam (module_id, name, value) VALUES (3, ?, ?)",
                         [("url", url + "/ovirt-engine"), ("username", "admin@internal"),
                          ("password", "admin"), ("cluster", "Default"),
                          ("task_poll_ms", "1000"), ("op_timeout", "900"),
                          ("ipv4_range", "192.0.2.10-192.0.2.250"), ("ipv4_prefix", "24"),
                          ("ipv4_gateway", "192.0.2.1")])
        if pool:
            conn.executemany("INSERT INTO processingparam (module_id, name, value) "
                             "VALUES (3, ?, ?)",
                             [("pool_enabled", "on"), ("pool_account", "1"),
                              ("pool_os", "debian12"), ("pool_pricelist", "3"),
                              ("pool_steps", ",".join([str(opens)] * 5))])
        conn.execute("INSERT INTO pricelist (id, name, type) VALUES (3, 'VPS oVirt', 'vds')")
        conn.executemany("INSERT INTO pricelistparam (pricelist_id, name, value) VALUES (3, ?, ?)",
                         [("cpu_number", "2"), ("ram_mib", "2048"), ("hdd_mib", "20480")])
        items = list(range(301, 301 + opens))
        for item in items:
            conn.execute("INSERT INTO item (id, account_id, pricelist_id, module_id, type) "
                         "VALUES (?, 1, 3, 3, 'vds')", (item,))
            conn.executemany("INSERT INTO itemparam VALUES (?, ?, ?)",
                             [(item, "os", "debian12"), (item, "password", "Bench-Pass-1")])
    return items


def fill_pool(binary: str, url: str, env: dict, opens: int) -> None:
    for _ in range(6):
        out = subprocess.run([binary, "--command", "pool_process", "--module", "3", "--output",
                              "json"], env=env, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"pool_process failed: {out.stdout} {out.stderr}")
        summary = json.loads(out.stdout)["summary"]
        if summary["ready"] == str(opens) and summary["building"] == "0":
            return
        control(url, "jobs/finish", "POST")
    sys.exit(f"the pool did not fill: {summary}")


def main() -> int:
    root, binary = sys.argv[1], sys.argv[2]
    opens = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    scale = sys.argv[4] if len(sys.argv) > 4 else "1"
    mode = sys.argv[5] if len(sys.argv) > 5 else "template"
    if mode not in ("template", "pool"):
        sys.exit(f"mode is template or pool, not {mode}")
    sim, url = start_simulator(root, scale)
    try:
        with tempfile.TemporaryDirectory() as work:
            db = os.path.join(work, "billing.db")
            items = seed(root, db, url, opens, mode == "pool")
            env = dict(os.environ, PM_STORE="sqlite:" + db, PM_LOG_DIR=work + "/log",
                       PM_CACHE_DIR=work + "/cache", PM_LOCK_DIR=work + "/locks",
                       PM_CONFIG="/dev/null")
            if mode == "pool":
                fill_pool(binary, url, env, opens)
            control(url, "requests", "DELETE")
            started = time.perf_counter()
            running = [(item, subprocess.Popen(
                ["/usr/bin/time", "-f", "%M", binary, "--command", "open", "--item", str(item)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env))
                for item in items]
            walls, rss = [], []
            for item, process in running:
                _, err = process.communicate()
                walls.append(time.perf_counter() - started)
                if process.returncode != 0:
                    sys.exit(f"open of item {item} failed: {err}")
                rss.append(int(err.strip().splitlines()[-1]))
            counters = control(url, "counters")
            requests = counters["requests"]
            source = "a template" if mode == "template" else "the pool"
            print(f"pmovirt open from {source} x{opens} at once (time scale {scale}): wall "
                  f"min {min(walls):.1f} s, median {statistics.median(walls):.1f} s, max "
                  f"{max(walls):.1f} s; peak RSS max {max(rss) / 1024:.1f} MiB")
            print(f"  requests per open: {sum(requests.values()) / opens:.1f}, "
                  f"logins {counters.get('logins', 0)} in all")
            for key, count in sorted(requests.items()):
                print(f"    {count / opens:5.1f}  {key}")
    finally:
        sim.terminate()
        sim.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
