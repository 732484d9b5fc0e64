"""The VMmanager 6 App: one lock around the model, time advanced on every request, the
caller authenticated per route, model errors turned into VMmanager error bodies, and every
successful answer shaped by the variant knobs (id_types, extra_fields, field_order,
login_content_type; see shape.py)."""
import random
import threading

from common.clock import Clock
from common.messages import Response
from common.schema import SchemaError
from common.server import App

from . import auth, control, errors, handlers, shape
from .hosts import Ctx
from .model import State
from .where import WhereError

_SCHEMA_CODES = {"unexpected": errors.UNEXPECTED_PROPERTY, "missing": errors.MISSING_PROPERTY,
                 "type": errors.INVALID_TYPE, "value": errors.INVALID_VALUE}


class Vmmgr6App(App):
    name = "vmmgr6"

    def __init__(self, config, clock: Clock = None, base_path: str = ""):
        super().__init__(base_path)
        self.clock = clock or Clock()
        self.startup_config = config.clone()
        self.lock = threading.RLock()
        # Tokens repeat from run to run, but never within one run (not even after a reset).
        self.rng = random.Random(6)
        self.unavailable_until = None   # clock time; see /__sim__/fault/unavailable
        self.reset()
        handlers.register(self.router)

    def reset(self) -> None:
        with self.lock:
            self.config = self.startup_config.clone()
            self.state = State(self.config, self.clock.now(), self.rng)
            self.shape_rng = random.Random(self.config.variants_seed or 0)
            self.unavailable_until = None

    def error(self, status, message, code=None, value=None):
        return errors.api_error(status, message, code, value)

    def error_for(self, request, status, message):
        """Injected faults: a 503 is the plain-text "Unavailable" [sure D-DCI, §6.17/19]."""
        if status == 503:
            return errors.unavailable()
        return self.error(status, message)

    def handle(self, request) -> Response:
        """While the platform wakes up (/__sim__/fault/unavailable) every call, login
        included, answers 503 "Unavailable" (§6.19)."""
        until = self.unavailable_until
        if until is not None and self.clock.now() < until:
            return errors.unavailable().response()
        return super().handle(request)

    def call(self, match, request) -> Response:
        with self.lock:
            now = self.clock.now()
            self.state.tasks.advance(now)
            caller = self._caller(match.route.meta["auth"], request, now)
            try:
                status, body = match.route.handler(self, request, Ctx(self.state, now, caller),
                                                   **match.params)
            except SchemaError as error:
                raise errors.bad(_SCHEMA_CODES[error.kind], str(error),
                                 property=error.path) from None
            except WhereError as error:
                raise errors.bad(errors.BAD_FILTER, f"Bad filter: {error}") from None
            if request.method != "GET":
                self.state.changed()
            answer = Response(status, shape.shape(body, self.config, self.shape_rng))
            if match.route.handler is handlers.login and self.config.login_content_type == "text":
                answer.headers.append(("Content-Type", "text/plain; charset=utf-8"))
            return answer

    def _caller(self, level: str, request, now: float):
        if level == "public":
            return None
        account = auth.authenticate(self.state, now, request)
        if level == "admin" and not account.is_admin:
            raise errors.api_error(403, "Access denied: an administrator is required",
                                   errors.FORBIDDEN)
        return account

    def add_control_routes(self, router) -> None:
        control.register(router, self)

    def dump(self) -> dict:
        with self.lock:
            now = self.clock.now()
            self.state.tasks.advance(now)
            return control.dump(self, now)
