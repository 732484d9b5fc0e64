"""OpenStack-specific control endpoints (besides common/control.py) and the state dump:

  GET  /__sim__/config           the knobs (see config.Config)
  POST /__sim__/config           change some: {"seconds":{"server_build":5},"token_ttl":60,
                                 "page_cap":1000,"neutron_pagination":false,
                                 "next_links":"when_more"}
  POST /__sim__/fail             {"kind":"server_build","count":1,"message":"…"}: the next
                                 count builds of that kind end in ERROR / error
  POST /__sim__/finish           runs every pending transition now → {"finished":N}
  POST /__sim__/tokens/expire    every token dies now → {"expired":N}
  POST /__sim__/time/shift       {"seconds":S,"kind":"server","ids":[…]}: as if everything
                                 that happened to those objects happened S seconds earlier
  POST /__sim__/seed             bulk seeding, see seed.py
  GET  /__sim__/objects/{kind}   ?project_id=: one kind of object, as the dump shows them
  POST /__sim__/check_password   {"user":ID|NAME,"password":P} → {"match":bool}
"""
from common.control import ControlError
from common.masking import mask_json

from . import seed, timefmt
from .config import ConfigError

KINDS = ("servers", "volumes", "networks", "subnets", "ports", "routers", "loadbalancers")


def _locked(app, work):
    def handler(request, **params):
        with app.lock:
            app.state.timeline.advance(app.clock.now())
            try:
                return work(app, request, **params)
            except ConfigError as error:
                raise ControlError(str(error)) from None
    return handler


def _config(app, request) -> dict:
    app.config.update(request.json_object(empty_as={}))
    return app.config.public()


def _fail(app, request) -> dict:
    spec = request.json_object()
    kind = spec.get("kind")
    message = str(spec.get("message", "No valid host was found. There are not enough hosts "
                                      "available." if kind == "server_build"
                           else f"{kind} failed (injected by the simulator)"))
    app.config.add_failures(kind, spec.get("count", 1), message)
    return {"ok": True, "fail_next": app.config.fail_next}


def _shift(app, request) -> dict:
    spec = request.json_object()
    seconds = spec.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise ControlError("'seconds' must be a non-negative number")
    kind = spec.get("kind", "server")
    state = app.state
    table = {"server": state.instances, "volume": state.volumes,
             "loadbalancer": state.loadbalancers}.get(kind)
    if table is None:
        raise ControlError("'kind' must be server, volume or loadbalancer")
    ids = spec.get("ids")
    objects = list(table.values()) if ids is None else [table.get(i) for i in ids]
    if any(o is None for o in objects):
        raise ControlError("unknown id in 'ids'")
    for obj in objects:
        live = state.servers if kind == "server" else table
        if obj.id in live:
            live.rekey(obj, lambda o=obj: _backdate(o, seconds))
        else:
            _backdate(obj, seconds)
    return {"shifted": len(objects)}


def _backdate(obj, seconds: float) -> None:
    for name in ("created_at", "updated_at", "launched_at", "terminated_at"):
        value = getattr(obj, name, None)
        if value is not None:
            setattr(obj, name, value - seconds)
    for attachment in getattr(obj, "attachments", []):
        attachment["attached_at"] -= seconds


def _seed(app, request) -> dict:
    return seed.seed(app, request.json_object(empty_as={}))


def _check_password(app, request) -> dict:
    spec = request.json_object()
    wanted = spec.get("user")
    user = app.state.users.get(wanted) or next(
        (u for u in app.state.users.values() if u.name == wanted), None)
    if user is None:
        raise ControlError("no such user")
    return {"match": user.password is not None and user.password == spec.get("password")}


def _objects(app, request, kind) -> dict:
    if kind not in KINDS:
        raise ControlError(f"kind: one of {list(KINDS)}")
    project = request.query.get("project_id")
    collection = getattr(app.state, kind)
    objects = collection.in_project(project) if project else list(collection.values())
    return {"list": [_object(o) for o in objects], "size": len(objects)}


def register(router, app) -> None:
    router.add("GET", "/__sim__/config", _locked(app, lambda a, r: a.config.public()))
    router.add("POST", "/__sim__/config", _locked(app, _config))
    router.add("POST", "/__sim__/fail", _locked(app, _fail))
    router.add("POST", "/__sim__/finish", _locked(app, lambda a, r: {
        "finished": a.state.timeline.run_all(a.clock.now())}))
    router.add("POST", "/__sim__/tokens/expire", _locked(app, lambda a, r: {
        "expired": _expire(a)}))
    router.add("POST", "/__sim__/time/shift", _locked(app, _shift))
    router.add("POST", "/__sim__/seed", _locked(app, _seed))
    router.add("GET", "/__sim__/objects/{kind}", _locked(app, _objects))
    router.add("POST", "/__sim__/check_password", _locked(app, _check_password))


def _expire(app) -> int:
    from .identity import expire_all
    return expire_all(app.state)


_TIMES = ("created_at", "updated_at", "launched_at", "terminated_at")


def _object(obj) -> dict:
    data = {}
    for name, value in vars(obj).items():
        if name in ("event", "used", "next_free"):
            continue
        if name in _TIMES:
            value = timefmt.opt(timefmt.zulu, value)
        data[name] = value
    return data


def dump(app, now: float) -> dict:
    state = app.state
    identity = {
        "domains": [vars(d) for d in state.domains.values()],
        "projects": [vars(p) for p in state.projects.values()],
        "users": [{k: v for k, v in vars(u).items() if k != "password"}
                  for u in state.users.values()],
        # application credentials without their secret hash
        "appcreds": [{k: v for k, v in vars(c).items() if k != "secret_hash"}
                            for c in state.app_credentials.values()],
        "roles": [vars(r) for r in state.roles.values()],
        "assignments": [{"user": u, "scope": {k: t}, "role": r}
                        for (u, k, t, r) in sorted(state.assignments)],
    }
    data = {"simulator": app.name, "uptime": round(now - state.started, 3)}
    data.update(mask_json(identity))
    for kind in KINDS:
        data[kind] = [_object(o) for o in getattr(state, kind).values()]
    data.update({
        "quotas": state.quotas,
        "tokens": {"issued": len(state.tokens),
                   "live": sum(1 for t in state.tokens.values() if not t.revoked
                               and t.expires_at > state.wall_of(now))},
        "logins": state.logins, "login_failures": state.login_failures,
        "pending_transitions": state.timeline.pending(),
        "config": app.config.public(),
    })
    return data
