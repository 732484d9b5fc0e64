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


def _peak(spans: list) -> tuple:
    """The most spans (start, end, what) open at once, and one of them at that moment. Both ends
    are pulled in by 0.6 ms: the simulators' logs round start times to 1 ms, and a hand-over
    from one slot holder to the next (store write, unlock, wake-up, the next request) takes
    longer than that; spans shorter than 1.2 ms are left out."""
    events = []
    for start, end, what in spans:
        if end - start <= 0.0012:
            continue
        events.append((start + 0.0006, 1, what))
        events.append((end - 0.0006, -1, what))
    events.sort(key=lambda e: (e[0], e[1]))
    peak, now, at = 0, 0, None
    for when, step, what in events:
        now += step
        if now > peak:
            peak, at = now, what
    return peak, at


def _in_flight_at_kill(start: float, end: float, kills: list):
    """The first SIGKILL while a request (start, end) was in flight, or None: the simulator
    carries such a request on after the process died and its queue slot was freed (flock),
    which is correct behaviour."""
    return next((kill for kill in kills if start - 0.001 <= kill <= end + 0.002), None)


def peak_in_flight(requests: list, kills: list) -> tuple:
    """The most requests a simulator had in flight at once, from its request log: every entry
    has its start (`time`, wall seconds) and duration (`ms`). A module process sends its
    requests one after another and only while it holds its queue slot (DESIGN §6: the slot
    is taken before the session), so requests in flight at once never outnumber the
    operations holding a slot. A sampling measure: the simulators answer in 1-3 ms and the
    modules poll every 50 ms, so the requests of two slot holders rarely meet (a run with the
    store's queue_count raised to 8 still saw at most 1); peak_holders is the strong check."""
    spans = []
    for entry in requests:
        start = entry["time"]
        end = start + entry["ms"] / 1000.0
        if _in_flight_at_kill(start, end, kills) is None:
            spans.append((start, end, entry))
    return _peak(spans)


def peak_holders(requests: list, kills: list, crons: list) -> tuple:
    """The most module processes that were talking to a simulator at once, from its request
    log: each entry names the connection that brought it (`conn`), and a process keeps one
    connection (libcurl keep-alive; a new one after a dropped reply, never two at once) and
    talks only while it holds its queue slot — so a connection is busy from its first
    request's start to its last request's end, and connections busy at once never outnumber
    the slot holders. A process killed with a request in flight frees its slot at the kill,
    so that connection ends at the kill. The cron jobs run alone between the waves (several
    workers' connections at once, no slot): their windows (start, end) are left out.
    Returns (peak, (conn, first entry))."""
    busy = {}
    for entry in requests:
        start = entry["time"]
        if any(begin <= start <= end for begin, end in crons):
            continue
        end = start + entry["ms"] / 1000.0
        kill = _in_flight_at_kill(start, end, kills)
        if kill is not None:
            end = max(start, kill)
        conn = entry.get("conn")
        first, last, head = busy.get(conn, (start, end, entry))
        busy[conn] = (min(first, start), max(last, end), head)
    return _peak([(first, last, (conn, head)) for conn, (first, last, head) in busy.items()])


def queue_limits_kept(world: dict) -> list:
    problems = []
    for sim, limit in world["queue_limits"].items():
        peak, entry = peak_in_flight(world["requests"][sim], world["kills"][sim])
        if peak > limit:
            problems.append(f"{sim}: {peak} requests in flight at once (queue_count {limit}), "
                            f"e.g. seq {entry['seq']} {entry['method']} {entry['path']}")
        holders, at = peak_holders(world["requests"][sim], world["kills"][sim],
                                   world["crons"][sim])
        if holders > limit:
            conn, head = at
            problems.append(f"{sim}: {holders} processes talking at once (queue_count "
                            f"{limit}), e.g. connection {conn} from seq {head['seq']} "
                            f"{head['method']} {head['path']}")
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
