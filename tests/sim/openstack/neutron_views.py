"""Neutron objects as the API shows them: every list field present, both project_id and
tenant_id, provider and binding attributes for admins only. The attribute set is that of
ML2 without the qos and dns extensions (what the reference deployment of
shared/real-openstack serves); availability_zones stays empty with no agents."""
from . import timefmt


def _common(obj) -> dict:
    return {"id": obj.id, "name": obj.name, "tenant_id": obj.project_id,
            "project_id": obj.project_id, "description": obj.description,
            "tags": list(obj.tags), "created_at": timefmt.zulu(obj.created_at),
            "updated_at": timefmt.zulu(obj.updated_at), "revision_number": obj.revision}


def network(ctx, net, created: bool = False) -> dict:
    """`created`: as the POST reply shows it (real Zed: `is_default` on every created
    network, but in GETs on external networks only)."""
    view = _common(net)
    view.update({
        "admin_state_up": net.admin_state_up, "mtu": net.mtu, "status": "ACTIVE",
        "subnets": list(net.subnet_ids), "shared": net.shared,
        "availability_zone_hints": [], "availability_zones": [],
        "ipv4_address_scope": None, "ipv6_address_scope": None,
        "router:external": net.external, "port_security_enabled": True,
    })
    if net.external or created:
        view["is_default"] = False
    if ctx.is_admin:
        view.update({"provider:network_type": net.network_type,
                     "provider:physical_network": net.physical_network,
                     "provider:segmentation_id": net.segmentation_id})
    return view


def subnet(ctx, sub) -> dict:
    view = _common(sub)
    view.update({
        "network_id": sub.network_id, "ip_version": sub.ip_version, "subnetpool_id": None,
        "enable_dhcp": sub.enable_dhcp, "ipv6_ra_mode": None, "ipv6_address_mode": None,
        "gateway_ip": sub.gateway_ip, "cidr": sub.cidr,
        "allocation_pools": [dict(p) for p in sub.allocation_pools],
        "host_routes": [dict(r) for r in sub.host_routes],
        "dns_nameservers": list(sub.dns_nameservers), "service_types": [],
    })
    return view


def port(ctx, prt) -> dict:
    view = _common(prt)
    view.update({
        "network_id": prt.network_id, "mac_address": prt.mac_address,
        "admin_state_up": prt.admin_state_up, "status": prt.status,
        "device_id": prt.device_id, "device_owner": prt.device_owner,
        "fixed_ips": [dict(f) for f in prt.fixed_ips], "allowed_address_pairs": [],
        "extra_dhcp_opts": [], "security_groups": [], "port_security_enabled": True,
        "binding:vnic_type": "normal",   # no ip_allocation: Zed's ML2 shows none
    })
    if ctx.is_admin:
        bound = prt.device_owner.startswith(("compute:", "network:router"))
        view.update({"binding:host_id": "sim-compute-1" if bound else "",
                     "binding:profile": {},
                     "binding:vif_type": "ovs" if bound else "unbound",
                     "binding:vif_details": {}})
    return view


def router(ctx, rtr) -> dict:
    view = _common(rtr)
    gateway = None
    if rtr.gateway_network_id:
        gw_port = ctx.state.ports.get(rtr.gateway_port_id)
        gateway = {"network_id": rtr.gateway_network_id, "enable_snat": rtr.enable_snat,
                   "external_fixed_ips": [dict(f) for f in gw_port.fixed_ips]
                   if gw_port else []}
    view.update({
        "admin_state_up": rtr.admin_state_up, "status": "ACTIVE",
        "external_gateway_info": gateway, "availability_zone_hints": [],
        "availability_zones": [], "routes": [dict(r) for r in rtr.routes],
        "flavor_id": None,   # the router-flavor extension is loaded on real Zed
    })
    if ctx.is_admin:
        view.update({"distributed": False, "ha": False})
    return view
