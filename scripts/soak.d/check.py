"""The soak's global invariants, as pure functions of a collected end state (a dict, see
soak.py collect()), so that test_check.py can feed each one a violating state.

Every check returns a list of problems (strings); empty means it holds."""
import math
import re

LIVE_VPS = ("active", "suspended", "pool")
GONE = ("closed", "deleted")
# Where each kind of VDC object lives in OpenStack (remote_objects): a router interface is
# its Neutron port.
REMOTE_KIND = {"vm": "servers", "volume": "volumes", "network": "networks",
               "router": "routers", "router_interface": "ports",
               "loadbalancer": "loadbalancers"}
INTERFACE = "network:router_interface"
# The simulators' login requests (soak.py LOGIN): VMmanager 6, Keystone.
LOGIN_PATHS = ("/auth/v4/public/token", "/identity/v3/auth/tokens")


def _remote_key(kind: str, obj: dict):
    """What makes a remote object a second one of the same thing: its name in its project
    (each object's remote name is its own), and for a router interface its router and
    subnet (Neutron allows one port of a router on a subnet)."""
    if kind == "ports":
        return ("router", obj["device"], "subnet", obj["subnet_id"])
    return (obj["project_id"], obj["name"])


def _counted(kind: str, obj: dict) -> bool:
    """The remote objects the duplicate and orphan checks count as billing objects: all
    but the ports other than router interfaces (those belong to their device)."""
    return kind != "ports" or obj["owner"] == INTERFACE


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
            if not _counted(kind, obj):
                continue
            key = _remote_key(kind, obj)
            if key in names:
                what = (f"on router {obj['device']} and subnet {obj['subnet_id']}"
                        if kind == "ports" else
                        f"share the name {obj['name']} in project {obj['project_id']}")
                problems.append(f"OpenStack {kind} {names[key]} and {obj['id']} {what}")
            names[key] = obj["id"]
    holders = {}
    for obj in world["objects"]:
        if obj["status"] in GONE or not obj.get("external_id"):
            continue
        if obj["external_id"] in holders:
            problems.append(f"{obj['type']} objects {holders[obj['external_id']]} and "
                            f"{obj['id']} both hold {obj['external_id']}")
        holders[obj["external_id"]] = obj["id"]
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
    subnets = {o["params"].get("subnet_id") for o in world["objects"]
               if o["status"] == "active" and o["type"] == "network"}
    remote = world["remote_objects"]
    devices = {"server": {o["id"] for o in remote.get("servers", [])},
               "router": {o["id"] for o in remote.get("routers", [])},
               "loadbalancer": {f"lb-{o['id']}" for o in remote.get("loadbalancers", [])}}
    for kind, objects in remote.items():
        for obj in objects:
            if obj["project_id"] in world["fixture_projects"]:
                continue
            if kind == "subnets":
                if obj["id"] not in subnets:
                    problems.append(f"OpenStack subnet {obj['id']} ({obj['name']}) is the "
                                    f"subnet of no active network object")
            elif kind == "ports" and obj["owner"] != INTERFACE:
                device = ("server" if obj["owner"].startswith("compute:") else
                          "router" if obj["owner"] == "network:router_gateway" else
                          "loadbalancer" if obj["owner"] == "Octavia" else None)
                if device is None or obj["device"] not in devices[device]:
                    problems.append(f"OpenStack port {obj['id']} ({obj['owner'] or 'no owner'}"
                                    f") belongs to no {device or 'device'}: "
                                    f"{obj['device'] or 'none'}")
            elif obj["id"] not in live:
                problems.append(f"OpenStack {kind} {obj['id']} ({obj['name']}) belongs to no "
                                f"active VDC object")
    for obj in world["objects"]:
        if not obj.get("ordered", True):
            # vdc_sync_all adds what OpenStack holds and the store does not know: an object
            # some run made behind the store's back (origin=sync).
            problems.append(f"{obj['type']} object {obj['id']} was never ordered: the sync "
                            f"added it (origin={obj['params'].get('origin')}) for "
                            f"{obj['external_id']}")
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
        if vdc["status"] in ("active", "suspended") and project is not None:
            problems += _limits_agree(vdc, project)
    problems += _objects_agree(world)
    return problems


def _limits_agree(vdc: dict, project: dict) -> list:
    """The limits the billing platform wants (tariff, item overrides) are what OpenStack
    enforces and what the module recorded (limit_<name>)."""
    problems = []
    for name, wanted in sorted(vdc.get("limits", {}).items()):
        enforced = project.get("quotas", {}).get(name)
        if enforced != wanted:
            problems.append(f"VDC {vdc['id']} wants {name} {wanted} but project "
                            f"{project['id']} enforces {enforced}")
        recorded = vdc.get("recorded", {}).get(name)
        if recorded is not None and recorded != enforced:
            problems.append(f"VDC {vdc['id']} records limit_{name} {recorded} but project "
                            f"{project['id']} enforces {enforced}")
    return problems


