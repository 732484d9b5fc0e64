"""Keystone's side that every service relies on: password authentication, token issue and
validation (the work keystonemiddleware does in front of each service), the service catalog
and the admin check."""
import base64

from . import errors, timefmt
from .model import Token

# type, name, path under the port (as mounted by the App), whether it holds the project id
SERVICES = [
    ("identity", "keystone", "/identity", False),
    ("compute", "nova", "/compute/v2.1", False),
    ("volumev3", "cinderv3", "/volume/v3/$(project_id)s", True),
    ("block-storage", "cinder", "/volume/v3/$(project_id)s", True),
    ("network", "neutron", "/network", False),
    ("load-balancer", "octavia", "/load-balancer", False),
    ("image", "glance", "/image", False),
]
INTERFACES = ("public", "internal", "admin")
# Knob catalog_urls: how other deployments write the same endpoints. versionless: no API
# version (clients add it; Cinder's then needs /v3/<project> added); versioned: the version
# everywhere, with a trailing slash as Keystone's own URL has on the real tier.
CATALOG_PATHS = {
    "plain": {},
    "versionless": {"compute": "/compute", "volumev3": "/volume",
                    "block-storage": "/volume"},
    "versioned": {"identity": "/identity/v3/", "compute": "/compute/v2.1/",
                  "volumev3": "/volume/v3/$(project_id)s/",
                  "block-storage": "/volume/v3/$(project_id)s/",
                  "network": "/network/v2.0/", "load-balancer": "/load-balancer/v2.0/",
                  "image": "/image/v2/"},
}
REGION = "RegionOne"


def _unauthorized(cause: str = errors.AUTH_REQUIRED):
    """Keystone's 401 for a refused authentication. Real Keystone never says why (wrong
    password, unknown or disabled project or user, no role on the scope: FINDINGS §1 item
    9): one generic message; the cause stays in the simulator's own log only. The
    WWW-Authenticate header is added by the token handler, which knows the URL."""
    del cause
    return errors.keystone(401, errors.AUTH_REQUIRED)


def _bad(message: str):
    return errors.keystone(400, message)


def new_token_id(state) -> str:
    """A Fernet-looking token (gAAAAAB…, about 180 characters)."""
    raw = bytes(state.rng.getrandbits(8) for _ in range(128))
    return "gAAAAAB" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def validate(state, wall: float, token_id):
    """The live Token behind token_id, or None: unknown, revoked, expired, or its user or
    scope gone or disabled."""
    token = state.tokens.get(token_id.strip()) if token_id else None
    if token is None or token.revoked or token.expires_at <= wall:
        return None
    user = state.users.get(token.user_id)
    if user is None or not user.enabled:
        return None
    if token.app_cred is not None and token.app_cred not in state.app_credentials:
        return None   # deleting a credential ends the tokens issued from it
    if user.revoked_second is not None and int(token.issued_at) <= user.revoked_second:
        return None   # a revocation event (password change…): second granularity
    if token.scope and token.scope[0] == "project":
        project = state.projects.get(token.scope[1])
        if project is None or not project.enabled:
            return None
    elif token.scope and token.scope[0] == "domain":
        domain = state.domains.get(token.scope[1])
        if domain is None or not domain.enabled:
            return None
    return token


def token_is_admin(state, token) -> bool:
    admin = state.role_by_name("admin")
    return admin is not None and admin.id in token.roles


def forbidden_message(ctx) -> str:
    if ctx.service == "identity":
        return "You are not authorized to perform the requested action."
    if ctx.service == "network":
        return "The request you have made is not allowed by policy."
    if ctx.service == "load-balancer":
        return "Policy does not allow this request to be performed."
    return "Policy doesn't allow this request to be performed."


def _domain_ref(state, ref):
    if not isinstance(ref, dict):
        raise _bad("Expecting to find domain in user or project. The server could not comply "
                   "with the request since it is either malformed or otherwise incorrect.")
    if "id" in ref:
        return state.domains.get(ref["id"])
    if "name" in ref:
        return state.domain_by_name(ref["name"])
    raise _bad("Expecting to find id or name in domain.")


