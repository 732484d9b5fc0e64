"""Error answers in each service's own shape.

* Keystone, and any service when keystonemiddleware refuses the token:
  {"error":{"code":401,"title":"Unauthorized","message":"…"}}
* Nova and Cinder: {"itemNotFound":{"code":404,"message":"…"}}, one fault key per status
  (Cinder adds "retryAfter" to a 413).
* Neutron: {"NeutronError":{"type":"NetworkNotFound","message":"…","detail":""}}
* Octavia: {"faultcode":"Client","faultstring":"…","debuginfo":null}
* Glance, and Nova/Cinder for unknown paths: webob's
  {"message":"…<br /><br />\n\n\n","code":"404 Not Found","title":"Not Found"}
"""
from http import HTTPStatus

from common.messages import ApiError

AUTH_REQUIRED = "The request you have made requires authentication."
GLANCE_UNAUTHORIZED = ("This server could not verify that you are authorized to access the "
                       "document you requested. Either you supplied the wrong credentials "
                       "(e.g., bad password), or your browser does not understand how to "
                       "supply the credentials required.")

_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 409: "Conflict", 413: "Request Entity Too Large",
           429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}

# Nova's and Cinder's fault wrapper: the key of the single top-level object.
_FAULT_KEYS = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
               405: "badMethod", 409: "conflictingRequest", 413: "overLimit",
               415: "badMediaType", 429: "overLimit", 501: "notImplemented",
               503: "serviceUnavailable"}

# Neutron's type for a bare HTTP error, when no exception class names it.
_NEUTRON_TYPES = {400: "HTTPBadRequest", 401: "HTTPUnauthorized", 403: "HTTPForbidden",
                  404: "HTTPNotFound", 405: "HTTPMethodNotAllowed", 409: "HTTPConflict",
                  503: "HTTPServiceUnavailable"}


def title(status: int) -> str:
    if status in _TITLES:
        return _TITLES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def keystone(status: int, message: str, headers=None) -> ApiError:
    return ApiError(status, {"error": {"code": status, "title": title(status),
                                       "message": message}}, headers)


def nova(status: int, message: str, headers=None) -> ApiError:
    key = _FAULT_KEYS.get(status, "computeFault")
    return ApiError(status, {key: {"code": status, "message": message}}, headers)


def cinder(status: int, message: str, headers=None) -> ApiError:
    key = _FAULT_KEYS.get(status, "computeFault")
    fault = {"code": status, "message": message}
    retry = next((v for k, v in (headers or []) if k.lower() == "retry-after"), None)
    if status in (413, 429) and retry is not None:
        fault["retryAfter"] = retry
    return ApiError(status, {key: fault}, headers)


def neutron(status: int, message: str, kind: str = None, headers=None) -> ApiError:
    kind = kind or _NEUTRON_TYPES.get(status, "HTTPError")
    return ApiError(status, {"NeutronError": {"type": kind, "message": message, "detail": ""}},
                    headers)


def octavia(status: int, message: str, headers=None) -> ApiError:
    return ApiError(status, {"faultcode": "Client" if status < 500 else "Server",
                             "faultstring": message, "debuginfo": None}, headers)


def glance(status: int, message: str, headers=None) -> ApiError:
    error = webob(status, message)
    error.headers = list(headers or [])
    return error


RENDERERS = {"identity": keystone, "compute": nova, "volume": cinder, "network": neutron,
             "load-balancer": octavia, "image": glance}


def for_service(service: str, status: int, message: str, headers=None) -> ApiError:
    return RENDERERS.get(service, keystone)(status, message, headers=headers)


def unrouted(service: str, status: int) -> ApiError:
    """An unknown path or method, answered by the framework before any API code: webob's
    JSON for Nova, Cinder and Glance, pecan's for Octavia, the API's own for the others."""
    if service in ("compute", "volume", "image"):
        message = ("The resource could not be found." if status == 404
                   else "The method is not allowed for this resource.")
        return webob(status, message)
    if service == "load-balancer":
        return ApiError(status, {"code": status, "title": title(status), "description": ""})
    message = ("The resource could not be found." if status == 404
               else "The method is not allowed for the requested URL.")
    return for_service(service, status, message)


def malformed(service: str, detail: str) -> ApiError:
    """A body that is not the JSON object the call needs."""
    message = {"compute": "Malformed request body", "volume": "Malformed request body",
               "network": "Malformed JSON in request body."}.get(service, detail)
    return for_service(service, 400, message)


def webob(status: int, message: str) -> ApiError:
    return ApiError(status, {"message": f"{message}<br /><br />\n\n\n",
                             "code": f"{status} {title(status)}", "title": title(status)})


def unauthorized(base_url: str, service: str) -> ApiError:
    """What keystonemiddleware answers, in front of every service, to a missing, invalid or
    expired token (Keystone itself names its /v3 URL)."""
    uri = f"{base_url}/identity" + ("/v3" if service == "identity" else "")
    headers = [("WWW-Authenticate", f'Keystone uri="{uri}"')]
    if service == "image":   # Glance renders keystonemiddleware's 401 with webob (real Zed)
        error = webob(401, GLANCE_UNAUTHORIZED)
        error.headers = headers
        return error
    return keystone(401, AUTH_REQUIRED, headers)
