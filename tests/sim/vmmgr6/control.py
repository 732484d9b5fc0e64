"""VMmanager-specific control endpoints (besides common/control.py) and the state dump:

  GET  /__sim__/config           the knobs (config.Config: task_seconds, session_ttl,
                                 busy_mode, the variant knobs, variants_seed, fail_next)
  POST /__sim__/config           change some: {"task_seconds":{"host_create":60},
                                 "task_lag":0,"session_ttl":5,"auth_error":"403",…}
  POST /__sim__/fault/unavailable {"seconds":S}: every API call, login included, answers
                                 503 text/plain "Unavailable" for S seconds
  POST /__sim__/tasks/fail       {"name":"host_create","msg":"…","count":1,"host":ID?}:
                                 the next count tasks of that name (on that host, when
                                 given) end with status fail
  DELETE /__sim__/hosts/{id}     the host vanishes at once, as if deleted in the panel
  POST /__sim__/tasks/finish     ends every running/queued task now → {"finished":N}
  POST /__sim__/sessions/expire  every token dies now → {"expired":N}
  POST /__sim__/check_password   {"host":ID|"account":ID,"password":P} → {"match":bool}
"""
import ipaddress

from common.control import ControlError
from common.masking import mask_json

from . import auth, views
from .config import ConfigError


def _config(app, request) -> dict:
    try:
        app.config.update(request.json_object(empty_as={}))
    except ConfigError as error:
        raise ControlError(str(error)) from None
    return app.config.public()


def _fail(app, request) -> dict:
    spec = request.json_object()
    name, count = spec.get("name"), spec.get("count", 1)
    if not isinstance(name, str) or not name:
        raise ControlError("'name': the task name to fail is required")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ControlError("'count' must be a positive integer")
    message = str(spec.get("msg", f"{name} failed (injected by the simulator)"))
    rule = {"name": name, "msg": message, "count": count}
    if "host" in spec:
        host = spec["host"]
        if isinstance(host, bool) or not isinstance(host, int):
            raise ControlError("'host' must be a host id")
        rule["host"] = host
    app.config.fail_next.append(rule)
    return {"ok": True, "fail_next": app.config.fail_next}


def _unavailable(app, request) -> dict:
    spec = request.json_object()
    seconds = spec.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or \
            not 0 <= seconds <= 3600:
        raise ControlError("'seconds' must be a number in 0..3600")
    app.unavailable_until = app.clock.now() + seconds
    return {"ok": True, "seconds": seconds}


def _vanish(app, host_id: int) -> dict:
    """Removes a host at once, the way an admin deleting it in the panel leaves pm's view:
    its addresses go back to the pool. Refused while a task of the host is queued or running
    (its effects would land on a host that is gone)."""
    state = app.state
    host = state.hosts.get(host_id)
    if host is None:
        raise ControlError(f"no host {host_id}")
    if state.tasks.host_busy(host_id):
        raise ControlError(f"host {host_id} has a task under way")
    del state.hosts[host_id]
    for ip in host.ips:
        state.pools.release(ip.pool_id, ip.address)
    state.tasks.cancel_host(host_id, app.clock.now(), "host deleted")
    state.changed()
    return {"ok": True, "id": host_id}


def _check_password(app, request) -> dict:
    spec = request.json_object()
    if "host" in spec:
        owner = app.state.hosts.get(spec["host"])
    elif "account" in spec:
        owner = app.state.accounts.get(spec["account"])
    else:
        raise ControlError("'host' or 'account' is required")
    if owner is None:
        raise ControlError("no such host or account")
    return {"match": owner.password == spec.get("password")}


def _vanish_handler(app):
    def handler(request, id):
        with app.lock:
            app.state.tasks.advance(app.clock.now())
            return _vanish(app, id)
    return handler


def _locked(app, work):
    def handler(request):
        with app.lock:
            app.state.tasks.advance(app.clock.now())
            return work(app, request)
    return handler


def register(router, app) -> None:
    router.add("GET", "/__sim__/config", _locked(app, lambda a, r: a.config.public()))
    router.add("POST", "/__sim__/config", _locked(app, _config))
    router.add("POST", "/__sim__/tasks/fail", _locked(app, _fail))
    router.add("POST", "/__sim__/fault/unavailable", _locked(app, _unavailable))
    router.add("POST", "/__sim__/tasks/finish", _locked(app, lambda a, r: {
        "finished": a.state.tasks.finish_all(a.clock.now())}))
    router.add("POST", "/__sim__/sessions/expire", _locked(app, lambda a, r: {
        "expired": auth.expire_all(a.state)}))
    router.add("POST", "/__sim__/check_password", _locked(app, _check_password))
    router.add("DELETE", "/__sim__/hosts/{id:int}", _vanish_handler(app))


def _seconds(state, t):
    return None if t is None else round(t - state.started, 3)


def _task(state, task) -> dict:
    return {"id": task.id, "consul_id": task.consul_id, "name": task.name,
            "host_id": task.host_id, "status": task.status, "output": task.output,
            "registered": _seconds(state, task.registered),
            "visible": _seconds(state, task.visible_at),
            "started": _seconds(state, task.started),
            "finished": _seconds(state, task.finished)}


def _host(state, host) -> dict:
    answer = views.host_full(state, host)
    answer.update({"hostname": host.hostname, "recipes_run": mask_json(
        [{"recipe": r["recipe"], "params": [{"name": k, "value": v}
                                            for k, v in r["params"].items()]}
         for r in host.recipes_run]),
        "password_changes": host.password_changes, "created": _seconds(state, host.created)})
    return answer


def _allocations(state) -> list:
    owners = {ip.address: (host.id, ip) for host in state.hosts.values() for ip in host.ips}
    result = []
    for pool in state.pools.pools.values():
        for number in sorted(pool.used):
            address = str(ipaddress.IPv4Address(number))
            host_id, ip = owners.get(address, (None, None))
            result.append({"ip": address, "pool": pool.id, "host": host_id,
                           "ip_id": ip.id if ip else None,
                           "interface": ip.interface if ip else None,
                           "reserved": ip is None})
    return result


def dump(app, now: float) -> dict:
    state = app.state
    tasks = state.tasks
    return {
        "simulator": app.name, "uptime": round(now - state.started, 3),
        "accounts": [views.account(a) for a in state.accounts.values()],
        "hosts": [_host(state, h) for h in state.hosts.values()],
        "tasks": [_task(state, t) for t in tasks.tasks.values()],
        "ip_allocations": _allocations(state),
        "ippools": [views.ippool(state, pool_id) for pool_id in state.pools.pools],
        "sessions": len(state.sessions), "logins": state.logins,
        "login_failures": state.login_failures,
        "active_tasks": tasks.active, "peak_active_tasks": tasks.peak_active,
        "config": app.config.public(),
    }