def _password_user(state, method: dict):
    user_ref = method.get("user") if isinstance(method, dict) else None
    if not isinstance(user_ref, dict) or "password" not in user_ref:
        raise _bad("Expecting to find user and password in password method.")
    if "id" in user_ref:
        user = state.users.get(user_ref["id"])
    elif "name" in user_ref:
        if "domain" not in user_ref:
            raise _bad("Expecting to find domain in user.")
        domain = _domain_ref(state, user_ref["domain"])
        user = state.user_by_name(user_ref["name"], domain.id) if domain else None
    else:
        raise _bad("Expecting to find id or name in user.")
    if user is None or not user.enabled or user.password is None \
            or user.password != user_ref["password"]:
        return None
    return user


def _token_user(state, wall: float, method: dict):
    token = validate(state, wall, method.get("id") if isinstance(method, dict) else None)
    return state.users.get(token.user_id) if token else None


def _scope(state, user, scope):
    """(scope tuple or None, role ids) for the requested scope; 401 if not allowed."""
    if scope is None or scope == "unscoped":
        return None, []
    if not isinstance(scope, dict):
        raise _bad("Invalid scope.")
    if "project" in scope:
        ref = scope["project"]
        if not isinstance(ref, dict):
            raise _bad("Invalid project scope.")
        if "id" in ref:
            project = state.projects.get(ref["id"])
        elif "name" in ref and "domain" in ref:
            domain = _domain_ref(state, ref["domain"])
            project = state.project_by_name(ref["name"], domain.id) if domain else None
        else:
            raise _bad("Expecting to find domain in project.")
        if project is None:
            raise _unauthorized(f"Could not find project: {ref.get('id', ref.get('name'))}.")
        if not project.enabled:
            raise _unauthorized(f"Project {project.id} is disabled.")
        roles = state.effective_roles(user.id, "project", project.id)
        if not roles:
            raise _unauthorized(f"User {user.id} has no access to project {project.id}")
        return ("project", project.id), roles
    if "domain" in scope:
        domain = _domain_ref(state, scope["domain"])
        if domain is None or not domain.enabled:
            raise _unauthorized("Could not find domain.")
        roles = state.effective_roles(user.id, "domain", domain.id)
        if not roles:
            raise _unauthorized(f"User {user.id} has no access to domain {domain.id}")
        return ("domain", domain.id), roles
    raise _bad("Invalid scope: project or domain expected.")


def issue(state, wall: float, body) -> Token:
    """POST /v3/auth/tokens: a new token, or 400/401 as Keystone answers."""
    auth = body.get("auth") if isinstance(body, dict) else None
    identity = auth.get("identity") if isinstance(auth, dict) else None
    if not isinstance(identity, dict) or not isinstance(identity.get("methods"), list):
        raise _bad("Expecting to find identity in auth. The server could not comply with the "
                   "request since it is either malformed or otherwise incorrect. The client "
                   "is assumed to be in error.")
    methods = identity["methods"]
    if "application_credential" in methods:
        return _app_credential_token(state, wall, identity.get("application_credential"),
                                     auth.get("scope"))
    if "password" in methods:
        user = _password_user(state, identity.get("password"))
    elif "token" in methods:
        user = _token_user(state, wall, identity.get("token"))
    else:
        raise _unauthorized("The request you have made requires authentication.")
    if user is None:
        state.login_failures += 1
        raise _unauthorized()
    scope = auth.get("scope")
    if scope is None and user.default_project_id in state.projects:
        scope = {"project": {"id": user.default_project_id}}
    scope, roles = _scope(state, user, scope)
    token = Token(new_token_id(state), user.id, scope, roles, wall,
                  wall + state.config.token_ttl, state.new_uuid()[:22], list(methods))
    state.tokens[token.id] = token
    state.logins += 1
    return token


