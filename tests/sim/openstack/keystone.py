"""Keystone v3 (identity): tokens, domains, projects, users, roles, role assignments."""
from common.messages import ApiError, Response

from . import errors, identity
from .model import Project, User

SERVICE = "identity"
NAME_MAX = 64


def _not_found(kind: str, ident) -> Exception:
    return errors.keystone(404, f"Could not find {kind}: {ident}.")


def _body(ctx, key: str) -> dict:
    body = ctx.request.json_object()
    inner = body.get(key)
    if not isinstance(inner, dict):
        raise errors.keystone(400, f"Invalid input for field '{key}': the request body must "
                                   f"hold an object '{key}'.")
    return inner


def _duplicate_project(name: str, ident: str) -> Exception:
    return errors.keystone(409, "Conflict occurred attempting to store project - it is not "
                                "permitted to have two projects with either the same name or "
                                f"same id in the same domain: name is {name}, project id "
                                f"{ident}.")


def _check_name(value, required: bool):
    if value is None and not required:
        return
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= NAME_MAX:
        raise errors.keystone(400, f"Invalid input for field 'name': {value!r} is not a "
                                   f"non-empty string of at most {NAME_MAX} characters.")


def _check_types(inner: dict):
    for key, kind in (("domain_id", str), ("description", str), ("default_project_id", str),
                      ("tags", list), ("enabled", bool)):
        if inner.get(key) is not None and not isinstance(inner[key], kind):
            raise errors.keystone(400, f"Invalid input for field '{key}': {inner[key]!r} is "
                                       f"not of type '{kind.__name__}'")


def _listing(ctx, key: str, items: list) -> dict:
    query = ctx.request.raw_query
    path = ctx.request.path + (f"?{query}" if query else "")
    body = {key: items, "links": {"self": ctx.base + path, "previous": None, "next": None}}
    limit = ctx.config.keystone_list_limit
    if limit and len(items) > limit:   # Keystone's list_limit: cut, and said so
        body[key] = items[:limit]
        body["truncated"] = True
    return body


def _filtered(ctx, objects, fields=("name", "domain_id", "enabled")) -> list:
    query = ctx.request.query
    result = []
    for obj in objects:
        keep = True
        for name in fields:
            if name in query:
                value = getattr(obj, name)
                wanted = query[name]
                if isinstance(value, bool):
                    keep = keep and str(value).lower() == wanted.lower()
                else:
                    keep = keep and value == wanted
        if keep:
            result.append(obj)
    return result


# views
def domain_view(ctx, domain) -> dict:
    return {"id": domain.id, "name": domain.name, "description": domain.description,
            "enabled": domain.enabled, "tags": [], "options": {},
            "links": {"self": ctx.url(f"/identity/v3/domains/{domain.id}")}}


def project_view(ctx, project) -> dict:
    view = dict(project.extra)
    view.update({"id": project.id, "name": project.name, "domain_id": project.domain_id,
                 "description": project.description, "enabled": project.enabled,
                 "parent_id": project.domain_id, "is_domain": False,
                 "tags": list(project.tags), "options": {},
                 "links": {"self": ctx.url(f"/identity/v3/projects/{project.id}")}})
    return view


def user_view(ctx, user) -> dict:
    view = dict(user.extra)
    view.update({"id": user.id, "name": user.name, "domain_id": user.domain_id,
                 "enabled": user.enabled, "password_expires_at": None, "options": {},
                 "links": {"self": ctx.url(f"/identity/v3/users/{user.id}")}})
    if user.default_project_id:
        view["default_project_id"] = user.default_project_id
    return view


def role_view(ctx, role) -> dict:
    return {"id": role.id, "name": role.name, "domain_id": None,
            "description": role.description, "options": dict(role.options),
            "links": {"self": ctx.url(f"/identity/v3/roles/{role.id}")}}


