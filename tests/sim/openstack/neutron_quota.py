"""Neutron quotas: GET/PUT /v2.0/quotas/{project}, /details(.json) with used/limit/reserved,
/default; GET /v2.0/quotas lists the projects with non-default limits."""
from . import quotas
from .neutron import bad, forbidden

SERVICE = "network"


def _allowed(ctx, project: str) -> None:
    if not ctx.is_admin and project != ctx.project_id:
        raise forbidden("rule:get_quota is disallowed by policy")


def quota_get(ctx, project):
    _allowed(ctx, project)
    return 200, {"quota": quotas.limits(ctx.state, SERVICE, project)}


def quota_details(ctx, project):
    _allowed(ctx, project)
    limits = quotas.limits(ctx.state, SERVICE, project)
    used = quotas.usage(ctx.state, SERVICE, project)
    return 200, {"quota": {key: {"used": used.get(key, 0), "limit": value, "reserved": 0}
                           for key, value in limits.items()}}


def quota_default(ctx, project):
    return 200, {"quota": quotas.defaults(ctx.state, SERVICE)}


def quota_update(ctx, project):
    spec = ctx.request.json_object().get("quota")
    if not isinstance(spec, dict):
        raise bad("Resource body required: 'quota' expected")
    known = quotas.defaults(ctx.state, SERVICE)
    unknown = sorted(set(spec) - set(known) - {"force", "check_limit"})
    if unknown:
        raise bad("Unrecognized attribute(s) '" + ", ".join(unknown) + "'")
    values = {}
    for key, raw in spec.items():
        if key in ("force", "check_limit"):
            continue
        value = quotas.parse_value(raw)
        if value is None or not -1 <= value <= quotas.MAX_QUOTA:
            reason = (f"'{raw}' is not an integer." if value is None
                      else f"'{raw}' should be greater than or equal to -1.")  # [guess]
            raise bad(f"Invalid input for operation: {reason}", "InvalidInput")
        values[key] = value
    quotas.set_limits(ctx.state, SERVICE, project, values)
    return 200, {"quota": quotas.limits(ctx.state, SERVICE, project)}


def quota_delete(ctx, project):
    quotas.reset_limits(ctx.state, SERVICE, project)
    return 204, None


def quota_list(ctx):
    items = [dict(quotas.limits(ctx.state, SERVICE, p), project_id=p, tenant_id=p)
             for p in sorted(ctx.state.quotas[SERVICE])]
    return 200, {"quotas": items}


ROUTES = [
    ("GET", "/v2.0/quotas", quota_list, "admin"),
    ("GET", "/v2.0/quotas/{project}", quota_get, "token"),
    ("GET", "/v2.0/quotas/{project}/details", quota_details, "token"),
    ("GET", "/v2.0/quotas/{project}/default", quota_default, "token"),
    ("PUT", "/v2.0/quotas/{project}", quota_update, "admin"),
    ("DELETE", "/v2.0/quotas/{project}", quota_delete, "admin"),
]
