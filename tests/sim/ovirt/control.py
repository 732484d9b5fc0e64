"""oVirt-specific control endpoints (besides common/control.py) and the state dump:

  GET  /__sim__/config              the knobs (config.Config; admin password left out)
  POST /__sim__/config              change some: {"time_scale":0.01,"seconds":{"launch":1},
                                    "storage_available":0,"create_status":"201",…}
  POST /__sim__/tokens/expire       every token dies now (an engine restart) → {"expired":N}
  POST /__sim__/engine/restart      {"seconds":S}: tokens die, every call answers 503 for S s
  POST /__sim__/template            {"name":N,"version":V?,"status":"locked|ok|illegal"}
  POST /__sim__/templates           {"name":N,"version_name":S?}: a new version of N
  POST /__sim__/fail                {"operation":"create|extend","count":N}: the next
                                    operations of that kind fail when their work ends
  POST /__sim__/jobs/finish         every pending state change happens now → {"finished":N}
  POST /__sim__/check_password      {"vm":ID|NAME,"password":P} → {"match":bool,"boot":n}
  GET  /__sim__/vms/{id}/boots      what each boot of the VM applied (passwords masked)
  DELETE /__sim__/vms/{id}          the VM is gone at once (deleted in the portal)
  POST /__sim__/vms/{id}/status     {"status":"not_responding|unknown|paused|unassigned"}:
                                    host or storage trouble puts the VM in that status now
"""
import copy

from common.control import ControlError
from common.knobs import control_update
from common.masking import mask_json

from . import views

OPERATIONS = ("create", "extend")


def _locked(app, work):
    def handler(request, **params):
        with app.lock:
            app.state.advance()
            return work(app, request, **params)
    return handler


def _restart(app, request) -> dict:
    """The engine restarts: every token dies, every call (SSO included) answers the proxy's
    503 for `seconds`."""
    seconds = request.json_object(empty_as={}).get("seconds", 0)
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or \
            not 0 <= seconds <= 3600:
        raise ControlError("'seconds' must be a number in 0..3600")
    expired = _expire(app, request)["expired"]
    app.down_until = app.clock.now() + seconds
    return {"expired": expired, "seconds": seconds}


def _expire(app, request) -> dict:
    count = len(app.state.tokens)
    app.state.tokens.clear()
    return {"expired": count}


def _versions(app, name: str) -> list:
    found = [t for t in app.state.templates.values() if t.name == name]
    if not found:
        raise ControlError(f"no template named {name!r}")
    return found


def _template_status(app, request) -> dict:
    spec = request.json_object()
    status = spec.get("status")
    if status not in ("ok", "locked", "illegal"):
        raise ControlError("'status' must be ok, locked or illegal")
    versions = _versions(app, str(spec.get("name")))
    if "version" in spec:
        versions = [t for t in versions if t.version == spec["version"]]
        if not versions:
            raise ControlError("no such version")
    for template in versions:
        template.status = status
    return {"ok": True, "templates": [views.template(app.state, t) for t in versions]}


def _new_version(app, request) -> dict:
    """A new version of a template under the same name: new VMs by name get it (§5.1)."""
    spec = request.json_object()
    versions = _versions(app, str(spec.get("name")))
    newest = max(versions, key=lambda t: t.version)
    state = app.state
    template = copy.deepcopy(newest)
    template.id = state.new_id()
    template.version = newest.version + 1
    template.version_name = str(spec.get("version_name", f"version {template.version}"))
    template.base_id = min(versions, key=lambda t: t.version).id
    for disk in template.disks:
        disk.id = state.new_id()
    state.templates[template.id] = template
    return views.template(state, template)


def _fail(app, request) -> dict:
    spec = request.json_object()
    operation, count = spec.get("operation"), spec.get("count", 1)
    if operation not in OPERATIONS:
        raise ControlError(f"'operation' must be one of {list(OPERATIONS)}")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ControlError("'count' must be a positive integer")
    app.state.fail_next[operation] = app.state.fail_next.get(operation, 0) + count
    return {"ok": True, "fail_next": app.state.fail_next}


def _finish(app, request) -> dict:
    return {"finished": app.state.timeline.run_all(app.state.now())}


def _find_vm(app, key):
    state = app.state
    vm = state.vms.get(key) if isinstance(key, str) else None
    if vm is None:
        vm = next((v for v in state.vms.values() if v.name == key), None)
    if vm is None:
        raise ControlError(f"no VM {key!r}")
    return vm


def _check_password(app, request) -> dict:
    spec = request.json_object()
    vm = _find_vm(app, spec.get("vm"))
    boot = next((b["boot"] for b in reversed(vm.boots)
                 if (b.get("initialization") or {}).get("root_password") is not None), None)
    return {"match": vm.applied_password is not None and
            vm.applied_password == spec.get("password"), "boot": boot}


def _boots(app, request, id) -> dict:
    return {"boots": mask_json(_find_vm(app, id).boots)}


def _vanish(app, request, id) -> dict:
    vm = _find_vm(app, id)
    app.state.vanish(vm)
    return {"ok": True, "id": vm.id}


def _trouble(app, request, id) -> dict:
    vm = _find_vm(app, id)
    status = request.json_object().get("status")
    if status not in app.state.HOST_TROUBLE:
        raise ControlError(f"'status' must be one of {list(app.state.HOST_TROUBLE)}")
    app.state.trouble(vm, status)
    return {"ok": True, "id": vm.id, "status": vm.status}


def register(router, app) -> None:
    router.add("GET", "/__sim__/config", _locked(app, lambda a, r: a.config.public()))
    router.add("POST", "/__sim__/config", _locked(app, lambda a, r: control_update(a.config, r)))
    router.add("POST", "/__sim__/tokens/expire", _locked(app, _expire))
    router.add("POST", "/__sim__/engine/restart", _locked(app, _restart))
    router.add("POST", "/__sim__/template", _locked(app, _template_status))
    router.add("POST", "/__sim__/templates", _locked(app, _new_version))
    router.add("POST", "/__sim__/fail", _locked(app, _fail))
    router.add("POST", "/__sim__/jobs/finish", _locked(app, _finish))
    router.add("POST", "/__sim__/check_password", _locked(app, _check_password))
    router.add("GET", "/__sim__/vms/{id}/boots", _locked(app, _boots))
    router.add("DELETE", "/__sim__/vms/{id}", _locked(app, _vanish))
    router.add("POST", "/__sim__/vms/{id}/status", _locked(app, _trouble))


def _vm(state, vm) -> dict:
    answer = views.vm(state, vm, ("disk_attachments.disk",))
    answer.update({"boots": mask_json(vm.boots), "is_initialized": vm.is_initialized,
                   "next_run": vm.next_run, "deleting": vm.deleting,
                   "initialization": mask_json(vm.initialization)})
    return answer


def dump(app) -> dict:
    state = app.state
    return {
        "simulator": app.name, "uptime": round(state.now() - state.mono0, 3),
        "vms": [_vm(state, v) for v in state.vms.values()],
        "disks": [views.disk(state, d) for d in state.disks.values()],
        "templates": [views.template(state, t) for t in state.templates.values()],
        "jobs": [dict(views.job(j), correlation_id=j.correlation_id)
                 for j in state.jobs.values()],
        "storage": {"available": state.storage_available(), "used_by_vms": state.storage_used},
        "tokens": len(state.tokens), "logins": state.logins,
        "login_failures": state.login_failures, "pending_events": state.timeline.pending(),
        "fail_next": state.fail_next, "config": app.config.public(),
    }
