"""Nova v2.1 (compute): servers with their build/stop/start/delete life, flavors, volume
attachments. Quotas are in nova_quota.py, usage in usage.py."""
import hashlib
import re

from . import timefmt
from .collection import take
from .paging import has_next, nova_next, parse_limit

SERVICE = "compute"
STATUS = {"building": "BUILD", "active": "ACTIVE", "stopped": "SHUTOFF", "error": "ERROR",
          "deleted": "DELETED"}
HOST = "sim-compute-1"   # [guess] the one compute host
CREATE_KEYS = {
    "name", "flavorRef", "imageRef", "networks", "metadata", "user_data", "key_name",
    "security_groups", "availability_zone", "block_device_mapping_v2", "config_drive",
    "min_count", "max_count", "return_reservation_id", "OS-DCF:diskConfig", "accessIPv4",
    "accessIPv6", "adminPass", "description", "tags", "personality", "hostname",
    "trusted_image_certificates", "host", "hypervisor_hostname",
}


def _links(ctx, kind: str, ident) -> list:
    return [{"rel": "self", "href": ctx.url(f"/compute/v2.1/{kind}/{ident}")},
            {"rel": "bookmark", "href": ctx.url(f"/compute/{kind}/{ident}")}]


def find_server(ctx, ident):
    server = ctx.state.servers.get(ident)
    if server is None or (not ctx.is_admin and server.project_id != ctx.project_id):
        raise ctx.error(404, f"Instance {ident} could not be found.")
    return server


# views
def flavor_view(ctx, flavor, detail: bool = True) -> dict:
    view = {"id": flavor["id"], "name": flavor["name"], "links": _links(ctx, "flavors",
                                                                        flavor["id"])}
    if ctx.version >= (2, 55):
        view["description"] = None
    if not detail:
        return view
    view.update({"ram": flavor["ram"], "disk": flavor["disk"], "vcpus": flavor["vcpus"],
                 "swap": 0 if ctx.version >= (2, 75) else "",
                 "OS-FLV-EXT-DATA:ephemeral": 0, "OS-FLV-DISABLED:disabled": False,
                 "os-flavor-access:is_public": True, "rxtx_factor": 1.0})
    if ctx.version >= (2, 61):
        view["extra_specs"] = {}
    return view


def _server_flavor(ctx, flavor) -> dict:
    if ctx.version >= (2, 47):
        return {"vcpus": flavor["vcpus"], "ram": flavor["ram"], "disk": flavor["disk"],
                "ephemeral": 0, "swap": 0, "original_name": flavor["name"],
                "extra_specs": {}}
    return {"id": flavor["id"], "links": [{"rel": "bookmark", "href": ctx.url(
        f"/compute/flavors/{flavor['id']}")}]}


def addresses(state, server) -> dict:
    result = {}
    if server.vm_state == "building":
        return result
    for port_id in server.port_ids:
        port = state.ports.get(port_id)
        if port is None:
            continue
        network = state.networks.get(port.network_id)
        label = network.name if network else port.network_id
        for fixed in port.fixed_ips:
            result.setdefault(label, []).append({
                "version": 4, "addr": fixed["ip_address"], "OS-EXT-IPS:type": "fixed",
                "OS-EXT-IPS-MAC:mac_addr": port.mac_address})
    return result


def _host(server):
    return HOST if server.launched_at is not None else None


def server_view(ctx, server) -> dict:
    host = _host(server)
    view = {
        "id": server.id, "name": server.name, "status": STATUS[server.vm_state],
        "tenant_id": server.project_id, "user_id": server.user_id,
        "metadata": dict(server.metadata),
        "hostId": hashlib.sha224((server.project_id + host).encode()).hexdigest()
        if host else "",
        "image": {"id": server.image_id, "links": [{"rel": "bookmark", "href": ctx.url(
            f"/compute/images/{server.image_id}")}]},
        "flavor": _server_flavor(ctx, server.flavor),
        "created": timefmt.zulu(server.created_at), "updated": timefmt.zulu(server.updated_at),
        "addresses": addresses(ctx.state, server), "accessIPv4": "", "accessIPv6": "",
        "links": _links(ctx, "servers", server.id), "OS-DCF:diskConfig": "MANUAL",
        "OS-EXT-AZ:availability_zone": "nova" if host else "", "config_drive": "",
        "key_name": server.key_name,
        "OS-SRV-USG:launched_at": timefmt.opt(timefmt.micro, server.launched_at),
        "OS-SRV-USG:terminated_at": timefmt.opt(timefmt.micro, server.terminated_at),
        "OS-EXT-STS:task_state": server.task_state, "OS-EXT-STS:vm_state": server.vm_state,
        "OS-EXT-STS:power_state": server.power_state,
        "os-extended-volumes:volumes_attached": [
            dict({"id": v}, **({"delete_on_termination": False}
                               if ctx.version >= (2, 3) else {}))
            for v in server.volume_ids],
    }
    if view["status"] in ("ACTIVE", "BUILD"):
        view["progress"] = 0
    if server.port_ids and server.vm_state != "building":   # none while BUILD (real Zed)
        view["security_groups"] = [{"name": "default"}]
    if ctx.is_admin:
        view.update({"OS-EXT-SRV-ATTR:host": host,
                     "OS-EXT-SRV-ATTR:instance_name": f"instance-{server.seq:08x}",
                     "OS-EXT-SRV-ATTR:hypervisor_hostname": host})
    if server.fault is not None:
        view["fault"] = {k: v for k, v in server.fault.items()
                         if k != "details" or ctx.is_admin}
    _versioned_fields(ctx, server, view)
    return view


