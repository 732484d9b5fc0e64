"""The Zabbix App: one URL (POST /api_jsonrpc.php), the JSON-RPC 2.0 envelope as Zabbix 6.0.14
checks it (412 for another Content-Type, parse and request errors with HTTP 200, batches,
notifications without an answer), auth in the body's `auth` (a session id or an API token),
per-method permissions, and the model's methods under one lock."""
import json
import random
import threading

from common.clock import Clock
from common.masking import MASK, mask_json
from common.messages import ApiError, Response
from common.server import App

from . import control, errors
from .model import State

ENDPOINT = "/api_jsonrpc.php"
CONTENT_TYPES = ("application/json-rpc", "application/json", "application/jsonrequest")
CORS = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Headers", "Content-Type"),
        ("Access-Control-Allow-Methods", "POST"), ("Access-Control-Max-Age", "1000")]

# method -> (State method name, who may call it: "any" needs no auth, "user" any user,
# "admin" Admin role or higher, "super" Super admin only)
METHODS = {
    "apiinfo.version": (None, "any"),
    "user.login": (None, "any"),
    "user.checkAuthentication": (None, "any"),
    "user.logout": (None, "user"),
    "user.get": ("user_get", "user"),
    "user.create": ("user_create", "super"),
    "user.update": ("user_update", "super"),
    "user.delete": ("user_delete", "super"),
    "usergroup.get": ("usergroup_get", "user"),
    "usergroup.create": ("usergroup_create", "super"),
    "usergroup.update": ("usergroup_update", "super"),
    "usergroup.delete": ("usergroup_delete", "super"),
    "hostgroup.get": ("hostgroup_get", "user"),
    "hostgroup.create": ("hostgroup_create", "super"),
    "hostgroup.update": ("hostgroup_update", "admin"),
    "hostgroup.delete": ("hostgroup_delete", "admin"),
    "role.get": ("role_get", "user"),
    "template.get": ("template_get", "user"),
    "action.get": ("action_get", "user"),
    "action.create": ("action_create", "admin"),
    "action.update": ("action_update", "admin"),
    "action.delete": ("action_delete", "admin"),
    "host.get": ("host_get", "user"),
    "host.create": ("host_create", "admin"),
    "host.update": ("host_update", "admin"),
    "host.delete": ("host_delete", "admin"),
    "usermacro.get": ("usermacro_get", "user"),
    "usermacro.create": ("usermacro_create", "admin"),
    "usermacro.update": ("usermacro_update", "admin"),
    "usermacro.delete": ("usermacro_delete", "admin"),
    "token.get": ("token_get", "user"),
    "token.create": ("token_create", "user"),
    "token.generate": ("token_generate", "user"),
    "token.delete": ("token_delete", "user"),
}
APIS = {name.split(".")[0] for name in METHODS}
NO_AUTH_PARAM = ("apiinfo.version", "user.login", "user.checkAuthentication")
RANK = {"user": 1, "admin": 2, "super": 3}


def _rpc_method(body) -> str:
    if isinstance(body, dict) and isinstance(body.get("method"), str):
        return body["method"]
    return "batch" if isinstance(body, list) else ""


