"""The generic control API under /__sim__/ (JSON in and out; not part of any real API):

  GET    /__sim__/health             {"ok":true,"simulator":NAME}
  GET    /__sim__/requests[?since=N] {"list":[entry…],"size":N}  (see reqlog.RequestLog.end)
  DELETE /__sim__/requests           forget the log and the counters
  GET    /__sim__/counters           {"requests":{"METHOD /pattern":n},"logins":n,…}
  POST   /__sim__/fault/503          {"count":N,"prefix":"/vm/v3","method":"POST"}
  POST   /__sim__/fault/429          {"count":N,"retry_after":S,"prefix":…,"method":…}
  POST   /__sim__/fault/status       {"status":502,"count":N,"retry_after":S?,…}
  POST   /__sim__/fault/drop         {"count":N,"after":false,…}  after: handle, then drop
  POST   /__sim__/fault/slow         {"count":N,"delay_ms":M,…}
                                     (every fault also takes "skip":K: the first K matching
                                     requests pass untouched)
  POST   /__sim__/fault/act_then     {"status":503|429|…|"drop","count":N,…}: the request is
                                     carried out, then answered with that status (429 with
                                     Retry-After: 1) or its connection dropped
  POST   /__sim__/fault/hold         {"count":N,"skip":K,"after":false,…}: the matching request
                                     (after K have passed) stays in flight until released,
                                     then its connection drops; after: carried out first;
                                     late: carried out when released
  GET    /__sim__/held               {"list":[{"seq","method","path","after"}…]} held now
  POST   /__sim__/release            {"released":N}: every held request ends (dropped)
  GET    /__sim__/faults             {"list":[pending faults]}
  DELETE /__sim__/faults             forget pending faults
  GET    /__sim__/state              the App's state dump
  POST   /__sim__/reset              fixtures, start-up knobs, empty log, no faults
Apps add their own knobs (App.add_control_routes).
"""
from .faults import FaultSpecError, make_fault
from .messages import BodyError, Response
from .routing import MethodNotAllowed, NotFound


class ControlError(ValueError):
    pass


def dispatch(router, request) -> Response:
    try:
        match = router.match(request.method, request.path)
    except NotFound:
        return Response(404, {"error": f"unknown control endpoint {request.path}"})
    except MethodNotAllowed as error:
        return Response(405, {"error": f"allowed: {', '.join(error.allowed)}"})
    request.params = match.params
    try:
        result = match.route.handler(request, **match.params)
    except (ControlError, BodyError, FaultSpecError) as error:
        return Response(400, {"error": str(error)})
    return result if isinstance(result, Response) else Response(200, result)


def _act_then(spec: dict) -> tuple:
    """act_then as a status or drop fault with after."""
    spec = dict(spec)
    status = spec.pop("status", None)
    if "after" in spec:
        raise ControlError("an act_then fault is always after")
    if status == "drop":
        return "drop", dict(spec, after=True)
    if isinstance(status, bool) or not isinstance(status, int):
        raise ControlError("'status' must be an HTTP status or \"drop\"")
    if status == 429:
        spec.setdefault("retry_after", 1)
    return "status", dict(spec, status=status, after=True)


def _add_fault(sim, kind: str, request) -> dict:
    spec = request.json_object(empty_as={})
    if kind == "act_then":
        kind, spec = _act_then(spec)
    elif kind in ("503", "429"):
        if "status" in spec:
            raise ControlError(f"a {kind} fault has a fixed status")
        spec = dict(spec, status=int(kind))
        if kind == "429":
            spec.setdefault("retry_after", 1)
        kind = "status"
    fault = make_fault(kind, spec)
    sim.faults.add(fault)
    return {"ok": True, "pending": sim.faults.pending()}


def _requests(sim, request) -> dict:
    since = request.query.get("since", "0")
    if not since.isdigit():
        raise ControlError("since must be a sequence number")
    entries = sim.log.entries(int(since))
    return {"list": entries, "size": len(entries)}


def _reset(sim) -> dict:
    sim.app.reset()
    sim.faults.clear()
    sim.holds.release()
    sim.log.clear()
    return {"ok": True}


def register(router, sim) -> None:
    router.add("GET", "/__sim__/health", lambda r: {"ok": True, "simulator": sim.app.name})
    router.add("GET", "/__sim__/requests", lambda r: _requests(sim, r))
    router.add("DELETE", "/__sim__/requests", lambda r: (sim.log.clear(), {"ok": True})[1])
    router.add("GET", "/__sim__/counters", lambda r: sim.log.counters())
    router.add("POST", "/__sim__/fault/{kind}", lambda r, kind: _add_fault(sim, kind, r))
    router.add("GET", "/__sim__/held", lambda r: {"list": sim.holds.held()})
    router.add("POST", "/__sim__/release", lambda r: {"released": sim.holds.release()})
    router.add("GET", "/__sim__/faults", lambda r: {"list": sim.faults.pending()})
    router.add("DELETE", "/__sim__/faults", lambda r: (sim.faults.clear(), {"ok": True})[1])
    router.add("GET", "/__sim__/state", lambda r: sim.app.dump())
    router.add("POST", "/__sim__/reset", lambda r: _reset(sim))
