#!/usr/bin/env python3
"""pmvmmgr6's pool of pre-created servers against the simulator.

usage: pool.py ROOT PMVMMGR6   (PM_BENCH_POOL_LATENCY_ONLY=1: part 1 only)

1. open from the pool vs a cold open, with VMmanager's host_create task at 60 s and every other
   task at 1 s (owner change, hostname recipe, password, the ordered recipe Install Docker);
   the module's default task polling (task_poll_ms 1000 ms, growing to 5 s). The pool is
   filled by pool_process; its creates are finished at once through the simulator's control
   API (setup only, not measured). Run twice: with VMmanager queueing the tasks of one VM one
   at a time (busy_mode queue, the simulator's default) and running them side by side
   (busy_mode parallel): the reference does not say which VMmanager does.
2. The hit rate over a replayed stream of orders, time scaled 60x (1 simulated minute = 1 s):
   host_create 1 s (60 s), other tasks 0.02 s, pool_process every 3 s (the 3-minute cron), and
   orders arriving at random (fixed seed) with a mix of OS templates, after 30 days of order
   history. A hit is an open that took a pool server.
"""
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HISTORY = {"Debian 12": 20, "Ubuntu 22.04": 10, "AlmaLinux 9": 6, "Windows Server 2022": 4}
MIX = [("Debian 12", 50), ("Ubuntu 22.04", 25), ("AlmaLinux 9", 15), ("Windows Server 2022", 10)]


def start_simulator(root: str, *args: str, name: str = "vmmgr6") -> tuple[subprocess.Popen, str]:
    """scripts/sim NAME ARGS… in the background: (the process, its base URL)."""
    sim = subprocess.Popen([os.path.join(root, "scripts/sim"), name, *args],
                           stdout=subprocess.PIPE, text=True)
    line = sim.stdout.readline().strip()
    return sim, line.removeprefix("listening on ")


def control(url: str, path: str, method: str = "GET"):
    request = urllib.request.Request(url + "/__sim__/" + path, method=method,
                                     data=b"{}" if method == "POST" else None)
    with urllib.request.urlopen(request) as reply:
        body = reply.read()
    return json.loads(body) if body else None