class ZabbixApp(App):
    name = "zabbix"

    def __init__(self, config, clock: Clock = None, base_path: str = ""):
        super().__init__(base_path)
        self.clock = clock or Clock()
        self.startup_config = config.clone()
        self.lock = threading.RLock()
        self.rng = random.Random(60)   # session ids and uuids repeat from run to run
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.config = self.startup_config.clone()
            self.state = State(self.config, self.clock, self.rng)

    # --- the common App interface -------------------------------------------------------
    def fault_path(self, request) -> str:
        """/api_jsonrpc.php/<method> (…/batch for a batch): a fault can target one call."""
        path = request.api_path or request.path
        if path != ENDPOINT:
            return path
        try:
            return f"{ENDPOINT}/{_rpc_method(json.loads(request.body or b'null'))}"
        except ValueError:
            return path

    def mask_body(self, value):
        """Besides passwords: `auth` (session ids, API tokens) and macro values unless they
        are plainly text (see _macro_value_secret)."""
        def walk(item):
            if isinstance(item, dict):
                shaped = {}
                for key, inner in item.items():
                    if key == "auth" and isinstance(inner, str):
                        shaped[key] = MASK
                    else:
                        shaped[key] = walk(inner)
                if "value" in item and _macro_value_secret(item):
                    shaped["value"] = MASK
                return shaped
            if isinstance(item, list):
                return [walk(inner) for inner in item]
            return item
        return walk(mask_json(value))

    def error(self, status, message, code=None, value=None) -> ApiError:
        """Outside the JSON-RPC answers: PHP's built-in server or a proxy in front; an empty
        body (412, 404) or a short HTML page (5xx, injected faults)."""
        if status >= 500 or status == 429:
            page = (f"<html><head><title>{status}</title></head><body><h1>{status}</h1>"
                    f"<p>{message}</p></body></html>\n").encode()
            return ApiError(status, page, [("Content-Type", "text/html; charset=UTF-8")])
        return ApiError(status, b"", [("Content-Type", "text/html; charset=UTF-8")])

    def handle(self, request) -> Response:
        path = request.api_path
        if path != ENDPOINT:
            return self.error(404, "Not Found").response()
        request.pattern = self.fault_path(request)
        content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type not in CONTENT_TYPES:
            return Response(412, b"", [("Content-Type", "text/html; charset=UTF-8")] + CORS)
        answer = self._answer(request)
        headers = CORS + [("Content-Type", "application/json")]
        return Response(200, b"" if answer is None else json.dumps(answer, separators=(",", ":")).encode(), headers)

    # --- JSON-RPC -----------------------------------------------------------------------
    def _answer(self, request):
        try:
            body = json.loads(request.body.decode("utf-8")) if request.body.strip() else None
        except (UnicodeDecodeError, ValueError):
            body = None
        if body is None or isinstance(body, (str, int, float, bool)):
            return _error_envelope(errors.RpcError(
                errors.PARSE, "Invalid JSON. An error occurred on the server while parsing "
                "the JSON text."), None)
        if isinstance(body, list):
            if not body:
                return _invalid_request()
            answers = [self._one(item, request) for item in body]
            answers = [a for a in answers if a is not None]
            return answers or None
        return self._one(body, request)

    def _one(self, call, request):
        if not isinstance(call, dict):
            return _invalid_request()
        for name in ("jsonrpc", "method", "params"):
            if name not in call:
                return _error_envelope(errors.RpcError(
                    errors.INVALID_REQUEST,
                    f'Invalid parameter "/": the parameter "{name}" is missing.'),
                    call.get("id"))
        if call["jsonrpc"] != "2.0":
            return _error_envelope(errors.RpcError(
                errors.INVALID_REQUEST, 'Invalid parameter "/jsonrpc": value must be "2.0".'),
                call.get("id"))
        notification = "id" not in call
        try:
            result = self._dispatch(call, request)
        except errors.RpcError as error:
            return None if notification else _error_envelope(error, call["id"])
        if notification:
            return None
        return {"jsonrpc": "2.0", "result": result, "id": call["id"]}

    def _dispatch(self, call, request):
        method, params = call["method"], call["params"]
        if not isinstance(method, str):
            raise errors.RpcError(errors.INVALID_REQUEST,
                                  'Invalid parameter "/method": a character string is expected.')
        api, _, action = method.partition(".")
        if method not in METHODS:
            if api.lower() not in APIS:
                raise errors.RpcError(errors.NO_METHOD, f'Incorrect API "{api}".')
            raise errors.RpcError(errors.NO_METHOD, f'Incorrect method "{method}".')
        handler, rank = METHODS[method]
        auth = call.get("auth")
        if auth is not None and not isinstance(auth, str):
            raise errors.RpcError(errors.INVALID_REQUEST,
                                  'Invalid parameter "/auth": a character string is expected.')
        if auth is None and self.config.auth_transport == "body_or_bearer":
            scheme, _, value = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() == "bearer" and value.strip():
                auth = value.strip()
        client_ip = "127.0.0.1"
        with self.lock:
            if method in NO_AUTH_PARAM:
                if call.get("auth") is not None:
                    raise errors.params(f'The "{method}" method must be called without the '
                                        f'"auth" parameter.')
                if method == "apiinfo.version":
                    return self.config.api_version
                if method == "user.login":
                    self.log.bump("logins")
                    request.context.update(auth="login")
                    return self.state.login(params, client_ip)
                return self.state.check_authentication(params, client_ip)
            user = self.state.authenticate(auth)
            request.context.update(auth="token" if len(auth) == 64 else "session",
                                   user=user["username"])
            if method == "user.logout":
                return self.state.logout(auth)
            if self.state.user_type(user) < RANK[rank]:
                raise errors.params(f'No permissions to call "{method}".')
            if method.endswith(".get"):
                if params == []:
                    params = {}
                if not isinstance(params, dict):
                    raise errors.invalid("/", "an array is expected")
            return getattr(self.state, handler)(user, params)

    # --- control ------------------------------------------------------------------------
    def add_control_routes(self, router) -> None:
        control.register(router, self)

    def dump(self) -> dict:
        with self.lock:
            return control.dump(self)


def _error_envelope(error: errors.RpcError, call_id) -> dict:
    return {"jsonrpc": "2.0", "error": error.body(), "id": call_id}


def _invalid_request() -> dict:
    return _error_envelope(errors.RpcError(
        errors.INVALID_REQUEST, "The received JSON is not a valid JSON-RPC request."), None)


def _macro_value_secret(item: dict) -> bool:
    """A macro's value is masked in the log unless it is declared text (type 0) or comes
    with a name that does not look secret and no type: an update by hostmacroid alone may
    rotate a secret."""
    if "macro" not in item and "hostmacroid" not in item:
        return False
    name = str(item.get("macro", "")).upper()
    looks_secret = any(word in name for word in ("SECRET", "PASS", "TOKEN", "KEY"))
    if "type" in item:
        return str(item["type"]) != "0" or looks_secret
    return "macro" not in item or looks_secret
