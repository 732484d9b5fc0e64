"""Keystone application credentials (api/console-zabbix.md §3; answers as the real tier's
Keystone 22 gave them, tests/real/FINDINGS.md §12): created by the user themselves with a
project-scoped token (another user, admins included, gets 403), listed, read and deleted by
the owner or an admin, the secret shown once (kept as a hash), and authentication with the
application_credential method, which must not ask for a scope."""
import base64
import hashlib

from common.messages import Response

from . import errors, identity
from .keystone import _listing, _user
from .model import AppCredential

SERVICE = "identity"
FORBIDDEN_CREATE = ("You are not authorized to perform the requested action: "
                    "identity:create_application_credential.")
FORBIDDEN_RESTRICTED = ("You are not authorized to perform the requested action: Using method "
                        "'application_credential' is not allowed for managing additional "
                        "application credentials..")
UNASSIGNED_ROLE = ("Invalid application credential: Cannot create an application credential "
                   "with unassigned role")
SCOPE_REFUSED = ("Error authenticating with application credential: Application credentials "
                 "cannot request a scope.")


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _not_found(ident) -> Exception:
    return errors.keystone(404, f"Could not find Application Credential: {ident}.")


def _role_refs(ctx, role_ids) -> list:
    roles = ctx.state.roles
    return [{"id": r, "name": roles[r].name, "domain_id": None,
             "description": roles[r].description, "options": dict(roles[r].options)}
            for r in role_ids if r in roles]


def view(ctx, cred: AppCredential) -> dict:
    return {"id": cred.id, "name": cred.name, "description": cred.description,
            "user_id": cred.user_id, "project_id": cred.project_id, "system": None,
            "expires_at": cred.expires_at, "unrestricted": cred.unrestricted,
            "roles": _role_refs(ctx, cred.roles),
            "links": {"self": ctx.url(f"/identity/v3/application_credentials/{cred.id}")}}


def _owner_or_admin(ctx, user_id: str) -> None:
    """Policy (Zed, legacy rules on): the owner or an admin; a token issued from an
    application credential may read the list, never create or delete."""
    _user(ctx, user_id)
    if ctx.token.user_id != user_id and not ctx.is_admin:
        raise errors.keystone(403, identity.forbidden_message(ctx))


def _roles(ctx, inner: dict) -> list:
    token_roles = list(ctx.token.roles)
    wanted = inner.get("roles")
    if wanted is None:
        return token_roles
    if not isinstance(wanted, list):
        raise errors.keystone(400, "Invalid input for field 'roles': not an array.")
    result = []
    for ref in wanted:
        role = None
        if isinstance(ref, dict) and "id" in ref:
            role = ctx.state.roles.get(ref["id"])
        elif isinstance(ref, dict) and "name" in ref:
            role = ctx.state.role_by_name(ref["name"])
        if role is None or role.id not in token_roles:
            raise errors.keystone(400, UNASSIGNED_ROLE)
        result.append(role.id)
    return result


def create(ctx, user_id):
    if ctx.token.user_id != user_id:   # Keystone: only the user themselves, admins included
        raise errors.keystone(403, FORBIDDEN_CREATE)
    if ctx.token.app_cred is not None:
        raise errors.keystone(403, FORBIDDEN_RESTRICTED)
    body = ctx.request.json_object()
    inner = body.get("application_credential")
    if not isinstance(inner, dict):
        raise errors.keystone(400, "'application_credential' is a required property")
    name = inner.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 255:
        raise errors.keystone(400, "'name' is a required property")
    if any(c.user_id == user_id and c.name == name for c in ctx.state.app_credentials.values()):
        raise errors.keystone(409, "Conflict occurred attempting to store "
                                   f"application_credential - Duplicate entry found with name "
                                   f"{name}.")
    secret = inner.get("secret")
    if secret is None:   # 64 random bytes, urlsafe base64 without padding: 86 characters
        raw = bytes(ctx.state.rng.getrandbits(8) for _ in range(64))
        secret = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    elif not isinstance(secret, str) or not secret:
        raise errors.keystone(400, "Invalid input for field 'secret'.")
    cred = AppCredential(ctx.state.new_hex(), name, user_id, ctx.token.project_id,
                         _roles(ctx, inner), secret_hash(secret), inner.get("description"),
                         inner.get("expires_at"), inner.get("unrestricted"))
    ctx.state.app_credentials[cred.id] = cred
    return 201, {"application_credential": {**view(ctx, cred), "secret": secret}}


def listing(ctx, user_id):
    if user_id in ctx.state.users or not ctx.is_admin:
        _owner_or_admin(ctx, user_id)
    # else: a user Keystone does not know has an empty list (200), as real Keystone answers
    name = ctx.request.query.get("name")
    creds = [c for c in ctx.state.app_credentials.values()
             if c.user_id == user_id and (name is None or c.name == name)]
    return 200, _listing(ctx, "application_credentials", [view(ctx, c) for c in creds])


def _cred(ctx, user_id, ident) -> AppCredential:
    _owner_or_admin(ctx, user_id)
    cred = ctx.state.app_credentials.get(ident)
    if cred is None or cred.user_id != user_id:
        raise _not_found(ident)
    return cred


def get(ctx, user_id, id):
    return 200, {"application_credential": view(ctx, _cred(ctx, user_id, id))}


def head(ctx, user_id, id):
    _cred(ctx, user_id, id)
    return Response(200, None)


def delete(ctx, user_id, id):
    if ctx.token.app_cred is not None:
        raise errors.keystone(403, FORBIDDEN_RESTRICTED)
    cred = _cred(ctx, user_id, id)
    del ctx.state.app_credentials[cred.id]
    return 204, None


ROUTES = [
    ("POST", "/v3/users/{user_id}/application_credentials", create, "token"),
    ("GET", "/v3/users/{user_id}/application_credentials", listing, "token"),
    ("GET", "/v3/users/{user_id}/application_credentials/{id}", get, "token"),
    ("HEAD", "/v3/users/{user_id}/application_credentials/{id}", head, "token"),
    ("DELETE", "/v3/users/{user_id}/application_credentials/{id}", delete, "token"),
]
