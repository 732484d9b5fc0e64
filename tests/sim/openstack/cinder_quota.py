"""Cinder quota sets under /v3/{admin_project}/os-quota-sets/{project} (?usage=true gives
in_use/limit/reserved) and absolute limits."""
from . import quotas
from .cinder import _check_url_project

SERVICE = "volume"
NON_QUOTA_KEYS = ("tenant_id", "id")   # cinderclient sends tenant_id in the body


def _values(ctx, target: str, usage: bool) -> dict:
    limits = quotas.limits(ctx.state, SERVICE, target)
    if not usage:
        return limits
    used = quotas.usage(ctx.state, SERVICE, target)
    return {key: {"limit": value, "in_use": used.get(key, 0), "reserved": 0}
            for key, value in limits.items()}


def quota_get(ctx, project, target):
    _check_url_project(ctx, project)
    if not ctx.is_admin and target != ctx.project_id:
        raise ctx.error(403, "Policy doesn't allow volume_extension:quotas:show to be "
                             "performed.")
    usage = ctx.request.query.get("usage", "").lower() in ("true", "1", "yes", "t")
    return 200, {"quota_set": dict(_values(ctx, target, usage), id=target)}


def quota_defaults(ctx, project, target):
    _check_url_project(ctx, project)
    return 200, {"quota_set": dict(quotas.defaults(ctx.state, SERVICE), id=target)}


def quota_update(ctx, project, target):
    _check_url_project(ctx, project)
    spec = ctx.request.json_object().get("quota_set")
    if not isinstance(spec, dict):
        raise ctx.error(400, "Missing required element 'quota_set' in request body.")
    known = quotas.defaults(ctx.state, SERVICE)
    spec = {k: v for k, v in spec.items() if k not in NON_QUOTA_KEYS}
    bad = sorted(k for k in spec if k not in known)
    if bad:
        raise ctx.error(400, f"Invalid input received: Bad key(s) in quota set: "
                             f"{','.join(bad)}")
    values = {}
    for key, raw in spec.items():
        value = quotas.parse_value(raw)
        if value is None:
            raise ctx.error(400, f"{key} must be an integer")
        if value < -1:
            raise ctx.error(400, f"{key} must be >= -1")
        values[key] = value
    used = quotas.usage(ctx.state, SERVICE, target)
    for key, value in values.items():
        if value != -1 and value < used.get(key, 0):
            raise ctx.error(400, f"Quota {key} limit must be equal or greater than existing "
                                 f"resources. Current usage is {used[key]} and the requested "
                                 f"limit is {value}.")
    quotas.set_limits(ctx.state, SERVICE, target, values)
    return 200, {"quota_set": _values(ctx, target, False)}


def quota_delete(ctx, project, target):
    _check_url_project(ctx, project)
    quotas.reset_limits(ctx.state, SERVICE, target)
    return 200, None


def limits(ctx, project):
    _check_url_project(ctx, project)
    limit = quotas.limits(ctx.state, SERVICE, ctx.project_id)
    used = quotas.usage(ctx.state, SERVICE, ctx.project_id)
    return 200, {"limits": {"rate": [], "absolute": {
        "maxTotalVolumes": limit["volumes"], "maxTotalVolumeGigabytes": limit["gigabytes"],
        "maxTotalSnapshots": limit["snapshots"], "maxTotalBackups": limit["backups"],
        "maxTotalBackupGigabytes": limit["backup_gigabytes"],
        "totalVolumesUsed": used["volumes"], "totalGigabytesUsed": used["gigabytes"],
        "totalSnapshotsUsed": 0, "totalBackupsUsed": 0, "totalBackupGigabytesUsed": 0}}}


ROUTES = [
    ("GET", "/v3/{project}/os-quota-sets/{target}", quota_get, "token"),
    ("GET", "/v3/{project}/os-quota-sets/{target}/defaults", quota_defaults, "token"),
    ("PUT", "/v3/{project}/os-quota-sets/{target}", quota_update, "admin"),
    ("DELETE", "/v3/{project}/os-quota-sets/{target}", quota_delete, "admin"),
    ("GET", "/v3/{project}/limits", limits, "token"),
]