class Billing:
    """A scratch billing store with module 1 on the simulator, account 1 (customer) and
    account 2 (the pool's owner), tariff 1."""

    def __init__(self, root: str, work: str, url: str, params: dict):
        self.db = os.path.join(work, "billing.db")
        with sqlite3.connect(self.db) as conn:
            for name in ("schema.sql", "seed.sql"):
                conn.executescript(open(os.path.join(root, "examples", name)).read())
            conn.execute("UPDATE processingparam SET value = ? WHERE module_id = 1 AND "
                         "name = 'url'", (url,))
            conn.execute("DELETE FROM processingparam WHERE module_id = 1 AND name LIKE "
                         "'queue%'")
            conn.execute("INSERT INTO account VALUES (2, 'Pool', 'pool@example.com')")
            self.set_params(conn, dict(params, pool_account="2"))
        self.env = dict(os.environ, PM_STORE="sqlite:" + self.db, PM_LOG_DIR=work + "/log",
                        PM_CACHE_DIR=work + "/cache", PM_LOCK_DIR=work + "/locks",
                        PM_CONFIG="/dev/null")

    @staticmethod
    def set_params(conn, params: dict) -> None:
        conn.executemany("INSERT INTO processingparam VALUES (1, ?, ?) ON CONFLICT "
                         "(module_id, name) DO UPDATE SET value = excluded.value",
                         list(params.items()))

    def update(self, **params) -> None:
        with sqlite3.connect(self.db) as conn:
            self.set_params(conn, params)

    def order(self, os_name: str, days_ago: float = 0.0, recipe: str = "") -> int:
        with sqlite3.connect(self.db) as conn:
            item = conn.execute("INSERT INTO item (account_id, pricelist_id, module_id, type, "
                                "created_at) VALUES (1, 1, 1, 'vds', strftime("
                                "'%Y-%m-%dT%H:%M:%SZ', 'now', ?))",
                                (f"-{days_ago * 86400:.0f} seconds",)).lastrowid
            params = [(item, "os", os_name), (item, "password", "Bench-Pass-1"),
                      (item, "domain", f"vps{item}.example.com")]
            if recipe:
                params.append((item, "recipe", recipe))
            conn.executemany("INSERT INTO itemparam VALUES (?, ?, ?)", params)
        return item

    def open(self, binary: str, item: int) -> subprocess.Popen:
        return subprocess.Popen([binary, "--command", "open", "--item", str(item), "--output",
                                 "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=self.env)

    def pool_process(self, binary: str) -> dict:
        done = subprocess.run([binary, "--command", "pool_process", "--module", "1",
                               "--output", "json"], capture_output=True, text=True,
                              env=self.env)
        if done.returncode != 0:
            sys.exit(f"pool_process failed: {done.stdout} {done.stderr}")
        return json.loads(done.stdout)


def finished(process: subprocess.Popen, item: int) -> dict:
    out, err = process.communicate()
    if process.returncode != 0:
        sys.exit(f"open of item {item} failed ({process.returncode}): {out} {err}")
    return json.loads(out)


def timed_open(billing: Billing, binary: str, item: int) -> tuple[float, dict]:
    start = time.perf_counter()
    result = finished(billing.open(binary, item), item)
    return time.perf_counter() - start, result


def latency(root: str, binary: str, busy_mode: str) -> None:
    sim, url = start_simulator(root, "--task-seconds", "1", "--task-seconds", "host_create=60",
                               "--busy-mode", busy_mode)
    try:
        with tempfile.TemporaryDirectory() as work:
            billing = Billing(root, work, url, {"pool_enabled": "off",
                                                "pool_hostname_recipe": "1",
                                                "use_recipes": "on",
                                                "pool_steps": "3,3,3,3,3"})
            print(f"open with host_create at 60 s, other tasks at 1 s, task_poll_ms 1000, "
                  f"busy_mode {busy_mode}")
            colds = [billing.order("Debian 12", recipe="2") for _ in range(2)]
            start = time.perf_counter()
            running = [(item, billing.open(binary, item)) for item in colds]
            cold = []
            for item, process in running:
                result = finished(process, item)
                assert "pool_server" not in result, result
                cold.append(time.perf_counter() - start)
            print(f"  cold open (new VM), 2 at once: {', '.join(f'{s:.1f} s' for s in cold)}")

            billing.update(pool_enabled="on")
            billing.pool_process(binary)
            control(url, "tasks/finish", "POST")   # setup: the pool's creates end now
            ready = billing.pool_process(binary)["summary"]["ready"]
            walls = []
            for _ in range(3):
                item = billing.order("Debian 12", recipe="2")
                control(url, "requests", "DELETE")
                wall, result = timed_open(billing, binary, item)
                assert "pool_server" in result, result
                walls.append(wall)
                requests = sum(control(url, "counters").get("requests", {}).values())
            print(f"  open from the pool ({ready} ready): "
                  f"{', '.join(f'{s:.2f} s' for s in walls)}; {requests} requests each")
            ratio = statistics.median(cold) / statistics.median(walls)
            print(f"  median cold {statistics.median(cold):.1f} s vs pool "
                  f"{statistics.median(walls):.2f} s: the pool is {ratio:.0f}x faster")
    finally:
        sim.terminate()
        sim.wait()


def stream(seed: int, orders: int, mean_gap_minutes: float) -> list:
    rng = random.Random(seed)
    names = [name for name, _ in MIX]
    weights = [weight for _, weight in MIX]
    at, events = 0.0, []
    for _ in range(orders):
        at += rng.expovariate(1.0 / mean_gap_minutes)
        events.append((at, rng.choices(names, weights)[0]))
    return events


class Opening(threading.Thread):
    """One open of the replay, timed from its start to its end."""

    def __init__(self, billing: Billing, binary: str, item: int, os_name: str):
        super().__init__()
        self.item, self.os_name = item, os_name
        self.began = time.monotonic()
        self.process = billing.open(binary, item)
        self.start()

    def run(self) -> None:
        self.result = finished(self.process, self.item)
        self.wall = time.monotonic() - self.began


def hit_rate(root: str, binary: str, label: str, orders: int, mean_gap: float) -> None:
    scale = 1.0   # real seconds per simulated minute
    sim, url = start_simulator(root, "--task-seconds", "0.02", "--task-seconds",
                               "host_create=1", "--task-lag", "0.01")
    try:
        with tempfile.TemporaryDirectory() as work:
            billing = Billing(root, work, url, {"pool_enabled": "on", "task_poll_ms": "20",
                                                "pool_hostname_recipe": "1",
                                                "pool_steps": "1,2,3,4,5",
                                                "pool_os": "Debian 12", "pool_pricelist": "1"})
            for name, count in HISTORY.items():
                for index in range(count):
                    billing.order(name, days_ago=1 + index * 28.0 / count)
            first = billing.pool_process(binary)["summary"]
            time.sleep(1.2 * scale)   # a minute later: the first creates are done
            events = stream(6, orders, mean_gap)
            print(f"replay, {label}: {orders} orders over {events[-1][0]:.0f} simulated minutes "
                  f"(mean gap {mean_gap} min); first target {first['target']} servers")
            start = time.monotonic()
            next_cron, opens, runs = 0.0, [], 0
            for at, name in events:
                while next_cron <= at:
                    wait = start + next_cron * scale - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                    billing.pool_process(binary)
                    runs += 1
                    next_cron += 3.0
                wait = start + at * scale - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                opens.append(Opening(billing, binary, billing.order(name), name))
            per_os, walls = {}, {True: [], False: []}
            for opening in opens:
                opening.join()
                hit = "pool_server" in opening.result
                got, total = per_os.get(opening.os_name, (0, 0))
                per_os[opening.os_name] = (got + hit, total + 1)
                walls[hit].append(opening.wall * 60.0 / scale)
            hits = len(walls[True])
            print(f"  hit rate {hits}/{orders} = {100.0 * hits / orders:.0f}% "
                  f"({runs} pool_process runs)")
            for hit, label_of in ((True, "hits"), (False, "misses")):
                if walls[hit]:
                    print(f"    {label_of:6s} open time, simulated: median "
                          f"{statistics.median(walls[hit]):.0f} s, max {max(walls[hit]):.0f} s")
            for name, (got, total) in sorted(per_os.items(), key=lambda e: -e[1][1]):
                print(f"    {name:22s} {got:2d}/{total:2d}")
    finally:
        sim.terminate()
        sim.wait()


def main() -> int:
    root, binary = sys.argv[1], sys.argv[2]
    for busy_mode in ("queue", "parallel"):
        latency(root, binary, busy_mode)
    if os.environ.get("PM_BENCH_POOL_LATENCY_ONLY"):
        return 0
    print("hit rate: 60x time scale (1 simulated minute = 1 s), host_create 60 s and other "
          "tasks 1.2 s (scaled), pool_process every 3 min, 30 days of order history, "
          "pool_steps 1,2,3,4,5, pool_os Debian 12")
    hit_rate(root, binary, "steady", orders=48, mean_gap=2.5)
    hit_rate(root, binary, "burst", orders=48, mean_gap=0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
