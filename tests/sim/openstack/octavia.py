"""Octavia v2 (load balancer), served under both /v2 and /v2.0: load balancers
(PENDING_CREATE → ACTIVE | ERROR, 409 while PENDING_*, DELETE → PENDING_DELETE → gone), each
with a VIP port in Neutron, and quotas (limits only; PUT answers 202)."""

from . import errors, netops, quotas, timefmt
from .collection import take
from .model import LoadBalancer
from .paging import octavia_links

SERVICE = "load-balancer"
CREATE_KEYS = {"name", "description", "vip_subnet_id", "vip_network_id", "vip_port_id",
               "vip_address", "project_id", "tenant_id", "admin_state_up", "provider",
               "flavor_id", "availability_zone", "tags", "listeners", "pools",
               "vip_qos_policy_id", "additional_vips"}
FILTERS = {"id", "name", "description", "project_id", "provisioning_status",
           "operating_status", "vip_subnet_id", "vip_network_id", "vip_port_id",
           "vip_address", "provider", "admin_state_up"}
QUOTA_KEYS = {"loadbalancer": "load_balancer", "load_balancer": "load_balancer",
              "listener": "listener", "member": "member", "pool": "pool",
              "healthmonitor": "health_monitor", "health_monitor": "health_monitor",
              "l7policy": "l7policy", "l7rule": "l7rule"}


def _error(status: int, message: str):
    return errors.octavia(status, message)


def lb_view(ctx, lb) -> dict:
    return {"id": lb.id, "name": lb.name, "description": lb.description,
            "provisioning_status": lb.provisioning_status,
            "operating_status": lb.operating_status, "admin_state_up": lb.admin_state_up,
            "project_id": lb.project_id, "tenant_id": lb.project_id,
            "created_at": timefmt.plain(lb.created_at),
            "updated_at": timefmt.opt(timefmt.plain, lb.updated_at),
            "vip_address": lb.vip_address, "vip_port_id": lb.vip_port_id,
            "vip_subnet_id": lb.vip_subnet_id, "vip_network_id": lb.vip_network_id,
            "vip_qos_policy_id": None,
            "listeners": [{"id": listener["id"]} for listener in lb.listeners], "pools": [],
            "provider": lb.provider, "flavor_id": lb.flavor_id,
            "availability_zone": lb.availability_zone, "tags": list(lb.tags),
            "additional_vips": []}


def _find(ctx, ident) -> LoadBalancer:
    lb = ctx.state.loadbalancers.get(ident)
    if lb is None or (not ctx.is_admin and lb.project_id != ctx.project_id):
        raise _error(404, f"Load Balancer {ident} not found.")
    return lb


def _immutable(lb):
    """A child (listener) of a PENDING_* load balancer: 409 (real Zed)."""
    if lb.provisioning_status.startswith("PENDING_"):
        raise _error(409, f"Load Balancer {lb.id} is immutable and cannot be updated.")


def _pending(lb):
    """PUT or DELETE of a PENDING_* load balancer itself: 409 (real Zed, FINDINGS §1
    item 16)."""
    if lb.provisioning_status.startswith("PENDING_"):
        raise _error(409, f"Invalid state {lb.provisioning_status} of loadbalancer resource "
                          f"{lb.id}")


def _limit(ctx):
    raw = ctx.request.query.get("limit")
    cap = ctx.config.page_cap
    if raw is None:
        return cap
    try:
        value = int(raw)
    except ValueError:
        if raw == "infinite":
            return cap
        raise _error(400, f"Supplied pagination limit '{raw}' is not valid.") from None
    return cap if value < 1 else min(value, cap)


def lb_list(ctx):
    query = ctx.request.query
    filters = {k: v for k, v in query.items()
               if k not in ("limit", "marker", "sort", "sort_key", "sort_dir", "fields",
                            "page_reverse")}
    if set(filters) - FILTERS:
        raise _error(400, "One or more arguments are either duplicate or invalid")
    project = filters.pop("project_id", None)
    if not ctx.is_admin:
        if project not in (None, ctx.project_id):
            raise _error(403, "Policy does not allow this request to be performed.")
        project = ctx.project_id
    limit = _limit(ctx)
    marker = query.get("marker")
    after = None
    if marker:
        after = ctx.state.loadbalancers.marker_key(marker)
        if after is None:
            raise _error(400, f"Supplied pagination marker '{marker}' is not valid.")

    def keep(lb):
        view = lb_view(ctx, lb)
        return all(str(view.get(k)) == v if not isinstance(view.get(k), bool)
                   else str(view[k]).lower() == v.lower() for k, v in filters.items())
    chosen, more = take(ctx.state.loadbalancers.walk(project, after), limit,
                        keep if filters else None)
    items = [lb_view(ctx, lb) for lb in chosen]
    links = octavia_links(ctx, ctx.request.path, items, limit, marker, more)
    return 200, {"loadbalancers": items, "loadbalancers_links": links}


