"""The OpenStack App: all six services on one port, one lock around the model, time advanced
on every request, the token checked per route (as keystonemiddleware does in front of each
service), errors rendered in the shape of the service the path belongs to."""
import random
import threading
import uuid

from common.clock import Clock
from common.messages import ApiError, BodyError, Response
from common.routing import MethodNotAllowed, NotFound
from common.server import App

from . import (appcreds, assignments, cinder, cinder_quota, control, discovery, errors, fixtures,
               glance, identity, keystone, microversion, neutron, neutron_quota,
               neutron_routers, nova, nova_ops, nova_quota, octavia, octavia_quota, usage)
from .model import State

# Where each service lives on the port; the C++ module and the catalog rely on it.
MOUNTS = {"identity": "/identity", "compute": "/compute", "volume": "/volume",
          "network": "/network", "load-balancer": "/load-balancer", "image": "/image"}
SERVICE_MODULES = (keystone, assignments, appcreds, nova, nova_ops, nova_quota, usage, cinder,
                   cinder_quota, neutron, neutron_routers, neutron_quota, octavia,
                   octavia_quota, glance)


class Ctx:
    """What a handler needs to know about the request it serves."""

    def __init__(self, app, request, service: str, now: float):
        self.app = app
        self.state = app.state
        self.config = app.state.config
        self.request = request
        self.service = service
        self.now = now
        self.wall = app.state.wall_of(now)
        self.token = None
        self.version = None
        self._admin = None
        host = request.headers.get("Host") or "127.0.0.1"
        self.base = f"http://{host}{app.base_path}"

    @property
    def is_admin(self) -> bool:
        if self._admin is None:
            self._admin = self.token is not None and identity.token_is_admin(self.state,
                                                                             self.token)
        return self._admin

    @property
    def project_id(self):
        return self.token.project_id if self.token else None

    @property
    def user_id(self):
        return self.token.user_id if self.token else None

    def url(self, path: str) -> str:
        return self.base + path

    def error(self, status: int, message: str, headers=None) -> ApiError:
        return errors.for_service(self.service, status, message, headers)


def service_of(path: str) -> str:
    first = path.lstrip("/").split("/", 1)[0]
    return next((name for name, mount in MOUNTS.items() if mount == "/" + first), "identity")


class OpenStackApp(App):
    name = "openstack"

    def __init__(self, config, clock: Clock = None, base_path: str = ""):
        super().__init__(base_path)
        self.clock = clock or Clock()
        self.startup_config = config.clone()
        self.lock = threading.RLock()
        self.rng = random.Random(4)
        self.reset()
        discovery.register(self.router, MOUNTS)
        for module in SERVICE_MODULES:
            for method, pattern, handler, auth in module.ROUTES:
                self.router.add(method, MOUNTS[module.SERVICE] + pattern, handler,
                                auth=auth, service=module.SERVICE)

    def reset(self) -> None:
        with self.lock:
            self.config = self.startup_config.clone()
            # Ids repeat from run to run; a reset starts the same sequence again.
            self.rng.seed(4)
            self.state = State(self.config, self.clock.wall(), self.clock.now(), self.rng)
            fixtures.load(self.state)

    def error(self, status, message, code=None, value=None):
        return errors.keystone(status, message)

    def error_for(self, request, status, message):
        return errors.for_service(service_of(request.api_path or request.path), status,
                                  message)

    def handle(self, request) -> Response:
        path = request.api_path
        service = service_of(path)
        if service == "network" and path.endswith(".json"):
            path = path[:-len(".json")]   # Neutron accepts a format suffix on any path
        try:
            match = self.router.match(request.method, path)
        except NotFound:
            return self._finish(request, service, errors.unrouted(service, 404).response(),
                                None)
        except MethodNotAllowed as error:
            answer = errors.unrouted(service, 405).response()
            answer.headers.append(("Allow", ", ".join(error.allowed)))
            return self._finish(request, service, answer, None)
        request.params = match.params
        request.pattern = match.route.pattern
        return self.call(match, request)

    def call(self, match, request) -> Response:
        service = match.route.meta["service"]
        with self.lock:
            now = self.clock.now()
            self.state.timeline.advance(now)
            ctx = Ctx(self, request, service, now)
            try:
                self._authorize(ctx, match.route.meta["auth"])
                if not match.route.meta.get("discovery"):
                    ctx.version = microversion.negotiate(ctx)
                result = match.route.handler(ctx, **match.params)
                response = result if isinstance(result, Response) else Response(*result)
            except ApiError as error:
                response = error.response()
            except BodyError as error:
                response = errors.malformed(service, str(error)).response()
            return self._finish(request, service, response, ctx)

    def _authorize(self, ctx: Ctx, level: str) -> None:
        if level == "public":
            return
        token = identity.validate(ctx.state, ctx.wall, ctx.request.headers.get("X-Auth-Token"))
        if token is None:
            raise errors.unauthorized(ctx.base, ctx.service)
        ctx.token = token
        ctx.request.context["auth"] = "header"
        ctx.request.context["user"] = token.user_id
        if level == "admin" and not ctx.is_admin:
            raise ctx.error(403, identity.forbidden_message(ctx))

    def _finish(self, request, service: str, response: Response, ctx) -> Response:
        request_id = f"req-{uuid.uuid4()}"
        response.headers.append(("x-openstack-request-id", request_id))
        if service == "compute":
            response.headers.append(("x-compute-request-id", request_id))
        if service == "identity":
            response.headers.append(("Vary", "X-Auth-Token"))
        if ctx is not None and ctx.version is not None:
            response.headers.extend(microversion.headers(service, ctx.version))
        return response

    def add_control_routes(self, router) -> None:
        control.register(router, self)

    def dump(self) -> dict:
        with self.lock:
            now = self.clock.now()
            self.state.timeline.advance(now)
            return control.dump(self, now)
