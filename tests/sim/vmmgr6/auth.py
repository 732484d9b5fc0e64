"""Auth v4: POST /auth/v4/public/token gives a token; later calls present it in the
x-xsrf-token header or the ses6 cookie. A token dies after session_ttl seconds without use
(each authenticated call refreshes it), when the expire knob is used, or on reset."""
from common.schema import SchemaError, validate

from . import errors, schemas
from .config import AUTH_ERRORS
from .model import Session


def login(state, now: float, body) -> dict:
    try:
        validate(schemas.LOGIN, body)
    except SchemaError:
        state.login_failures += 1
        raise
    account = state.account_by_email(body["email"])
    if account is None or account.password != body["password"] or account.state != "active":
        state.login_failures += 1
        raise errors.api_error(401, "Invalid email or password", errors.BAD_CREDENTIALS)
    token = state.new_token()
    state.sessions[token] = Session(token, account.id, now)
    state.logins += 1
    return {"confirmed": True, "expires_at": None, "id": str(account.id), "token": token}


def presented_token(request):
    """(token, how) from the x-xsrf-token header, else the ses6 cookie; (None, None)."""
    token = request.headers.get("x-xsrf-token")
    if token:
        return token.strip(), "header"
    token = request.cookie("ses6")
    if token:
        return token, "cookie"
    return None, None


def _dead_session(state) -> Exception:
    status, code = AUTH_ERRORS[state.config.auth_error]
    return errors.api_error(status, "Unauthorized: the session is invalid or expired", code)


def authenticate(state, now: float, request):
    """The account behind the request's token; refreshes the session. Raises 401/1000."""
    token, how = presented_token(request)
    request.context["auth"] = how
    session = state.sessions.get(token) if token else None
    if session is not None and now - session.last_used > state.config.session_ttl:
        del state.sessions[token]
        session = None
    account = state.accounts.get(session.account_id) if session else None
    if account is None:
        raise _dead_session(state)
    session.last_used = now
    request.context["user"] = account.id
    return account


def expire_all(state) -> int:
    count = len(state.sessions)
    state.sessions.clear()
    return count
