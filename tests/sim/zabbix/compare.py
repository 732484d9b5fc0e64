"""Sends the same JSON-RPC requests to the simulator and to real Zabbix and prints where the
answers differ in shape (README.md, "Checked against real Zabbix").

  python3 tests/sim/zabbix/compare.py SIM_URL REAL_URL      (both …/api_jsonrpc.php)

The real server's Admin password comes from the environment (PM_REAL_ZABBIX_PASSWORD, as
`scripts/real-zabbix` writes it in zabbixrc), the simulator's is `zabbix` (ZABBIX_SIM_PASSWORD).
Every object the scenario makes is named `cmp-<random>-…` and deleted at the end. An answer is
compared by its shape: the keys (recursively), the error code and data, and values other than
ids, session ids, tokens, uuids and clocks; ids are replaced by their order of appearance, per kind."""
import json
import os
import random
import re
import sys
import urllib.request

VOLATILE = re.compile(r"^(\d+|[0-9a-f]{32}|[0-9a-f]{64})$")
VOLATILE_KEYS = {"uuid", "attempt_clock", "created_at", "lastaccess", "attempt_ip",
                 "sessionid", "attempt_failed"}


class Server:
    def __init__(self, url: str, password: str):
        self.url = url
        self.password = password
        self.auth = None
        self.next_id = 0

    def call(self, method: str, params, auth=True) -> dict:
        self.next_id += 1
        body = {"jsonrpc": "2.0", "method": method, "params": params, "id": self.next_id}
        if auth and self.auth:
            body["auth"] = self.auth
        request = urllib.request.Request(self.url, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json-rpc"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())


def normalise(value, ids: dict, key=None):
    """Ids (numbers as strings, hex session ids) become groupid#1, groupid#2… in order of
    appearance, counted per kind of id."""
    if isinstance(value, dict):
        return {k: normalise(v, ids, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, ids, key) for v in value]
    if key in VOLATILE_KEYS:
        return "<volatile>"
    hexadecimal = isinstance(value, str) and len(value) in (32, 64)
    if isinstance(value, str) and VOLATILE.match(value) and (
            (key or "").endswith("id") or (key or "").endswith("ids") or hexadecimal):
        space = "hex" if hexadecimal else key.rstrip("s")   # groupids and groupid alike
        bucket = ids.setdefault(space, {})
        return bucket.setdefault(value, f"{space}#{len(bucket) + 1}")
    return value


def scenario(tag: str, template_host: str = "Linux by Zabbix agent") -> list:
    """(method, params or a function of the earlier results, needs auth) in order. Names
    carry the tag so that runs never meet; each step may refer to earlier results."""
    group, user, host = f"cmp-{tag}", f"cmp-{tag}@example.com", f"cmp-{tag}-vdc"
    return [
        ("apiinfo.version", {}, False),
        ("hostgroup.create", {"name": group}, True),
        ("hostgroup.create", {"name": group}, True),
        ("hostgroup.get", {"output": ["name"], "filter": {"name": group}}, True),
        ("hostgroup.get", {"output": "extend", "filter": {"name": group}}, True),
        ("usergroup.create", lambda r: {"name": group, "rights": [
            {"id": r[1]["result"]["groupids"][0], "permission": 3}]}, True),
        ("usergroup.create", lambda r: {"name": group, "rights": []}, True),
        ("usergroup.get", {"output": "extend", "selectRights": "extend",
                           "filter": {"name": group}}, True),
        ("usergroup.get", {"output": ["name"], "filter": {"name": group},
                           "selectUsers": ["username"]}, True),
        ("user.create", lambda r: {"username": user, "passwd": "Cmp-pass-12345",
                                   "roleid": "1",
                                   "usrgrps": [{"usrgrpid": r[5]["result"]["usrgrpids"][0]}]},
         True),
        ("user.create", lambda r: {"username": user, "passwd": "Cmp-pass-12345", "roleid": "1",
                                   "usrgrps": [{"usrgrpid": r[5]["result"]["usrgrpids"][0]}]},
         True),
        ("user.get", {"output": "extend", "filter": {"username": user},
                      "selectUsrgrps": ["usrgrpid", "name"], "selectMedias": "extend",
                      "selectRole": ["roleid", "name"]}, True),
        ("user.get", {"output": ["username"], "filter": {"username": user}}, True),
        ("template.get", {"output": ["templateid", "host", "name"],
                          "filter": {"host": template_host}}, True),
        ("role.get", {"output": ["roleid", "name", "type"],
                      "filter": {"name": "User role"}}, True),
        ("action.create", lambda r: {
            "name": group, "eventsource": 2,
            "filter": {"evaltype": 0, "conditions": [
                {"conditiontype": 24, "operator": 2, "value": f"cust={tag}"}]},
            "operations": [{"operationtype": 2},
                           {"operationtype": 4,
                            "opgroup": [{"groupid": r[1]["result"]["groupids"][0]}]},
                           {"operationtype": 6,
                            "optemplate": [{"templateid": r[13]["result"][0]["templateid"]}]}]},
         True),
        ("action.get", {"output": "extend", "filter": {"name": group},
                        "selectFilter": "extend", "selectOperations": "extend"}, True),
        ("action.update", lambda r: {"actionid": r[15]["result"]["actionids"][0],
                                     "status": 1}, True),
        ("host.create", lambda r: {
            "host": host, "groups": [{"groupid": r[1]["result"]["groupids"][0]}],
            "macros": [{"macro": "{$OPENSTACK.AUTH.URL}", "value": "http://127.0.0.1:5000/v3"},
                       {"macro": "{$OPENSTACK.APP.CRED.ID}", "value": "cmp-id"},
                       {"macro": "{$OPENSTACK.APP.CRED.SECRET}", "value": "cmp-secret-1",
                        "type": 1}]}, True),
        ("host.create", lambda r: {"host": host, "groups": [
            {"groupid": r[1]["result"]["groupids"][0]}]}, True),
        ("host.get", {"output": ["host", "name", "status"], "filter": {"host": host},
                      "selectMacros": "extend", "selectGroups": ["groupid", "name"],
                      "selectParentTemplates": ["templateid"]}, True),
        ("usermacro.get", lambda r: {"output": "extend",
                                     "hostids": r[18]["result"]["hostids"]}, True),
        ("usermacro.get", lambda r: {"output": ["macro"], "hostids": r[18]["result"]["hostids"],
                                     "filter": {"macro": "{$OPENSTACK.APP.CRED.SECRET}"}},
         True),
        ("usermacro.update", lambda r: {"hostmacroid": r[22]["result"][0]["hostmacroid"],
                                        "value": "cmp-secret-2", "type": 1}, True),
        ("usermacro.create", lambda r: {"hostid": r[18]["result"]["hostids"][0],
                                        "macro": "{$OPENSTACK.APP.CRED.ID}", "value": "x"},
         True),
        ("usergroup.update", lambda r: {"usrgrpid": r[5]["result"]["usrgrpids"][0],
                                        "users_status": 1}, True),
        ("user.login", {"username": user, "password": "Cmp-pass-12345"}, False),
        ("usergroup.update", lambda r: {"usrgrpid": r[5]["result"]["usrgrpids"][0],
                                        "users_status": 0}, True),
        ("hostgroup.delete", lambda r: r[1]["result"]["groupids"], True),
        ("usergroup.delete", lambda r: r[5]["result"]["usrgrpids"], True),
        ("host.delete", lambda r: r[18]["result"]["hostids"], True),
        ("host.delete", lambda r: r[18]["result"]["hostids"], True),
        ("action.delete", lambda r: r[15]["result"]["actionids"], True),
        ("user.delete", lambda r: r[9]["result"]["userids"], True),
        ("usergroup.delete", lambda r: r[5]["result"]["usrgrpids"], True),
        ("hostgroup.delete", lambda r: r[1]["result"]["groupids"], True),
        ("action.update", {"actionid": "999999", "status": 1}, True),
        ("user.get", {"output": ["userid"], "filter": {"username": user}}, True),
        ("hostgroup.get", {"countOutput": True, "filter": {"name": group}}, True),
    ]


def run(server: Server, steps: list) -> list:
    login = server.call("user.login", {"username": "Admin", "password": server.password},
                        auth=False)
    server.auth = login["result"]
    results = []
    for method, params, auth in steps:
        if callable(params):
            try:
                params = params(results)
            except (KeyError, IndexError, TypeError):
                results.append({"skipped": "an earlier step failed"})
                continue
        results.append(server.call(method, params, auth))
    server.call("user.logout", [])
    return results


def main(argv) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    real_password = os.environ.get("PM_REAL_ZABBIX_PASSWORD")
    if not real_password:
        print("compare.py: PM_REAL_ZABBIX_PASSWORD is not set (source zabbixrc)",
              file=sys.stderr)
        return 2
    tag = "%08x" % random.SystemRandom().getrandbits(32)
    steps = scenario(tag)
    sim = run(Server(argv[1], os.environ.get("ZABBIX_SIM_PASSWORD", "zabbix")), steps)
    real = run(Server(argv[2], real_password), steps)
    differ = 0
    sim_ids, real_ids = {}, {}
    for (method, _, _), mine, theirs in zip(steps, sim, real):
        mine = normalise(mine, sim_ids)
        theirs = normalise(theirs, real_ids)
        mine.pop("id", None)
        theirs.pop("id", None)
        text = json.dumps(mine, sort_keys=True).replace(tag, "TAG")
        same = text == json.dumps(theirs, sort_keys=True).replace(tag, "TAG")
        print(f"{'same  ' if same else 'DIFFER'} {method}")
        if not same:
            differ += 1
            other = json.dumps(theirs, sort_keys=True).replace(tag, "TAG")
            at = next((i for i, (a, b) in enumerate(zip(text, other)) if a != b), 0)
            print(f"   sim:  …{text[max(0, at - 200):at + 300]}")
            print(f"   real: …{other[max(0, at - 200):at + 300]}")
    print(f"{len(steps) - differ} of {len(steps)} answers alike")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
