"""The oVirt App: paths under /ovirt-engine (the API at /api or /api/v4, matrix parameters
folded into the query), the Version check, Bearer (or Basic) authentication with an HTML 401,
the Correlation-Id read, sanitised and echoed on every answer, one lock around the model with
time advanced on every request, and model refusals turned into engine faults."""
import base64
import random
import re
import threading
import uuid

from common.clock import Clock
from common.messages import ApiError, Response
from common.server import App

from . import control, errors, fixtures, handlers
from .encode import wire
from .model import State

VERSION_PREFIX = re.compile(r"^/api/v(\d+)(/.*)?$")
CORRELATION_CHARS = re.compile(r"[^0-9a-zA-Z_-]")


def correlation_id(request, rng) -> str:
    """Header first, then ?correlation_id=; [0-9a-zA-Z_-] kept, cut to 36; a random UUID when
    nothing is left (CurrentFilter, §4.3)."""
    raw = request.headers.get("Correlation-Id")
    if raw is None:
        raw = request.query.get("correlation_id", "")
    cleaned = CORRELATION_CHARS.sub("", raw)[:36]
    if cleaned:
        return cleaned
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _negotiation(request):
    """JSON only: without application/json in Accept (or ?accept=) the engine would answer
    XML, which the simulator does not serve: 406, no body. A body must be sent as
    application/json: otherwise 415, no body. (Simulator limits, README "API".)"""
    accept = request.query.get("accept") or request.headers.get("Accept", "")
    if "application/json" not in accept.lower():
        return Response(406)
    if request.body.strip() and "json" not in request.headers.get("Content-Type", "").lower():
        return Response(415)
    return None


class OvirtApp(App):
    name = "ovirt"

    def __init__(self, config, clock: Clock = None, base_path: str = ""):
        super().__init__(base_path.rstrip("/") + "/ovirt-engine")
        self.clock = clock or Clock()
        self.startup_config = config.clone()
        self.lock = threading.RLock()
        self.rng = random.Random(12)   # ids and tokens repeat from run to run
        # generated correlation ids come from their own generator (outside the model lock)
        self.correlation_rng = random.Random(36)
        self.reset()
        handlers.register(self.router)

    def reset(self) -> None:
        with self.lock:
            self.config = self.startup_config.clone()
            self.state = State(self.config, self.clock, self.rng)
            self.down_until = None   # clock time; see /__sim__/engine/restart

    # --- errors -----------------------------------------------------------------------
    def error(self, status, message, code=None, value=None) -> ApiError:
        if status in (404, 405):
            return errors.not_found() if status == 404 else ApiError(405, None)
        if status == 400:
            return errors.syntax("")
        return errors.bare(status, message)

    def error_for(self, request, status, message) -> ApiError:
        """Injected faults: a 5xx comes from the Apache proxy in front of the engine, as an
        HTML page [guess]; a 4xx is a bare fault."""
        if status >= 500:
            page = (f"<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n"
                    f"<title>{status} Error</title>\n</head><body>\n<h1>Error {status}</h1>\n"
                    f"<p>{message}</p>\n</body></html>\n")
            answer = ApiError(status, page.encode(), [("Content-Type", "text/html")])
        else:
            answer = errors.bare(status, message)
        answer.headers.append(("Correlation-Id", correlation_id(request, self.correlation_rng)))
        return answer

    # --- requests ---------------------------------------------------------------------
    def handle(self, request) -> Response:
        request.context["correlation_id"] = correlation_id(request, self.correlation_rng)
        if self.down_until is not None and self.clock.now() < self.down_until:
            return self.error_for(request, 503, "The engine is restarting").response()
        answer = self._normalised(request)
        if answer is None:
            answer = super().handle(request)
        answer.headers.append(("Correlation-Id", request.context["correlation_id"]))
        return answer

    def _normalised(self, request):
        """Folds ;matrix=params into the query and /api/v4 into /api; an unknown version
        (prefix or Version header) is a 400 without a body (VersionFilter)."""
        segments = []
        for segment in request.api_path.split("/"):
            name, *params = segment.split(";")
            for param in params:
                key, _, value = param.partition("=")
                request.query.setdefault(key, value)
            segments.append(name)
        path = "/".join(segments)
        match = VERSION_PREFIX.match(path)
        if match:
            if match.group(1) != "4":
                return Response(400)
            path = "/api" + (match.group(2) or "")
        if path.startswith("/api") and request.headers.get("Version", "4").strip() != "4":
            return Response(400)
        request.api_path = path
        return None

    def call(self, match, request) -> Response:
        with self.lock:
            self.state.advance()
            if match.route.meta.get("auth", True):
                self._authenticate(request)
                refused = _negotiation(request)
                if refused is not None:
                    return refused
            try:
                status, body, headers = match.route.handler(self, request, **match.params)
            except errors.Refused as refusal:
                raise errors.refused(refusal) from None
            if body is None:
                return Response(status, None, headers)
            if isinstance(body, bytes):
                return Response(status, body, headers)
            return Response(status, wire(body), headers)

    def _authenticate(self, request) -> None:
        header = request.headers.get("Authorization", "")
        scheme, _, credentials = header.partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer" and self.state.token_alive(credentials.strip()):
            request.context.update(auth="bearer", user=fixtures.ADMIN)
            return
        if scheme == "basic":   # deprecated: a login on every request (§2.2)
            try:
                user, _, password = base64.b64decode(credentials).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                user, password = "", None
            if user == fixtures.ADMIN and password == self.config.admin_password:
                self.log.bump("logins")
                self.state.logins += 1
                request.context.update(auth="basic", user=fixtures.ADMIN)
                return
        raise errors.unauthorized(self.config.html_401)

    # --- control ----------------------------------------------------------------------
    def add_control_routes(self, router) -> None:
        control.register(router, self)

    def dump(self) -> dict:
        with self.lock:
            self.state.advance()
            return control.dump(self)
