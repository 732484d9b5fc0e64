"""Zabbix-specific control endpoints (besides common/control.py) and the state dump:

  GET    /__sim__/config            the knobs (config.Config; the Admin password left out)
  POST   /__sim__/config            change some: {"rights_param":"both","registration":…}
  GET    /__sim__/state             users, user groups, host groups, hosts (with macros,
                                    secret values masked), actions, tokens, sessions count,
                                    auto-registrations; no password or secret in it
  GET    /__sim__/macros[?host=H]   every host macro with its value IN CLEAR, secret ones
                                    included: {"list":[{"host","hostid","hostmacroid","macro",
                                    "type","value"}]} (the only place a secret shows)
  POST   /__sim__/check_password    {"username":U,"password":P} → {"exists":bool,"match":bool}
  POST   /__sim__/agent/register    {"host":H,"metadata":M,"ip":"127.0.0.1"?}: an active
                                    agent with HostMetadata M asks the server for its checks;
                                    the enabled auto-registration actions that match run →
                                    {"registered":bool,"hostid","groups":[names],
                                    "templates":[names],"actionids":[…]}
  POST   /__sim__/cache/sync        with registration=next_sync: every action counts as
                                    loaded into the server's cache now
  POST   /__sim__/sessions/expire   every session ends now (a frontend restart, autologout)
                                    → {"expired":N}
  POST   /__sim__/delete            {"kind":"user|usergroup|hostgroup|host|action|usermacro",
                                    "id":ID}: an operator deleted it in the UI (drift), no
                                    checks → {"deleted":bool}
"""
from common.control import ControlError
from common.knobs import control_update
from common.masking import MASK

from .query import public

KINDS = {"user": "users", "usergroup": "usergroups", "hostgroup": "hostgroups",
         "host": "hosts", "action": "actions", "usermacro": "macros"}


def _locked(app, work):
    def handler(request, **params):
        with app.lock:
            return work(app, request, **params)
    return handler


def _names(state, table, ids) -> list:
    return [table[i]["name"] for i in ids if i in table]


def dump(app) -> dict:
    state = app.state
    users = []
    for user in state.users.values():
        users.append(dict(public(user), usrgrps=_names(state, state.usergroups,
                                                       user["_usrgrps"]),
                          has_password=bool(user["_passwd"])))
    usergroups = []
    for group in state.usergroups.values():
        rights = [{"id": g, "group": state.hostgroups[g]["name"], "permission": p}
                  for g, p in group["_rights"].items() if g in state.hostgroups]
        usergroups.append(dict(public(group), rights=rights))
    hosts = []
    for host in state.hosts.values():
        macros = [{"hostmacroid": m["hostmacroid"], "macro": m["macro"], "type": m["type"],
                   "value": MASK if m["type"] == "1" else m["_value"]}
                  for m in state.macros.values() if m["hostid"] == host["hostid"]]
        hosts.append({"hostid": host["hostid"], "host": host["host"], "name": host["name"],
                      "status": host["status"],
                      "groups": _names(state, state.hostgroups, host["_groups"]),
                      "templates": [state.templates[t]["host"] for t in host["_templates"]],
                      "macros": macros, "metadata": host.get("_metadata")})
    actions = []
    for action in state.actions.values():
        actions.append(dict(public(action), filter=action["_filter"],
                            operations=action["_operations"]))
    return {"users": users, "usergroups": usergroups,
            "hostgroups": [public(g) for g in state.hostgroups.values()], "hosts": hosts,
            "actions": actions, "tokens": [public(t) for t in state.tokens.values()],
            "sessions": len(state.sessions), "registrations": list(state.registrations),
            "config": app.config.public()}


def _macros(app, request) -> dict:
    state = app.state
    wanted = request.query.get("host")
    result = []
    for macro in state.macros.values():
        host = state.hosts[macro["hostid"]]
        if wanted is not None and host["host"] != wanted:
            continue
        result.append({"host": host["host"], "hostid": host["hostid"],
                       "hostmacroid": macro["hostmacroid"], "macro": macro["macro"],
                       "type": macro["type"], "value": macro["_value"]})
    return {"list": result}


def _check_password(app, request) -> dict:
    spec = request.json_object()
    user = next((u for u in app.state.users.values()
                 if u["username"] == spec.get("username")), None)
    return {"exists": user is not None,
            "match": user is not None and bool(user["_passwd"])
            and user["_passwd"] == spec.get("password")}


def _register(app, request) -> dict:
    spec = request.json_object()
    host, metadata = spec.get("host"), spec.get("metadata", "")
    if not isinstance(host, str) or not host:
        raise ControlError("'host' (the agent's Hostname) is required")
    if not isinstance(metadata, str) or len(metadata) > 255:
        raise ControlError("'metadata' must be a string of at most 255 characters")
    return app.state.register_agent(host, metadata, str(spec.get("ip", "127.0.0.1")))


def _sync(app, request) -> dict:
    for action in app.state.actions.values():
        action["_changed"] = -1e12
    return {"ok": True}


def _expire(app, request) -> dict:
    count = len(app.state.sessions)
    app.state.sessions.clear()
    return {"expired": count}


def _delete(app, request) -> dict:
    spec = request.json_object()
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ControlError(f"'kind' must be one of {sorted(KINDS)}")
    table = getattr(app.state, KINDS[kind])
    key = str(spec.get("id"))
    if key not in table:
        return {"deleted": False}
    del table[key]
    state = app.state
    if kind == "host":
        for macroid in [m for m, v in state.macros.items() if v["hostid"] == key]:
            del state.macros[macroid]
    elif kind == "usergroup":
        for user in state.users.values():
            if key in user["_usrgrps"]:
                user["_usrgrps"].remove(key)
    elif kind == "hostgroup":
        for host in state.hosts.values():
            if key in host["_groups"]:
                host["_groups"].remove(key)
        for group in state.usergroups.values():
            group["_rights"].pop(key, None)
    elif kind == "user":
        for sessionid, owner in list(state.sessions.items()):
            if owner == key:
                del state.sessions[sessionid]
    return {"deleted": True}


def register(router, app) -> None:
    router.add("GET", "/__sim__/config", _locked(app, lambda a, r: a.config.public()))
    router.add("POST", "/__sim__/config",
               _locked(app, lambda a, r: control_update(a.config, r)))
    router.add("GET", "/__sim__/macros", _locked(app, _macros))
    router.add("POST", "/__sim__/check_password", _locked(app, _check_password))
    router.add("POST", "/__sim__/agent/register", _locked(app, _register))
    router.add("POST", "/__sim__/cache/sync", _locked(app, _sync))
    router.add("POST", "/__sim__/sessions/expire", _locked(app, _expire))
    router.add("POST", "/__sim__/delete", _locked(app, _delete))
