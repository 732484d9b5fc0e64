"""The JSON the API answers with, built from the model. Field sets follow the API notes;
fields they do not mention are [guess]es kept few and plausible. FIELDS lists, per
collection, what a where= filter may name."""
import time

FIELDS = {
    "account": {"id", "email", "roles", "state"},
    "host": {"id", "name", "state", "domain", "comment", "ip4", "ip6", "node", "cluster",
             "account", "disk", "cpu_number", "ram_mib", "net_bandwidth_mbitps", "os",
             "os_name", "ipv6_enabled", "disabled", "tags"},
    "task": {"id", "consul_id", "name", "status", "output", "host_id", "registration_time",
             "update_time", "defer_reason", "running_time", "waiting_time"},
    "cluster": {"id", "name", "virtualization_type", "ippools"},
    "node": {"id", "name", "ip_addr", "state", "cluster", "host_count"},
    "os": {"id", "name", "state", "repository", "clusters", "os_group", "comment"},
    "preset": {"id", "name", "cpu_number", "ram_mib", "hdd_mib", "net_bandwidth_mbitps"},
    "recipe": {"id", "name", "description", "params"},
    "ippool": {"id", "name", "ranges", "gateway", "mask", "clusters", "total", "free"},
    "ipv4": {"id", "ip_addr", "domain", "gateway", "mask", "ippool", "interface", "family"},
}


def listing(items: list, state) -> dict:
    return {"list": items, "size": len(items), "last_notify": state.notify}


def account(a) -> dict:
    return {"id": a.id, "email": a.email, "roles": list(a.roles), "state": a.state}


def cluster(state, c: dict) -> dict:
    pools = [{"id": p["id"], "name": state.pools.pools[p["id"]].name,
              "interface": p["interface"]} for p in c["ippools"]]
    return {"id": c["id"], "name": c["name"], "virtualization_type": c["virtualization_type"],
            "ippools": pools}


def _cluster_ref(state, cluster_id: int) -> dict:
    c = state.clusters[cluster_id]
    return {"id": c["id"], "name": c["name"], "virtualization_type": c["virtualization_type"]}


def node(state, n: dict) -> dict:
    hosts = sum(1 for h in state.hosts.values() if h.node_id == n["id"])
    return {"id": n["id"], "name": n["name"], "ip_addr": n["ip_addr"], "state": n["state"],
            "cluster": {"id": n["cluster"], "name": state.clusters[n["cluster"]]["name"]},
            "host_count": hosts}


def os_template(state, o: dict) -> dict:
    """An OS list item (§5 [likely S, GA]). os_clusters knob: "objects" [{id,name}], "ids"
    [1,2], "object" (one {id,name} when the OS has one cluster, S's typing, §6.16).
    nullable_fields "on": comment, cpu_mode, kms_ip, product_key are null (§6.16)."""
    clusters = [{"id": c, "name": state.clusters[c]["name"]} for c in o["clusters"]]
    mode = state.config.os_clusters
    if mode == "ids":
        clusters = [c["id"] for c in clusters]
    elif mode == "object" and len(clusters) == 1:
        clusters = clusters[0]
    nulls = state.config.nullable_fields == "on"
    return {"id": o["id"], "name": o["name"], "state": "active",
            "repository": o["repository"], "clusters": clusters,
            "os_group": o["name"].split()[0].lower(), "tags": [], "adminonly": False,
            "comment": None if nulls else "", "cpu_mode": None if nulls else "default",
            "kms_ip": None if nulls else "", "product_key": None if nulls else ""}


def ippool(state, pool_id: int) -> dict:
    pool = state.pools.pools[pool_id]
    clusters = [{"id": c["id"], "interface": p["interface"]}
                for c in state.clusters.values() for p in c["ippools"] if p["id"] == pool_id]
    return {"id": pool.id, "name": pool.name, "ranges": [pool.range_text()],
            "gateway": pool.gateway, "mask": pool.mask, "clusters": clusters,
            "total": pool.size(), "free": pool.free()}


