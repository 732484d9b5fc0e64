"""Octavia quotas: limits only (no usage). A PUT takes both spellings of the renamed keys
(loadbalancer/load_balancer, healthmonitor/health_monitor); answers carry only the database
names (load_balancer, health_monitor…), without project_id. PUT and DELETE answer 202."""
from . import quotas
from .octavia import QUOTA_KEYS, _error

SERVICE = "load-balancer"


def _view(values: dict) -> dict:
    return {key: values[key] for key in ("load_balancer", "listener", "member", "pool",
                                         "health_monitor", "l7policy", "l7rule")}


def quota_get(ctx, project):
    if not ctx.is_admin and project != ctx.project_id:
        raise _error(403, "Policy does not allow this request to be performed.")
    return 200, {"quota": _view(quotas.limits(ctx.state, SERVICE, project))}


def quota_default(ctx, project):
    return 200, {"quota": _view(quotas.defaults(ctx.state, SERVICE))}


def _row(project: str, values: dict) -> dict:
    """A row of GET /quotas: both spellings, null where the project keeps the default."""
    row = {"project_id": project}
    row.update({key: values.get(stored) for key, stored in QUOTA_KEYS.items()})
    row["tenant_id"] = project
    return row


def quota_list(ctx):
    wanted = ctx.request.query.get("project_id")
    projects = sorted(ctx.state.quotas[SERVICE])
    if wanted:
        projects = [p for p in projects if p == wanted]
    return 200, {"quotas": [_row(p, ctx.state.quotas[SERVICE][p]) for p in projects],
                 "quotas_links": []}


def quota_update(ctx, project):
    body = ctx.request.json_object()
    spec = body.get("quota")
    if not isinstance(spec, dict):
        raise _error(400, "Missing mandatory field/attribute quota")
    values = {}
    for key, raw in spec.items():
        if key not in QUOTA_KEYS:   # wsme's words (real Zed)
            raise _error(400, f"Unknown attribute for argument quotas.quota: {key}")
        value = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
        if isinstance(raw, str):    # wsme converts with int(); the whole body in the text
            try:
                value = int(raw)
            except ValueError as error:
                raise _error(400, f"Invalid input for field/attribute quotas. Value: "
                                  f"'{body}'. {error}") from None
        if value is None or not -1 <= value <= quotas.MAX_QUOTA:   # [guess] the text
            raise _error(400, f"Invalid input for field/attribute {key}. Value: '{raw}'. "
                              "Value should be an integer between -1 and 2000000000")
        values[QUOTA_KEYS[key]] = value
    quotas.set_limits(ctx.state, SERVICE, project, values)
    return 202, {"quota": _view(quotas.limits(ctx.state, SERVICE, project))}


def quota_delete(ctx, project):
    quotas.reset_limits(ctx.state, SERVICE, project)
    return 202, None


ROUTES = []
for _version in ("/v2", "/v2.0"):
    ROUTES += [
        ("GET", f"{_version}/lbaas/quotas", quota_list, "admin"),
        ("GET", f"{_version}/lbaas/quotas/{{project}}", quota_get, "token"),
        ("GET", f"{_version}/lbaas/quotas/{{project}}/default", quota_default, "token"),
        ("PUT", f"{_version}/lbaas/quotas/{{project}}", quota_update, "admin"),
        ("DELETE", f"{_version}/lbaas/quotas/{{project}}", quota_delete, "admin"),
    ]
