#!/usr/bin/env python3
"""The console add-on's cost (DESIGN §14): what it adds to `open` and `close`, and
`console_sync` over many VDCs.

usage: console.py ROOT PMVMMGR6 PMOPENSTACK [RUNS] [VDCS]

1. open and close, the add-on off and on: pmvmmgr6 against the VMmanager 6 simulator with
   0-second tasks, RUNS services each (default 20), every service a customer of its own, so
   that each open makes a console account and each close removes it (the add-on's whole work).
   The console is the Zabbix simulator; also real Zabbix 6.0 when `scripts/real-zabbix status`
   says it is up (its customers get account ids of their own and are removed by the closes).
   The add-on's cost is the median with it minus the median without.
2. console_sync of pmopenstack over VDCS VDCs (default 1,000), each of its own customer, on the
   OpenStack and Zabbix simulators: the VDCs' projects and users are made through Keystone's
   API by this script, the store is seeded with them as active VDCs. The first run makes every
   customer's account and VDC host (with an application credential when the OpenStack
   simulator has them, else the customer's account only: said so); the second is the cron's
   steady state (a new credential pushed to every VDC host, the old one deleted). Wall time,
   requests to each simulator, the store's rows.
"""
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ZABBIX_PASSWORD = "Bench-Zbx-Pass-1"


def start(root, name, *args):
    sim = subprocess.Popen([os.path.join(root, "scripts/sim"), name, *args],
                           stdout=subprocess.PIPE, text=True)
    return sim, sim.stdout.readline().strip().removeprefix("listening on ")


def http(url, method="GET", body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers=dict({"Content-Type": "application/json"},
                                                  **(headers or {})))
    with urllib.request.urlopen(request, timeout=60) as reply:
        raw = reply.read()
        return (json.loads(raw) if raw else None), reply.headers


def requests(url):
    return sum(http(url + "/__sim__/counters")[0]["requests"].values())


def reset_requests(url):
    http(url + "/__sim__/requests", "DELETE")


