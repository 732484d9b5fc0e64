"""VMmanager 6 error answers: {"error":{"code":<int>,"msg":"…","value":{…}}}.

The body shape, 1106 (no such handler: an unknown route) and 3080 (no such object) are
[sure] (vmmanager6-replies.md §0), 1000 / 3001 for a dead session [likely] (§6.20); every
other code below is a [guess], chosen so each failure is distinguishable in tests, and every
HTTP status but 201/200/503 is a [guess] too (§6.21).
"""
from common.messages import ApiError

SESSION_INVALID = 1000        # 401: unknown or expired token (API notes)
SESSION_INVALID_ALT = 3001    # 403: the same, when the auth_error knob says "403" (API notes)
FORBIDDEN = 1001              # 403: not an admin [guess]
BAD_CREDENTIALS = 1003        # 401: wrong email or password [guess]
BAD_REQUEST = 2000            # 400: malformed JSON, generic [guess]
UNEXPECTED_PROPERTY = 2001    # 400: "Unexpected property" (API notes: rejected) [guess code]
MISSING_PROPERTY = 2002       # 400 [guess]
INVALID_TYPE = 2003           # 400 [guess]
INVALID_VALUE = 2004          # 400 [guess]
BAD_FILTER = 2005             # 400: unparsable where= [guess]
NOT_FOUND = 3080              # 404: ERROR_INSTANCE_NOT_FOUND, the object in the URL [sure code]
NO_HANDLER = 1106             # 404: ERROR_REQUEST_HANDLER_NOT_FOUND, unknown route [sure code]
METHOD_NOT_ALLOWED = 4005     # 405 [guess]
REFERENCE_NOT_FOUND = 4006    # 400: an id in the body does not exist [guess]
HOST_BUSY = 5001              # 409: the host is being created/deleted/reinstalled [guess]
NO_FREE_IP = 5002             # 400: the pools have no free address left [guess]
SHRINK_REFUSED = 5003         # 400: CPU/RAM/disk may only grow [guess]
HOT_CHANGE_REFUSED = 5004     # 400: not possible on a running host without defer [guess]
DUPLICATE = 5005              # 400: an account with this email exists [guess]
OS_NOT_AVAILABLE = 5006       # 400: the OS is not available on the cluster [guess]
PARAMS_CONFLICT = 5007        # 400: preset together with cpu/ram/hdd, os with image [guess]
INVALID_STATE = 5008          # 400: not possible in the host's state [guess]
CHANGE_FAILED = 5009          # 400: an injected failure of a change that has no task [guess]

_DEFAULT_CODES = {400: BAD_REQUEST, 401: SESSION_INVALID, 403: FORBIDDEN, 404: NO_HANDLER,
                  405: METHOD_NOT_ALLOWED}


def api_error(status: int, message: str, code=None, value=None) -> ApiError:
    """An ApiError with VMmanager's body; injected statuses (503, 429…) use the status as code."""
    if code is None:
        code = _DEFAULT_CODES.get(status, status)
    body = {"error": {"code": code, "msg": message, "value": value or {}}}
    return ApiError(status, body)


def bad(code: int, message: str, **value) -> ApiError:
    return api_error(400, message, code, value)


def not_found(kind: str, ident) -> ApiError:
    return api_error(404, f"{kind} {ident} not found", NOT_FOUND, {"id": ident})


def missing_reference(kind: str, ident) -> ApiError:
    return bad(REFERENCE_NOT_FOUND, f"{kind} {ident} not found", **{kind: ident})


def busy(host_id: int, state: str) -> ApiError:
    return api_error(409, f"Host {host_id} is busy ({state})", HOST_BUSY,
                     {"id": host_id, "state": state})


def unavailable() -> ApiError:
    """503 with the plain-text body "Unavailable" (the platform waking up) [sure D-DCI]."""
    return ApiError(503, b"Unavailable", [("Content-Type", "text/plain")])