def host_full(state, h) -> dict:
    """An item of GET /vm/v3/host (the list form, §4.2): what W/G read [sure] and S/GA type
    [likely]. os.name besides os_name is a [guess] (the reference shows os:{id})."""
    owner = state.accounts.get(h.account_id)
    n = state.nodes[h.node_id]
    os_name = state.os[h.os_id]["name"]
    return {"id": h.id, "name": h.name, "state": h.state, "domain": h.domain,
            "comment": h.comment,
            "ip4": [{"ip": ip.address, "interface": f"eth{ip.interface}"} for ip in h.ips],
            "ip6": [],
            "cluster": _cluster_ref(state, h.cluster_id),
            "node": {"id": n["id"], "name": n["name"], "ip_addr": n["ip_addr"]},
            "account": {"id": h.account_id, "email": owner.email if owner else ""},
            "os": {"id": h.os_id, "name": os_name}, "os_name": os_name,
            "os_group": os_name.split()[0].lower(),
            "disk": {"id": h.disk_id, "disk_mib": h.disk_mib, "disk_mib_new": h.disk_mib},
            "disk_count": 1,
            "cpu_number": h.cpu_number, "cpu_number_new": h.cpu_number,
            "ram_mib": h.ram_mib, "ram_mib_new": h.ram_mib,
            "net_bandwidth_mbitps": h.net_bandwidth_mbitps, "firewall_rules": [],
            "ipv6_enabled": h.ipv6_enabled, "uptime": 0, "disabled": False,
            "rescue_mode": False, "iso_mounted": False, "ip_automation": "default",
            "tags": []}


def host_reduced(state, h) -> dict:
    """GET /vm/v3/host/{id}: a flat object without IPs, cluster or disk [sure D-API]; the
    fields GA types, node an int [likely]."""
    return {"id": h.id, "internal_name": f"{h.id}_{h.name}", "node": h.node_id,
            "name": h.name, "state": h.state, "cpu_number": h.cpu_number,
            "ram_mib": h.ram_mib, "expand_part": False, "net_is_synced": True,
            "ip_automation": "default"}


def ipv4(state, ip, host) -> dict:
    """An item of GET /vm/v3/host/{id}/ipv4 (§4.6): G's fields [sure], the rest [likely S,
    GA]. The top-level "interface" (0 main network, 1 the second) is a simulator [guess]
    the module reads; the reference has host.interface and cluster_interface."""
    pool = state.pools.pools[ip.pool_id]
    return {"id": ip.id, "ip_addr": ip.address, "domain": ip.domain, "gateway": pool.gateway,
            "mask": pool.mask, "ippool": pool.id, "interface": ip.interface, "family": 4,
            "network": pool.id, "state": "active", "cluster_interface": ip.interface + 1,
            "host": {"id": host.id, "name": host.name, "interface": ip.interface + 1,
                     "interface_name": f"eth{ip.interface}"}}


def _wall(clock, t) -> str:
    if t is None:
        return None
    moment = clock.wall() - (clock.now() - t)
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(moment))


def _span(start, end, nulls: bool):
    if nulls or start is None or end is None:
        return None if nulls else 0
    return int(max(0.0, end - start))


def task(clock, t, config) -> dict:
    """A task list item: {id, consul_id, name, status, defer_reason} [likely GA] and
    running_time/waiting_time in seconds [likely Z], null with nullable_fields "on"
    (§6.8); output, host_id, registration_time, update_time are [guess]."""
    updated = t.finished if t.finished is not None else (t.started or t.registered)
    now = clock.now()
    nulls = config.nullable_fields == "on"
    return {"id": t.id, "consul_id": t.consul_id, "name": t.name, "status": t.status,
            "defer_reason": "host_stop" if t.status == "deferred" else "",
            "output": t.output, "host_id": t.host_id,
            "running_time": _span(t.started, t.finished if t.finished is not None else now,
                                  nulls),
            "waiting_time": _span(t.registered, t.started if t.started is not None else now,
                                  nulls),
            "registration_time": _wall(clock, t.registered),
            "update_time": _wall(clock, updated)}
