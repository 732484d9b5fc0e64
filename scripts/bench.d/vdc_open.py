#!/usr/bin/env python3
"""pmopenstack `open` against the OpenStack simulator, side by side with the same work done by
Debian's `openstack` CLI (project create, user create, role add, quota set for Nova, Cinder and
Neutron, loadbalancer quota set): requests and wall time.

usage: vdc_open.py ROOT PMOPENSTACK [RUNS] [--no-cli] [--latency-ms N] [--serial] [--real RC]
--real RC (an openrc, scripts/real-openstack's) opens and then closes RUNS VDCs on real
OpenStack services instead, both ways (parallel_requests off, then on); requests are counted
from the module's log (one line per HTTP request).
--serial sets the module param parallel_requests off: the open's independent requests go one
after another, as before issue 18 (the figure to compare the default with, in the same run).
--latency-ms gives every API request N ms of service time (the simulator's `slow` fault), as a
real cloud has; on the bare simulator a request costs only the Python process's CPU.
The first open runs with a cold session cache; the others reuse the cached token. The CLI has
no cache: every command logs in again, which is the point of the comparison.
"""
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

TARIFF = {"cores": 8, "ram_mib": 16384, "instances": 4, "volumes": 10, "gigabytes": 200,
          "networks": 2, "subnets": 2, "routers": 1, "ports": 20, "loadbalancers": 1}


def start_simulator(root: str) -> tuple[subprocess.Popen, str]:
    sim = subprocess.Popen([os.path.join(root, "scripts/sim"), "openstack", "--build-seconds", "0"],
                           stdout=subprocess.PIPE, text=True)
    line = sim.stdout.readline().strip()
    return sim, line.removeprefix("listening on ")


def control(url: str, path: str, method: str = "GET"):
    request = urllib.request.Request(url + "/__sim__/" + path, method=method)
    with urllib.request.urlopen(request) as reply:
        body = reply.read()
    return json.loads(body) if body else None


def requests_since_clear(url: str) -> tuple[int, int]:
    counters = control(url, "counters")
    return sum(counters["requests"].values()), counters.get("logins", 0)


def seed(root: str, db: str, url: str, items: int, serial: bool) -> None:
    with sqlite3.connect(db) as conn:
        for name in ("schema.sql", "seed.sql"):
            conn.executescript(open(os.path.join(root, "examples", name)).read())
        conn.execute("UPDATE processingparam SET value = ? WHERE module_id = 2 AND name = 'url'",
                     (url + "/identity/v3",))
        if serial:
            conn.execute("INSERT INTO processingparam VALUES (2, 'parallel_requests', 'off')")
        for item in range(101, 101 + items):
            conn.execute("INSERT INTO item (id, account_id, pricelist_id, module_id, type) "
                         "VALUES (?, 1, 2, 2, 'vdc')", (item,))
            conn.execute("INSERT INTO itemparam VALUES (?, 'password', 'Bench-Pass-1')", (item,))


def run(argv: list[str], env=None) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env=env)
    wall = (time.perf_counter() - start) * 1000.0
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv[:4])} failed: {done.stderr}")
    return wall


def cli_env(url: str, home: str) -> dict:
    return {"PATH": "/usr/bin:/bin", "HOME": home, "OS_AUTH_URL": url + "/identity/v3",
            "OS_USERNAME": "admin", "OS_PASSWORD": "admin", "OS_PROJECT_NAME": "admin",
            "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default",
            "OS_REGION_NAME": "RegionOne", "OS_INTERFACE": "public",
            "OS_AUTH_TYPE": "v3password", "OS_IDENTITY_API_VERSION": "3"}


def cli_open(url: str, home: str, n: int) -> tuple[float, int, int]:
    env = cli_env(url, home)
    name = f"cli-vdc-{n}"
    t = TARIFF
    commands = [
        ["project", "create", "--domain", "Default", "--description", "pm item", name],
        ["user", "create", "--domain", "Default", "--project", name, "--password",
         "Bench-Pass-1", name],
        ["role", "add", "--project", name, "--user", name, "member"],
        ["quota", "set", "--cores", str(t["cores"]), "--ram", str(t["ram_mib"]),
         "--instances", str(t["instances"]), "--volumes", str(t["volumes"]),
         "--gigabytes", str(t["gigabytes"]), "--networks", str(t["networks"]),
         "--subnets", str(t["subnets"]), "--routers", str(t["routers"]),
         "--ports", str(t["ports"]), name],
        ["loadbalancer", "quota", "set", "--loadbalancer", str(t["loadbalancers"]), name],
    ]
    control(url, "requests", "DELETE")
    wall = sum(run(["openstack", *command], env) for command in commands)
    requests, logins = requests_since_clear(url)
    return wall, requests, logins


def read_rc(path: str) -> dict:
    values = {}
    for line in open(path):
        if line.startswith("export ") and "=" in line:
            name, value = line[len("export "):].strip().split("=", 1)
            values[name] = value
    return values


def http_lines(log_dir: str) -> int:
    total = 0
    for name in os.listdir(log_dir):
        with open(os.path.join(log_dir, name)) as log:
            total += sum(1 for line in log if " HTTP " in line and " -> " in line)
    return total