def _app_credential_token(state, wall: float, method, scope) -> Token:
    """POST /v3/auth/tokens with method application_credential (by id, or by name with the
    user by id or by name and domain): a token scoped to the credential's project with its
    roles that the user still holds. Real Keystone 22's answers (FINDINGS §12)."""
    from .appcreds import SCOPE_REFUSED, secret_hash   # appcreds imports this module
    if not isinstance(method, dict) or not isinstance(method.get("secret"), str):
        raise _bad("Expecting to find secret in application_credential.")
    if scope is not None:
        error = errors.keystone(401, SCOPE_REFUSED)
        error.keep_message = True
        raise error
    if "id" in method:
        cred = state.app_credentials.get(method["id"])
        ident = method["id"]
    else:
        user_ref = method.get("user")
        if not isinstance(method.get("name"), str) or not isinstance(user_ref, dict):
            raise _bad("Expecting to find id or name and user in application_credential.")
        if "id" in user_ref:
            owner = state.users.get(user_ref["id"])
        else:
            domain = _domain_ref(state, user_ref.get("domain"))
            owner = state.user_by_name(user_ref.get("name"), domain.id) if domain else None
        cred = next((c for c in state.app_credentials.values()
                     if owner is not None and c.user_id == owner.id
                     and c.name == method["name"]), None)
        ident = method["name"]
    if cred is None:
        raise errors.keystone(404, f"Could not find Application Credential: {ident}.")
    user = state.users.get(cred.user_id)
    if cred.secret_hash != secret_hash(method["secret"]) or user is None or not user.enabled:
        state.login_failures += 1
        raise _unauthorized()
    project = state.projects.get(cred.project_id) if cred.project_id else None
    if project is not None and not project.enabled:
        error = errors.keystone(404, f"Unable to validate token because project {project.id} "
                                     "is disabled")
        raise error
    held = state.effective_roles(user.id, "project", cred.project_id) if project else []
    roles = [r for r in cred.roles if r in held]
    if not roles:
        raise _unauthorized()
    token = Token(new_token_id(state), user.id, ("project", project.id), roles, wall,
                  wall + state.config.token_ttl, state.new_uuid()[:22],
                  ["application_credential"], app_cred=cred.id)
    state.tokens[token.id] = token
    state.logins += 1
    return token


def expire_all(state) -> int:
    live = [t for t in state.tokens.values() if not t.revoked]
    for token in live:
        token.revoked = True
    return len(live)


def catalog(ctx, token) -> list:
    """The service catalog; endpoints whose URL needs a project id are left out of tokens
    without a project scope, as Keystone does [guess: the service stays, with no endpoints]."""
    result = []
    config = ctx.config
    for index, (kind, name, path, needs_project) in enumerate(SERVICES):
        if kind in ("volumev3", "block-storage") and config.volume_types not in ("both", kind):
            continue
        path = CATALOG_PATHS[config.catalog_urls].get(kind, path)
        endpoints = []
        if not needs_project or token.project_id:
            url = ctx.url(path.replace("$(project_id)s", token.project_id or ""))
            for number, interface in enumerate(INTERFACES):
                endpoint = {"id": f"{index + 1:02d}{number + 1:02d}" + "e" * 28,
                            "interface": interface, "region": REGION, "region_id": REGION,
                            "url": url}
                if config.endpoint_region != "both":   # older Keystones: region only
                    del endpoint["region" if config.endpoint_region == "region_id"
                                  else "region_id"]
                endpoints.append(endpoint)
        result.append({"id": f"{index + 1:02d}" + "5" * 30, "name": name, "type": kind,
                       "endpoints": endpoints})
    return result


def token_body(ctx, token, with_catalog: bool = True) -> dict:
    state = ctx.state
    user = state.users[token.user_id]
    domain = state.domains[user.domain_id]
    body = {"methods": token.methods,
            "user": {"domain": {"id": domain.id, "name": domain.name}, "id": user.id,
                     "name": user.name, "password_expires_at": None},
            "audit_ids": [token.audit_id], "expires_at": timefmt.token(ctx.config.token_times, token.expires_at),
            "issued_at": timefmt.keystone(token.issued_at)}
    if token.scope:
        kind, ident = token.scope
        if kind == "project":
            project = state.projects[ident]
            pdomain = state.domains[project.domain_id]
            body["project"] = {"domain": {"id": pdomain.id, "name": pdomain.name},
                               "id": project.id, "name": project.name}
            body["is_domain"] = False
        else:
            body["domain"] = {"id": ident, "name": state.domains[ident].name}
        cred = state.app_credentials.get(token.app_cred) if token.app_cred else None
        if cred is not None:
            body["application_credential"] = {"id": cred.id, "name": cred.name,
                                              "restricted": not cred.unrestricted}
        body["roles"] = [{"id": r, "name": state.roles[r].name} for r in token.roles
                         if r in state.roles]
        if with_catalog:
            body["catalog"] = catalog(ctx, token)
    return {"token": body}
