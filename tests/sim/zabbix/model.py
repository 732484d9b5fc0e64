"""The Zabbix database the simulator keeps: host groups, user groups, users, roles, templates,
hosts with their macros, actions, API tokens and sessions; the API methods over them.

Records are dicts of strings (as the API returns them); keys starting with '_' are private
(group memberships, password, the secret value of a macro, an action's filter…)."""
import hashlib
import re
import secrets

from . import errors, fixtures
from .query import as_list, ids, public, run, selected

MACRO = re.compile(r"^\{\$[A-Z0-9_.]+(:.*)?\}$")
PERMISSIONS = ("0", "2", "3")


def _objects(params, method: str) -> list:
    """A create/update call's params: one object or an array of them."""
    if isinstance(params, dict) and params:
        return [params]
    if not params:
        raise errors.invalid("/", "cannot be empty")
    if isinstance(params, list) and all(isinstance(p, dict) for p in params):
        return params
    raise errors.invalid("/", "an array is expected")


def _check_fields(obj: dict, index: int, allowed: set, required=()) -> None:
    for name in required:
        if name not in obj:
            raise errors.missing(f"/{index}", name)
    for name in obj:
        if name not in allowed:
            raise errors.unexpected(f"/{index}", name)


def _text(obj: dict, name: str, index: int, allow_empty=False) -> str:
    value = obj.get(name)
    if not isinstance(value, str):
        raise errors.invalid(f"/{index}/{name}", "a character string is expected")
    if not value and not allow_empty:
        raise errors.invalid(f"/{index}/{name}", "cannot be empty")
    return value


def _choice(obj: dict, name: str, index: int, values: tuple, default: str) -> str:
    if name not in obj:
        return default
    value = str(obj[name])
    if isinstance(obj[name], bool) or value not in values:
        shown = ", ".join(values)
        raise errors.invalid(f"/{index}/{name}", f"value must be one of {shown}")
    return value


def _unique(objs: list, field: str) -> None:
    """Two objects of one call with the same name (observed wording)."""
    seen = set()
    for index, obj in enumerate(objs, 1):
        value = obj.get(field)
        if value in seen:
            raise errors.invalid(f"/{index}", f"value ({field})=({value}) already exists")
        seen.add(value)


def _id_list(params, path="/") -> list:
    if not isinstance(params, list):
        raise errors.invalid(path, "an array is expected")
    return ids(params, path)


