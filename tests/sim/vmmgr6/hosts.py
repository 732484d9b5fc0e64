"""Host creation and the checks every host operation shares.

Validation order follows what a careful API does: references (cluster, OS, preset,
account, node, recipes, pools) first, IP allocation last, so a refused request changes
nothing. Errors are raised as ApiError (see errors.py for the codes).
"""
from dataclasses import dataclass

from . import errors, fixtures
from .ippool import NoFreeIp
from .model import EXCLUSIVE_STATES, Host, Ip

RECIPE_TASK = "recipe_run"   # canonical; the name shown is the recipe_task_name knob


@dataclass
class Ctx:
    state: object
    now: float
    caller: object   # the authenticated Account


def get_host(state, host_id: int) -> Host:
    host = state.hosts.get(host_id)
    if host is None:
        raise errors.not_found("Host", host_id)
    return host


def check_not_busy(state, host: Host) -> None:
    """Refuses work on a host that is being created, deleted or reinstalled; with the
    busy_mode knob "reject", also while any task of the host is queued or running
    (default "queue": such tasks wait their turn, as consul queues them) [guess]."""
    if host.state in EXCLUSIVE_STATES:
        raise errors.busy(host.id, host.state)
    if state.config.busy_mode == "reject" and state.tasks.host_busy(host.id):
        raise errors.busy(host.id, "a task is running")


def check_usable(state, host: Host) -> None:
    check_not_busy(state, host)
    if host.state == "failed":
        raise errors.bad(errors.INVALID_STATE, f"Host {host.id} is in state failed",
                         id=host.id, state=host.state)


def resolve_os(state, body: dict, cluster_id: int) -> int:
    """The OS template of a create/reinstall body: os XOR image, available on the cluster."""
    if "os" in body and "image" in body:
        raise errors.bad(errors.PARAMS_CONFLICT, "Use either 'os' or 'image'")
    if "image" in body:   # images are not simulated: no image exists
        raise errors.missing_reference("image", body["image"])
    if "os" not in body:
        raise errors.bad(errors.MISSING_PROPERTY, "Missing required property 'os'",
                         property="os")
    template = state.os.get(body["os"])
    if template is None:
        raise errors.missing_reference("os", body["os"])
    if cluster_id not in template["clusters"]:
        raise errors.bad(errors.OS_NOT_AVAILABLE,
                         f"OS {template['id']} is not available on cluster {cluster_id}",
                         os=template["id"], cluster=cluster_id)
    return template["id"]


def check_recipe(state, recipe_id: int, params: list) -> dict:
    """A recipe run as {"recipe", "params": {name: value}}; every required parameter given."""
    recipe = state.recipes.get(recipe_id)
    if recipe is None:
        raise errors.missing_reference("recipe", recipe_id)
    given = {p["name"]: p["value"] for p in params or []}
    declared = {p["name"]: p for p in recipe["params"]}
    for name in given:
        if name not in declared:
            raise errors.bad(errors.INVALID_VALUE, f"Recipe {recipe_id} has no parameter "
                             f"'{name}'", recipe=recipe_id, param=name)
    for name, spec in declared.items():
        if spec["required"] and not given.get(name):
            raise errors.bad(errors.MISSING_PROPERTY, f"Recipe {recipe_id} needs parameter "
                             f"'{name}'", recipe=recipe_id, param=name)
    return {"recipe": recipe_id, "params": given}


def recipe_effect(host: Host, run: dict):
    def apply(t):
        host.recipes_run.append(run)
        if run["recipe"] == fixtures.HOSTNAME_RECIPE:
            host.hostname = run["params"]["HOSTNAME"]
    return apply


def _sizes(state, body: dict) -> tuple:
    """(cpu, ram, disk, bandwidth) from a preset XOR explicit values."""
    explicit = [k for k in ("cpu_number", "ram_mib", "hdd_mib", "disks") if k in body]
    if "preset" in body:
        if explicit:
            raise errors.bad(errors.PARAMS_CONFLICT, f"'preset' excludes {explicit}")
        preset = state.presets.get(body["preset"])
        if preset is None:
            raise errors.missing_reference("preset", body["preset"])
        return (preset["cpu_number"], preset["ram_mib"], preset["hdd_mib"],
                body.get("net_bandwidth_mbitps", preset["net_bandwidth_mbitps"]))
    if "hdd_mib" in body and "disks" in body:
        raise errors.bad(errors.PARAMS_CONFLICT, "Use either 'hdd_mib' or 'disks'")
    for name in ("cpu_number", "ram_mib", "hdd_mib"):
        if name not in body and not (name == "hdd_mib" and "disks" in body):
            raise errors.bad(errors.MISSING_PROPERTY, f"Missing required property '{name}' "
                             "(or 'preset')", property=name)
    disk = body["hdd_mib"] if "hdd_mib" in body else body["disks"][0]["size_mib"]
    return body["cpu_number"], body["ram_mib"], disk, body.get("net_bandwidth_mbitps", 0)


def _owner(state, body: dict, caller) -> int:
    if "account" not in body:
        return caller.id   # [guess] the caller owns a VM created without an account
    if body["account"] not in state.accounts:
        raise errors.missing_reference("account", body["account"])
    return body["account"]


