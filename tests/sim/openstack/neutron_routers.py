"""Neutron ports and routers: external gateway (a port on the external network),
add/remove_router_interface (a network:router_interface port holding the subnet's gateway
address), 409 while a router still has interfaces."""
from . import errors, netops
from . import neutron_views as views
from .model import Router
from .neutron import (bad, body_of, check_quota, find, get_one, listing, network_visible,
                      not_found, own, owner)

SERVICE = "network"
PORT_KEYS = {"network_id", "name", "fixed_ips", "device_id", "device_owner",
             "admin_state_up", "project_id", "tenant_id", "description", "mac_address",
             "security_groups", "binding:host_id", "binding:vnic_type", "binding:profile",
             "port_security_enabled", "allowed_address_pairs", "dns_name", "qos_policy_id"}
ROUTER_KEYS = {"name", "admin_state_up", "external_gateway_info", "project_id", "tenant_id",
               "description", "distributed", "ha", "availability_zone_hints", "flavor_id"}
INTERFACE_OWNER = "network:router_interface"
GATEWAY_OWNER = "network:router_gateway"


# ports
def port_list(ctx):
    return listing(ctx, "ports", views.port, own)


def port_get(ctx, id):
    return get_one(ctx, "ports", id, views.port, own)


def port_create(ctx):
    inner = body_of(ctx, "port", PORT_KEYS)
    if "network_id" not in inner:
        raise bad("Failed to parse request. Required attribute 'network_id' not specified")
    net = find(ctx, "networks", inner["network_id"], network_visible)
    project = owner(ctx, inner)
    check_quota(ctx, project, "port")
    subnet, address = None, None
    for fixed in inner.get("fixed_ips") or []:
        if fixed.get("subnet_id"):
            subnet = find(ctx, "subnets", fixed["subnet_id"], lambda c, o: True)
        address = fixed.get("ip_address", address)
    if address is not None and subnet is None and net.subnet_ids:
        subnet = ctx.state.subnets.get(net.subnet_ids[0])
    port = netops.create_port(ctx.state, ctx.wall, net, project, inner.get("device_id", ""),
                              inner.get("device_owner", ""), subnet, address,
                              inner.get("name", ""), status="DOWN")
    port.description = inner.get("description", "")
    port.admin_state_up = inner.get("admin_state_up", True)
    return 201, {"port": views.port(ctx, port)}


def port_update(ctx, id):
    port = find(ctx, "ports", id)
    inner = body_of(ctx, "port", {"name", "description", "admin_state_up", "device_id",
                                  "device_owner", "binding:host_id", "security_groups"})
    port.name = inner.get("name", port.name)
    port.description = inner.get("description", port.description)
    port.admin_state_up = inner.get("admin_state_up", port.admin_state_up)
    port.device_id = inner.get("device_id", port.device_id)
    port.device_owner = inner.get("device_owner", port.device_owner)
    port.updated_at, port.revision = ctx.wall, port.revision + 1
    return 200, {"port": views.port(ctx, port)}


def port_delete(ctx, id):
    port = find(ctx, "ports", id)
    if port.device_owner in (INTERFACE_OWNER, GATEWAY_OWNER):
        raise errors.neutron(409, f"Port {port.id} cannot be deleted directly via the port "
                                  f"API: has device owner {port.device_owner}.",
                             "ServicePortInUse")
    netops.delete_port(ctx.state, port)
    return 204, None


# routers
def router_list(ctx):
    return listing(ctx, "routers", views.router, own)


def router_get(ctx, id):
    return get_one(ctx, "routers", id, views.router, own)


def _set_gateway(ctx, router, info) -> None:
    state = ctx.state
    if router.gateway_port_id:
        port = state.ports.get(router.gateway_port_id)
        if port is not None:
            netops.delete_port(state, port)
        router.gateway_network_id = router.gateway_port_id = None
    if not info:
        return
    if not isinstance(info, dict) or "network_id" not in info:
        raise bad("Invalid input for external_gateway_info.", "InvalidInput")
    net = state.networks.get(info["network_id"])
    if net is None:
        raise not_found("networks", info["network_id"])
    if not net.external:
        raise bad(f"Bad router request: Network {net.id} is not an external network.",
                  "BadRequest")
    subnet, address = None, None
    for fixed in info.get("external_fixed_ips") or []:
        if fixed.get("subnet_id"):
            subnet = state.subnets.get(fixed["subnet_id"])
        address = fixed.get("ip_address", address)
    port = netops.create_port(state, ctx.wall, net, "", router.id, GATEWAY_OWNER, subnet,
                              address)
    router.gateway_network_id, router.gateway_port_id = net.id, port.id
    router.enable_snat = info.get("enable_snat", True)


def router_create(ctx):
    inner = body_of(ctx, "router", ROUTER_KEYS)
    project = owner(ctx, inner)
    check_quota(ctx, project, "router")
    state = ctx.state
    router = Router(state.new_uuid(), inner.get("name", ""), project, ctx.wall, ctx.wall,
                    admin_state_up=inner.get("admin_state_up", True),
                    description=inner.get("description", ""))
    _set_gateway(ctx, router, inner.get("external_gateway_info"))
    state.routers.add(router)
    return 201, {"router": views.router(ctx, router)}


def router_update(ctx, id):
    router = find(ctx, "routers", id)
    inner = body_of(ctx, "router", {"name", "admin_state_up", "external_gateway_info",
                                    "description", "routes", "distributed", "ha"})
    if "external_gateway_info" in inner:
        _set_gateway(ctx, router, inner["external_gateway_info"])
    router.name = inner.get("name", router.name)
    router.description = inner.get("description", router.description)
    router.admin_state_up = inner.get("admin_state_up", router.admin_state_up)
    if "routes" in inner:
        routes = inner["routes"] or []
        if not isinstance(routes, list) or not all(
                isinstance(r, dict) and set(r) == {"destination", "nexthop"} for r in routes):
            raise bad("Invalid input for routes. Reason: a list of {destination, nexthop} is "
                      "expected.", "InvalidInput")
        router.routes = [dict(r) for r in routes]
    router.updated_at, router.revision = ctx.wall, router.revision + 1
    return 200, {"router": views.router(ctx, router)}