class State:
    def __init__(self, config, clock, rng):
        self.config = config
        self.clock = clock
        self.rng = rng
        self.next_ids = dict(fixtures.NEXT_IDS)
        self.hostgroups, self.usergroups, self.users, self.roles = {}, {}, {}, {}
        self.templates, self.hosts, self.macros, self.actions = {}, {}, {}, {}
        self.tokens, self.sessions = {}, {}
        self.registrations = []
        self._load_fixtures()

    # --- setup ------------------------------------------------------------------------
    def _load_fixtures(self) -> None:
        for groupid, name, internal in fixtures.HOSTGROUPS:
            self.hostgroups[groupid] = {"groupid": groupid, "name": name,
                                        "internal": internal, "flags": "0",
                                        "uuid": self._uuid()}
        for usrgrpid, name, gui, status, debug in fixtures.USERGROUPS:
            self.usergroups[usrgrpid] = {"usrgrpid": usrgrpid, "name": name, "gui_access": gui,
                                         "users_status": status, "debug_mode": debug,
                                         "_rights": {}}
        for roleid, name, kind, readonly in fixtures.ROLES:
            self.roles[roleid] = {"roleid": roleid, "name": name, "type": kind,
                                  "readonly": readonly}
        self.users["1"] = dict(fixtures.ADMIN, _passwd=self.config.admin_password,
                               _usrgrps=list(fixtures.ADMIN_GROUPS), _medias=[], _blocked=0.0)
        self.users["2"] = dict(fixtures.GUEST, _passwd="", _usrgrps=list(fixtures.GUEST_GROUPS),
                               _medias=[], _blocked=0.0)
        for templateid, name in fixtures.TEMPLATES:
            self.templates[templateid] = {"templateid": templateid, "host": name, "name": name,
                                          "description": "", "uuid": self._uuid(),
                                          "_groups": [fixtures.TEMPLATE_GROUP]}
        server = fixtures.SERVER_HOST
        self.hosts[server["hostid"]] = self._host_record(
            server["hostid"], server["host"], server["name"], "0", "",
            list(fixtures.SERVER_GROUPS), ["10001", "10047"])
        for actionid, name, source, esc in fixtures.ACTIONS:
            self.actions[actionid] = {
                "actionid": actionid, "name": name, "eventsource": source,
                "status": "1", "esc_period": esc, "pause_suppressed": "1",
                "notify_if_canceled": "1",
                "_filter": {"evaltype": "0", "formula": "", "conditions": []},
                "_operations": [], "_changed": -1e12}

    def _uuid(self) -> str:
        return "%032x" % self.rng.getrandbits(128)

    def _next(self, kind: str) -> str:
        value = self.next_ids[kind]
        self.next_ids[kind] = value + 1
        return str(value)

    def _host_record(self, hostid, host, name, status, description, groups, templates) -> dict:
        return {"hostid": hostid, "proxy_hostid": "0", "host": host, "status": status,
                "lastaccess": "0", "ipmi_authtype": "-1", "ipmi_privilege": "2",
                "ipmi_username": "", "ipmi_password": "", "maintenanceid": "0",
                "maintenance_status": "0", "maintenance_type": "0", "maintenance_from": "0",
                "name": name, "flags": "0", "templateid": "0", "description": description,
                "tls_connect": "1", "tls_accept": "1", "tls_issuer": "", "tls_subject": "",
                "proxy_address": "", "auto_compress": "1", "custom_interfaces": "0",
                "uuid": "", "inventory_mode": "-1", "_groups": groups,
                "_templates": templates}

    # --- who is calling -----------------------------------------------------------------
    def user_type(self, user: dict) -> int:
        return int(self.roles[user["roleid"]]["type"])

    def is_super(self, user: dict) -> bool:
        return self.user_type(user) == 3

    def disabled(self, user: dict) -> bool:
        return any(self.usergroups[g]["users_status"] == "1" for g in user["_usrgrps"]
                   if g in self.usergroups)

    def readable_groups(self, user: dict) -> set:
        """Host groups a user of type user/admin may read (rights 2 or 3, no deny)."""
        if self.is_super(user):
            return set(self.hostgroups)
        granted, denied = set(), set()
        for usrgrpid in user["_usrgrps"]:
            for groupid, permission in self.usergroups[usrgrpid]["_rights"].items():
                (denied if permission == "0" else granted).add(groupid)
        return granted - denied

    # --- sessions and tokens ------------------------------------------------------------
    def login(self, params: dict, client_ip: str) -> object:
        if not isinstance(params, dict):
            raise errors.invalid("/", "an array is expected")
        allowed = {"username", "password", "userData"}
        if self.config.login_user_field == "both":
            allowed.add("user")
        for name in params:
            if name not in allowed:
                raise errors.unexpected("/", name)
        name = params.get("username", params.get("user"))
        if name is None:
            raise errors.missing("/", "username")
        if "password" not in params:
            raise errors.missing("/", "password")
        refused = "Incorrect user name or password or account is temporarily blocked."
        user = next((u for u in self.users.values() if u["username"] == name), None)
        if user is None:
            raise errors.params(refused)
        now = self.clock.wall()
        if self.config.login_blocking == "on" and user["_blocked"] > now:
            raise errors.application(refused)
        if params["password"] != user["_passwd"]:
            failed = int(user["attempt_failed"]) + 1
            user.update(attempt_failed=str(failed), attempt_ip=client_ip,
                        attempt_clock=str(int(now)))
            if failed >= 5 and self.config.login_blocking == "on":
                user["_blocked"] = now + self.config.login_block_seconds
            raise errors.application(refused)
        if self.disabled(user):
            raise errors.params("No permissions for system access.")
        user["attempt_failed"] = "0"
        sessionid = "%032x" % self.rng.getrandbits(128)
        self.sessions[sessionid] = user["userid"]
        if params.get("userData"):
            return self.user_data(user, sessionid, client_ip)
        return sessionid

    def user_data(self, user: dict, sessionid: str, client_ip: str) -> dict:
        data = public(user)
        data.update(lang="en_US" if data["lang"] == "default" else data["lang"],
                    timezone="system" if data["timezone"] == "default" else data["timezone"],
                    type=self.user_type(user), userip=client_ip,
                    debug_mode=int(any(self.usergroups[g]["debug_mode"] == "1"
                                       for g in user["_usrgrps"])),
                    gui_access=0, sessionid=sessionid)
        return data

    def authenticate(self, auth) -> dict:
        """The user behind the body's `auth` (a session id or an API token)."""
        if auth is None:
            raise errors.params("Not authorized.")
        if not isinstance(auth, str):
            raise errors.params("Session terminated, re-login, please.")
        if len(auth) == 64:
            token = next((t for t in self.tokens.values()
                          if t["_hash"] == hashlib.sha512(auth.encode()).hexdigest()), None)
            if token is None:
                raise errors.params("Not authorized.")
            if token["status"] != "0":
                raise errors.params("Not authorized.")
            if token["expires_at"] != "0" and int(token["expires_at"]) <= self.clock.wall():
                raise errors.params("API token expired.")
            user = self.users.get(token["userid"])
            if user is None or self.disabled(user):
                raise errors.params("Not authorized.")
            token["lastaccess"] = str(int(self.clock.wall()))
            return user
        userid = self.sessions.get(auth)
        user = self.users.get(userid) if userid else None
        if user is None or self.disabled(user):
            self.sessions.pop(auth, None)
            raise errors.params("Session terminated, re-login, please.")
        return user

    def logout(self, auth: str) -> bool:
        self.sessions.pop(auth, None)
        return True

    def check_authentication(self, params, client_ip: str) -> dict:
        if not isinstance(params, dict) or "sessionid" not in params:
            raise errors.missing("/", "sessionid")
        sessionid = params["sessionid"]
        user = self.authenticate(sessionid)
        return self.user_data(user, sessionid, client_ip)

    # --- host groups --------------------------------------------------------------------
    def hostgroup_get(self, user, params) -> object:
        rows = [g for g in self.hostgroups.values() if g["groupid"] in self.readable_groups(user)]
        wanted = ids(params.get("groupids"), "/groupids")
        if wanted:
            rows = [g for g in rows if g["groupid"] in wanted]
        hostids = ids(params.get("hostids"), "/hostids")
        if hostids:
            rows = [g for g in rows if any(g["groupid"] in self.hosts[h]["_groups"]
                                           for h in hostids if h in self.hosts)]

        def extend(record, shaped):
            if "selectHosts" in params:
                members = [h for h in self.hosts.values() if record["groupid"] in h["_groups"]]
                shaped["hosts"] = selected(params["selectHosts"], members, "hostid")
        return run(rows, params, "groupid", extend)

    def hostgroup_create(self, user, params) -> dict:
        objs = _objects(params, "hostgroup.create")
        for index, obj in enumerate(objs, 1):
            _check_fields(obj, index, {"name", "uuid"}, ("name",))
            _text(obj, "name", index)
        _unique(objs, "name")
        for obj in objs:
            if any(g["name"] == obj["name"] for g in self.hostgroups.values()):
                raise errors.exists(f'Host group "{obj["name"]}" already exists.')
        created = []
        for obj in objs:
            groupid = self._next("groupid")
            self.hostgroups[groupid] = {"groupid": groupid, "name": obj["name"],
                                        "internal": "0", "flags": "0",
                                        "uuid": obj.get("uuid") or self._uuid()}
            created.append(groupid)
        return {"groupids": created}

    def hostgroup_update(self, user, params) -> dict:
        objs = _objects(params, "hostgroup.update")
        for index, obj in enumerate(objs, 1):
            _check_fields(obj, index, {"groupid", "name", "uuid"}, ("groupid",))
            if str(obj["groupid"]) not in self.hostgroups:
                raise errors.no_object()
            if "name" in obj:
                _text(obj, "name", index)
                if any(g["name"] == obj["name"] and g["groupid"] != str(obj["groupid"])
                       for g in self.hostgroups.values()):
                    raise errors.exists(f'Host group "{obj["name"]}" already exists.')
        for obj in objs:
            if "name" in obj:
                self.hostgroups[str(obj["groupid"])]["name"] = obj["name"]
        return {"groupids": [str(o["groupid"]) for o in objs]}

    def hostgroup_delete(self, user, params) -> dict:
        groupids = _id_list(params)
        for groupid in groupids:
            if groupid not in self.hostgroups:
                raise errors.no_object()
            group = self.hostgroups[groupid]
            if group["internal"] == "1":
                raise errors.params(f'Host group "{group["name"]}" is internal and cannot be '
                                    f'deleted.')
        for host in self.hosts.values():
            if host["_groups"] and set(host["_groups"]) <= set(groupids):
                raise errors.params(f'Host "{host["host"]}" cannot be without host group.')
        for template in self.templates.values():
            if template["_groups"] and set(template["_groups"]) <= set(groupids):
                raise errors.params(f'Template "{template["host"]}" cannot be without host '
                                    f'group.')
        # An action's operations lose the group (real 6.0.14 deletes a group an action adds
        # hosts to); an operation left without groups goes and its action is disabled
        # (observed).
        for action in self.actions.values():
            kept = []
            for operation in action["_operations"]:
                if "opgroup" in operation:
                    operation["opgroup"] = [r for r in operation["opgroup"]
                                            if r["groupid"] not in groupids]
                    if not operation["opgroup"]:
                        continue
                kept.append(operation)
            if len(kept) != len(action["_operations"]):
                action["_operations"] = kept
                action["status"] = "1"
        for groupid in groupids:
            del self.hostgroups[groupid]
            for usergroup in self.usergroups.values():
                usergroup["_rights"].pop(groupid, None)
        return {"groupids": groupids}

    # --- user groups --------------------------------------------------------------------
    def _rights_params(self) -> set:
        return {"rights": {"rights"}, "both": {"rights", "hostgroup_rights"},
                "hostgroup_rights": {"hostgroup_rights"}}[self.config.rights_param]

    def _rights(self, obj: dict, index: int):
        """The host-group rights of a usergroup.create/update object (None: not given)."""
        given = [name for name in ("rights", "hostgroup_rights") if name in obj]
        if not given:
            return None
        rights = {}
        for name in given:
            for number, right in enumerate(as_list(obj[name]), 1):
                path = f"/{index}/{name}/{number}"
                if not isinstance(right, dict):
                    raise errors.invalid(path, "an array is expected")
                _check_fields(right, 0, {"id", "permission"}, ())
                for field in ("id", "permission"):
                    if field not in right:
                        raise errors.missing(path, field)
                permission = str(right["permission"])
                if permission not in PERMISSIONS:
                    raise errors.invalid(f"{path}/permission", "value must be one of 0, 2, 3")
                groupid = str(right["id"])
                if groupid not in self.hostgroups:
                    raise errors.params(f'Host group with ID "{groupid}" is not available.')
                rights[groupid] = permission
        return rights

    def _members(self, obj: dict, index: int):
        if "users" not in obj:
            return None
        members = []
        for number, ref in enumerate(as_list(obj["users"]), 1):
            if not isinstance(ref, dict) or "userid" not in ref:
                raise errors.missing(f"/{index}/users/{number}", "userid")
            if str(ref["userid"]) not in self.users:
                raise errors.no_object()
            members.append(str(ref["userid"]))
        return members

    def usergroup_get(self, user, params) -> object:
        rows = list(self.usergroups.values())
        if not self.is_super(user):
            rows = [g for g in rows if g["usrgrpid"] in user["_usrgrps"]]
        wanted = ids(params.get("usrgrpids"), "/usrgrpids")
        if wanted:
            rows = [g for g in rows if g["usrgrpid"] in wanted]
        userids = ids(params.get("userids"), "/userids")
        if userids:
            rows = [g for g in rows if any(g["usrgrpid"] in self.users[u]["_usrgrps"]
                                           for u in userids if u in self.users)]
        if params.get("status") is not None:
            rows = [g for g in rows if g["users_status"] == str(params["status"])]

        def extend(record, shaped):
            rights = [{"permission": p, "id": g} for g, p in record["_rights"].items()]
            for name in ("selectRights", "selectHostGroupRights"):
                if name in params and (name == "selectRights" or
                                       self.config.rights_param != "rights"):
                    key = "rights" if name == "selectRights" else "hostgroup_rights"
                    shaped[key] = selected(params[name], rights)
            if "selectUsers" in params:
                members = [u for u in self.users.values() if record["usrgrpid"] in u["_usrgrps"]]
                shaped["users"] = selected(params["selectUsers"], members, "userid")
        return run(rows, params, "usrgrpid", extend)

    USERGROUP_FIELDS = {"name", "gui_access", "users_status", "debug_mode", "users",
                        "tag_filters", "userdirectoryid"}

    def usergroup_create(self, user, params) -> dict:
        objs = _objects(params, "usergroup.create")
        allowed = self.USERGROUP_FIELDS | self._rights_params()
        parsed = []
        for index, obj in enumerate(objs, 1):
            _check_fields(obj, index, allowed, ("name",))
            _text(obj, "name", index)
            parsed.append((self._rights(obj, index) or {}, self._members(obj, index) or []))
        _unique(objs, "name")
        for obj in objs:
            if any(g["name"] == obj["name"] for g in self.usergroups.values()):
                raise errors.exists(f'User group "{obj["name"]}" already exists.')
        created = []
        for index, (obj, (rights, members)) in enumerate(zip(objs, parsed), 1):
            usrgrpid = self._next("usrgrpid")
            self.usergroups[usrgrpid] = {
                "usrgrpid": usrgrpid, "name": obj["name"],
                "gui_access": _choice(obj, "gui_access", index, ("0", "1", "2", "3"), "0"),
                "users_status": _choice(obj, "users_status", index, ("0", "1"), "0"),
                "debug_mode": _choice(obj, "debug_mode", index, ("0", "1"), "0"),
                "_rights": rights}
            for userid in members:
                self.users[userid]["_usrgrps"].append(usrgrpid)
            created.append(usrgrpid)
        return {"usrgrpids": created}

    def usergroup_update(self, user, params) -> dict:
        objs = _objects(params, "usergroup.update")
        allowed = self.USERGROUP_FIELDS | self._rights_params() | {"usrgrpid"}
        changes = []
        for index, obj in enumerate(objs, 1):
            _check_fields(obj, index, allowed, ("usrgrpid",))
            usrgrpid = str(obj["usrgrpid"])
            if usrgrpid not in self.usergroups:
                raise errors.no_object()
            if "name" in obj:
                _text(obj, "name", index)
                if any(g["name"] == obj["name"] and g["usrgrpid"] != usrgrpid
                       for g in self.usergroups.values()):
                    raise errors.exists(f'User group "{obj["name"]}" already exists.')
            fields = {name: _choice(obj, name, index, values, None)
                      for name, values in (("gui_access", ("0", "1", "2", "3")),
                                           ("users_status", ("0", "1")),
                                           ("debug_mode", ("0", "1"))) if name in obj}
            if fields.get("users_status") == "1" and usrgrpid in self.users[user["userid"]][
                    "_usrgrps"]:
                raise errors.params("User cannot add himself to a disabled group or a group "
                                    "with disabled GUI access.")
            changes.append((usrgrpid, obj, fields, self._rights(obj, index),
                            self._members(obj, index)))
        for usrgrpid, obj, fields, rights, members in changes:
            group = self.usergroups[usrgrpid]
            group.update(fields)
            if "name" in obj:
                group["name"] = obj["name"]
            if rights is not None:
                group["_rights"] = rights
            if members is not None:
                for member in self.users.values():
                    inside = usrgrpid in member["_usrgrps"]
                    if member["userid"] in members and not inside:
                        member["_usrgrps"].append(usrgrpid)
                    elif member["userid"] not in members and inside:
                        member["_usrgrps"].remove(usrgrpid)
        return {"usrgrpids": [c[0] for c in changes]}

    def usergroup_delete(self, user, params) -> dict:
        usrgrpids = _id_list(params)
        for usrgrpid in usrgrpids:
            if usrgrpid not in self.usergroups:
                raise errors.no_object()
            name = self.usergroups[usrgrpid]["name"]
            if usrgrpid in fixtures.ACTION_USING_GROUP:
                raise errors.params(f'User group "{name}" is used in '
                                    f'"{fixtures.ACTION_USING_GROUP[usrgrpid]}" action.')
        for member in self.users.values():
            if member["_usrgrps"] and set(member["_usrgrps"]) <= set(usrgrpids):
                raise errors.params(f'User "{member["username"]}" cannot be without user '
                                    f'group.')
        for usrgrpid in usrgrpids:
            del self.usergroups[usrgrpid]
        return {"usrgrpids": usrgrpids}

    # --- users --------------------------------------------------------------------------
    USER_FIELDS = {"username", "passwd", "roleid", "usrgrps", "medias", "name", "surname",
                   "url", "autologin", "autologout", "lang", "refresh", "theme",
                   "rows_per_page", "timezone", "alias"}

    def _password(self, obj: dict, index: int) -> str:
        value = obj["passwd"]
        if not isinstance(value, str):
            raise errors.invalid(f"/{index}/passwd", "a character string is expected")
        least = int(self.config.min_password_length)
        if len(value) < least:
            raise errors.params(f'Incorrect value for field "/{index}/passwd": must be at '
                                f'least {least} characters long.')
        return value

    def _user_groups(self, obj: dict, index: int) -> list:
        result = []
        for number, ref in enumerate(as_list(obj["usrgrps"]), 1):
            if not isinstance(ref, dict) or "usrgrpid" not in ref:
                raise errors.missing(f"/{index}/usrgrps/{number}", "usrgrpid")
            usrgrpid = str(ref["usrgrpid"])
            if usrgrpid not in self.usergroups:
                raise errors.params(f'User group with ID "{usrgrpid}" is not available.')
            result.append(usrgrpid)
        return result

    def user_get(self, user, params) -> object:
        rows = list(self.users.values())
        if not self.is_super(user):
            rows = [u for u in rows if u["userid"] == user["userid"]]
        wanted = ids(params.get("userids"), "/userids")
        if wanted:
            rows = [u for u in rows if u["userid"] in wanted]
        usrgrpids = ids(params.get("usrgrpids"), "/usrgrpids")
        if usrgrpids:
            rows = [u for u in rows if set(u["_usrgrps"]) & set(usrgrpids)]

        def extend(record, shaped):
            if "selectUsrgrps" in params:
                groups = [self.usergroups[g] for g in record["_usrgrps"]]
                shaped["usrgrps"] = selected(params["selectUsrgrps"], groups, "usrgrpid")
            if "selectMedias" in params:
                shaped["medias"] = selected(params["selectMedias"], record["_medias"])
            if "selectRole" in params:
                role = self.roles[record["roleid"]]
                shaped["role"] = selected(params["selectRole"], [role], "roleid")[0]
        return run(rows, params, "userid", extend)

    def user_create(self, user, params) -> dict:
        objs = _objects(params, "user.create")
        parsed = []
        for index, obj in enumerate(objs, 1):
            if "alias" in obj and "username" not in obj:   # deprecated name, still taken
                obj = dict(obj, username=obj.pop("alias"))
            _check_fields(obj, index, self.USER_FIELDS, ("username", "roleid"))
            _text(obj, "username", index)
            if "usrgrps" not in obj:
                raise errors.missing(f"/{index}", "usrgrps")
            if str(obj["roleid"]) not in self.roles:
                raise errors.params(f'User role with ID "{obj["roleid"]}" is not available.')
            groups = self._user_groups(obj, index)
            password = self._password(obj, index) if "passwd" in obj else ""
            parsed.append((obj, groups, password))
        _unique([p[0] for p in parsed], "username")
        for obj, _, _ in parsed:
            if any(u["username"] == obj["username"] for u in self.users.values()):
                raise errors.exists(f'User with username "{obj["username"]}" already exists.')
        created = []
        for obj, groups, password in parsed:
            userid = self._next("userid")
            record = dict({"userid": userid, "username": obj["username"]},
                          **fixtures.USER_DEFAULTS, roleid=str(obj["roleid"]))
            for name in ("name", "surname", "url", "autologin", "autologout", "lang",
                         "refresh", "theme", "rows_per_page", "timezone"):
                if name in obj:
                    record[name] = str(obj[name])
            record.update(_passwd=password, _usrgrps=groups, _blocked=0.0,
                          _medias=[dict(m) for m in as_list(obj.get("medias"))])
            self.users[userid] = record
            created.append(userid)
        return {"userids": created}

    def user_update(self, user, params) -> dict:
        objs = _objects(params, "user.update")
        changes = []
        for index, obj in enumerate(objs, 1):
            _check_fields(obj, index, self.USER_FIELDS | {"userid"}, ("userid",))
            userid = str(obj["userid"])
            if userid not in self.users:
                raise errors.no_object()
            if "username" in obj:
                _text(obj, "username", index)
                if any(u["username"] == obj["username"] and u["userid"] != userid
                       for u in self.users.values()):
                    raise errors.exists(f'User with username "{obj["username"]}" already '
                                        f'exists.')
            if "roleid" in obj and str(obj["roleid"]) not in self.roles:
                raise errors.params(f'User role with ID "{obj["roleid"]}" is not available.')
            groups = self._user_groups(obj, index) if "usrgrps" in obj else None
            password = self._password(obj, index) if "passwd" in obj else None
            changes.append((userid, obj, groups, password))
        for userid, obj, groups, password in changes:
            record = self.users[userid]
            for name in ("username", "roleid", "name", "surname", "url", "autologin",
                         "autologout", "lang", "refresh", "theme", "rows_per_page",
                         "timezone"):
                if name in obj:
                    record[name] = str(obj[name])
            if groups is not None:
                record["_usrgrps"] = groups
            if password is not None:
                record["_passwd"] = password
                # A password change ends the user's other sessions.
                for sessionid, owner in list(self.sessions.items()):
                    if owner == userid and userid != user["userid"]:
                        del self.sessions[sessionid]
            if "medias" in obj:
                record["_medias"] = [dict(m) for m in as_list(obj["medias"])]
        return {"userids": [c[0] for c in changes]}

    def user_delete(self, user, params) -> dict:
        userids = _id_list(params)
        for userid in userids:
            if userid not in self.users:
                raise errors.no_object()
            if userid == user["userid"]:
                raise errors.params("User is not allowed to delete himself.")
            if userid == "2":
                raise errors.params('Cannot delete Zabbix internal user "guest", try disabling '
                                    'that user.')
        for userid in userids:
            del self.users[userid]
            for sessionid, owner in list(self.sessions.items()):
                if owner == userid:
                    del self.sessions[sessionid]
            for tokenid, token in list(self.tokens.items()):
                if token["userid"] == userid:
                    del self.tokens[tokenid]
        return {"userids": userids}

    # --- roles and templates (read only) ------------------------------------------------
    def role_get(self, user, params) -> object:
        rows = list(self.roles.values())
        wanted = ids(params.get("roleids"), "/roleids")
        if wanted:
            rows = [r for r in rows if r["roleid"] in wanted]
        return run(rows, params, "roleid")

    def template_get(self, user, params) -> object:
        readable = self.readable_groups(user)
        rows = [t for t in self.templates.values() if set(t["_groups"]) & readable]
        wanted = ids(params.get("templateids"), "/templateids")
        if wanted:
            rows = [t for t in rows if t["templateid"] in wanted]
        groupids = ids(params.get("groupids"), "/groupids")
        if groupids:
            rows = [t for t in rows if set(t["_groups"]) & set(groupids)]

        def extend(record, shaped):
            if "selectGroups" in params:
                groups = [self.hostgroups[g] for g in record["_groups"]]
                shaped["groups"] = selected(params["selectGroups"], groups, "groupid")
        return run(rows, params, "templateid", extend)

    # --- actions ------------------------------------------------------------------------
    ACTION_FIELDS = {"name", "eventsource", "status", "esc_period", "filter", "operations",
                     "pause_suppressed", "notify_if_canceled", "recovery_operations",
                     "update_operations"}

    def _action_filter(self, value, index: int) -> dict:
        path = f"/{index}/filter"
        if not isinstance(value, dict):
            raise errors.invalid(path, "an array is expected")
        _check_fields(value, index, {"evaltype", "formula", "conditions"}, ())
        if "evaltype" not in value:
            raise errors.missing(path, "evaltype")
        evaltype = str(value["evaltype"])
        if evaltype not in ("0", "1", "2", "3"):
            raise errors.invalid(f"{path}/evaltype", "value must be one of 0, 1, 2, 3")
        conditions = []
        for number, condition in enumerate(as_list(value.get("conditions")), 1):
            cpath = f"{path}/conditions/{number}"
            if not isinstance(condition, dict):
                raise errors.invalid(cpath, "an array is expected")
            for name in ("conditiontype", "value"):
                if name not in condition:
                    raise errors.missing(cpath, name)
            kind = str(condition["conditiontype"])
            if kind not in ("20", "22", "24"):   # proxy, host name, host metadata
                raise errors.invalid(f"{cpath}/conditiontype", "value must be one of 20, 22, 24")
            operator = str(condition.get("operator", "0"))
            allowed = ("0", "1") if kind == "20" else ("2", "3", "8", "9")
            if operator not in allowed:
                raise errors.invalid(f"{cpath}/operator",
                                     f"value must be one of {', '.join(allowed)}")
            conditions.append({"conditiontype": kind, "operator": operator,
                               "value": str(condition["value"]), "value2": "",
                               "formulaid": chr(ord("A") + number - 1)})
        return {"evaltype": evaltype, "formula": str(value.get("formula", "")),
                "conditions": conditions}

    def _action_operations(self, value, index: int, actionid: str) -> list:
        result = []
        for number, op in enumerate(as_list(value), 1):
            path = f"/{index}/operations/{number}"
            if not isinstance(op, dict) or "operationtype" not in op:
                raise errors.missing(path, "operationtype")
            kind = str(op["operationtype"])
            if kind not in ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"):
                raise errors.invalid(f"{path}/operationtype", "value must be one of 0, 1, 2, "
                                     "3, 4, 5, 6, 7, 8, 9, 10")
            record = {"operationid": self._next("operationid"), "actionid": actionid,
                      "operationtype": kind, "esc_period": "0", "esc_step_from": "1",
                      "esc_step_to": "1", "evaltype": "0", "opconditions": []}
            if kind in ("4", "5"):
                if "opgroup" not in op:
                    raise errors.missing(path, "opgroup")
                groups = [str(g.get("groupid")) for g in as_list(op["opgroup"])
                          if isinstance(g, dict)]
                if not groups:
                    raise errors.invalid(f"{path}/opgroup", "cannot be empty")
                for groupid in groups:
                    if groupid not in self.hostgroups:
                        raise errors.application(
                            "Incorrect action condition or operation host group. Host group "
                            "does not exist or you have no access to it.")
                record["opgroup"] = [{"groupid": g} for g in groups]
            if kind in ("6", "7"):
                if "optemplate" not in op:
                    raise errors.missing(path, "optemplate")
                templates = [str(t.get("templateid")) for t in as_list(op["optemplate"])
                             if isinstance(t, dict)]
                if not templates:
                    raise errors.invalid(f"{path}/optemplate", "cannot be empty")
                for templateid in templates:
                    if templateid not in self.templates:
                        raise errors.application(
                            "Incorrect action condition or operation template. Template does "
                            "not exist or you have no access to it.")
                record["optemplate"] = [{"templateid": t} for t in templates]
            if kind == "10":
                record["opinventory"] = {"inventory_mode": str(
                    (op.get("opinventory") or {}).get("inventory_mode", "0"))}
            result.append(record)
        return result

    def action_get(self, user, params) -> object:
        if not self.is_super(user) and self.user_type(user) < 2:
            return [] if not params.get("countOutput") else "0"
        rows = list(self.actions.values())
        wanted = ids(params.get("actionids"), "/actionids")
        if wanted:
            rows = [a for a in rows if a["actionid"] in wanted]
        groupids = ids(params.get("groupids"), "/groupids")
        if groupids:
            rows = [a for a in rows if any(g["groupid"] in groupids
                                           for op in a["_operations"]
                                           for g in op.get("opgroup", []))]

        def extend(record, shaped):
            if "selectFilter" in params:
                flt = record["_filter"]
                letters = [c["formulaid"] for c in flt["conditions"]]
                joiner = {"1": " and ", "2": " or "}.get(flt["evaltype"], " and ")
                shaped["filter"] = dict(flt, eval_formula=joiner.join(letters))
            if "selectOperations" in params:
                shaped["operations"] = selected(params["selectOperations"],
                                                record["_operations"], "operationid")
        return run(rows, params, "actionid", extend)

    def action_create(self, user, params) -> dict:
        objs = _objects(params, "action.create")
        for index, obj in enumerate(objs, 1):
            _check_fields(obj, index, self.ACTION_FIELDS, ("name", "eventsource"))
            _text(obj, "name", index)
            source = str(obj["eventsource"])
            if source != "2":
                raise errors.invalid(f"/{index}/eventsource",
                                     "the simulator knows only auto-registration (2)")
            if not obj.get("operations"):
                raise errors.params(f'No operations defined for action "{obj["name"]}".')
        _unique(objs, "name")
        for obj in objs:
            if any(a["name"] == obj["name"] for a in self.actions.values()):
                raise errors.exists(f'Action "{obj["name"]}" already exists.')
        staged = []
        saved_ids = dict(self.next_ids)
        try:
            for index, obj in enumerate(objs, 1):
                actionid = self._next("actionid")
                flt = self._action_filter(obj.get("filter", {"evaltype": 0}), index)
                operations = self._action_operations(obj["operations"], index, actionid)
                staged.append((actionid, obj, flt, operations))
        except errors.RpcError:
            self.next_ids = saved_ids
            raise
        for index, (actionid, obj, flt, operations) in enumerate(staged, 1):
            self.actions[actionid] = {
                "actionid": actionid, "name": obj["name"], "eventsource": "2",
                "status": _choice(obj, "status", index, ("0", "1"), "0"),
                "esc_period": str(obj.get("esc_period", "1h")), "pause_suppressed": "1",
                "notify_if_canceled": "1", "_filter": flt, "_operations": operations,
                "_changed": self.clock.now()}
        return {"actionids": [s[0] for s in staged]}

    def action_update(self, user, params) -> dict:
        objs = _objects(params, "action.update")
        staged = []
        for index, obj in enumerate(objs, 1):
            _check_fields(obj, index, self.ACTION_FIELDS | {"actionid"}, ("actionid",))
            actionid = str(obj["actionid"])
            if actionid not in self.actions:   # -32602 here, unlike the other methods
                raise errors.params(errors.NO_OBJECT)
            if "eventsource" in obj and str(obj["eventsource"]) != \
                    self.actions[actionid]["eventsource"]:
                raise errors.invalid(f"/{index}/eventsource", "cannot be changed")
            if "name" in obj:
                _text(obj, "name", index)
                if any(a["name"] == obj["name"] and a["actionid"] != actionid
                       for a in self.actions.values()):
                    raise errors.exists(f'Action "{obj["name"]}" already exists.')
            flt = self._action_filter(obj["filter"], index) if "filter" in obj else None
            operations = (self._action_operations(obj["operations"], index, actionid)
                          if "operations" in obj else None)
            if operations == []:
                name = obj.get("name", self.actions[actionid]["name"])
                raise errors.params(f'No operations defined for action "{name}".')
            status = _choice(obj, "status", index, ("0", "1"), None)
            staged.append((actionid, obj, flt, operations, status))
        for actionid, obj, flt, operations, status in staged:
            action = self.actions[actionid]
            if "name" in obj:
                action["name"] = obj["name"]
            if status is not None:
                action["status"] = status
            if flt is not None:
                action["_filter"] = flt
            if operations is not None:
                action["_operations"] = operations
            action["_changed"] = self.clock.now()
        return {"actionids": [s[0] for s in staged]}

    def action_delete(self, user, params) -> dict:
        actionids = _id_list(params)
        for actionid in actionids:
            if actionid not in self.actions:
                raise errors.no_object()
        for actionid in actionids:
            del self.actions[actionid]
        return {"actionids": actionids}

    # --- hosts --------------------------------------------------------------------------
    HOST_FIELDS = {"host", "name", "groups", "macros", "templates", "status", "description",
                   "interfaces", "tags", "inventory_mode", "proxy_hostid", "tls_connect",
                   "tls_accept"}

    def _host_groups(self, obj: dict, index: int, name: str) -> list:
        groups = []
        for number, ref in enumerate(as_list(obj.get("groups")), 1):
            if not isinstance(ref, dict) or "groupid" not in ref:
                raise errors.missing(f"/{index}/groups/{number}", "groupid")
            groupid = str(ref["groupid"])
            if groupid not in self.hostgroups:
                raise errors.no_object()
            groups.append(groupid)
        if not groups:
            raise errors.params(f'Host "{name}" cannot be without host group.')
        return groups

    def _host_templates(self, obj: dict, index: int) -> list:
        result = []
        for number, ref in enumerate(as_list(obj.get("templates")), 1):
            if not isinstance(ref, dict) or "templateid" not in ref:
                raise errors.missing(f"/{index}/templates/{number}", "templateid")
            if str(ref["templateid"]) not in self.templates:
                raise errors.no_object()
            result.append(str(ref["templateid"]))
        return result

    def _macro_objects(self, value, index: int, hostname: str) -> list:
        result, seen = [], set()
        for number, macro in enumerate(as_list(value), 1):
            path = f"/{index}/macros/{number}"
            if not isinstance(macro, dict):
                raise errors.invalid(path, "an array is expected")
            _check_fields(macro, 0, {"macro", "value", "type", "description"}, ())
            result.append(self._macro_fields(macro, path, require_value=False))
            name = result[-1]["macro"]
            if name in seen:
                raise errors.invalid(f"/{index}/macros/{number}",
                                     f"value (macro)=({name}) already exists")
            seen.add(name)
        return result

    def _macro_fields(self, obj: dict, path: str, require_value: bool) -> dict:
        if "macro" not in obj:
            raise errors.missing(path, "macro")
        name = obj["macro"]
        if not isinstance(name, str) or not MACRO.match(name):
            raise errors.invalid(f"{path}/macro", f'incorrect syntax near "{name}"')
        value = obj.get("value", "")
        if not isinstance(value, str):
            raise errors.invalid(f"{path}/value", "a character string is expected")
        kind = str(obj.get("type", "0"))
        if kind not in ("0", "1", "2"):
            raise errors.invalid(f"{path}/type", "value must be one of 0, 1, 2")
        return {"macro": name, "value": value, "type": kind,
                "description": str(obj.get("description", ""))}

    def _add_macro(self, hostid: str, fields: dict) -> str:
        macroid = self._next("hostmacroid")
        self.macros[macroid] = {"hostmacroid": macroid, "hostid": hostid,
                                "macro": fields["macro"], "_value": fields["value"],
                                "description": fields["description"], "type": fields["type"]}
        return macroid

    def macro_view(self, macro: dict) -> dict:
        """A macro as the API returns it: a secret value never comes back."""
        shaped = {"hostmacroid": macro["hostmacroid"], "hostid": macro["hostid"],
                  "macro": macro["macro"]}
        if macro["type"] != "1":
            shaped["value"] = macro["_value"]
        elif self.config.secret_macro_value == "masked":
            shaped["value"] = "******"
        shaped.update(description=macro["description"], type=macro["type"])
        return shaped

    def host_get(self, user, params) -> object:
        readable = self.readable_groups(user)
        rows = [h for h in self.hosts.values() if set(h["_groups"]) & readable]
        wanted = ids(params.get("hostids"), "/hostids")
        if wanted:
            rows = [h for h in rows if h["hostid"] in wanted]
        groupids = ids(params.get("groupids"), "/groupids")
        if groupids:
            rows = [h for h in rows if set(h["_groups"]) & set(groupids)]
        templateids = ids(params.get("templateids"), "/templateids")
        if templateids:
            rows = [h for h in rows if set(h["_templates"]) & set(templateids)]

        def extend(record, shaped):
            groups = [self.hostgroups[g] for g in record["_groups"]]
            if "selectGroups" in params:
                shaped["groups"] = selected(params["selectGroups"], groups, "groupid")
            if "selectParentTemplates" in params:
                templates = [self.templates[t] for t in record["_templates"]]
                shaped["parentTemplates"] = selected(params["selectParentTemplates"],
                                                     templates, "templateid")
            if "selectMacros" in params:
                macros = [self.macro_view(m) for m in self.macros.values()
                          if m["hostid"] == record["hostid"]]
                shaped["macros"] = selected(params["selectMacros"], macros, "hostmacroid")
            if "selectInventory" in params:
                shaped["inventory"] = dict(record.get("_inventory", {}))
        return run(rows, params, "hostid", extend)

    def host_create(self, user, params) -> dict:
        objs = _objects(params, "host.create")
        parsed = []
        for index, obj in enumerate(objs, 1):
            _check_fields(obj, index, self.HOST_FIELDS, ("host",))
            _text(obj, "host", index)
            if "groups" not in obj:
                raise errors.missing(f"/{index}", "groups")
            groups = self._host_groups(obj, index, obj["host"])
            templates = self._host_templates(obj, index)
            macros = self._macro_objects(obj.get("macros"), index, obj["host"])
            parsed.append((obj, groups, templates, macros))
        _unique(objs, "host")
        for obj in objs:
            if any(h["host"] == obj["host"] for h in self.hosts.values()) or \
                    any(t["host"] == obj["host"] for t in self.templates.values()):
                raise errors.exists(f'Host with the same name "{obj["host"]}" already exists.')
            name = obj.get("name") or obj["host"]
            if any(h["name"] == name for h in self.hosts.values()):
                raise errors.exists(f'Host with the same visible name "{name}" already exists.')
        created = []
        for index, (obj, groups, templates, macros) in enumerate(parsed, 1):
            hostid = self._next("hostid")
            self.hosts[hostid] = self._host_record(
                hostid, obj["host"], obj.get("name") or obj["host"],
                _choice(obj, "status", index, ("0", "1"), "0"), str(obj.get("description", "")),
                groups, templates)
            for fields in macros:
                self._add_macro(hostid, fields)
            created.append(hostid)
        return {"hostids": created}

    def host_update(self, user, params) -> dict:
        objs = _objects(params, "host.update")
        staged = []
        for index, obj in enumerate(objs, 1):
            _check_fields(obj, index, self.HOST_FIELDS | {"hostid"}, ("hostid",))
            hostid = str(obj["hostid"])
            if hostid not in self.hosts:
                raise errors.no_object()
            host = self.hosts[hostid]
            if "host" in obj:
                _text(obj, "host", index)
                if any(h["host"] == obj["host"] and h["hostid"] != hostid
                       for h in self.hosts.values()):
                    raise errors.exists(f'Host with the same name "{obj["host"]}" already '
                                        f'exists.')
            groups = (self._host_groups(obj, index, obj.get("host", host["host"]))
                      if "groups" in obj else None)
            templates = self._host_templates(obj, index) if "templates" in obj else None
            macros = (self._macro_objects(obj["macros"], index, host["host"])
                      if "macros" in obj else None)
            status = _choice(obj, "status", index, ("0", "1"), None)
            staged.append((hostid, obj, groups, templates, macros, status))
        for hostid, obj, groups, templates, macros, status in staged:
            host = self.hosts[hostid]
            for name in ("host", "name", "description"):
                if name in obj:
                    host[name] = str(obj[name])
            if "host" in obj and "name" not in obj and host["name"] == host["host"]:
                host["name"] = obj["host"]
            if status is not None:
                host["status"] = status
            if groups is not None:
                host["_groups"] = groups
            if templates is not None:
                host["_templates"] = templates
            if macros is not None:   # replaces every macro of the host
                for macroid in [m for m, v in self.macros.items() if v["hostid"] == hostid]:
                    del self.macros[macroid]
                for fields in macros:
                    self._add_macro(hostid, fields)
        return {"hostids": [s[0] for s in staged]}

    def host_delete(self, user, params) -> dict:
        hostids = _id_list(params)
        for hostid in hostids:
            if hostid not in self.hosts:
                raise errors.no_object()
        for hostid in hostids:
            del self.hosts[hostid]
            for macroid in [m for m, v in self.macros.items() if v["hostid"] == hostid]:
                del self.macros[macroid]
        return {"hostids": hostids}

    # --- user macros --------------------------------------------------------------------
    def usermacro_get(self, user, params) -> object:
        readable = self.readable_groups(user)
        rows = [m for m in self.macros.values()
                if set(self.hosts[m["hostid"]]["_groups"]) & readable]
        hostids = ids(params.get("hostids"), "/hostids")
        if hostids:
            rows = [m for m in rows if m["hostid"] in hostids]
        wanted = ids(params.get("hostmacroids"), "/hostmacroids")
        if wanted:
            rows = [m for m in rows if m["hostmacroid"] in wanted]
        groupids = ids(params.get("groupids"), "/groupids")
        if groupids:
            rows = [m for m in rows if set(self.hosts[m["hostid"]]["_groups"]) & set(groupids)]
        if params.get("globalmacro"):
            return [] if not params.get("countOutput") else "0"
        views = [dict(self.macro_view(m), _value=m["_value"]) for m in rows]
        for view in views:   # filter/search never look at a secret value
            if view["type"] == "1":
                view.pop("_value")

        def extend(record, shaped):
            if "selectHosts" in params:
                shaped["hosts"] = selected(params["selectHosts"],
                                          [self.hosts[record["hostid"]]], "hostid")
        return run(views, params, "hostmacroid", extend)

    def usermacro_create(self, user, params) -> dict:
        objs = _objects(params, "usermacro.create")
        parsed = []
        for index, obj in enumerate(objs, 1):
            _check_fields(obj, index, {"hostid", "macro", "value", "type", "description"},
                          ("hostid", "macro", "value"))
            hostid = str(obj["hostid"])
            if hostid not in self.hosts:
                raise errors.no_object()
            parsed.append((hostid, self._macro_fields(obj, f"/{index}", True)))
        for index, (hostid, fields) in enumerate(parsed, 1):
            clash = any(m["hostid"] == hostid and m["macro"] == fields["macro"]
                        for m in self.macros.values())
            clash = clash or any(h == hostid and f["macro"] == fields["macro"]
                                 for h, f in parsed[:index - 1])
            if clash:
                raise errors.exists(f'Macro "{fields["macro"]}" already exists on '
                                    f'"{self.hosts[hostid]["host"]}".')
        return {"hostmacroids": [self._add_macro(h, f) for h, f in parsed]}

    def usermacro_update(self, user, params) -> dict:
        objs = _objects(params, "usermacro.update")
        staged = []
        for index, obj in enumerate(objs, 1):
            _check_fields(obj, index, {"hostmacroid", "macro", "value", "type", "description"},
                          ("hostmacroid",))
            macroid = str(obj["hostmacroid"])
            if macroid not in self.macros:
                raise errors.no_object()
            current = self.macros[macroid]
            merged = {"macro": obj.get("macro", current["macro"]),
                      "value": obj.get("value", current["_value"]),
                      "type": obj.get("type", current["type"]),
                      "description": obj.get("description", current["description"])}
            fields = self._macro_fields(merged, f"/{index}", False)
            if any(m["hostid"] == current["hostid"] and m["macro"] == fields["macro"]
                   and m["hostmacroid"] != macroid for m in self.macros.values()):
                raise errors.exists(f'Macro "{fields["macro"]}" already exists on '
                                    f'"{self.hosts[current["hostid"]]["host"]}".')
            # A secret turned into text without a new value would show the secret: refused.
            if current["type"] == "1" and fields["type"] == "0" and "value" not in obj:
                raise errors.missing(f"/{index}", "value")
            staged.append((macroid, fields))
        for macroid, fields in staged:
            macro = self.macros[macroid]
            macro.update(macro=fields["macro"], _value=fields["value"], type=fields["type"],
                         description=fields["description"])
        return {"hostmacroids": [s[0] for s in staged]}

    def usermacro_delete(self, user, params) -> dict:
        macroids = _id_list(params)
        for macroid in macroids:
            if macroid not in self.macros:
                raise errors.no_object()
        for macroid in macroids:
            del self.macros[macroid]
        return {"hostmacroids": macroids}

    # --- API tokens ---------------------------------------------------------------------
    def token_get(self, user, params) -> object:
        rows = list(self.tokens.values())
        if not self.is_super(user):
            rows = [t for t in rows if t["userid"] == user["userid"]]
        wanted = ids(params.get("tokenids"), "/tokenids")
        if wanted:
            rows = [t for t in rows if t["tokenid"] in wanted]
        userids = ids(params.get("userids"), "/userids")
        if userids:
            rows = [t for t in rows if t["userid"] in userids]
        return run(rows, params, "tokenid")

    def token_create(self, user, params) -> dict:
        objs = _objects(params, "token.create")
        for index, obj in enumerate(objs, 1):
            _check_fields(obj, index, {"name", "userid", "description", "expires_at",
                                       "status"}, ("name",))
            _text(obj, "name", index)
            owner = str(obj.get("userid", user["userid"]))
            if owner not in self.users:
                raise errors.no_object()
            if any(t["name"] == obj["name"] and t["userid"] == owner
                   for t in self.tokens.values()):
                raise errors.exists(f'API token "{obj["name"]}" already exists for userid '
                                    f'"{owner}".')
        created = []
        for index, obj in enumerate(objs, 1):
            tokenid = self._next("tokenid")
            self.tokens[tokenid] = {
                "tokenid": tokenid, "name": obj["name"],
                "description": str(obj.get("description", "")),
                "userid": str(obj.get("userid", user["userid"])), "lastaccess": "0",
                "status": _choice(obj, "status", index, ("0", "1"), "0"),
                "expires_at": str(obj.get("expires_at", "0")),
                "created_at": str(int(self.clock.wall())),
                "creator_userid": user["userid"], "_hash": ""}
            created.append(tokenid)
        return {"tokenids": created}

    def token_generate(self, user, params) -> list:
        tokenids = _id_list(params)
        for tokenid in tokenids:
            if tokenid not in self.tokens:
                raise errors.no_object()
        result = []
        for tokenid in tokenids:
            token = secrets.token_hex(32)
            self.tokens[tokenid]["_hash"] = hashlib.sha512(token.encode()).hexdigest()
            result.append({"tokenid": tokenid, "token": token})
        return result

    def token_delete(self, user, params) -> dict:
        tokenids = _id_list(params)
        for tokenid in tokenids:
            if tokenid not in self.tokens:
                raise errors.no_object()
        for tokenid in tokenids:
            del self.tokens[tokenid]
        return {"tokenids": tokenids}

    # --- agent auto-registration (the server side, driven by the control API) -----------
    def register_agent(self, host: str, metadata: str, ip: str) -> dict:
        """An active agent asks for its checks: the enabled auto-registration actions whose
        conditions hold run their operations (add host, add to group, link template…)."""
        now = self.clock.now()
        matched = []
        for action in sorted(self.actions.values(), key=lambda a: int(a["actionid"])):
            if action["eventsource"] != "2" or action["status"] != "0":
                continue
            if self.config.registration == "next_sync" and \
                    now - action["_changed"] < self.config.cache_update_seconds:
                continue
            if _conditions_hold(action["_filter"], host, metadata):
                matched.append(action)
        record = next((h for h in self.hosts.values() if h["host"] == host), None)
        for action in matched:
            for op in action["_operations"]:
                kind = op["operationtype"]
                if kind == "2" and record is None:
                    hostid = self._next("hostid")
                    record = self._host_record(hostid, host, host, "0", "",
                                               [fixtures.DISCOVERED_HOSTS], [])
                    record["_metadata"] = metadata
                    record["_ip"] = ip
                    self.hosts[hostid] = record
        for action in matched:
            for op in action["_operations"]:
                kind = op["operationtype"]
                if record is None:
                    break
                if kind == "4":
                    for ref in op["opgroup"]:
                        if ref["groupid"] in self.hostgroups and \
                                ref["groupid"] not in record["_groups"]:
                            record["_groups"].append(ref["groupid"])
                elif kind == "5":
                    for ref in op["opgroup"]:
                        if ref["groupid"] in record["_groups"] and len(record["_groups"]) > 1:
                            record["_groups"].remove(ref["groupid"])
                elif kind == "6":
                    for ref in op["optemplate"]:
                        if ref["templateid"] not in record["_templates"]:
                            record["_templates"].append(ref["templateid"])
                elif kind == "7":
                    for ref in op["optemplate"]:
                        if ref["templateid"] in record["_templates"]:
                            record["_templates"].remove(ref["templateid"])
                elif kind in ("8", "9"):
                    record["status"] = "0" if kind == "8" else "1"
        outcome = {"host": host, "registered": record is not None,
                   "actionids": [a["actionid"] for a in matched]}
        if record is not None:
            outcome.update(hostid=record["hostid"],
                           groups=[self.hostgroups[g]["name"] for g in record["_groups"]],
                           templates=[self.templates[t]["host"] for t in record["_templates"]])
        self.registrations.append(dict(outcome, metadata=metadata, ip=ip))
        return outcome


