"""Neutron v2.0 (network): networks, subnets and ports; routers are in neutron_routers.py,
quotas in neutron_quota.py. Synchronous. Admins see every project; any attribute filters a
list (?project_id=, ?name=, ?router:external=True…); limit/marker pagination sorted by id
with next/previous links, unless the neutron_pagination knob is off."""
import ipaddress

from . import errors, netops, quotas
from . import neutron_views as views
from .collection import take
from .model import Network, Subnet
from .paging import has_next, multi, ordered_next

SERVICE = "network"
CONTROL = {"limit", "marker", "page_reverse", "sort_key", "sort_dir", "fields"}
KIND_NAMES = {"networks": "Network", "subnets": "Subnet", "ports": "Port",
              "routers": "Router"}


def not_found(plural: str, ident) -> Exception:
    kind = KIND_NAMES[plural]
    # Neutron's RouterNotFound has no final period; the others have one (real Zed)
    period = "" if kind == "Router" else "."
    return errors.neutron(404, f"{kind} {ident} could not be found{period}",
                          f"{kind}NotFound")


def bad(message: str, kind: str = "HTTPBadRequest") -> Exception:
    return errors.neutron(400, message, kind)


def forbidden(message: str) -> Exception:
    return errors.neutron(403, message, "HTTPForbidden")


def body_of(ctx, key: str, allowed: set) -> dict:
    body = ctx.request.json_object()
    inner = body.get(key)
    if not isinstance(inner, dict):
        raise bad(f"Resource body required: '{key}' expected")
    unknown = sorted(set(inner) - allowed)
    if unknown:
        raise bad("Unrecognized attribute(s) '" + ", ".join(unknown) + "'")
    for name in inner:
        if name.endswith("_id") and inner[name] is not None and not isinstance(inner[name],
                                                                               str):
            raise bad(f"Invalid input for {name}. Reason: '{inner[name]}' is not a valid "
                      "UUID.", "InvalidInput")
    for name, kind in (("name", str), ("description", str), ("admin_state_up", bool),
                       ("shared", bool), ("router:external", bool), ("enable_dhcp", bool),
                       ("dns_nameservers", list), ("host_routes", list),
                       ("allocation_pools", list), ("fixed_ips", list)):
        if name in inner and not isinstance(inner[name], kind):
            raise bad(f"Invalid input for {name}. Reason: '{inner[name]}' is not a valid "
                      f"{kind.__name__}.", "InvalidInput")
    return inner


def owner(ctx, inner: dict) -> str:
    """The project a new object belongs to: the body's project_id/tenant_id (admins only
    may name another project), else the token's."""
    project = inner.get("project_id") or inner.get("tenant_id") or ctx.project_id
    if inner.get("project_id") and inner.get("tenant_id") \
            and inner["project_id"] != inner["tenant_id"]:
        raise bad("'project_id' and 'tenant_id' do not match")
    if project != ctx.project_id and not ctx.is_admin:
        raise bad("Specifying 'project_id' or 'tenant_id' other than the authenticated "
                  "project in request requires admin privileges")
    return project


def check_quota(ctx, project: str, resource: str, amount: int = 1) -> None:
    if quotas.over(ctx.state, SERVICE, project, {resource: amount}):
        raise errors.neutron(409, f"Quota exceeded for resources: ['{resource}'].",
                             "OverQuota")


# Filters read these attributes straight from the object (no view rendered per object).
_DIRECT = {"id": "id", "name": "name", "network_id": "network_id", "device_id": "device_id",
           "device_owner": "device_owner", "status": "status", "mac_address": "mac_address",
           "cidr": "cidr", "gateway_ip": "gateway_ip", "ip_version": "ip_version",
           "shared": "shared", "router:external": "external",
           "admin_state_up": "admin_state_up", "description": "description"}


def _value(ctx, obj, key: str, view):
    attribute = _DIRECT.get(key)
    if attribute is not None and hasattr(obj, attribute):
        return getattr(obj, attribute)
    return view(ctx, obj).get(key)


def _matches(ctx, obj, view, filters: dict) -> bool:
    for key, wanted in filters.items():
        value = _value(ctx, obj, key, view)
        if key == "fixed_ips" and isinstance(value, list):
            pairs = [w.split("=", 1) for w in wanted if "=" in w]
            if not any(f.get(k) == v for f in value for k, v in pairs):
                return False
            continue
        if isinstance(value, bool):
            value = str(value)
            wanted = [w.capitalize() for w in wanted]
        if isinstance(value, list):
            if not set(map(str, value)) & set(wanted):
                return False
        elif str(value) not in wanted and not (value is None and "" in wanted):
            return False
    return True


