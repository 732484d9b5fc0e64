"""The JSON the API answers with, built from the model. Field sets follow the API notes;
fields they do not mention are [guess]es kept few and plausible. FIELDS lists, per
collection, what a where= filter may name."""
import time

FIELDS = {
    "account": {"id", "email", "roles", "state"},
    "host": {"id", "name", "state", "domain", "comment", "ip4", "ip6", "node", "cluster",
             "account", "disk", "cpu_number", "ram_mib", "net_bandwidth_mbitps", "os",
             "ipv6_enabled"},
    "task": {"id", "consul_id", "name", "status", "output", "host_id", "registration_time",
             "update_time"},
    "cluster": {"id", "name", "virtualization_type", "ippools"},
    "node": {"id", "name", "ip_addr", "state", "cluster", "host_count"},
    "os": {"id", "name", "state", "repository", "clusters"},
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
    clusters = [{"id": c, "name": state.clusters[c]["name"]} for c in o["clusters"]]
    return {"id": o["id"], "name": o["name"], "state": "active",
            "repository": o["repository"], "clusters": clusters}


def ippool(state, pool_id: int) -> dict:
    pool = state.pools.pools[pool_id]
    clusters = [{"id": c["id"], "interface": p["interface"]}
                for c in state.clusters.values() for p in c["ippools"] if p["id"] == pool_id]
    return {"id": pool.id, "name": pool.name, "ranges": [pool.range_text()],
            "gateway": pool.gateway, "mask": pool.mask, "clusters": clusters,
            "total": pool.size(), "free": pool.free()}


def host_full(state, h) -> dict:
    answer = host_reduced(state, h)
    answer["ip4"] = [{"id": ip.id, "ip": ip.address} for ip in h.ips]
    answer["ip6"] = []
    answer["disk"] = {"id": h.disk_id, "disk_mib": h.disk_mib}
    return answer


def host_reduced(state, h) -> dict:
    """GET /vm/v3/host/{id}: no IPs, no disk (API notes)."""
    owner = state.accounts.get(h.account_id)
    n = state.nodes[h.node_id]
    return {"id": h.id, "name": h.name, "state": h.state, "domain": h.domain,
            "comment": h.comment, "node": {"id": n["id"], "name": n["name"]},
            "cluster": _cluster_ref(state, h.cluster_id),
            "account": {"id": h.account_id, "email": owner.email if owner else ""},
            "cpu_number": h.cpu_number, "ram_mib": h.ram_mib,
            "net_bandwidth_mbitps": h.net_bandwidth_mbitps,
            "os": {"id": h.os_id, "name": state.os[h.os_id]["name"]},
            "ipv6_enabled": h.ipv6_enabled}


def ipv4(state, ip) -> dict:
    pool = state.pools.pools[ip.pool_id]
    return {"id": ip.id, "ip_addr": ip.address, "domain": ip.domain, "gateway": pool.gateway,
            "mask": pool.mask, "ippool": pool.id, "interface": ip.interface, "family": 4}


def _wall(clock, t) -> str:
    if t is None:
        return None
    moment = clock.wall() - (clock.now() - t)
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(moment))


def task(clock, t) -> dict:
    updated = t.finished if t.finished is not None else (t.started or t.registered)
    return {"id": t.id, "consul_id": t.consul_id, "name": t.name, "status": t.status,
            "output": t.output, "host_id": t.host_id,
            "registration_time": _wall(clock, t.registered),
            "update_time": _wall(clock, updated)}