def _versioned_fields(ctx, server, view: dict) -> None:
    version = ctx.version
    if version >= (2, 9):
        view["locked"] = False
    if version >= (2, 16) and ctx.is_admin:
        view["host_status"] = "UP" if _host(server) else ""
    if version >= (2, 19):
        view["description"] = server.description
    if version >= (2, 26):
        view["tags"] = []
    if version >= (2, 63):
        view["trusted_image_certificates"] = None
    if version >= (2, 73):
        view["locked_reason"] = None
    if version >= (2, 90):
        view["OS-EXT-SRV-ATTR:hostname"] = server.name


# servers: listing
def _truthy(ctx, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("", "1", "t", "true", "on", "y", "yes"):
        return True
    if lowered in ("0", "f", "false", "off", "n", "no"):
        return False
    raise ctx.error(400, f"Invalid value '{value}' for all_tenants: a boolean expected.")


def _predicate(ctx):
    query = ctx.request.query
    tests = []
    if "name" in query:
        try:
            pattern = re.compile(query["name"])
            tests.append(lambda s: pattern.search(s.name) is not None)
        except re.error:
            tests.append(lambda s: False)
    if "status" in query:
        wanted = query["status"].upper()
        tests.append(lambda s: STATUS[s.vm_state] == wanted)
    if "flavor" in query:
        tests.append(lambda s: s.flavor["id"] == query["flavor"])
    if "image" in query:
        tests.append(lambda s: s.image_id == query["image"])
    if not tests:
        return None
    return lambda s: all(test(s) for test in tests)


def _listing(ctx, detail: bool):
    query = ctx.request.query
    all_tenants = "all_tenants" in query and _truthy(ctx, query["all_tenants"])
    if all_tenants and not ctx.is_admin:
        raise ctx.error(403, "Policy doesn't allow os_compute_api:servers:index:"
                             "get_all_tenants to be performed.")
    project = ctx.project_id
    if all_tenants:
        project = query.get("project_id") or query.get("tenant_id") or None
    limit = parse_limit(ctx, ctx.config.page_cap)
    after = None
    if query.get("marker"):
        after = ctx.state.servers.marker_key(query["marker"])
        if after is None:
            raise ctx.error(400, f"marker [{query['marker']}] not found")
    servers, more = take(ctx.state.servers.walk(project, after, descending=True), limit,
                         _predicate(ctx))
    if detail:
        items = [server_view(ctx, s) for s in servers]
    else:
        items = [{"id": s.id, "name": s.name, "links": _links(ctx, "servers", s.id)}
                 for s in servers]
    body = {"servers": items}
    if servers and has_next(ctx, len(servers), limit, more):
        path = "/compute/v2.1/servers" + ("/detail" if detail else "")
        body["servers_links"] = [nova_next(ctx, path, servers[-1].id)]
    return 200, body


def server_list(ctx):
    return _listing(ctx, False)


def server_detail(ctx):
    return _listing(ctx, True)


def server_get(ctx, id):
    return 200, {"server": server_view(ctx, find_server(ctx, id))}


# flavors (sorted by id, as Nova's default sort on flavorid)
def _flavor(ctx, ident):
    flavor = ctx.state.flavors.get(ident)
    if flavor is None:
        raise ctx.error(404, f"Flavor {ident} could not be found.")
    return flavor


def _flavors(ctx, detail: bool):
    query = ctx.request.query
    flavors = sorted(ctx.state.flavors.values(), key=lambda f: f["id"])
    try:
        min_ram, min_disk = int(query.get("minRam", 0)), int(query.get("minDisk", 0))
    except ValueError:
        raise ctx.error(400, "Invalid minRam or minDisk filter") from None
    flavors = [f for f in flavors if f["ram"] >= min_ram and f["disk"] >= min_disk]
    if query.get("marker"):
        ids = [f["id"] for f in flavors]
        if query["marker"] not in ids:
            raise ctx.error(400, f"marker [{query['marker']}] not found")
        flavors = flavors[ids.index(query["marker"]) + 1:]
    limit = parse_limit(ctx, ctx.config.page_cap)
    more = limit is not None and len(flavors) > limit
    flavors = flavors[:limit]
    body = {"flavors": [flavor_view(ctx, f, detail) for f in flavors]}
    if flavors and has_next(ctx, len(flavors), limit, more):
        path = "/compute/v2.1/flavors" + ("/detail" if detail else "")
        body["flavors_links"] = [nova_next(ctx, path, flavors[-1]["id"])]
    return 200, body


def flavor_list(ctx):
    return _flavors(ctx, False)


def flavor_detail(ctx):
    return _flavors(ctx, True)


def flavor_get(ctx, id):
    return 200, {"flavor": flavor_view(ctx, _flavor(ctx, id))}


def flavor_extra_specs(ctx, id):
    _flavor(ctx, id)
    return 200, {"extra_specs": {}}


def keypairs(ctx):
    return 200, {"keypairs": []}


def availability_zones(ctx):
    return 200, {"availabilityZoneInfo": [{"zoneName": "nova", "zoneState": {
        "available": True}, "hosts": None}]}


ROUTES = [
    ("GET", "/v2.1/servers", server_list, "token"),
    ("GET", "/v2.1/servers/detail", server_detail, "token"),
    ("GET", "/v2.1/servers/{id}", server_get, "token"),
    ("GET", "/v2.1/flavors", flavor_list, "token"),
    ("GET", "/v2.1/flavors/detail", flavor_detail, "token"),
    ("GET", "/v2.1/flavors/{id}", flavor_get, "token"),
    ("GET", "/v2.1/flavors/{id}/os-extra_specs", flavor_extra_specs, "token"),
    ("GET", "/v2.1/os-keypairs", keypairs, "token"),
    ("GET", "/v2.1/os-availability-zone", availability_zones, "token"),
]