def _condition_holds(condition: dict, host: str, metadata: str) -> bool:
    subject = metadata if condition["conditiontype"] == "24" else host
    operator, value = condition["operator"], condition["value"]
    if condition["conditiontype"] == "20":   # proxy: agents here come without one
        return operator == "1"
    if operator in ("2", "3"):
        found = value in subject
        return found if operator == "2" else not found
    try:
        found = re.search(value, subject) is not None
    except re.error:
        found = False
    return found if operator == "8" else not found


def _conditions_hold(flt: dict, host: str, metadata: str) -> bool:
    conditions = flt["conditions"]
    if not conditions:
        return True
    results = [(c["conditiontype"], _condition_holds(c, host, metadata)) for c in conditions]
    if flt["evaltype"] == "1":
        return all(r for _, r in results)
    if flt["evaltype"] == "2":
        return any(r for _, r in results)
    if flt["evaltype"] == "3":
        values = {c["formulaid"]: r for c, (_, r) in zip(conditions, results)}
        return _formula(flt["formula"], values)
    by_type = {}
    for kind, result in results:   # and/or: same type OR-ed, types AND-ed
        by_type[kind] = by_type.get(kind, False) or result
    return all(by_type.values())


def _formula(text: str, values: dict) -> bool:
    """A custom expression (evaltype 3) such as "(A or B) and C"; a bad one holds nothing."""
    tokens = re.findall(r"\(|\)|and|or|[A-Z]+|\S", text)
    position = 0

    def peek():
        return tokens[position] if position < len(tokens) else None

    def take():
        nonlocal position
        position += 1
        return tokens[position - 1]

    def operand():
        token = take() if peek() is not None else None
        if token == "(":
            result = disjunction()
            if take() != ")":
                raise ValueError(text)
            return result
        if token not in values:
            raise ValueError(text)
        return values[token]

    def conjunction():
        result = operand()
        while peek() == "and":
            take()
            result = operand() and result
        return result

    def disjunction():
        result = conjunction()
        while peek() == "or":
            take()
            result = conjunction() or result
        return result

    try:
        result = disjunction()
        return result if peek() is None else False
    except (ValueError, IndexError):
        return False
