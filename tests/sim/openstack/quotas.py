"""Quota limits and usage of the four services with quotas. Limits are the service's defaults
unless set for the project (PUT); usage is counted from the model when asked, never cached."""

UNLIMITED = -1
NOVA_DEFAULTS = {
    "instances": 10, "cores": 20, "ram": 51200, "metadata_items": 128, "key_pairs": 100,
    "server_groups": 10, "server_group_members": 10, "injected_files": 5,
    "injected_file_content_bytes": 10240, "injected_file_path_bytes": 255,
    "floating_ips": -1, "fixed_ips": -1, "security_groups": -1, "security_group_rules": -1,
}
NOVA_NETWORK_KEYS = ("floating_ips", "fixed_ips", "security_groups", "security_group_rules")
NOVA_FILE_KEYS = ("injected_files", "injected_file_content_bytes", "injected_file_path_bytes")
CINDER_DEFAULTS = {
    "volumes": 10, "gigabytes": 1000, "snapshots": 10, "backups": 10,
    "backup_gigabytes": 1000, "groups": 10, "per_volume_gigabytes": -1,
}
NEUTRON_DEFAULTS = {
    "network": 100, "subnet": 100, "subnetpool": -1, "port": 500, "router": 10,
    "floatingip": 50, "rbac_policy": 10, "security_group": 10, "security_group_rule": 100,
}
OCTAVIA_DEFAULTS = {"load_balancer": -1, "listener": -1, "member": -1, "pool": -1,
                    "health_monitor": -1, "l7policy": -1, "l7rule": -1}
MAX_QUOTA = 2_000_000_000


def nova_keys(version) -> list:
    keys = list(NOVA_DEFAULTS)
    if version >= (2, 36):
        keys = [k for k in keys if k not in NOVA_NETWORK_KEYS]
    if version >= (2, 57):
        keys = [k for k in keys if k not in NOVA_FILE_KEYS]
    return keys


def cinder_defaults(state) -> dict:
    result = dict(CINDER_DEFAULTS)
    for vtype in state.volume_types.values():
        for resource in ("volumes", "gigabytes", "snapshots"):
            result[f"{resource}_{vtype['name']}"] = UNLIMITED
    return result


def defaults(state, service: str) -> dict:
    if service == "compute":
        return dict(NOVA_DEFAULTS)
    if service == "volume":
        return cinder_defaults(state)
    if service == "network":
        return dict(NEUTRON_DEFAULTS)
    return dict(OCTAVIA_DEFAULTS)


def limits(state, service: str, project_id: str) -> dict:
    result = defaults(state, service)
    result.update(state.quotas[service].get(project_id, {}))
    return result


def set_limits(state, service: str, project_id: str, values: dict) -> None:
    state.quotas[service].setdefault(project_id, {}).update(values)


def reset_limits(state, service: str, project_id: str) -> None:
    state.quotas[service].pop(project_id, None)


def usage(state, service: str, project_id: str) -> dict:
    if service == "compute":
        servers = [s for s in state.servers.in_project(project_id)
                   if s.vm_state != "deleted"]   # DELETED on its way out counts no more
        return {"instances": len(servers), "cores": sum(s.flavor["vcpus"] for s in servers),
                "ram": sum(s.flavor["ram"] for s in servers)}
    if service == "volume":
        volumes = state.volumes.in_project(project_id)
        used = {"volumes": len(volumes), "gigabytes": sum(v.size for v in volumes)}
        for vtype in state.volume_types.values():
            mine = [v for v in volumes if v.volume_type == vtype["name"]]
            used[f"volumes_{vtype['name']}"] = len(mine)
            used[f"gigabytes_{vtype['name']}"] = sum(v.size for v in mine)
        return used
    if service == "network":
        return {"network": state.networks.count(project_id),
                "subnet": state.subnets.count(project_id),
                "port": state.ports.count(project_id),
                "router": state.routers.count(project_id)}
    return {"load_balancer": state.loadbalancers.count(project_id)}


def over(state, service: str, project_id: str, wanted: dict) -> list:
    """[(resource, requested, used, allowed)] for each resource wanted would push over its
    limit (-1: unlimited)."""
    allowed = limits(state, service, project_id)
    used = usage(state, service, project_id)
    result = []
    for resource, amount in wanted.items():
        limit = allowed.get(resource, UNLIMITED)
        if limit != UNLIMITED and used.get(resource, 0) + amount > limit:
            result.append((resource, amount, used.get(resource, 0), limit))
    return result


def parse_value(value):
    """An integer limit from a JSON integer or an integer string; None if neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None