def _node(state, body: dict, cluster_id: int) -> int:
    """The requested node, or the active node of the cluster with the fewest hosts."""
    if "node" in body:
        node = state.nodes.get(body["node"])
        if node is None or node["cluster"] != cluster_id:
            raise errors.missing_reference("node", body["node"])
        if node["state"] != "active":
            raise errors.bad(errors.INVALID_STATE, f"Node {node['id']} is {node['state']}",
                             node=node["id"])
        return node["id"]
    active = [n["id"] for n in state.nodes.values()
              if n["cluster"] == cluster_id and n["state"] == "active"]
    load = {n: sum(1 for h in state.hosts.values() if h.node_id == n) for n in active}
    return min(active, key=lambda n: (load[n], n))


def pool_ids(state, cluster_id: int, requested, interface: int) -> list:
    """Pools to allocate from: the requested ones (which must serve the cluster) or the
    cluster's pools for that interface."""
    linked = {p["id"] for p in state.clusters[cluster_id]["ippools"]}
    if not requested:
        return state.cluster_pools(cluster_id, interface)
    for pool_id in requested:
        if pool_id not in linked:
            raise errors.bad(errors.REFERENCE_NOT_FOUND, f"IP pool {pool_id} does not serve "
                             f"cluster {cluster_id}", ippool=pool_id, cluster=cluster_id)
    return list(requested)


def allocate_ips(state, plan: list) -> list:
    """plan: [(pool ids, count, interface)] → [Ip], all or nothing (NO_FREE_IP)."""
    taken = []
    try:
        for pools, count, interface in plan:
            for pool_id, address in state.pools.allocate(pools, count):
                taken.append(Ip(state.next_id("ip"), address, pool_id, interface))
    except NoFreeIp as error:
        for ip in taken:
            state.pools.release(ip.pool_id, ip.address)
        raise errors.bad(errors.NO_FREE_IP, f"No free IP addresses: {error}") from None
    return taken


def _ip_plan(state, body: dict, cluster_id: int) -> list:
    plan = [(pool_ids(state, cluster_id, body.get("ipv4_pool"), 0),
             body.get("ipv4_number", 1), 0)]   # [guess] one address unless told otherwise
    for iface in body.get("custom_interfaces", []):
        interface = 0 if iface.get("is_main_network") else 1
        pools = pool_ids(state, cluster_id, [iface["ippool"]], interface)
        plan.append((pools, iface.get("ip_count", 1), interface))
    return plan


def _recipe_runs(state, body: dict) -> list:
    runs = [check_recipe(state, item["recipe"], item.get("recipe_params"))
            for item in body.get("recipe_list", [])]
    if "recipe" in body:   # the older single-recipe form
        runs.append(check_recipe(state, body["recipe"], []))
    return runs


def create(ctx: Ctx, body: dict) -> dict:
    state = ctx.state
    cluster_id = body["cluster"]
    if cluster_id not in state.clusters:
        raise errors.missing_reference("cluster", cluster_id)
    os_id = resolve_os(state, body, cluster_id)
    cpu, ram, disk, bandwidth = _sizes(state, body)
    account_id = _owner(state, body, ctx.caller)
    node_id = _node(state, body, cluster_id)
    runs = _recipe_runs(state, body)
    ips = allocate_ips(state, _ip_plan(state, body, cluster_id))
    host = Host(state.next_id("host"), body["name"], cluster_id, node_id, account_id, os_id,
                cpu, ram, state.next_id("disk"), disk, bandwidth, body["password"],
                domain=body.get("domain", ""), comment=body.get("comment", ""),
                ipv6_enabled=body.get("ipv6_enabled", False), ips=ips, created=ctx.now)
    for ip in ips:
        ip.domain = host.domain
    state.hosts[host.id] = host
    return _start_creation(ctx, host, runs)


def _start_creation(ctx: Ctx, host: Host, runs: list) -> dict:
    def created(t):
        host.state = "active"

    tasks = ctx.state.tasks

    def failed(t):
        host.state = "failed"   # [guess] the VM stays, with its IPs, until deleted
        tasks.cancel_host(host.id, t, "host_create failed")

    task = tasks.submit("host_create", host.id, ctx.now, created, failed)
    recipe_tasks = [tasks.submit(RECIPE_TASK, host.id, ctx.now, recipe_effect(host, run))
                    for run in runs]
    return create_reply(ctx.state.config, host.id, task.consul_id,
                        [t.consul_id for t in recipe_tasks])


def create_reply(config, host_id: int, task: int, recipes: list) -> dict:
    """The create/reinstall answer per the create_reply knob (§2, §6.1-2): "sentinels" (0 and
    [] when there is no recipe, [likely]), "minimal" ({id,task}, the recipe fields only
    when a recipe runs) or "nulls" (null where sentinels has 0/[])."""
    answer = {"id": host_id, "task": task}
    if config.create_reply == "minimal":
        if recipes:
            answer.update(recipe_task=recipes[0], recipe_task_list=recipes)
        return answer
    none = 0 if config.create_reply == "sentinels" else None
    answer.update(recipe_task=recipes[0] if recipes else none,
                  recipe_task_list=recipes if recipes else ([] if none == 0 else None),
                  spice_task=none)
    return answer