# tokens
def _subject(ctx):
    subject = (ctx.request.headers.get("X-Subject-Token") or "").strip()
    token = identity.validate(ctx.state, ctx.wall, subject)
    if token is None:
        if subject not in ctx.state.tokens:
            raise errors.keystone(404, "Could not recognize Fernet token")
        raise errors.keystone(404, "Failed to validate token")   # [guess] expired or revoked
    if token.user_id != ctx.token.user_id and not ctx.is_admin:
        raise errors.keystone(403, identity.forbidden_message(ctx))
    return token


def token_issue(ctx):
    try:
        token = identity.issue(ctx.state, ctx.wall, ctx.request.json_object())
    except ApiError as error:
        if error.status == 401 and getattr(error, "keep_message", False):
            error.headers = errors.unauthorized(ctx.base, "identity").headers
            raise
        if error.status == 401:   # Keystone names its /v3 URL (FINDINGS §1 item 9)
            raise errors.unauthorized(ctx.base, "identity") from None
        raise
    ctx.app.log.bump("logins")
    ctx.request.context["user"] = token.user_id
    with_catalog = "nocatalog" not in ctx.request.query
    body = identity.token_body(ctx, token, with_catalog)
    if ctx.config.take_failure("login_blank") is not None:
        body = _blanked(body)
    return Response(201, body, [("X-Subject-Token", token.id)])


def _blanked(value):
    """Every string of a JSON value replaced by "" (POST /__sim__/fail kind login_blank)."""
    if isinstance(value, dict):
        return {key: _blanked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_blanked(item) for item in value]
    return "" if isinstance(value, str) else value


def token_validate(ctx):
    token = _subject(ctx)
    with_catalog = "nocatalog" not in ctx.request.query
    return Response(200, identity.token_body(ctx, token, with_catalog),
                    [("X-Subject-Token", token.id)])


def token_check(ctx):
    _subject(ctx)
    return Response(200, None)


def token_revoke(ctx):
    _subject(ctx).revoked = True
    return 204, None


def auth_projects(ctx):
    ids = {t for (u, kind, t, _) in ctx.state.assignments
           if u == ctx.token.user_id and kind == "project"}
    projects = [ctx.state.projects[i] for i in ids if i in ctx.state.projects]
    return 200, _listing(ctx, "projects", [project_view(ctx, p) for p in projects])


def auth_catalog(ctx):
    return 200, {"catalog": identity.catalog(ctx, ctx.token),
                 "links": {"self": ctx.url("/identity/v3/auth/catalog"),
                           "previous": None, "next": None}}


# domains
def domain_list(ctx):
    domains = _filtered(ctx, ctx.state.domains.values(), ("name", "enabled"))
    return 200, _listing(ctx, "domains", [domain_view(ctx, d) for d in domains])


def domain_get(ctx, id):
    domain = ctx.state.domains.get(id)
    if domain is None:
        raise _not_found("domain", id)
    return 200, {"domain": domain_view(ctx, domain)}


# projects
def _project(ctx, ident):
    project = ctx.state.projects.get(ident)
    if project is None:
        raise _not_found("project", ident)
    return project


def _domain_id(ctx, inner: dict) -> str:
    domain_id = inner.get("domain_id")
    if domain_id is None:
        token = ctx.token
        domain_id = token.scope[1] if token.scope and token.scope[0] == "domain" else \
            ctx.state.projects[token.project_id].domain_id if token.project_id else "default"
    if domain_id not in ctx.state.domains:
        raise _not_found("domain", domain_id)
    return domain_id


def project_list(ctx):
    projects = _filtered(ctx, ctx.state.projects.values())
    return 200, _listing(ctx, "projects", [project_view(ctx, p) for p in projects])


