"""Keystone role assignments: grants on projects and domains, and the
GET /v3/role_assignments report with the filters openstackclient uses."""
from . import errors
from .keystone import _listing, role_view

SERVICE = "identity"


def _target(ctx, kind: str, ident):
    table = ctx.state.projects if kind == "project" else ctx.state.domains
    if ident not in table:
        raise errors.keystone(404, f"Could not find {kind}: {ident}.")


def _check(ctx, kind: str, target: str, user: str, role: str):
    _target(ctx, kind, target)
    if user not in ctx.state.users:
        raise errors.keystone(404, f"Could not find user: {user}.")
    if role not in ctx.state.roles:
        raise errors.keystone(404, f"Could not find role: {role}.")
    return (user, kind, target, role)


def _missing(grant) -> Exception:
    user, kind, target, role = grant
    return errors.keystone(404, f"Could not find role assignment with role: {role}, user or "
                                f"group: {user}, project, domain, or system: {target}.")


def _grant_handlers(kind: str):
    def put(ctx, target, user, role):
        ctx.state.assignments.add(_check(ctx, kind, target, user, role))
        return 204, None

    def head(ctx, target, user, role):
        grant = _check(ctx, kind, target, user, role)
        if grant not in ctx.state.assignments:
            raise _missing(grant)
        return 204, None

    def delete(ctx, target, user, role):
        grant = _check(ctx, kind, target, user, role)
        if grant not in ctx.state.assignments:
            raise _missing(grant)
        ctx.state.assignments.discard(grant)
        for token in ctx.state.tokens.values():   # Keystone revokes them on a grant delete
            if token.user_id == user and token.scope == (kind, target):
                token.revoked = True
        return 204, None

    def listing(ctx, target, user):
        _target(ctx, kind, target)
        if user not in ctx.state.users:
            raise errors.keystone(404, f"Could not find user: {user}.")
        roles = sorted(r for (u, k, t, r) in ctx.state.assignments
                       if u == user and k == kind and t == target)
        return 200, _listing(ctx, "roles", [role_view(ctx, ctx.state.roles[r]) for r in roles])

    return put, head, delete, listing


def _named(ctx, entity, kind: str) -> dict:
    ref = {"id": entity.id, "name": entity.name}
    if kind in ("user", "project"):
        domain = ctx.state.domains.get(entity.domain_id)
        ref["domain"] = {"id": entity.domain_id, "name": domain.name if domain else None}
    return ref


def _entry(ctx, grant, role_id, prior, names: bool) -> dict:
    user, kind, target, _ = grant
    state = ctx.state
    entry = {"role": {"id": role_id}, "user": {"id": user}, "scope": {kind: {"id": target}},
             "links": {"assignment": ctx.url(f"/identity/v3/{kind}s/{target}/users/{user}"
                                             f"/roles/{grant[3]}")}}
    if prior is not None:   # the form Keystone writes, the implied role first
        entry["links"]["prior_role"] = ctx.url(f"/identity/v3/prior_role/{role_id}/implies/"
                                               f"{prior}")
    if names:
        entry["role"] = {"id": role_id, "name": state.roles[role_id].name}
        entry["user"] = _named(ctx, state.users[user], "user")
        table = state.projects if kind == "project" else state.domains
        entry["scope"] = {kind: _named(ctx, table[target], kind)}
    return entry


def role_assignments(ctx):
    query = ctx.request.query
    effective = "effective" in query
    names = "include_names" in query and query["include_names"].lower() not in ("0", "false")
    result = []
    state = ctx.state
    for grant in sorted(state.assignments):
        user, kind, target, role = grant
        if user not in state.users or role not in state.roles:
            continue
        if kind == "project" and target not in state.projects:
            continue
        if query.get("user.id", user) != user:
            continue
        if query.get(f"scope.{kind}.id", target) != target:
            continue
        other = "domain" if kind == "project" else "project"
        if f"scope.{other}.id" in query or "group.id" in query or "scope.system" in query:
            continue
        expanded = [(role, None)]
        if effective:
            expanded += [(r, role) for r in state.effective_roles_of(role)]
        for role_id, prior in expanded:
            if query.get("role.id", role_id) != role_id:
                continue
            result.append(_entry(ctx, grant, role_id, prior, names))
    return 200, _listing(ctx, "role_assignments", result)


_PROJECT = _grant_handlers("project")
_DOMAIN = _grant_handlers("domain")
ROUTES = [("GET", "/v3/role_assignments", role_assignments, "admin")]
for _kind, (_put, _head, _delete, _list) in (("projects", _PROJECT), ("domains", _DOMAIN)):
    ROUTES += [
        ("PUT", f"/v3/{_kind}/{{target}}/users/{{user}}/roles/{{role}}", _put, "admin"),
        ("HEAD", f"/v3/{_kind}/{{target}}/users/{{user}}/roles/{{role}}", _head, "admin"),
        ("GET", f"/v3/{_kind}/{{target}}/users/{{user}}/roles/{{role}}", _head, "admin"),
        ("DELETE", f"/v3/{_kind}/{{target}}/users/{{user}}/roles/{{role}}", _delete, "admin"),
        ("GET", f"/v3/{_kind}/{{target}}/users/{{user}}/roles", _list, "admin"),
    ]