def _fields(view: dict, fields: list) -> dict:
    return {k: v for k, v in view.items() if k in fields} if fields else view


def _limit(ctx, query: dict):
    if not ctx.config.neutron_pagination or "limit" not in query:
        return None
    raw = query["limit"][0]
    message = f"Bad limit request: Limit must be an integer 0 or greater and not '{raw}'."
    try:
        value = int(raw)
    except ValueError:
        raise bad(message, "BadRequest") from None
    if value < 0:
        raise bad(message, "BadRequest")
    return value or None


def listing(ctx, plural: str, view, visible):
    """GET /v2.0/<plural> for a collection in the state."""
    collection = getattr(ctx.state, plural)
    query = multi(ctx.request)
    filters = {k: v for k, v in query.items() if k not in CONTROL}
    projects = filters.pop("project_id", None) or filters.pop("tenant_id", None)
    filters.pop("tenant_id", None)
    project = projects[0] if projects and len(projects) == 1 else None
    limit = _limit(ctx, query)
    paginate = ctx.config.neutron_pagination
    marker = query.get("marker", [None])[0] if paginate else None
    reverse = paginate and query.get("page_reverse", ["False"])[0].lower() == "true"
    key = None
    if marker:
        key = collection.marker_key(marker)
        if key is None:
            raise not_found(plural, marker)

    def keep(obj):
        if not visible(ctx, obj):
            return False
        if projects and obj.project_id not in projects:
            return False
        return not filters or _matches(ctx, obj, view, filters)
    walk = collection.walk(project, before=key) if reverse else collection.walk(project, key)
    objects, more = take(walk, limit, keep)
    if reverse:
        objects.reverse()
    fields = query.get("fields")
    body = {plural: [_fields(view(ctx, o), fields) for o in objects]}
    if limit:
        links = []
        path = f"/network/v2.0/{plural}"
        if not reverse and has_next(ctx, len(objects), limit, more) or \
                reverse and objects:
            links.append(ordered_next(ctx, path, objects[-1].id if objects else marker))
        if not (reverse and len(objects) < limit):
            first = objects[0].id if objects else None   # an empty page: no marker at all
            links.append(ordered_next(ctx, path, first, "previous",
                                      [("page_reverse", "True")]))
        body[f"{plural}_links"] = links
    return 200, body


def get_one(ctx, plural: str, ident: str, view, visible):
    obj = getattr(ctx.state, plural).get(ident)
    if obj is None or not visible(ctx, obj):
        raise not_found(plural, ident)
    key = plural[:-1]
    return 200, {key: _fields(view(ctx, obj), multi(ctx.request).get("fields"))}


def own(ctx, obj) -> bool:
    return ctx.is_admin or obj.project_id == ctx.project_id


def network_visible(ctx, net) -> bool:
    return own(ctx, net) or net.shared or net.external


def subnet_visible(ctx, sub) -> bool:
    if own(ctx, sub):
        return True
    net = ctx.state.networks.get(sub.network_id)
    return net is not None and (net.shared or net.external)


def find(ctx, plural: str, ident, visible=own):
    obj = getattr(ctx.state, plural).get(ident)
    if obj is None or not visible(ctx, obj):
        raise not_found(plural, ident)
    return obj


# networks
NETWORK_KEYS = {"name", "admin_state_up", "shared", "router:external", "project_id",
                "tenant_id", "description", "mtu", "port_security_enabled",
                "provider:network_type", "provider:physical_network",
                "provider:segmentation_id", "availability_zone_hints", "dns_domain",
                "qos_policy_id", "is_default"}
ADMIN_NETWORK_KEYS = {"shared", "router:external", "provider:network_type",
                      "provider:physical_network", "provider:segmentation_id", "is_default"}


def network_list(ctx):
    return listing(ctx, "networks", views.network, network_visible)


def network_get(ctx, id):
    return get_one(ctx, "networks", id, views.network, network_visible)