def _objects_agree(world: dict) -> list:
    """Each VDC object against OpenStack: an active one exists in its VDC's project, in the
    state its VDC promises (a suspended VDC's servers stopped, an active one's running —
    pmopenstack's suspend stops them, resume starts them), on the objects its params name;
    a closed or deleted one is gone."""
    problems = []
    remote = {kind: {o["id"]: o for o in objects}
              for kind, objects in world["remote_objects"].items()}
    vdcs = {v["id"]: v for v in world["vdcs"]}
    objects = {o["id"]: o for o in world["objects"]}

    def ref(obj, param):
        other = objects.get(int(obj["params"][param])) if obj["params"].get(param) else None
        return other or {"external_id": None, "params": {}}

    for obj in world["objects"]:
        kind = REMOTE_KIND.get(obj["type"], "")
        there = remote.get(kind, {}).get(obj.get("external_id") or "")
        what = f"{obj['type']} object {obj['id']}"
        vdc = vdcs.get(obj.get("item_id"), {})
        if obj["status"] in GONE:
            if there is not None:
                problems.append(f"{what} is {obj['status']} but {kind} {there['id']} exists")
            continue
        if obj["status"] != "active":
            continue
        if vdc.get("status") in GONE:
            problems.append(f"{what} is active but its VDC {vdc['id']} is {vdc['status']}")
        if there is None:
            problems.append(f"{what} is active but {obj['external_id']} does not exist")
            continue
        if obj["type"] != "router_interface" and there["project_id"] != vdc.get("project_id"):
            problems.append(f"{what}: {kind} {there['id']} is in project "
                            f"{there['project_id']}, not its VDC's {vdc.get('project_id')}")
        p = obj["params"]
        if obj["type"] == "vm":
            want = {"active": "active", "suspended": "stopped"}.get(vdc.get("status"))
            if want and (there["state"] != want or there.get("task")):
                problems.append(f"{what}: VDC {vdc['id']} is {vdc['status']} but server "
                                f"{there['id']} is {there['state']}"
                                + (f" ({there['task']})" if there.get("task") else ""))
            net = ref(obj, "network")["external_id"]
            if p.get("network") and net not in there.get("networks", []):
                problems.append(f"{what}: server {there['id']} has no port on network {net}")
        elif obj["type"] == "volume" and there.get("status") not in ("available", "in-use"):
            problems.append(f"{what}: volume {there['id']} is {there.get('status')}")
        elif obj["type"] == "network":
            subnet = remote.get("subnets", {}).get(p.get("subnet_id") or "")
            if subnet is None or subnet["network_id"] != there["id"]:
                problems.append(f"{what}: subnet {p.get('subnet_id')} of network "
                                f"{there['id']} does not exist there")
        elif obj["type"] == "router":
            if there.get("gateway") != (p.get("external", "on") != "off"):
                problems.append(f"{what}: router {there['id']} has gateway="
                                f"{there.get('gateway')}, external={p.get('external', 'on')}")
        elif obj["type"] == "router_interface":
            router = ref(obj, "router")["external_id"] if p.get("router") else p.get("router_id")
            subnet = (ref(obj, "network")["params"].get("subnet_id") if p.get("network")
                      else p.get("subnet_id"))
            if (there["owner"] != INTERFACE or there["device"] != router
                    or there["subnet_id"] != subnet):
                problems.append(f"{what}: port {there['id']} is {there['owner']} of "
                                f"{there['device']} on subnet {there['subnet_id']}, not an "
                                f"interface of router {router} on subnet {subnet}")
        elif obj["type"] == "loadbalancer":
            subnet = ref(obj, "network")["params"].get("subnet_id")
            if there.get("status") != "ACTIVE" or (p.get("network") and
                                                   there.get("subnet_id") != subnet):
                problems.append(f"{what}: load balancer {there['id']} is {there.get('status')}"
                                f" on subnet {there.get('subnet_id')}, not ACTIVE on {subnet}")
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


def _in_cron(start: float, crons) -> bool:
    return any(begin <= start <= end for begin, end in crons)


_PID = re.compile(r"\(pid (\d+)\)")


def process_of(entry: dict):
    """The module process that sent a request, from the User-Agent the simulator logged
    (common/'s HTTP client sends `pm/VERSION (pid N)`), or None when it does not say."""
    found = _PID.search(entry.get("agent") or "")
    return int(found.group(1)) if found else None


def _merged(spans: list) -> list:
    """Overlapping (start, end, what) spans of one process as one span each."""
    merged = []
    for start, end, what in sorted(spans, key=lambda s: s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end), merged[-1][2])
        else:
            merged.append((start, end, what))
    return merged