def project_create(ctx):
    inner = _body(ctx, "project")
    _check_name(inner.get("name"), True)
    _check_types(inner)
    domain_id = _domain_id(ctx, inner)
    name = inner["name"]
    ident = ctx.state.new_hex()
    if ctx.state.project_by_name(name, domain_id) is not None:
        raise _duplicate_project(name, ident)
    known = {"name", "domain_id", "description", "enabled", "tags", "parent_id", "is_domain",
             "options"}
    project = Project(ident, name, domain_id, inner.get("description") or "",
                      inner.get("enabled", True), list(inner.get("tags") or []),
                      {k: v for k, v in inner.items() if k not in known})
    ctx.state.projects[project.id] = project
    return 201, {"project": project_view(ctx, project)}


def project_get(ctx, id):
    project = _project(ctx, id)
    if not ctx.is_admin and ctx.project_id != project.id:
        raise errors.keystone(403, identity.forbidden_message(ctx))
    return 200, {"project": project_view(ctx, project)}


def project_update(ctx, id):
    project = _project(ctx, id)
    inner = _body(ctx, "project")
    _check_name(inner.get("name"), False)
    _check_types(inner)
    if "domain_id" in inner and inner["domain_id"] != project.domain_id:
        raise errors.keystone(400, "Update of `domain_id` is not allowed.")
    name = inner.get("name", project.name)
    other = ctx.state.project_by_name(name, project.domain_id)
    if other is not None and other is not project:
        raise _duplicate_project(name, project.id)
    project.name = name
    project.description = inner.get("description", project.description) or ""
    project.enabled = inner.get("enabled", project.enabled)
    if "tags" in inner:
        project.tags = list(inner["tags"] or [])
    for key, value in inner.items():
        if key not in ("name", "description", "enabled", "tags", "domain_id", "options"):
            project.extra[key] = value
    # Keystone's PATCH reply (only) carries the "extra" column: {} when nothing is there
    return 200, {"project": {**project_view(ctx, project), "extra": dict(project.extra)}}


def project_delete(ctx, id):
    """Deletes the project and its role assignments; its servers, volumes, networks and
    load balancers stay, as they do in a real cloud."""
    project = _project(ctx, id)
    del ctx.state.projects[project.id]
    ctx.state.assignments = {a for a in ctx.state.assignments
                             if not (a[1] == "project" and a[2] == project.id)}
    return 204, None


# users
def _user(ctx, ident):
    user = ctx.state.users.get(ident)
    if user is None:
        raise _not_found("user", ident)
    return user


def user_list(ctx):
    users = _filtered(ctx, ctx.state.users.values())
    return 200, _listing(ctx, "users", [user_view(ctx, u) for u in users])


def _check_password(inner: dict):
    if "password" in inner and inner["password"] is not None \
            and not isinstance(inner["password"], str):
        raise errors.keystone(400, "Invalid input for field 'password': not a string.")


def user_create(ctx):
    inner = _body(ctx, "user")
    _check_name(inner.get("name"), True)
    _check_types(inner)
    _check_password(inner)
    domain_id = _domain_id(ctx, inner)
    if ctx.state.user_by_name(inner["name"], domain_id) is not None:
        raise errors.keystone(409, "Conflict occurred attempting to store user - Duplicate "
                                   f"entry found with name {inner['name']} at domain ID "
                                   f"{domain_id}.")
    known = {"name", "domain_id", "password", "enabled", "default_project_id", "options"}
    user = User(ctx.state.new_hex(), inner["name"], domain_id, inner.get("password"),
                inner.get("enabled", True), inner.get("default_project_id"),
                {k: v for k, v in inner.items() if k not in known})
    ctx.state.users[user.id] = user
    return 201, {"user": user_view(ctx, user)}


def user_get(ctx, id):
    user = _user(ctx, id)
    if not ctx.is_admin and ctx.user_id != user.id:
        raise errors.keystone(403, identity.forbidden_message(ctx))
    return 200, {"user": user_view(ctx, user)}


