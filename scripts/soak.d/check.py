"""The soak's global invariants, as pure functions of a collected end state (a dict, see
soak.py collect()), so that test_check.py can feed each one a violating state.

Every check returns a list of problems (strings); empty means it holds."""
import math

LIVE_VPS = ("active", "suspended", "pool")
GONE = ("closed", "deleted")


def every_operation_done(world: dict) -> list:
    return [f"running operation {op['id']} ({op['command']}) is {op['status']}"
            + (f": {op['error']}" if op.get("error") else "")
            for op in world["ops"] if op["status"] != "done"]


def nothing_duplicated(world: dict) -> list:
    problems = []
    seen = {}
    for item in world["vps"]:
        if item["status"] in LIVE_VPS and item.get("vm_id"):
            if item["vm_id"] in seen:
                problems.append(f"VM {item['vm_id']} held by items {seen[item['vm_id']]} and "
                                f"{item['id']}")
            seen[item["vm_id"]] = item["id"]
    names = {}
    for host in world["hosts"]:
        if host["name"] in names:
            problems.append(f"VMmanager hosts {names[host['name']]} and {host['id']} share the "
                            f"name {host['name']}")
        names[host["name"]] = host["id"]
    names = {}
    for project in world["projects"]:
        if project["name"] in names:
            problems.append(f"OpenStack projects {names[project['name']]} and {project['id']} "
                            f"share the name {project['name']}")
        names[project["name"]] = project["id"]
    for kind, objects in world["remote_objects"].items():
        names = {}
        for obj in objects:
            key = (obj["project_id"], obj["name"])
            if key in names:
                problems.append(f"OpenStack {kind} {names[key]} and {obj['id']} share the name "
                                f"{obj['name']} in project {obj['project_id']}")
            names[key] = obj["id"]
    return problems


def nothing_orphaned(world: dict) -> list:
    problems = []
    held = {item["vm_id"] for item in world["vps"] if item["status"] in LIVE_VPS}
    for host in world["hosts"]:
        if str(host["id"]) not in held:
            problems.append(f"VMmanager host {host['id']} ({host['name']}) belongs to no live "
                            f"item")
    projects = {v["project_id"] for v in world["vdcs"] if v["status"] not in GONE}
    for project in world["projects"]:
        if project["id"] not in world["fixture_projects"] and project["id"] not in projects:
            problems.append(f"OpenStack project {project['id']} ({project['name']}) belongs to "
                            f"no live VDC")
    live = {o["external_id"] for o in world["objects"] if o["status"] == "active"}
    for kind, objects in world["remote_objects"].items():
        for obj in objects:
            if obj["project_id"] in world["fixture_projects"]:
                continue
            if obj["id"] not in live:
                problems.append(f"OpenStack {kind} {obj['id']} ({obj['name']}) belongs to no "
                                f"active VDC object")
    return problems


def store_and_remote_agree(world: dict) -> list:
    problems = []
    hosts = {str(h["id"]): h for h in world["hosts"]}
    for item in world["vps"]:
        host = hosts.get(item.get("vm_id") or "")
        if item["status"] in LIVE_VPS:
            if host is None:
                problems.append(f"item {item['id']} is {item['status']} but VM "
                                f"{item.get('vm_id')} does not exist")
            elif item["status"] == "suspended" and host["state"] != "stopped":
                problems.append(f"item {item['id']} is suspended but VM {host['id']} is "
                                f"{host['state']}")
            elif item["status"] == "active" and host["state"] != "active":
                problems.append(f"item {item['id']} is active but VM {host['id']} is "
                                f"{host['state']}")
        elif item["status"] in GONE and host is not None:
            problems.append(f"item {item['id']} is {item['status']} but VM {host['id']} exists")
    projects = {p["id"]: p for p in world["projects"]}
    for vdc in world["vdcs"]:
        project = projects.get(vdc.get("project_id") or "")
        if vdc["status"] in ("active", "suspended"):
            if project is None:
                problems.append(f"VDC {vdc['id']} is {vdc['status']} but project "
                                f"{vdc.get('project_id')} does not exist")
            elif project["enabled"] != (vdc["status"] == "active"):
                problems.append(f"VDC {vdc['id']} is {vdc['status']} but project "
                                f"{project['id']} has enabled={project['enabled']}")
        elif vdc["status"] in GONE and project is not None:
            problems.append(f"VDC {vdc['id']} is {vdc['status']} but project {project['id']} "
                            f"exists")
    remote = {o["id"] for objects in world["remote_objects"].values() for o in objects}
    for obj in world["objects"]:
        if obj["status"] == "active" and obj["external_id"] not in remote:
            problems.append(f"{obj['type']} object {obj['id']} is active but "
                            f"{obj['external_id']} does not exist")
        if obj["status"] in GONE and obj["external_id"] in remote:
            problems.append(f"{obj['type']} object {obj['id']} is {obj['status']} but "
                            f"{obj['external_id']} exists")
    return problems