def run(binary, *args):
    start_time = time.perf_counter()
    done = subprocess.run([binary, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)
    wall = (time.perf_counter() - start_time) * 1000.0
    return wall, done


def must(binary, *args):
    wall, done = run(binary, *args)
    if done.returncode != 0:
        sys.exit(f"{os.path.basename(binary)} {' '.join(args)}: exit {done.returncode}\n"
                 f"{done.stdout}{done.stderr}")
    return wall, done


def environment(work, db):
    os.environ.update(PM_STORE="sqlite:" + db, PM_LOG_DIR=work + "/log",
                      PM_CACHE_DIR=work + "/cache", PM_LOCK_DIR=work + "/locks",
                      PM_CONFIG="/dev/null")


def seeded(root, db, module, url):
    """The example store with module `module`'s url set; an open connection to it."""
    conn = sqlite3.connect(db)
    for name in ("schema.sql", "seed.sql"):
        conn.executescript(open(os.path.join(root, "examples", name)).read())
    conn.execute("UPDATE processingparam SET value = ? WHERE module_id = ? AND name = 'url'",
                 (url, module))
    return conn


def console_params(conn, module, url, user, password, active):
    conn.executemany("INSERT OR REPLACE INTO processingparam VALUES (?, ?, ?)",
                     [(module, "console", "zabbix"), (module, "console_url", url),
                      (module, "console_username", user), (module, "console_password", password),
                      (module, "console_server_active", active),
                      (module, "console_timeout", "60")])


def real_zabbix(root):
    """(url, user, password, server active) of real Zabbix when it is up, else None."""
    status = subprocess.run([os.path.join(root, "scripts/real-zabbix"), "status"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rc = os.path.join(os.environ.get("PM_REAL_ZABBIX_DIR", "/tmp/pm-zabbix"), "zabbixrc")
    if status.returncode != 0 or not os.path.exists(rc):
        return None
    values = {}
    with open(rc, encoding="utf-8") as text:
        for line in text:
            if line.startswith("export ") and "=" in line:
                name, _, value = line[len("export "):].strip().partition("=")
                values[name] = value
    return (values["PM_REAL_ZABBIX_URL"], values["PM_REAL_ZABBIX_USER"],
            values["PM_REAL_ZABBIX_PASSWORD"], values["PM_REAL_ZABBIX_SERVER_ACTIVE"])


# 1. open and close, the add-on off and on ------------------------------------------------

def open_close(root, vmmgr6, runs):
    vm_sim, vm_url = start(root, "vmmgr6", "--task-seconds", "0", "--task-lag", "0")
    zbx_sim, zbx_url = start(root, "zabbix", "--admin-password", ZABBIX_PASSWORD)
    consoles = [("off", None), ("Zabbix simulator",
                                (zbx_url + "/api_jsonrpc.php", "Admin", ZABBIX_PASSWORD,
                                 "127.0.0.1:10051"))]
    real = real_zabbix(root)
    if real:
        consoles.append(("real Zabbix 6.0", real))
    else:
        print("real Zabbix is not up (scripts/real-zabbix up): simulator figures only")
    base = 900000 + os.getpid() % 10000 * 10  # account ids of this run's customers
    try:
        results = {}
        for index, (label, console) in enumerate(consoles):
            with tempfile.TemporaryDirectory() as work:
                db = os.path.join(work, "billing.db")
                with seeded(root, db, 1, vm_url) as conn:
                    conn.execute("INSERT INTO processingparam VALUES (1, 'task_poll_ms', '10')")
                    if console:
                        console_params(conn, 1, *console)
                    for n in range(runs + 1):
                        account, item = base + index * runs * 2 + n, 101 + n
                        conn.execute("INSERT INTO account (id, name, email) VALUES (?, ?, ?)",
                                     (account, f"bench {n}", f"bench-{account}@example.com"))
                        conn.execute("INSERT INTO item (id, account_id, pricelist_id, module_id, "
                                     "type) VALUES (?, ?, 1, 1, 'vds')", (item, account))
                        conn.executemany("INSERT INTO itemparam VALUES (?, ?, ?)",
                                         [(item, "os", "Debian 12"),
                                          (item, "password", "Bench-Pass-1")])
                environment(work, db)
                opens, closes, zreq_open, zreq_close = [], [], [], []
                # Item 101 warms the session caches and is not counted.
                for item in range(101, 102 + runs):
                    reset_requests(zbx_url)
                    wall_open, _ = must(vmmgr6, "--command", "open", "--item", str(item))
                    z_open = requests(zbx_url)
                    reset_requests(zbx_url)
                    wall_close, _ = must(vmmgr6, "--command", "close", "--item", str(item))
                    z_close = requests(zbx_url)
                    if item == 101:
                        continue
                    opens.append(wall_open)
                    closes.append(wall_close)
                    zreq_open.append(z_open)
                    zreq_close.append(z_close)
                with sqlite3.connect(db) as conn:
                    pending = conn.execute("SELECT count(*) FROM itemparam WHERE name = "
                                           "'console_pending'").fetchone()[0]
                if pending:
                    sys.exit(f"{label}: {pending} console steps left pending")
                results[label] = (statistics.median(opens), statistics.median(closes))
                line = (f"console {label}: open x{runs} median {results[label][0]:.0f} ms, "
                        f"close median {results[label][1]:.0f} ms")
                if console and "simulator" in label:
                    line += (f"; Zabbix requests per open {statistics.median(zreq_open):.0f}, "
                             f"per close {statistics.median(zreq_close):.0f}")
                print(line)
        off_open, off_close = results["off"]
        for label, (on_open, on_close) in results.items():
            if label != "off":
                print(f"the add-on with the {label}: +{on_open - off_open:.0f} ms per open, "
                      f"+{on_close - off_close:.0f} ms per close (medians)")
    finally:
        for sim in (vm_sim, zbx_sim):
            sim.terminate()
            sim.wait()


# 2. console_sync over many VDCs -------------------------------------------------------------

def keystone(os_url):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "domain": {"name": "Default"}, "password": "admin"}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
    _, headers = http(os_url + "/identity/v3/auth/tokens", "POST", body)
    return {"X-Auth-Token": headers["X-Subject-Token"]}


def make_vdcs(os_url, count):
    """[(project id, user id, user name)] made through Keystone's admin API."""
    auth = keystone(os_url)
    roles, _ = http(os_url + "/identity/v3/roles?name=member", headers=auth)
    member = roles["roles"][0]["id"]
    vdcs = []
    for n in range(count):
        project, _ = http(os_url + "/identity/v3/projects", "POST",
                          {"project": {"name": f"bench-vdc-{n}", "domain_id": "default"}}, auth)
        pid = project["project"]["id"]
        user, _ = http(os_url + "/identity/v3/users", "POST",
                       {"user": {"name": f"bench-vdc-{n}", "password": "Bench-Vdc-Pass-1",
                                 "domain_id": "default", "default_project_id": pid}}, auth)
        uid = user["user"]["id"]
        http(os_url + f"/identity/v3/projects/{pid}/users/{uid}/roles/{member}", "PUT",
             headers=auth)
        vdcs.append((pid, uid, f"bench-vdc-{n}"))
    return vdcs


def has_app_credentials(os_url, user_id):
    try:
        http(os_url + f"/identity/v3/users/{user_id}/application_credentials",
             headers=keystone(os_url))
        return True
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return False
        raise


def console_sync(root, openstack, count):
    os_sim, os_url = start(root, "openstack")
    zbx_sim, zbx_url = start(root, "zabbix", "--admin-password", ZABBIX_PASSWORD)
    try:
        start_time = time.perf_counter()
        vdcs = make_vdcs(os_url, count)
        feeds = has_app_credentials(os_url, vdcs[0][1])
        print(f"{count} VDC projects and users made in {time.perf_counter() - start_time:.1f} s"
              + ("" if feeds else "; the OpenStack simulator has no application credentials: "
                 "customers' accounts only, no VDC hosts or rotation"))
        with tempfile.TemporaryDirectory() as work:
            db = os.path.join(work, "billing.db")
            with seeded(root, db, 2, os_url + "/identity/v3") as conn:
                console_params(conn, 2, zbx_url + "/api_jsonrpc.php", "Admin", ZABBIX_PASSWORD,
                               "127.0.0.1:10051")
                for n, (pid, uid, name) in enumerate(vdcs):
                    account, item = 1000 + n, 1000 + n
                    conn.execute("INSERT INTO account (id, name, email) VALUES (?, ?, ?)",
                                 (account, name, f"{name}@example.com"))
                    conn.execute("INSERT INTO item (id, account_id, pricelist_id, module_id, type, "
                                 "status) VALUES (?, ?, 2, 2, 'vdc', 'active')", (item, account))
                    params = [(item, "username", name), (item, "password", "Bench-Vdc-Pass-1")]
                    if feeds:
                        params += [(item, "project_id", pid), (item, "user_id", uid)]
                    conn.executemany("INSERT INTO itemparam VALUES (?, ?, ?)", params)
            environment(work, db)
            for label in ("first run (every account and VDC host made)",
                          "second run (steady state: every credential rotated)"):
                reset_requests(zbx_url)
                reset_requests(os_url)
                wall, done = must(openstack, "--command", "console_sync", "--module", "2",
                                  "--output", "json")
                result = json.loads(done.stdout)
                counts = {k: result.get(k) for k in ("services", "recreated", "rotated",
                                                     "failed")}
                print(f"console_sync x{count} VDCs, {label}: {wall / 1000:.1f} s, "
                      f"{requests(zbx_url)} Zabbix requests, {requests(os_url)} OpenStack "
                      f"requests; {counts}")
            state, _ = http(zbx_url + "/__sim__/state")
            print(f"Zabbix then holds {len(state['users'])} users, {len(state['hosts'])} hosts, "
                  f"{len(state['actions'])} actions")
    finally:
        for sim in (os_sim, zbx_sim):
            sim.terminate()
            sim.wait()


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    root, vmmgr6, openstack = sys.argv[1:4]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    vdcs = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
    open_close(root, vmmgr6, runs)
    console_sync(root, openstack, vdcs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
