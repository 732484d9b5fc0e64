#!/usr/bin/env python3
"""The console add-on's part of scripts/demo: what Zabbix holds for a customer, the agent
settings a new machine got in its user data, and the agent's registration.

  console.py show URL CREDS ACCOUNT STORE ITEM  the customer's user group, user (and whether the
                                         password the billing store holds logs in), host group,
                                         auto-registration action and hosts with their macros
  console.py user-data SIM_URL OUT_DIR   the console.conf of the newest server create that the
                                         OpenStack simulator saw (its user_data, decoded), written
                                         to OUT_DIR/console.conf and printed
  console.py register-sim SIM_URL HOST METADATA   an agent registers with the Zabbix simulator
  console.py wait-host URL CREDS HOST GROUP SECONDS   until HOST is in host group GROUP

URL is the Zabbix API URL; CREDS is "sim" (the simulator's Admin/zabbix) or the path of
scripts/real-zabbix's rc file, read here so that no secret is on a command line. Secrets are
never printed: secret macros come back from Zabbix without a value, passwords as lengths.
"""
import base64
import json
import os
import sqlite3
import sys
import time
import urllib.request


def rpc(url, method, params, auth=None):
    body = {"jsonrpc": "2.0", "method": method, "params": params, "id": 1}
    if auth:
        body["auth"] = auth
    request = urllib.request.Request(url, json.dumps(body).encode(),
                                     {"Content-Type": "application/json-rpc"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        answer = json.load(reply)
    if "error" in answer:
        raise RuntimeError(f"{method}: {answer['error'].get('data', answer['error'])}")
    return answer["result"]


def admin(creds):
    if creds == "sim":
        return "Admin", "zabbix"
    values = {}
    with open(creds, encoding="utf-8") as rc:
        for line in rc:
            if line.startswith("export ") and "=" in line:
                name, _, value = line[len("export "):].strip().partition("=")
                values[name] = value
    return values["PM_REAL_ZABBIX_USER"], values["PM_REAL_ZABBIX_PASSWORD"]


def login(url, creds):
    user, password = admin(creds)
    return rpc(url, "user.login", {"username": user, "password": password})


def item_param(store, item, name):
    with sqlite3.connect(store) as db:
        row = db.execute("SELECT value FROM itemparam WHERE item_id = ? AND name = ?",
                         (item, name)).fetchone()
    return row[0] if row else ""


def show(url, creds, account, store, item):
    auth = login(url, creds)
    name = f"pm-customer-{account}"
    by_name = {"filter": {"name": [name]}}
    groups = rpc(url, "usergroup.get", dict(by_name, output=["usrgrpid", "users_status"]), auth)
    hostgroups = rpc(url, "hostgroup.get", dict(by_name, output=["groupid"]), auth)
    actions = rpc(url, "action.get", dict(by_name, output=["actionid", "status"],
                                          selectFilter="extend"), auth)
    login_name = item_param(store, item, "console_login")
    users = rpc(url, "user.get", {"output": ["userid", "username"],
                                  "filter": {"username": [login_name]}}, auth) if login_name else []
    if not (groups or hostgroups or actions or users):
        print(f"   Zabbix has nothing of customer {name}")
        return
    for group in groups:
        state = "enabled" if group["users_status"] == "0" else "disabled"
        print(f"   user group {name}: console access {state}")
    password = item_param(store, item, "console_user_password")
    for user in users:
        works = "no"
        if password:
            try:
                rpc(url, "user.login", {"username": user["username"], "password": password})
                works = "yes"
            except RuntimeError as e:
                works = f"no ({e})"
        print(f"   user {user['username']}: the password in the billing store "
              f"({len(password)} characters, shown to the customer by the platform) logs in: {works}")
    for action in actions:
        values = [c["value"] for c in action["filter"]["conditions"]]
        state = "enabled" if action["status"] == "0" else "disabled"
        print(f"   auto-registration action {name} ({state}): host metadata contains "
              f"{', '.join(values)} -> host group {name}")
    for group in hostgroups:
        hosts = rpc(url, "host.get", {"output": ["host"], "groupids": [group["groupid"]],
                                      "selectMacros": ["macro", "type", "value"]}, auth)
        print(f"   host group {name}: {len(hosts)} host(s)")
        for host in hosts:
            macros = ", ".join(
                f"{m['macro']}=" + ("<secret>" if str(m["type"]) == "1" else m.get("value", ""))
                for m in host.get("macros", []))
            print(f"     {host['host']}" + (f": {macros}" if macros else ""))


def user_data(sim_url, out_dir):
    with urllib.request.urlopen(sim_url + "/__sim__/requests", timeout=30) as reply:
        entries = json.load(reply)["list"]
    encoded = ""
    for entry in entries:
        body = entry.get("body")
        if entry.get("method") == "POST" and isinstance(body, dict) and "server" in body:
            encoded = body["server"].get("user_data", encoded)
    if not encoded:
        raise SystemExit("no server create with user_data in the simulator's log")
    text = base64.b64decode(encoded).decode()
    lines, inside = [], False
    for line in text.splitlines():
        if line.strip().startswith("- path:"):
            inside = line.strip().endswith("/zabbix_agent2.d/console.conf")
        elif inside and line.startswith("      "):
            lines.append(line[6:])
    conf = "".join(line + "\n" for line in lines)
    with open(os.path.join(out_dir, "console.conf"), "w", encoding="utf-8") as out:
        out.write(conf)
    print("   the server's user_data writes /etc/zabbix/zabbix_agent2.d/console.conf:")
    for line in lines:
        print("     " + line)


def register_sim(sim_url, host, metadata):
    def post(path, body):
        request = urllib.request.Request(sim_url + path, json.dumps(body).encode(),
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as reply:
            return json.load(reply)
    post("/__sim__/cache/sync", {})
    answer = post("/__sim__/agent/register", {"host": host, "metadata": metadata})
    groups = ", ".join(answer.get("groups", [])) or "none"
    print(f"   agent {host} with HostMetadata={metadata}: registered={answer['registered']}, "
          f"host groups: {groups}")


def wait_host(url, creds, host, group, seconds):
    auth = login(url, creds)
    deadline = time.monotonic() + float(seconds)
    while True:
        hosts = rpc(url, "host.get", {"output": ["host"], "filter": {"host": [host]},
                                      "selectGroups": ["name"]}, auth)
        names = [g["name"] for h in hosts for g in h.get("groups", [])]
        if group in names:
            print(f"   host {host} registered itself into host group {group}")
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"host {host} did not appear in {group} within {seconds} s")
        time.sleep(1)


def main(argv):
    commands = {"show": (show, 5), "user-data": (user_data, 2),
                "register-sim": (register_sim, 3), "wait-host": (wait_host, 5)}
    if len(argv) < 2 or argv[1] not in commands or len(argv) - 2 != commands[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    commands[argv[1]][0](*argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