def peak_in_flight(requests: list, kills: list) -> tuple:
    """The most requests a simulator had in flight at once, from its request log: every entry
    has its start (`time`, wall seconds) and duration (`ms`). A module process sends its
    requests one after another and only while it holds its queue slot (DESIGN §6: the slot
    is taken before the session), and the cron jobs run alone between the waves, so requests
    in flight at once never outnumber the operations holding a slot. A request that was in
    flight when the soak SIGKILLed a process is left out: the simulator carries it on after
    the slot is freed (flock), which is correct behaviour. Both ends are pulled in by 0.6 ms:
    the log rounds start times to 1 ms; a hand-over from one process to the next (store write,
    unlock, wake-up, the next request) takes longer than that.
    Limitation: this is a sampling measure. The simulators answer in 1-3 ms and the modules
    poll tasks every 50 ms, so requests of two slot holders rarely overlap: a run with the
    store's queue_count raised to 8 (seed 1, 40 orders) still saw at most 1 in flight. It
    catches a queue that lets many operations through at once only when their requests meet
    (slow replies make that likelier); a per-process attribution of the requests would be
    the stronger check."""
    events = []
    for entry in requests:
        start = entry["time"]
        end = start + entry["ms"] / 1000.0
        if any(start - 0.001 <= kill <= end + 0.002 for kill in kills):
            continue
        if end - start <= 0.0012:
            continue
        events.append((start + 0.0006, 1, entry))
        events.append((end - 0.0006, -1, entry))
    events.sort(key=lambda e: (e[0], e[1]))
    peak, now, at = 0, 0, None
    for when, step, entry in events:
        now += step
        if now > peak:
            peak, at = now, entry
    return peak, at


def queue_limits_kept(world: dict) -> list:
    problems = []
    for sim, limit in world["queue_limits"].items():
        peak, entry = peak_in_flight(world["requests"][sim], world["kills"][sim])
        if peak > limit:
            problems.append(f"{sim}: {peak} requests in flight at once (queue_count {limit}), "
                            f"e.g. seq {entry['seq']} {entry['method']} {entry['path']}")
    return problems


def logins_within_session_period(world: dict) -> list:
    """Successful logins in each simulator's request log, grouped by scope (who logged in,
    to what: the log keeps the user and the masked body), against what the session cache
    allows (DESIGN §8): per scope one login per session period plus one after each session
    expiry the soak injected; over all scopes, one more per SIGKILLed process (it may die
    after logging in, before caching the session)."""
    problems = []
    for sim, info in world["logins"].items():
        periods = max(1, math.ceil(world["wall"] / info["ttl"]))
        each = periods + info["expiries"]
        excess = {scope: count - each for scope, count in info["scopes"].items()
                  if count > each}
        kills = len(world["kills"][sim])
        if sum(excess.values()) > kills:
            worst = max(excess, key=excess.get)
            problems.append(f"{sim}: {sum(excess.values())} login(s) beyond one per session "
                            f"period ({periods}) and expiry ({info['expiries']}) per scope, "
                            f"{kills} allowed for the kills; worst scope {worst}: "
                            f"{info['scopes'][worst]} logins")
    return problems


def no_secret_in_logs(world: dict) -> list:
    return [] if world["secret_scan"]["rc"] == 0 else [world["secret_scan"]["output"].strip()]


CHECKS = [
    ("every operation done", every_operation_done),
    ("nothing duplicated", nothing_duplicated),
    ("nothing orphaned", nothing_orphaned),
    ("store and remote side agree", store_and_remote_agree),
    ("queue limits never exceeded", queue_limits_kept),
    ("logins within the session period", logins_within_session_period),
    ("no secret in any log, output or store", no_secret_in_logs),
]


def run(world: dict) -> list:
    """[(name, problems)] for every invariant."""
    return [(name, check(world)) for name, check in CHECKS]
