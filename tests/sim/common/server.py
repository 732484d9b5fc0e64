"""The HTTP side of a simulator: socket I/O, the control API, fault injection and the
request log around an App that implements one remote API.

An App (subclass App below) owns its routes and state and renders its API's error bodies;
the Simulator decides, per request, whether it is a control call (/__sim__/…, never faulted
nor logged), a faulted one (dropped, slowed, answered with an injected status) or an API
call for the App, and records it.
"""
import itertools
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import control
from .clock import Clock
from .faults import Faults
from .masking import mask_json
from .messages import ApiError, BodyError, Request, Response
from .reqlog import RequestLog
from .routing import MethodNotAllowed, NotFound, Router

CONTROL_PREFIX = "/__sim__/"


class App:
    """One simulated API. Subclasses fill self.router and implement call() and error()."""

    name = "app"

    def __init__(self, base_path: str = ""):
        self.base_path = base_path.rstrip("/")
        self.router = Router()
        self.log = None   # set by the Simulator: lets handlers count events (logins…)

    def error(self, status: int, message: str, code=None, value=None) -> ApiError:
        raise NotImplementedError

    def error_for(self, request: Request, status: int, message: str) -> ApiError:
        """The error body for this request (injected faults, simulator bugs); an App that
        serves several APIs on one port overrides it to pick the right shape."""
        return self.error(status, message)

    def call(self, match, request: Request) -> Response:
        raise NotImplementedError

    def fault_path(self, request: Request) -> str:
        """The path that fault prefixes match. An App whose calls share one URL (JSON-RPC)
        returns a path naming the call, so that a fault can target one remote method."""
        return request.api_path or request.path

    def mask_body(self, value):
        """The request body (parsed JSON) as the request log keeps it: secrets masked. An
        App whose API carries secrets under other keys masks them too."""
        return mask_json(value)

    def handle(self, request: Request) -> Response:
        try:
            match = self.router.match(request.method, request.api_path)
        except NotFound:
            return self.error(404, f"Not found: {request.path}").response()
        except MethodNotAllowed as error:
            answer = self.error(405, f"Method {request.method} not allowed").response()
            answer.headers.append(("Allow", ", ".join(error.allowed)))
            return answer
        request.params = match.params
        request.pattern = match.route.pattern
        try:
            return self.call(match, request)
        except BodyError as error:
            return self.error(400, str(error)).response()
        except ApiError as error:
            return error.response()

    def add_control_routes(self, router: Router) -> None:
        """Registers the App's own /__sim__/ endpoints (knobs, state)."""

    def dump(self) -> dict:
        """The state dump (GET /__sim__/state)."""
        return {}

    def reset(self) -> None:
        """Back to the fixtures and the start-up knobs."""


class Holds:
    """Requests kept in flight by hold faults until released (or `limit_s` passed, so that a
    forgotten hold never keeps a thread forever)."""

    def __init__(self, limit_s: float = 120.0):
        self._lock = threading.Lock()
        self._held = []
        self._released = threading.Event()
        self._limit_s = limit_s

    def hold(self, seq: int, method: str, path: str, after: bool) -> None:
        with self._lock:
            entry = {"seq": seq, "method": method, "path": path, "after": after}
            self._held.append(entry)
            released = self._released
        released.wait(self._limit_s)
        with self._lock:
            if entry in self._held:
                self._held.remove(entry)

    def held(self) -> list:
        with self._lock:
            return [dict(entry) for entry in self._held]

    def release(self) -> int:
        with self._lock:
            count = len(self._held)
            self._released.set()
            self._released = threading.Event()
            return count


@dataclass
class Outcome:
    response: Response = None
    drop: bool = False