def real(root: str, binary: str, runs: int, rc_path: str) -> None:
    """RUNS opens on the real services with the requests one after another, then RUNS at
    once; every VDC is closed afterwards."""
    rc = read_rc(rc_path)
    work = tempfile.mkdtemp(prefix="pm-bench-vdc-real-")
    try:
        db = os.path.join(work, "billing.db")
        seed(root, db, rc["OS_AUTH_URL"], 2 * runs, False)
        with sqlite3.connect(db) as conn:
            for name, value in (("username", rc["OS_USERNAME"]), ("password", rc["OS_PASSWORD"]),
                                ("user_domain", rc["OS_USER_DOMAIN_NAME"]),
                                ("project", rc["OS_PROJECT_NAME"]),
                                ("project_domain", rc["OS_PROJECT_DOMAIN_NAME"]),
                                ("region", rc["OS_REGION_NAME"])):
                conn.execute("UPDATE processingparam SET value = ? WHERE module_id = 2 AND "
                             "name = ?", (value, name))
            conn.execute("UPDATE processingparam SET value = ? WHERE module_id = 2 AND "
                         "name = 'url'", (rc["OS_AUTH_URL"],))
            for item in range(101, 101 + 2 * runs):
                conn.execute("INSERT INTO itemparam VALUES (?, 'project_name', ?)",
                             (item, f"pm-bench-{os.getpid()}-{item}"))
        env = dict(os.environ, PM_STORE="sqlite:" + db, PM_LOG_DIR=work + "/log",
                   PM_CACHE_DIR=work + "/cache", PM_LOCK_DIR=work + "/locks",
                   PM_CONFIG="/dev/null")
        opened = []
        try:
            for label, first, value in (("one after another (parallel_requests off)", 101, "off"),
                                        ("at once (the default)", 101 + runs, "on")):
                with sqlite3.connect(db) as conn:
                    conn.execute("INSERT INTO processingparam VALUES (2, 'parallel_requests', ?) "
                                 "ON CONFLICT (module_id, name) DO UPDATE SET value = "
                                 "excluded.value", (value,))
                walls, counts = [], []
                for item in range(first, first + runs):
                    before = http_lines(work + "/log") if os.path.isdir(work + "/log") else 0
                    walls.append(run([binary, "--command", "open", "--item", str(item)], env))
                    opened.append(item)
                    counts.append(http_lines(work + "/log") - before)
                print(f"real OpenStack, open {label}: {runs} runs, requests {min(counts)}-"
                      f"{max(counts)}, wall median {statistics.median(walls):.0f} ms "
                      f"(first {walls[0]:.0f} ms, max {max(walls):.0f} ms)")
        finally:
            for item in opened:
                run([binary, "--command", "close", "--item", str(item)], env)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    args = [a for a in sys.argv[1:] if a not in ("--no-cli", "--serial")]
    serial = "--serial" in sys.argv
    latency = 0
    if "--latency-ms" in args:
        at = args.index("--latency-ms")
        latency = int(args[at + 1])
        del args[at:at + 2]
    rc = None
    if "--real" in args:
        at = args.index("--real")
        rc = args[at + 1]
        del args[at:at + 2]
    root, binary = args[0], args[1]
    runs = int(args[2]) if len(args) > 2 else 10
    if rc:
        real(root, binary, runs, rc)
        return 0
    sim, url = start_simulator(root)
    work = tempfile.mkdtemp(prefix="pm-bench-vdc-")
    try:
        db = os.path.join(work, "billing.db")
        seed(root, db, url, runs, serial)
        env = dict(os.environ, PM_STORE="sqlite:" + db, PM_LOG_DIR=work + "/log",
                   PM_CACHE_DIR=work + "/cache", PM_LOCK_DIR=work + "/locks",
                   PM_CONFIG="/dev/null")
        if latency:
            request = urllib.request.Request(
                url + "/__sim__/fault/slow", method="POST",
                data=json.dumps({"delay_ms": latency, "count": 1000000}).encode(),
                headers={"Content-Type": "application/json"})
            urllib.request.urlopen(request).read()
        walls, counts = [], []
        for item in range(101, 101 + runs):
            control(url, "requests", "DELETE")
            start = time.perf_counter()
            done = subprocess.run(["/usr/bin/time", "-f", "%M", binary, "--command", "open",
                                   "--item", str(item)], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
            walls.append((time.perf_counter() - start) * 1000.0)
            if done.returncode != 0:
                sys.exit(f"open of item {item} failed: {done.stderr}")
            rss = int(done.stderr.strip().splitlines()[-1])
            counts.append(requests_since_clear(url) + (rss,))
        if latency:
            print(f"every API request takes {latency} ms more (simulated service time)")
        if serial:
            print("parallel_requests off: the independent requests one after another")
        print(f"pmopenstack open, cold cache: {counts[0][0]} requests ({counts[0][1]} login), "
              f"{walls[0]:.1f} ms, peak RSS {counts[0][2] / 1024:.1f} MiB")
        warm = walls[1:]
        if warm:
            print(f"pmopenstack open, warm cache ({len(warm)} runs): {counts[1][0]} requests "
                  f"({counts[1][1]} logins), wall median {statistics.median(warm):.1f} ms, "
                  f"max {max(warm):.1f} ms, peak RSS at most "
                  f"{max(c[2] for c in counts) / 1024:.1f} MiB")
        if "--no-cli" in sys.argv:
            pass
        elif shutil.which("openstack"):
            home = os.path.join(work, "home")
            os.makedirs(home)
            cli = [cli_open(url, home, n) for n in range(3)]
            median = statistics.median(c[0] for c in cli)
            print(f"openstack CLI, the same work in 5 commands (3 runs): {cli[0][1]} requests "
                  f"({cli[0][2]} logins), wall median {median:.0f} ms")
        else:
            print("openstack CLI not installed: comparison skipped")
    finally:
        sim.terminate()
        sim.wait()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