def router_delete(ctx, id):
    router = find(ctx, "routers", id)
    if router.interface_port_ids:
        raise errors.neutron(409, f"Router {router.id} has ports still attached: "
                                  + ",".join(router.interface_port_ids), "RouterInUse")
    _set_gateway(ctx, router, None)
    ctx.state.routers.remove(router)
    return 204, None


def _interface_answer(router, port) -> dict:
    subnet_ids = [f["subnet_id"] for f in port.fixed_ips]
    # real Zed: tenant_id only, no project_id (FINDINGS §5)
    return {"id": router.id, "tenant_id": router.project_id, "port_id": port.id,
            "network_id": port.network_id, "subnet_id": subnet_ids[0] if subnet_ids else None,
            "subnet_ids": subnet_ids}


def _interface_body(ctx) -> dict:
    body = ctx.request.json_object()
    if not isinstance(body, dict) or not ({"subnet_id", "port_id"} & set(body)):
        raise bad("Bad router request: Either subnet_id or port_id must be specified.",
                  "BadRequest")
    if "subnet_id" in body and "port_id" in body:
        raise bad("Bad router request: Cannot specify both subnet-id and port-id.",
                  "BadRequest")
    return body


def _check_overlap(ctx, router, subnet) -> None:
    import ipaddress
    mine = ipaddress.ip_network(subnet.cidr)
    for port_id in router.interface_port_ids:
        port = ctx.state.ports.get(port_id)
        for fixed in port.fixed_ips if port else []:
            other = ctx.state.subnets.get(fixed["subnet_id"])
            if other is None:
                continue
            if other.id == subnet.id:
                raise bad(f"Bad router request: Router already has a port on subnet "
                          f"{subnet.id}.", "BadRequest")
            if ipaddress.ip_network(other.cidr).overlaps(mine):
                raise bad(f"Bad router request: Cidr {subnet.cidr} of subnet {subnet.id} "
                          f"overlaps with cidr {other.cidr} of subnet {other.id}.",
                          "BadRequest")


def add_interface(ctx, id):
    router = find(ctx, "routers", id)
    body = _interface_body(ctx)
    state = ctx.state
    if "port_id" in body:
        port = find(ctx, "ports", body["port_id"])
        if port.device_id:
            raise errors.neutron(409, f"Port {port.id} is in use by another device.",
                                 "PortInUse")
        for fixed in port.fixed_ips:
            _check_overlap(ctx, router, state.subnets.get(fixed["subnet_id"]))
        port.device_id, port.device_owner = router.id, INTERFACE_OWNER
    else:
        subnet = find(ctx, "subnets", body["subnet_id"])
        if not subnet.gateway_ip:
            raise bad("Bad router request: Subnet for router interface must have a gateway "
                      "IP.", "BadRequest")
        _check_overlap(ctx, router, subnet)
        check_quota(ctx, router.project_id, "port")
        port = netops.create_port(state, ctx.wall, state.networks.get(subnet.network_id),
                                  router.project_id, router.id, INTERFACE_OWNER, subnet,
                                  subnet.gateway_ip)
    router.interface_port_ids.append(port.id)
    router.updated_at, router.revision = ctx.wall, router.revision + 1
    return 200, _interface_answer(router, port)


def remove_interface(ctx, id):
    router = find(ctx, "routers", id)
    body = _interface_body(ctx)
    state = ctx.state
    ports = [state.ports.get(p) for p in router.interface_port_ids]
    if "port_id" in body:
        port = next((p for p in ports if p and p.id == body["port_id"]), None)
        if port is None:
            raise errors.neutron(404, f"Router {router.id} does not have an interface with id "
                                      f"{body['port_id']}", "RouterInterfaceNotFound")
    else:
        port = next((p for p in ports if p and any(
            f["subnet_id"] == body["subnet_id"] for f in p.fixed_ips)), None)
        if port is None:
            if body["subnet_id"] not in state.subnets:
                raise not_found("subnets", body["subnet_id"])
            raise errors.neutron(404, f"Router {router.id} has no interface on subnet "
                                      f"{body['subnet_id']}",
                                 "RouterInterfaceNotFoundForSubnet")
    answer = _interface_answer(router, port)
    router.interface_port_ids.remove(port.id)
    netops.delete_port(state, port)
    router.updated_at, router.revision = ctx.wall, router.revision + 1
    return 200, answer


ROUTES = [
    ("GET", "/v2.0/ports", port_list, "token"),
    ("POST", "/v2.0/ports", port_create, "token"),
    ("GET", "/v2.0/ports/{id}", port_get, "token"),
    ("PUT", "/v2.0/ports/{id}", port_update, "token"),
    ("DELETE", "/v2.0/ports/{id}", port_delete, "token"),
    ("GET", "/v2.0/routers", router_list, "token"),
    ("POST", "/v2.0/routers", router_create, "token"),
    ("GET", "/v2.0/routers/{id}", router_get, "token"),
    ("PUT", "/v2.0/routers/{id}", router_update, "token"),
    ("DELETE", "/v2.0/routers/{id}", router_delete, "token"),
    ("PUT", "/v2.0/routers/{id}/add_router_interface", add_interface, "token"),
    ("PUT", "/v2.0/routers/{id}/remove_router_interface", remove_interface, "token"),
]