def lb_get(ctx, id):
    return 200, {"loadbalancer": lb_view(ctx, _find(ctx, id))}


def _vip(ctx, spec):
    state = ctx.state
    if spec.get("vip_subnet_id"):
        subnet = state.subnets.get(spec["vip_subnet_id"])
        if subnet is None:
            raise _error(400, f"Validation failure: Subnet {spec['vip_subnet_id']} not "
                              "found.")
        return state.networks.get(subnet.network_id), subnet
    if spec.get("vip_network_id"):
        network = state.networks.get(spec["vip_network_id"])
        if network is None:
            raise _error(400, f"Validation failure: Network {spec['vip_network_id']} not "
                              "found.")
        if not network.subnet_ids:
            raise _error(400, "Validation failure: Supplied network does not contain a "
                              "subnet.")
        return network, state.subnets.get(network.subnet_ids[0])
    raise _error(400, "Validation failure: VIP must contain one of: vip_port_id, "
                      "vip_network_id, vip_subnet_id.")


def lb_create(ctx):
    spec = ctx.request.json_object().get("loadbalancer")
    if not isinstance(spec, dict):
        raise _error(400, "Missing mandatory field/attribute loadbalancer")
    unknown = sorted(set(spec) - CREATE_KEYS)
    if unknown:
        raise _error(400, f"Invalid input for field/attribute loadbalancer. Value: "
                          f"'{spec}'. Unknown attribute for argument loadbalancer: "
                          f"{unknown[0]}")
    for key in ("name", "description", "vip_subnet_id", "vip_network_id", "vip_address"):
        if spec.get(key) is not None and not isinstance(spec[key], str):
            raise _error(400, f"Invalid input for field/attribute {key}. Value: "
                              f"'{spec[key]}'. Value should be string")
    if spec.get("tags") is not None and not isinstance(spec["tags"], list):
        raise _error(400, f"Invalid input for field/attribute tags. Value: '{spec['tags']}'.")
    project = spec.get("project_id") or spec.get("tenant_id") or ctx.project_id
    if project != ctx.project_id and not ctx.is_admin:
        raise _error(403, "Policy does not allow this request to be performed.")
    network, subnet = _vip(ctx, spec)
    limit = quotas.limits(ctx.state, SERVICE, project)["load_balancer"]
    if limit != -1 and ctx.state.loadbalancers.count(project) >= limit:
        raise _error(403, "Quota has been met for resources: Load Balancer")
    state = ctx.state
    ident = state.new_uuid()
    port = netops.create_port(state, ctx.wall, network, project, f"lb-{ident}", "Octavia",
                              subnet, spec.get("vip_address"), f"octavia-lb-{ident}",
                              status="DOWN")
    lb = LoadBalancer(ident, spec.get("name") or "", project, subnet.id, network.id, port.id,
                      port.fixed_ips[0]["ip_address"] if port.fixed_ips else None,
                      state.next_seq(), ctx.wall, description=spec.get("description") or "",
                      admin_state_up=spec.get("admin_state_up", True),
                      provider=spec.get("provider") or "amphora",
                      flavor_id=spec.get("flavor_id"),
                      availability_zone=spec.get("availability_zone"),
                      tags=list(spec.get("tags") or []))
    state.loadbalancers.add(lb)
    failure = ctx.config.take_failure("lb_create")
    _transition(ctx, lb, "lb_create", "ERROR" if failure else "ACTIVE",
                "OFFLINE" if failure else "ONLINE")
    return 201, {"loadbalancer": lb_view(ctx, lb)}


def _transition(ctx, lb, kind: str, status: str, operating: str) -> None:
    state = ctx.state

    def done(when):
        lb.event, lb.updated_at = None, state.wall_of(when)
        if status is None:
            port = state.ports.get(lb.vip_port_id)
            if port is not None:
                netops.delete_port(state, port)
            state.loadbalancers.remove(lb)
            return
        lb.provisioning_status, lb.operating_status = status, operating
    lb.event = state.timeline.at(ctx.now + ctx.config.duration(kind), done)