def user_update(ctx, id):
    user = _user(ctx, id)
    inner = _body(ctx, "user")
    _check_name(inner.get("name"), False)
    _check_types(inner)
    _check_password(inner)
    name = inner.get("name", user.name)
    other = ctx.state.user_by_name(name, user.domain_id)
    if other is not None and other is not user:
        raise errors.keystone(409, "Conflict occurred attempting to store user - Duplicate "
                                   f"entry found with name {name} at domain ID "
                                   f"{user.domain_id}.")
    user.name = name
    revoking = ctx.config.same_second_revocation
    if "password" in inner and inner["password"] != user.password and revoking != "none":
        user.revoked_second = int(ctx.wall)   # Keystone's revocation event (FINDINGS §12)
    if user.enabled and inner.get("enabled") is False and revoking == "password_and_disable":
        user.revoked_second = int(ctx.wall)   # [inferred] the same event on a disable
    user.enabled = inner.get("enabled", user.enabled)
    user.password = inner.get("password", user.password)
    user.default_project_id = inner.get("default_project_id", user.default_project_id)
    for key, value in inner.items():
        if key not in ("name", "enabled", "password", "default_project_id", "domain_id",
                       "options"):
            user.extra[key] = value
    # Keystone's PATCH reply (only) carries the "extra" column: {} when nothing is there
    return 200, {"user": {**user_view(ctx, user), "extra": dict(user.extra)}}


def user_delete(ctx, id):
    user = _user(ctx, id)
    del ctx.state.users[user.id]
    for cred in [c for c in ctx.state.app_credentials.values() if c.user_id == user.id]:
        del ctx.state.app_credentials[cred.id]   # Keystone's callback deletes them
    ctx.state.assignments = {a for a in ctx.state.assignments if a[0] != user.id}
    return 204, None


def user_projects(ctx, id):
    user = _user(ctx, id)
    if not ctx.is_admin and ctx.user_id != user.id:
        raise errors.keystone(403, identity.forbidden_message(ctx))
    ids = {t for (u, kind, t, _) in ctx.state.assignments if u == user.id and kind == "project"}
    projects = [ctx.state.projects[i] for i in sorted(ids) if i in ctx.state.projects]
    return 200, _listing(ctx, "projects", [project_view(ctx, p) for p in projects])


# roles
def role_list(ctx):
    roles = _filtered(ctx, ctx.state.roles.values(), ("name",))
    return 200, _listing(ctx, "roles", [role_view(ctx, r) for r in roles])


def role_get(ctx, id):
    role = ctx.state.roles.get(id)
    if role is None:
        raise _not_found("role", id)
    return 200, {"role": role_view(ctx, role)}


ROUTES = [
    ("POST", "/v3/auth/tokens", token_issue, "public"),
    ("GET", "/v3/auth/tokens", token_validate, "token"),
    ("HEAD", "/v3/auth/tokens", token_check, "token"),
    ("DELETE", "/v3/auth/tokens", token_revoke, "token"),
    ("GET", "/v3/auth/projects", auth_projects, "token"),
    ("GET", "/v3/auth/catalog", auth_catalog, "token"),
    ("GET", "/v3/domains", domain_list, "admin"),
    ("GET", "/v3/domains/{id}", domain_get, "admin"),
    ("GET", "/v3/projects", project_list, "admin"),
    ("POST", "/v3/projects", project_create, "admin"),
    ("GET", "/v3/projects/{id}", project_get, "token"),
    ("PATCH", "/v3/projects/{id}", project_update, "admin"),
    ("DELETE", "/v3/projects/{id}", project_delete, "admin"),
    ("GET", "/v3/users", user_list, "admin"),
    ("POST", "/v3/users", user_create, "admin"),
    ("GET", "/v3/users/{id}", user_get, "token"),
    ("PATCH", "/v3/users/{id}", user_update, "admin"),
    ("DELETE", "/v3/users/{id}", user_delete, "admin"),
    ("GET", "/v3/users/{id}/projects", user_projects, "token"),
    ("GET", "/v3/roles", role_list, "admin"),
    ("GET", "/v3/roles/{id}", role_get, "admin"),
]
