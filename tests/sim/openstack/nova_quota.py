"""Nova quota sets (os-quota-sets) and absolute limits. Keys depend on the microversion:
2.36 drops the nova-network ones, 2.57 the injected-file ones. Unknown projects get the
defaults for DELETE only: GET, detail, defaults and PUT of a project Keystone does not know
(never had, or deleted) are 400 "Project ID X is not a valid project." — Nova asks Keystone
(FINDINGS §1 item 11)."""
import re

from . import quotas

SERVICE = "compute"


def _allowed(ctx, project_id: str) -> None:
    if not ctx.is_admin and project_id != ctx.project_id:
        raise ctx.error(403, "Policy doesn't allow os_compute_api:os-quota-sets:show to be "
                             "performed.")


def _known(ctx, project_id: str) -> None:
    """nova.api.openstack.identity.verify_project_id: Keystone must know the project."""
    if project_id not in ctx.state.projects:
        raise ctx.error(400, f"Project ID {project_id} is not a valid project.")


def _bad_value(key: str, raw) -> str:
    """jsonschema's words for a quota value Nova refuses (the pattern of a string, the
    minimum/maximum of an integer)."""
    prefix = f"Invalid input for field/attribute {key}. Value: {raw}. "
    if isinstance(raw, str) and not re.match(r"^-?[0-9]+$", raw):
        return prefix + f"{raw!r} does not match '^-?[0-9]+$'"
    value = quotas.parse_value(raw)
    if value is not None and value < -1:
        return prefix + f"{raw!r} is less than the minimum of -1"
    if value is not None:
        return prefix + f"{raw!r} is greater than the maximum of 2147483647"
    return prefix + f"{raw!r} is not valid under any of the given schemas"


def _values(ctx, project_id: str, detail: bool) -> dict:
    limits = quotas.limits(ctx.state, SERVICE, project_id)
    used = quotas.usage(ctx.state, SERVICE, project_id) if detail else {}
    result = {}
    for key in quotas.nova_keys(ctx.version):
        if detail:
            result[key] = {"in_use": used.get(key, 0), "limit": limits[key], "reserved": 0}
        else:
            result[key] = limits[key]
    return result


def quota_get(ctx, project):
    _allowed(ctx, project)
    _known(ctx, project)
    return 200, {"quota_set": dict(_values(ctx, project, False), id=project)}


def quota_detail(ctx, project):
    _allowed(ctx, project)
    _known(ctx, project)
    return 200, {"quota_set": dict(_values(ctx, project, True), id=project)}


def quota_defaults(ctx, project):
    _known(ctx, project)
    defaults = quotas.defaults(ctx.state, SERVICE)
    values = {key: defaults[key] for key in quotas.nova_keys(ctx.version)}
    return 200, {"quota_set": dict(values, id=project)}


def quota_update(ctx, project):
    spec = ctx.request.json_object().get("quota_set")
    if not isinstance(spec, dict):
        raise ctx.error(400, "Invalid input for field/attribute quota_set. 'quota_set' is a "
                             "required property")
    _known(ctx, project)
    keys = set(quotas.nova_keys(ctx.version))
    force = spec.get("force") in (True, "True", "true")
    values = {}
    for key, raw in spec.items():
        if key == "force":
            continue
        if key not in keys:
            raise ctx.error(400, "Invalid input for field/attribute quota_set. Value: "
                                 f"{spec}. Additional properties are not allowed "
                                 f"('{key}' was unexpected)")
        value = quotas.parse_value(raw)
        if value is None or not -1 <= value <= 0x7FFFFFFF:
            raise ctx.error(400, _bad_value(key, raw))
        values[key] = value
    used = quotas.usage(ctx.state, SERVICE, project)
    if not force:
        for key, value in values.items():
            if value != -1 and value < used.get(key, 0):
                raise ctx.error(400, f"Quota limit {value} for {key} must be greater than or "
                                     f"equal to already used and reserved {used[key]}.")
    quotas.set_limits(ctx.state, SERVICE, project, values)
    return 200, {"quota_set": _values(ctx, project, False)}


def quota_delete(ctx, project):
    quotas.reset_limits(ctx.state, SERVICE, project)
    return 202, None


def limits(ctx):
    project = ctx.request.query.get("tenant_id") if ctx.is_admin else None
    project = project or ctx.project_id
    limit = quotas.limits(ctx.state, SERVICE, project)
    used = quotas.usage(ctx.state, SERVICE, project)
    absolute = {"maxTotalInstances": limit["instances"], "maxTotalCores": limit["cores"],
                "maxTotalRAMSize": limit["ram"], "maxServerMeta": limit["metadata_items"],
                "maxImageMeta": limit["metadata_items"],
                "maxPersonality": limit["injected_files"],
                "maxPersonalitySize": limit["injected_file_content_bytes"],
                "maxTotalKeypairs": limit["key_pairs"], "maxServerGroups": limit["server_groups"],
                "maxServerGroupMembers": limit["server_group_members"],
                "maxTotalFloatingIps": limit["floating_ips"],
                "maxSecurityGroups": limit["security_groups"],
                "maxSecurityGroupRules": limit["security_group_rules"],
                "totalRAMUsed": used["ram"], "totalCoresUsed": used["cores"],
                "totalInstancesUsed": used["instances"], "totalFloatingIpsUsed": 0,
                "totalSecurityGroupsUsed": 0, "totalServerGroupsUsed": 0}
    return 200, {"limits": {"rate": [], "absolute": absolute}}


ROUTES = [
    ("GET", "/v2.1/os-quota-sets/{project}", quota_get, "token"),
    ("GET", "/v2.1/os-quota-sets/{project}/detail", quota_detail, "token"),
    ("GET", "/v2.1/os-quota-sets/{project}/defaults", quota_defaults, "token"),
    ("PUT", "/v2.1/os-quota-sets/{project}", quota_update, "admin"),
    ("DELETE", "/v2.1/os-quota-sets/{project}", quota_delete, "admin"),
    ("GET", "/v2.1/limits", limits, "token"),
]