def network_create(ctx):
    inner = body_of(ctx, "network", NETWORK_KEYS)
    if set(inner) & ADMIN_NETWORK_KEYS and not ctx.is_admin:
        raise forbidden("(rule:create_network and rule:create_network:shared) is disallowed "
                        "by policy")
    project = owner(ctx, inner)
    check_quota(ctx, project, "network")
    state = ctx.state
    state.segmentation_ids += 1
    net = Network(state.new_uuid(), inner.get("name", ""), project, ctx.wall, ctx.wall,
                  external=bool(inner.get("router:external", False)),
                  shared=bool(inner.get("shared", False)),
                  admin_state_up=inner.get("admin_state_up", True),
                  description=inner.get("description", ""),
                  segmentation_id=state.segmentation_ids)
    if "provider:network_type" in inner:
        net.network_type = inner["provider:network_type"]
        net.physical_network = inner.get("provider:physical_network")
        net.segmentation_id = inner.get("provider:segmentation_id")
    state.networks.add(net)
    return 201, {"network": views.network(ctx, net, created=True)}


def network_update(ctx, id):
    net = find(ctx, "networks", id)
    inner = body_of(ctx, "network", NETWORK_KEYS - {"project_id", "tenant_id"})
    if set(inner) & ADMIN_NETWORK_KEYS and not ctx.is_admin:
        raise forbidden("rule:update_network is disallowed by policy")
    net.name = inner.get("name", net.name)
    net.description = inner.get("description", net.description)
    net.admin_state_up = inner.get("admin_state_up", net.admin_state_up)
    net.shared = inner.get("shared", net.shared)
    net.external = inner.get("router:external", net.external)
    net.updated_at, net.revision = ctx.wall, net.revision + 1
    return 200, {"network": views.network(ctx, net)}


def network_delete(ctx, id):
    net = find(ctx, "networks", id)
    state = ctx.state
    in_use = [p.id for p in netops.network_ports(state, net.id)
              if p.device_owner != "network:dhcp"]
    if in_use:
        raise errors.neutron(409, f"Unable to complete operation on network {net.id}. There "
                                  "are one or more ports still in use on the network, id for "
                                  f"these ports is: {','.join(in_use)}.", "NetworkInUse")
    for subnet_id in list(net.subnet_ids):
        state.subnets.remove(state.subnets.get(subnet_id))
    state.networks.remove(net)
    state.ports_by_network.pop(net.id, None)
    return 204, None


# subnets
SUBNET_KEYS = {"network_id", "cidr", "ip_version", "name", "gateway_ip", "allocation_pools",
               "enable_dhcp", "dns_nameservers", "host_routes", "project_id", "tenant_id",
               "description", "subnetpool_id", "ipv6_ra_mode", "ipv6_address_mode",
               "segment_id", "service_types", "use_default_subnetpool", "prefixlen",
               "dns_publish_fixed_ip"}


def _cidr(inner: dict):
    raw = inner.get("cidr")
    if not isinstance(raw, str):
        raise bad("Bad subnets request: a cidr must be specified in the absence of a subnet "
                  "pool")
    try:
        loose = ipaddress.ip_network(raw, strict=False)
    except ValueError:
        raise bad(f"Invalid input for cidr. Reason: '{raw}' is not a valid IP subnet.",
                  "InvalidInput") from None
    if loose.version != 4 or inner.get("ip_version", 4) != 4:
        raise bad("Invalid input for operation: the simulator supports IPv4 subnets only.",
                  "InvalidInput")
    if str(loose) != raw:
        raise bad(f"Invalid input for cidr. Reason: '{raw}' isn't a recommended CIDR, it "
                  f"should be specified as '{loose}'.", "InvalidInput")
    if loose.prefixlen > 30:
        raise bad(f"Invalid input for cidr. Reason: '{raw}' is too small.", "InvalidInput")
    return loose


def _pools(inner: dict, cidr, gateway):
    if inner.get("allocation_pools"):
        pools = []
        for pool in inner["allocation_pools"]:
            try:
                start = ipaddress.IPv4Address(pool["start"])
                end = ipaddress.IPv4Address(pool["end"])
            except (KeyError, TypeError, ValueError):
                raise bad("Invalid input for allocation_pools.", "InvalidInput") from None
            if start not in cidr or end not in cidr or end < start:
                raise bad(f"The allocation pool {start}-{end} spans beyond the subnet cidr "
                          f"{cidr}.", "OutOfBoundsAllocationPool")
            pools.append({"start": str(start), "end": str(end)})
        return pools
    hosts_first = cidr.network_address + 1
    hosts_last = cidr.broadcast_address - 1
    first = hosts_first + 1 if gateway == str(hosts_first) else hosts_first
    last = hosts_last - 1 if gateway == str(hosts_last) else hosts_last
    return [{"start": str(first), "end": str(last)}]


