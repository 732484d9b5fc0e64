"""The OpenStack Simulator: common.server.Simulator plus the "act, then answer" faults that a
gateway in front of a real cloud produces — the service carries the request out, then the
client gets a 503, a 429, another status or no answer at all:

  POST /__sim__/fault/act_then  {"status":503|429|502|500|…|"drop","count":N,
                                 "prefix":"/compute/v2.1/servers","method":"POST",
                                 "retry_after":S?}

The next `count` requests matching `prefix` (the path as sent) and `method` are handled as
usual (objects are created, deleted…), and the answer is replaced by the service's error body
with that status (a 429 gets `Retry-After`, 1 s unless told), or the connection is closed
without an answer ("drop"). They are listed by GET /__sim__/faults (kind "act_then"),
forgotten by DELETE /__sim__/faults and /__sim__/reset, and counted in the request log as
faults "act_then-<status>" / "act_then-drop".

And error pages that quote the request's token, as debug-mode gateways and WAFs write them
(the request is not handled):

  POST /__sim__/fault/echo_token {"form":"text"|"headers","status":400,"count":N,
                                  "prefix":…,"method":…}

"text": `{"error":{"code":9,"msg":"session <X-Auth-Token> has expired"}}` (JSON, but none
of the services' error shapes); "headers": a text/plain Python header dump
`{'Host': …, 'X-Auth-Token': '<token>', 'Cookie': 'ses6=…'}` in which the token straddles
the 200th character.

And listings that come back incomplete (a bad page, a filtering policy, a proxy's cache):

  POST /__sim__/fault/bad_list  {"mode":"empty"|"blank_ids","count":N,"prefix":…,
                                 "method":"GET"}

The request is handled; in its 200 answer every top-level list (the collection) is emptied
("empty") or keeps its entries with `"id": ""` ("blank_ids"); links stay as they were.
"""
from common.control import ControlError
from common.faults import Fault, FaultSpecError, make_fault
from common.routing import Router
from common.messages import Response
from common.server import Outcome, Simulator

KIND = "act_then"
ECHO = "echo_token"
ECHO_FORMS = ("text", "headers")
BAD_LIST = "bad_list"
BAD_LIST_MODES = ("empty", "blank_ids")


def make_act_then(spec: dict) -> Fault:
    """Validates an act_then fault as posted to the control API."""
    unknown = set(spec) - {"status", "count", "prefix", "method", "retry_after"}
    if unknown:
        raise FaultSpecError(f"unknown fields for an act_then fault: {sorted(unknown)}")
    status = spec.get("status", 503)
    drop = status == "drop"
    checked = {k: v for k, v in spec.items() if k != "status"}
    if drop:
        if "retry_after" in spec:
            raise FaultSpecError("a dropped answer has no retry_after")
        fault = make_fault("drop", dict(checked, after=True))
    else:
        if status == 429:
            checked.setdefault("retry_after", 1)
        fault = make_fault("status", dict(checked, status=status))
    fault.kind = KIND
    fault.after = drop
    return fault


def make_echo(spec: dict) -> Fault:
    unknown = set(spec) - {"form", "status", "count", "prefix", "method"}
    if unknown:
        raise FaultSpecError(f"unknown fields for an echo_token fault: {sorted(unknown)}")
    form = spec.get("form", "text")
    if form not in ECHO_FORMS:
        raise FaultSpecError(f"'form' must be one of {list(ECHO_FORMS)}")
    checked = {k: v for k, v in spec.items() if k != "form"}
    fault = make_fault("status", dict(checked, status=spec.get("status", 400)))
    fault.kind = ECHO
    fault.after = form == "headers"
    return fault


def echo_body(form_headers: bool, request) -> Response:
    token = request.headers.get("X-Auth-Token") or ""
    if not form_headers:
        return {"error": {"code": 9, "msg": f"session {token} has expired"}}, []
    before = "{'Host': '127.0.0.1', 'Accept': 'application/json', 'User-Agent': '"
    between = "', 'X-Auth-Token': '"
    agent = "pm " + "x" * max(0, 150 - len(before) - len(between) - 3)   # token at char 150
    text = (before + agent + between + token +
            "', 'Cookie': 'ses6=4-e63a0000-0000-4000-8000-000000000001'}")
    return text.encode(), [("Content-Type", "text/plain")]


def make_bad_list(spec: dict) -> Fault:
    unknown = set(spec) - {"mode", "count", "prefix", "method"}
    if unknown:
        raise FaultSpecError(f"unknown fields for a bad_list fault: {sorted(unknown)}")
    mode = spec.get("mode", "empty")
    if mode not in BAD_LIST_MODES:
        raise FaultSpecError(f"'mode' must be one of {list(BAD_LIST_MODES)}")
    fault = make_fault("drop", {k: v for k, v in spec.items() if k != "mode"})
    fault.kind = BAD_LIST
    fault.after = mode == "blank_ids"
    return fault


def spoil_list(response: Response, blank_ids: bool) -> Response:
    if response.status != 200 or not isinstance(response.body, dict):
        return response
    for key, value in list(response.body.items()):
        if isinstance(value, list) and not key.endswith("_links"):
            response.body[key] = ([dict(entry, id="") if isinstance(entry, dict) else entry
                                   for entry in value] if blank_ids else [])
    return response


class OpenStackSimulator(Simulator):
    def __init__(self, app, clock=None):
        super().__init__(app, clock)
        # The first matching route wins: act_then goes before the generic /fault/{kind}.
        generic, self.control = self.control, Router()
        self.control.add("POST", "/__sim__/fault/act_then", self._add_act_then)
        self.control.add("POST", "/__sim__/fault/echo_token", self._add_echo)
        self.control.add("POST", "/__sim__/fault/bad_list", self._add_bad_list)
        for route in generic.routes():
            self.control.add(route.method, route.pattern, route.handler, **route.meta)

    def _add_act_then(self, request) -> dict:
        spec = request.json_object(empty_as={})
        try:
            fault = make_act_then(spec)
        except FaultSpecError as error:
            raise ControlError(str(error)) from None
        self.faults.add(fault)
        return {"ok": True, "pending": self.faults.pending()}

    def _add_echo(self, request) -> dict:
        try:
            fault = make_echo(request.json_object(empty_as={}))
        except FaultSpecError as error:
            raise ControlError(str(error)) from None
        self.faults.add(fault)
        return {"ok": True, "pending": self.faults.pending()}

    def _add_bad_list(self, request) -> dict:
        try:
            fault = make_bad_list(request.json_object(empty_as={}))
        except FaultSpecError as error:
            raise ControlError(str(error)) from None
        self.faults.add(fault)
        return {"ok": True, "pending": self.faults.pending()}

    def _faulted_or_handled(self, request):
        method, path = request.method, request.api_path or request.path
        spoiled = self.faults.take(BAD_LIST, method, path)
        if spoiled is not None:
            mode = "blank_ids" if spoiled.after else "empty"
            return (Outcome(spoil_list(self._handled(request), spoiled.after)),
                    f"{BAD_LIST}-{mode}")
        echo = self.faults.take(ECHO, method, path)
        if echo is not None:
            body, headers = echo_body(echo.after, request)
            return Outcome(Response(echo.status, body, headers)), f"{ECHO}-{echo.status}"
        fault = self.faults.take(KIND, method, path)
        if fault is None:
            return super()._faulted_or_handled(request)
        self._handled(request)   # the service acts…
        if fault.after:          # …and the client never hears of it
            return Outcome(drop=True), f"{KIND}-drop"
        return Outcome(self._injected(fault, request)), f"{KIND}-{fault.status}"