def lb_update(ctx, id):
    lb = _find(ctx, id)
    spec = ctx.request.json_object().get("loadbalancer")
    if not isinstance(spec, dict) or set(spec) - {"name", "description", "admin_state_up",
                                                   "tags", "vip_qos_policy_id"}:
        raise _error(400, "Invalid input for field/attribute loadbalancer.")
    for key, kind in (("name", str), ("description", str), ("admin_state_up", bool),
                      ("tags", list)):
        if spec.get(key) is not None and not isinstance(spec[key], kind):
            raise _error(400, f"Invalid input for field/attribute {key}. Value: "
                              f"'{spec[key]}'.")
    _pending(lb)
    lb.name = spec.get("name", lb.name) or ""
    lb.description = spec.get("description", lb.description) or ""
    lb.admin_state_up = spec.get("admin_state_up", lb.admin_state_up)
    if "tags" in spec:
        lb.tags = list(spec["tags"] or [])
    _update(ctx, lb)
    return 200, {"loadbalancer": lb_view(ctx, lb)}


def _update(ctx, lb, then=None) -> None:
    """PENDING_UPDATE for lb_update seconds, then ACTIVE (and `then(when)`)."""
    state = ctx.state
    lb.provisioning_status, lb.updated_at = "PENDING_UPDATE", ctx.wall
    operating = lb.operating_status

    def done(when):
        lb.event, lb.provisioning_status, lb.operating_status = None, "ACTIVE", operating
        lb.updated_at = state.wall_of(when)
        if then is not None:
            then(when)
    lb.event = state.timeline.at(ctx.now + ctx.config.duration("lb_update"), done)


def lb_delete(ctx, id):
    lb = _find(ctx, id)
    _pending(lb)
    cascade = ctx.request.query.get("cascade", "").lower() in ("true", "1", "yes")
    if lb.listeners and not cascade:
        raise _error(400, f"Validation failure: Cannot delete Load Balancer {lb.id} - it has "
                          "children")
    lb.provisioning_status, lb.updated_at = "PENDING_DELETE", ctx.wall
    for listener in lb.listeners:
        listener["provisioning_status"] = "PENDING_DELETE"
    _transition(ctx, lb, "lb_delete", None, None)
    return 204, None


# listeners: enough for a load balancer to have children (PENDING_UPDATE, cascade)
LISTENER_KEYS = {"name", "description", "protocol", "protocol_port", "loadbalancer_id",
                 "admin_state_up", "connection_limit", "default_pool_id", "project_id",
                 "tenant_id", "tags", "insert_headers", "timeout_client_data",
                 "timeout_member_connect", "timeout_member_data", "timeout_tcp_inspect",
                 "allowed_cidrs", "default_tls_container_ref", "sni_container_refs",
                 "client_ca_tls_container_ref", "client_authentication",
                 "client_crl_container_ref", "tls_ciphers", "tls_versions", "alpn_protocols",
                 "l7policies"}
PROTOCOLS = ("HTTP", "HTTPS", "TCP", "UDP", "TERMINATED_HTTPS", "SCTP", "PROMETHEUS")


def _listeners(ctx):
    for lb in ctx.state.loadbalancers.walk(None if ctx.is_admin else ctx.project_id, None):
        for listener in lb.listeners:
            yield lb, listener


def _find_listener(ctx, ident):
    found = next(((lb, x) for lb, x in _listeners(ctx) if x["id"] == ident), None)
    if found is None:
        raise _error(404, f"Listener {ident} not found.")
    return found


def listener_list(ctx):
    items = [dict(x) for _, x in _listeners(ctx)]
    return 200, {"listeners": items, "listeners_links": []}


def listener_get(ctx, id):
    return 200, {"listener": dict(_find_listener(ctx, id)[1])}