def peak_in_flight(requests: list, kills: list, crons=()) -> tuple:
    """The most processes that had a request in flight at once, from a simulator's request
    log: every entry has its start (`time`, wall seconds), its duration (`ms`) and the
    process that sent it (process_of). A module process talks only while it holds its queue
    slot (DESIGN §6: the slot is taken before the session), so processes with a request in
    flight never outnumber the operations holding a slot. One process may send several
    requests at once (pm::run_together): they count once. A request whose sender is unknown
    counts on its own. A sampling measure: the simulators answer in 1-3 ms and the modules
    poll every 50 ms, so the requests of two slot holders rarely meet; peak_holders is the
    strong check. The cron jobs' windows are left out: they run alone between the waves,
    vdc_sync_all with several listing workers at once, without a slot."""
    by_process = {}
    for entry in requests:
        start = entry["time"]
        if _in_cron(start, crons):
            continue
        end = start + entry["ms"] / 1000.0
        if _in_flight_at_kill(start, end, kills) is None:
            key = process_of(entry) or ("request", entry["seq"])
            by_process.setdefault(key, []).append((start, end, entry))
    return _peak([span for spans in by_process.values() for span in _merged(spans)])


def peak_holders(requests: list, kills: list, crons: list) -> tuple:
    """The most module processes that were talking to a simulator at once, from its request
    log: a process talks only while it holds its queue slot, so a process is busy from its
    first request's start to its last request's end, and processes busy at once never
    outnumber the slot holders. A request names its process (process_of). Where it does
    not, the process is told by the connection that brought the request (`conn`), with
    requests one after another: a process keeps one connection (libcurl keep-alive), with
    one exception: common/'s HTTP client sends every request that must never be repeated (a
    create's POST, a PATCH) on a fresh connection (http_client.cpp, fresh_connection), which
    libcurl then keeps too and may go on using (after the old one dropped a reply). So a
    connection whose first request is such a POST or PATCH (not a login: that opens a
    process's first connection) is taken for a side connection of the process that sat
    idle at that moment — busy, but without a request in flight then; when several did, the
    one idle the longest is not chosen: the one whose last request ended latest is (a
    process sends its next request at once). Without such a process it is one of its own.
    A process killed with a request in flight frees its slot at the kill, so that request
    ends at the kill. The cron jobs run alone between the waves (several workers'
    connections at once, no slot): their windows (start, end) are left out.
    Returns (peak, (which process, its first entry))."""
    named, conns = {}, {}
    for entry in requests:
        start = entry["time"]
        if _in_cron(start, crons):
            continue
        end = start + entry["ms"] / 1000.0
        kill = _in_flight_at_kill(start, end, kills)
        if kill is not None:
            end = max(start, kill)
        pid = process_of(entry)
        if pid is not None:
            named.setdefault(pid, []).append((start, end, entry))
        else:
            conns.setdefault(entry.get("conn"), []).append((start, end, entry))
    processes = []   # [first, last, [(start, end)], (conn, head)]
    for pid, spans in named.items():
        spans.sort(key=lambda s: s[0])
        processes.append([spans[0][0], max(e for _, e, _ in spans),
                          [(s, e) for s, e, _ in spans], (f"process {pid}", spans[0][2])])
    for conn, spans in sorted(conns.items(), key=lambda kv: kv[1][0][0]):
        start, end, head = spans[0]
        owner = None
        if head["method"] in ("POST", "PATCH") and head["path"] not in LOGIN_PATHS:
            idle = [p for p in processes if p[0] <= start <= p[1]
                    and not any(s < end and start < e for s, e in p[2])]
            owner = max(idle, key=lambda p: max(e for s, e in p[2] if s <= start),
                        default=None)
        if owner is None:
            owner = [start, end, [], (f"connection {conn}", head)]
            processes.append(owner)
        owner[0] = min(owner[0], start)
        owner[1] = max(owner[1], max(e for _, e, _ in spans))
        owner[2] += [(s, e) for s, e, _ in spans]
    return _peak([(first, last, at) for first, last, _, at in processes])


def queue_limits_kept(world: dict) -> list:
    problems = []
    for sim, limit in world["queue_limits"].items():
        peak, entry = peak_in_flight(world["requests"][sim], world["kills"][sim],
                                     world["crons"][sim])
        if peak > limit:
            problems.append(f"{sim}: {peak} requests in flight at once (queue_count {limit}), "
                            f"e.g. seq {entry['seq']} {entry['method']} {entry['path']}")
        holders, at = peak_holders(world["requests"][sim], world["kills"][sim],
                                   world["crons"][sim])
        if holders > limit:
            which, head = at
            problems.append(f"{sim}: {holders} processes talking at once (queue_count "
                            f"{limit}), e.g. {which} from seq {head['seq']} "
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