class Simulator:
    def __init__(self, app: App, clock: Clock = None):
        self.app = app
        self.clock = clock or Clock()
        self.log = RequestLog(masker=app.mask_body)
        self.faults = Faults()
        self.holds = Holds()
        self.control = Router()
        app.log = self.log
        # The App's own endpoints first: they may specialise a generic one (a fault kind).
        app.add_control_routes(self.control)
        control.register(self.control, self)

    def api_path(self, path: str) -> str:
        base = self.app.base_path
        if not base:
            return path
        if path == base or path.startswith(base + "/"):
            return path[len(base):] or "/"
        return ""

    def process(self, request: Request) -> Outcome:
        if request.path.startswith(CONTROL_PREFIX):
            return Outcome(control.dispatch(self.control, request))
        seq = self.log.begin()
        wall, start = self.clock.wall(), time.monotonic()
        outcome, fault = self._held(request, seq) or self._faulted_or_handled(request)
        status = None if outcome.drop else outcome.response.status
        if outcome.response is not None:
            outcome.response.headers.append(("X-Request-Id", f"sim-{seq}"))
        self.log.end(seq, request, status, wall, (time.monotonic() - start) * 1000.0, fault)
        return outcome

    def _held(self, request: Request, seq: int):
        """A request that a hold fault keeps in flight (None when none applies)."""
        method, path = request.method, self.app.fault_path(request)
        hold = self.faults.take("hold", method, path)
        if not hold:
            return None
        if hold.after:
            self._handled(request)
        self.holds.hold(seq, method, path, hold.after)
        if hold.late:
            self._handled(request)
            return Outcome(drop=True), "hold-late"
        return Outcome(drop=True), ("hold-after" if hold.after else "hold")

    def _faulted_or_handled(self, request: Request):
        method, path = request.method, self.app.fault_path(request)
        drop = self.faults.take("drop", method, path)
        if drop and not drop.after:
            return Outcome(drop=True), "drop"
        slow = self.faults.take("slow", method, path)
        if slow:
            time.sleep(slow.delay_ms / 1000.0)
        status = self.faults.take("status", method, path)
        if status:
            if status.after:   # carried out, but the client hears an error
                self._handled(request)
            response = self._injected(status, request)
            fault = f"{status.status}-after" if status.after else str(status.status)
        else:
            response, fault = self._handled(request), ("slow" if slow else None)
        if drop:   # handled (the work is done), but the client never hears of it
            return Outcome(drop=True), "drop-after"
        return Outcome(response), fault

    def _handled(self, request: Request) -> Response:
        try:
            return self.app.handle(request)
        except Exception as error:  # a simulator bug must still answer, and be visible
            traceback.print_exc(file=sys.stderr)
            return self.app.error_for(request, 500, f"simulator bug: {error!r}").response()

    def _injected(self, fault, request: Request) -> Response:
        answer = self.app.error_for(request, fault.status, "Injected by the simulator").response()
        if fault.retry_after is not None:
            answer.headers.append(("Retry-After", str(fault.retry_after)))
        return answer


class SimHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, simulator: Simulator, verbose: bool = False):
        self.simulator = simulator
        self.verbose = verbose
        self._connections = itertools.count(1)
        super().__init__(("127.0.0.1", port), Handler)

    def next_connection(self) -> int:
        """A number for each accepted connection: one client process keeps its connection
        (keep-alive), so the request log can tell whose requests overlap."""
        return next(self._connections)   # atomic under the GIL

    def handle_error(self, request, client_address):
        # Clients hang up on purpose (timeouts, killed processes): not worth a traceback.
        if self.verbose:
            super().handle_error(request, client_address)


def _read_chunked(stream) -> bytes:
    chunks = []
    while True:
        line = stream.readline(65537)
        size = int(line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while stream.readline(65537).strip():
                pass   # trailers
            return b"".join(chunks)
        chunks.append(stream.read(size))
        stream.readline(3)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, as real servers and libcurl use it
    # Small replies would otherwise wait ~40 ms on Nagle + delayed ACK.
    disable_nagle_algorithm = True
    server: SimHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection = self.server.next_connection()

    def _serve(self) -> None:
        request = self._read_request()
        outcome = self.server.simulator.process(request)
        if outcome.drop:
            self.close_connection = True
            return
        self._write(outcome.response, head_only=self.command == "HEAD")

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = do_OPTIONS = _serve

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return _read_chunked(self.rfile)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_request(self) -> Request:
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        headers = Message()
        for name, value in self.headers.items():
            headers[name] = value
        return Request(self.command, parts.path, self.server.simulator.api_path(parts.path),
                       parts.query, query, headers, self._read_body(),
                       connection=self.connection)

    def _write(self, response: Response, head_only: bool = False) -> None:
        payload = response.payload()
        self.send_response(response.status)
        names = {name.lower() for name, _ in response.headers}
        for name, value in response.headers:
            self.send_header(name, value)
        if "content-type" not in names and response.body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if not head_only:
            self.wfile.write(payload)

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("%s %s\n" % (self.log_date_time_string(), fmt % args))


def start_in_thread(simulator: Simulator, port: int = 0) -> SimHTTPServer:
    """Serves in a background thread (for tests inside one process); stop with shutdown()."""
    server = SimHTTPServer(port, simulator)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server