def listener_create(ctx):
    spec = ctx.request.json_object().get("listener")
    if not isinstance(spec, dict):
        raise _error(400, "Missing mandatory field/attribute listener")
    unknown = sorted(set(spec) - LISTENER_KEYS)
    if unknown:
        raise _error(400, f"Invalid input for field/attribute listener. Value: '{spec}'. "
                          f"Unknown attribute for argument listener: {unknown[0]}")
    if spec.get("protocol") not in PROTOCOLS:
        raise _error(400, f"Invalid input for field/attribute protocol. Value: "
                          f"'{spec.get('protocol')}'. Value should be one of: "
                          + ", ".join(PROTOCOLS))
    port = spec.get("protocol_port")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise _error(400, f"Invalid input for field/attribute protocol_port. Value: "
                          f"'{port}'. Value should be between 1 and 65535")
    lb = ctx.state.loadbalancers.get(spec.get("loadbalancer_id"))
    if lb is None or (not ctx.is_admin and lb.project_id != ctx.project_id):
        raise _error(400, f"Validation failure: Load Balancer {spec.get('loadbalancer_id')} "
                          "not found.")   # [guess] the text
    _immutable(lb)
    if any(x["protocol_port"] == port and x["protocol"] == spec["protocol"]
           for x in lb.listeners):
        raise _error(409, f"Another Listener on this Load Balancer is already using "
                          f"protocol_port {port}")
    limit = quotas.limits(ctx.state, SERVICE, lb.project_id)["listener"]
    used = sum(len(x.listeners) for x in ctx.state.loadbalancers.in_project(lb.project_id))
    if limit != -1 and used >= limit:
        raise _error(403, "Quota has been met for resources: Listener")
    listener = {
        "id": ctx.state.new_uuid(), "name": spec.get("name") or "",
        "description": spec.get("description") or "", "provisioning_status": "PENDING_CREATE",
        "operating_status": "OFFLINE", "admin_state_up": spec.get("admin_state_up", True),
        "protocol": spec["protocol"], "protocol_port": port,
        "connection_limit": spec.get("connection_limit", -1),
        "default_tls_container_ref": None, "sni_container_refs": [],
        "project_id": lb.project_id, "default_pool_id": None, "l7policies": [],
        "insert_headers": dict(spec.get("insert_headers") or {}),
        "created_at": timefmt.plain(ctx.wall), "updated_at": None,
        "loadbalancers": [{"id": lb.id}], "timeout_client_data": 50000,
        "timeout_member_connect": 5000, "timeout_member_data": 50000,
        "timeout_tcp_inspect": 0, "tags": list(spec.get("tags") or []),
        "client_ca_tls_container_ref": None, "client_authentication": "NONE",
        "client_crl_container_ref": None, "allowed_cidrs": None, "tls_ciphers": None,
        "tls_versions": None, "alpn_protocols": None, "tenant_id": lb.project_id}
    lb.listeners.append(listener)
    answer = dict(listener)

    def active(when):
        listener["provisioning_status"] = "ACTIVE"
        listener["operating_status"] = lb.operating_status
        listener["updated_at"] = timefmt.plain(ctx.state.wall_of(when))
    _update(ctx, lb, active)
    return 201, {"listener": answer}


def listener_delete(ctx, id):
    lb, listener = _find_listener(ctx, id)
    _immutable(lb)
    listener["provisioning_status"] = "PENDING_DELETE"
    _update(ctx, lb, lambda when: lb.listeners.remove(listener))
    return 204, None


def lb_status(ctx, id):
    lb = _find(ctx, id)
    return 200, {"statuses": {"loadbalancer": {
        "id": lb.id, "name": lb.name, "provisioning_status": lb.provisioning_status,
        "operating_status": lb.operating_status, "listeners": []}}}


def lb_stats(ctx, id):
    _find(ctx, id)
    return 200, {"stats": {"active_connections": 0, "bytes_in": 0, "bytes_out": 0,
                           "request_errors": 0, "total_connections": 0}}


def providers(ctx):
    return 200, {"providers": [{"name": "amphora", "description": "The Octavia Amphora "
                                                                  "driver."}]}


def empty_list(key: str):
    return lambda ctx: (200, {key: [], f"{key}_links": []})


ROUTES = []
for _version in ("/v2", "/v2.0"):
    ROUTES += [
        ("GET", f"{_version}/lbaas/loadbalancers", lb_list, "token"),
        ("POST", f"{_version}/lbaas/loadbalancers", lb_create, "token"),
        ("GET", f"{_version}/lbaas/loadbalancers/{{id}}", lb_get, "token"),
        ("PUT", f"{_version}/lbaas/loadbalancers/{{id}}", lb_update, "token"),
        ("DELETE", f"{_version}/lbaas/loadbalancers/{{id}}", lb_delete, "token"),
        ("GET", f"{_version}/lbaas/loadbalancers/{{id}}/status", lb_status, "token"),
        ("GET", f"{_version}/lbaas/loadbalancers/{{id}}/stats", lb_stats, "token"),
        ("GET", f"{_version}/lbaas/providers", providers, "token"),
        ("GET", f"{_version}/lbaas/listeners", listener_list, "token"),
        ("POST", f"{_version}/lbaas/listeners", listener_create, "token"),
        ("GET", f"{_version}/lbaas/listeners/{{id}}", listener_get, "token"),
        ("DELETE", f"{_version}/lbaas/listeners/{{id}}", listener_delete, "token"),
        ("GET", f"{_version}/lbaas/pools", empty_list("pools"), "token"),
    ]