def subnet_list(ctx):
    return listing(ctx, "subnets", views.subnet, subnet_visible)


def subnet_get(ctx, id):
    return get_one(ctx, "subnets", id, views.subnet, subnet_visible)


def subnet_create(ctx):
    inner = body_of(ctx, "subnet", SUBNET_KEYS)
    if "network_id" not in inner:
        raise bad("Failed to parse request. Required attribute 'network_id' not specified")
    if "ip_version" not in inner:
        raise bad("Failed to parse request. Required attribute 'ip_version' not specified")
    net = find(ctx, "networks", inner["network_id"])
    cidr = _cidr(inner)
    state = ctx.state
    for other_id in net.subnet_ids:
        other = state.subnets.get(other_id)
        if other and ipaddress.ip_network(other.cidr).overlaps(cidr):
            raise bad(f"Invalid input for operation: Requested subnet with cidr: {cidr} for "
                      f"network: {net.id} overlaps with another subnet.", "InvalidInput")
    project = owner(ctx, inner)
    check_quota(ctx, project, "subnet")
    gateway = inner.get("gateway_ip", str(cidr.network_address + 1))
    if gateway is not None and ipaddress.IPv4Address(gateway) not in cidr:
        raise bad(f"Invalid input for operation: Gateway IP {gateway} is not in subnet {cidr}",
                  "InvalidInput")
    sub = Subnet(state.new_uuid(), inner.get("name", ""), project, net.id, str(cidr),
                 gateway, _pools(inner, cidr, gateway), ctx.wall, ctx.wall,
                 enable_dhcp=inner.get("enable_dhcp", True),
                 dns_nameservers=list(inner.get("dns_nameservers") or []),
                 host_routes=list(inner.get("host_routes") or []),
                 description=inner.get("description", ""))
    state.subnets.add(sub)
    net.subnet_ids.append(sub.id)
    net.revision += 1
    return 201, {"subnet": views.subnet(ctx, sub)}


def subnet_update(ctx, id):
    sub = find(ctx, "subnets", id)
    inner = body_of(ctx, "subnet", {"name", "description", "enable_dhcp", "dns_nameservers",
                                    "host_routes", "gateway_ip"})
    sub.name = inner.get("name", sub.name)
    sub.description = inner.get("description", sub.description)
    sub.enable_dhcp = inner.get("enable_dhcp", sub.enable_dhcp)
    sub.dns_nameservers = list(inner.get("dns_nameservers", sub.dns_nameservers) or [])
    sub.updated_at, sub.revision = ctx.wall, sub.revision + 1
    return 200, {"subnet": views.subnet(ctx, sub)}


def subnet_in_use(state, sub) -> bool:
    return any(f["subnet_id"] == sub.id and p.device_owner != "network:dhcp"
               for p in netops.network_ports(state, sub.network_id) for f in p.fixed_ips)


def subnet_delete(ctx, id):
    sub = find(ctx, "subnets", id)
    state = ctx.state
    if subnet_in_use(state, sub):
        raise errors.neutron(409, f"Unable to complete operation on subnet {sub.id}: One or "
                                  "more ports have an IP allocation from this subnet.",
                             "SubnetInUse")
    net = state.networks.get(sub.network_id)
    if net is not None:
        net.subnet_ids.remove(sub.id)
    state.subnets.remove(sub)
    return 204, None


ROUTES = [
    ("GET", "/v2.0/networks", network_list, "token"),
    ("POST", "/v2.0/networks", network_create, "token"),
    ("GET", "/v2.0/networks/{id}", network_get, "token"),
    ("PUT", "/v2.0/networks/{id}", network_update, "token"),
    ("DELETE", "/v2.0/networks/{id}", network_delete, "token"),
    ("GET", "/v2.0/subnets", subnet_list, "token"),
    ("POST", "/v2.0/subnets", subnet_create, "token"),
    ("GET", "/v2.0/subnets/{id}", subnet_get, "token"),
    ("PUT", "/v2.0/subnets/{id}", subnet_update, "token"),
    ("DELETE", "/v2.0/subnets/{id}", subnet_delete, "token"),
]
