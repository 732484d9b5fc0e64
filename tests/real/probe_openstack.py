#!/usr/bin/env python3
"""Probe an OpenStack cloud (the real tier or the simulator) with the raw HTTP calls
pmopenstack makes, and report exactly what it answers: statuses, headers, bodies, state
sequences and timings. Python standard library only.

    tests/real/probe_openstack.py [--openrc FILE] [--json OUT.json] [--markdown OUT.md]
                                  [--only SCENARIO,...] [--prefix P] [--sweep PREFIX]

Credentials come from the OS_* variables of an openrc (`--openrc`, e.g. the real tier's
$PM_REAL_OS_DIR/openrc) or of the environment: OS_AUTH_URL, OS_USERNAME, OS_PASSWORD,
OS_PROJECT_NAME, OS_USER_DOMAIN_NAME, OS_PROJECT_DOMAIN_NAME, OS_REGION_NAME, OS_INTERFACE.
The admin user needs the admin role; the cloud needs the fixtures of DESIGN §12 (external
network "public", flavor m1.tiny, image cirros).

Everything it creates is named "<prefix>-…" (default: pmprobe-<random>) and deleted at the
end, even after a failure; `--sweep PREFIX` deletes what an interrupted run left behind.
Scenarios run in order (later ones use the project, network and subnet of earlier ones):
"""

import argparse
import datetime
import http.client
import json
import os
import random
import string
import subprocess
import sys
import time
import traceback
import urllib.parse
import uuid

# Headers left out of the report: they change on every call and say nothing of the API.
NOISY_HEADERS = {"date", "server", "x-openstack-request-id", "x-compute-request-id",
                 "content-length"}
NOVA_2_1 = {}  # pmopenstack sends no microversion header: Nova answers as 2.1
NOVA_LATEST_PAGING = {"OpenStack-API-Version": "compute 2.40"}
SIM_ARGS = "--build-seconds 0.5 --build-seconds server_build=2,server_schedule=1"


def load_openrc(path):
    values = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("export "):
                for item in line[7:].split():
                    name, _, value = item.partition("=")
                    values[name] = value.strip("'\"")
    return values


class Reply:
    def __init__(self, status, headers, text, ms):
        self.status, self.headers, self.text, self.ms = status, headers, text, ms
        try:
            self.json = json.loads(text) if text else None
        except ValueError:
            self.json = None

    def header(self, name):
        return self.headers.get(name.lower())


def send(method, url, body=None, headers=None, timeout=60):
    """One request on a new connection (Keystone closes every connection anyway)."""
    parts = urllib.parse.urlsplit(url)
    conn_class = (http.client.HTTPSConnection if parts.scheme == "https"
                  else http.client.HTTPConnection)
    conn = conn_class(parts.netloc, timeout=timeout)
    target = parts.path + ("?" + parts.query if parts.query else "")
    data = None
    all_headers = {"Accept": "application/json"}
    if body is not None:
        data = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    started = time.monotonic()
    try:
        conn.request(method, target, body=data, headers=all_headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        reply_headers = {k.lower(): v for k, v in response.getheaders()}
        return Reply(response.status, reply_headers, text,
                     round((time.monotonic() - started) * 1000))
    finally:
        conn.close()


def trim(value, depth=0):
    """The value with long lists and strings shortened, for the report."""
    if isinstance(value, dict):
        return {k: trim(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        head = [trim(v, depth + 1) for v in value[:3]]
        return head + ([f"… {len(value) - 3} more"] if len(value) > 3 else [])
    if isinstance(value, str) and len(value) > 400:
        return value[:400] + "…"
    return value


def shape(value):
    """The JSON type structure of a value: keys and types, lists by their first item."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if value is None:
        return "null"
    return type(value).__name__


class Target:
    """Credentials, tokens and endpoints of the cloud under test."""

    def __init__(self, env):
        self.auth_url = env["OS_AUTH_URL"].rstrip("/")
        if not self.auth_url.endswith("/v3"):
            self.auth_url += "/v3"
        self.username = env["OS_USERNAME"]
        self.password = env["OS_PASSWORD"]
        self.project = env.get("OS_PROJECT_NAME", "admin")
        self.user_domain = env.get("OS_USER_DOMAIN_NAME", "Default")
        self.project_domain = env.get("OS_PROJECT_DOMAIN_NAME", "Default")
        self.region = env.get("OS_REGION_NAME", "RegionOne")
        self.interface = env.get("OS_INTERFACE", "public").replace("URL", "")

    def auth_body(self, scope):
        return {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": self.username, "domain": {"name": self.user_domain},
            "password": self.password}}}, **({"scope": scope} if scope else {})}}

    def admin_scope(self):
        return {"project": {"name": self.project, "domain": {"name": self.project_domain}}}


class Session:
    """A token and its catalog."""

    ALIASES = {"volume": ("volumev3", "block-storage", "volume"),
               "compute": ("compute",), "network": ("network",), "image": ("image",),
               "load-balancer": ("load-balancer",), "placement": ("placement",)}
    VERSION = {"network": "/v2.0", "load-balancer": "/v2", "image": "/v2"}

    def __init__(self, target, token, body):
        self.target, self.token = target, token
        self.project_id = body["token"].get("project", {}).get("id")
        self.user_id = body["token"]["user"]["id"]
        self.catalog = body["token"].get("catalog", [])
        self.roles = body["token"].get("roles", [])

    def endpoint(self, service):
        if service == "identity":
            return self.target.auth_url
        for kind in self.ALIASES[service]:
            for entry in self.catalog:
                if entry["type"] != kind:
                    continue
                for ep in entry["endpoints"]:
                    if ep["interface"] == self.target.interface and \
                            self.target.region in (ep.get("region_id"), ep.get("region")):
                        url = ep["url"].rstrip("/")
                        suffix = self.VERSION.get(service)
                        if suffix and not url.endswith(suffix):
                            url += suffix
                        if service == "compute" and "/v2" not in url:
                            url += "/v2.1"
                        return url
        raise KeyError(f"no {service} endpoint in the catalog")


class Probe:
    def __init__(self, target, prefix):
        self.target, self.prefix = target, prefix
        self.scenarios = []
        self.current = None
        self.facts = {}
        self.names = {}      # id -> placeholder, to make reports comparable across clouds
        self.admin = None    # Session scoped to the admin project
        self.scoped = None   # Session of the admin user scoped to the probe project
        self.ids = {}        # objects later scenarios use
        self.t0 = time.monotonic()

    # ---------------------------------------------------------------- recording

    def name(self, object_id, placeholder):
        if object_id:
            self.names[object_id] = "{" + placeholder + "}"
        return object_id

    def anonymise(self, text):
        for object_id, placeholder in sorted(self.names.items(), key=lambda i: -len(i[0])):
            text = text.replace(object_id, placeholder)
        return text

    def fact(self, key, value):
        self.facts[key] = value
        if self.current is not None:
            self.current["facts"][key] = value

    def scenario(self, name, doc):
        self.current = {"name": name, "doc": doc, "calls": [], "facts": {}, "error": None}
        self.scenarios.append(self.current)
        print(f"== {name}: {doc}", file=sys.stderr)

    def record(self, label, method, url, reply, service, sent=None):
        root, path = "", url
        for session in (self.scoped, self.admin):
            if session:
                try:
                    base = session.endpoint(service)
                except KeyError:
                    continue
                if url.startswith(base):
                    path = url[len(base):] or "/"
                    root = base
                    break
        headers = {k: v for k, v in reply.headers.items() if k not in NOISY_HEADERS}
        if "x-subject-token" in headers:
            headers["x-subject-token"] = f"<token: {len(headers['x-subject-token'])} chars>"
        entry = {
            "step": label,
            "request": f"{method} {path}",
            "service": service,
            "status": reply.status,
            "ms": reply.ms,
            "headers": headers,
            "body": trim(reply.json) if reply.json is not None else (reply.text[:400] or None),
        }
        if sent is not None:
            entry["sent"] = sent
        if root and not root.startswith(self.target.auth_url):
            entry["endpoint"] = root
        self.current["calls"].append(entry)
        print(f"   {reply.status} {method} {self.anonymise(path)} ({reply.ms} ms)  {label}",
              file=sys.stderr)

    # ---------------------------------------------------------------- calls

    def call(self, label, service, method, path, body=None, session=None, headers=None,
             token=None, record=True, racy=False):
        """A call on a service endpoint of `session` (default: admin); recorded. `racy`: the
        real answer depends on timing (compare_probe.py then only notes a difference)."""
        session = session or self.admin
        url = session.endpoint(service) + path
        all_headers = {"X-Auth-Token": token if token is not None else session.token}
        if token == "":
            del all_headers["X-Auth-Token"]
        all_headers.update(headers or {})
        reply = send(method, url, body, all_headers)
        if record:
            self.record(label, method, url, reply, service, sent=body)
            if racy:
                self.current["calls"][-1]["racy"] = True
        return reply

    def authenticate(self, label, scope, password=None, user=None, record=True):
        body = self.target.auth_body(scope)
        if password is not None:
            body["auth"]["identity"]["password"]["user"]["password"] = password
        if user is not None:
            body["auth"]["identity"]["password"]["user"] = user
        url = self.target.auth_url + "/auth/tokens"
        reply = send("POST", url, body, {})
        if record:
            sent = json.loads(json.dumps(body))
            sent["auth"]["identity"]["password"]["user"]["password"] = "***"
            self.record(label, "POST", url, reply, "identity", sent=sent)
        if reply.status == 201:
            return Session(self.target, reply.header("X-Subject-Token"), reply.json)
        return reply

    def poll(self, label, service, path, state_of, done, session=None, timeout=180,
             interval=0.2, headers=None):
        """GET path until done(reply); records each change of state_of(reply) with the
        seconds since the first GET. Returns (last reply, sequence)."""
        session = session or self.admin
        url = session.endpoint(service) + path
        sequence, started = [], time.monotonic()
        while True:
            reply = send("GET", url, None, {"X-Auth-Token": session.token, **(headers or {})})
            state = state_of(reply)
            elapsed = round(time.monotonic() - started, 2)
            if not sequence or sequence[-1][1] != state:
                sequence.append([elapsed, state])
            if done(reply) or elapsed > timeout:
                break
            time.sleep(interval)
        self.current["calls"].append({
            "step": label, "request": f"GET {path} (polled every {interval} s)",
            "service": service,
            "sequence": sequence, "seconds": round(time.monotonic() - started, 2),
            "timed_out": not done(reply)})
        print(f"   poll {self.anonymise(path)}: {sequence}", file=sys.stderr)
        return reply, sequence

    def random_id(self, dashed=True):
        """An id no cloud knows, shown as {random} in the report."""
        value = str(uuid.uuid4()) if dashed else uuid.uuid4().hex
        return self.name(value, "random")

    def note(self, text):
        self.current["calls"].append({"note": text})

    # ---------------------------------------------------------------- helpers

    def named(self, suffix):
        return f"{self.prefix}-{suffix}"

    def links(self, reply, key):
        return (reply.json or {}).get(key) if isinstance(reply.json, dict) else None

    def next_href(self, reply, key):
        for link in self.links(reply, key) or []:
            if link.get("rel") == "next":
                return link["href"]
        return None

    def follow(self, label, service, href, session=None, headers=None):
        """GET a next link's query on our own endpoint (as pmopenstack does)."""
        session = session or self.admin
        parts = urllib.parse.urlsplit(href)
        base_path = urllib.parse.urlsplit(session.endpoint(service)).path
        path = parts.path[len(base_path):] if parts.path.startswith(base_path) else parts.path
        return self.call(label, service, "GET", f"{path}?{parts.query}", session=session,
                         headers=headers)

    def paging(self, label, service, path, key, session=None, headers=None, limit=1):
        """A page of `limit`, then its next link (if any) once; records the link shapes."""
        sep = "&" if "?" in path else "?"
        first = self.call(f"{label}: limit={limit}", service, "GET",
                          f"{path}{sep}limit={limit}", session=session, headers=headers)
        links_key = f"{key}_links"
        items = self.items(first, key)
        href = self.next_href(first, links_key)
        self.fact(f"paging.{label}", {
            "status": first.status, "items": len(items),
            "links_key_present": isinstance(first.json, dict) and links_key in first.json,
            "links": self.links(first, links_key)})
        if href:
            second = self.follow(f"{label}: follow next", service, href, session=session,
                                 headers=headers)
            ids = [json.dumps(i, sort_keys=True) for i in self.items(second, key)]
            first_ids = [json.dumps(i, sort_keys=True) for i in items]
            self.fact(f"paging.{label}.next", {
                "status": second.status, "items": len(ids),
                "moves_on": not set(ids) & set(first_ids),
                "next_again": bool(self.next_href(second, links_key))})
        return first

    @staticmethod
    def items(reply, key):
        """The list under key (a single object counts as a list of one)."""
        value = reply.json.get(key) if isinstance(reply.json, dict) else None
        if isinstance(value, list):
            return value
        return [value] if value else []

    def wait_gone(self, label, service, path, session=None, timeout=180):
        return self.poll(label, service, path,
                         lambda r: r.status if r.status == 404 else
                         (self.status_of(r) or r.status),
                         lambda r: r.status == 404, session=session, timeout=timeout)

    @staticmethod
    def status_of(reply):
        body = reply.json if isinstance(reply.json, dict) else {}
        for key in ("server", "volume", "loadbalancer"):
            obj = body.get(key)
            if isinstance(obj, dict):
                if key == "server":
                    return "/".join(str(obj.get(k)) for k in (
                        "status", "OS-EXT-STS:task_state", "OS-EXT-STS:vm_state",
                        "OS-EXT-STS:power_state"))
                if key == "loadbalancer":
                    return f"{obj.get('provisioning_status')}/{obj.get('operating_status')}"
                return obj.get("status")
        return None


# -------------------------------------------------------------------- scenarios

def keystone_token(p):
    """Tokens: status, X-Subject-Token, catalog shape, scopes, bad passwords."""
    t = p.target
    admin = p.authenticate("admin token, user and project by name + domain name",
                           t.admin_scope())
    if not isinstance(admin, Session):
        raise RuntimeError(f"cannot authenticate: HTTP {admin.status} {admin.text[:300]}")
    p.admin = admin
    p.name(admin.project_id, "admin_project")
    p.name(admin.user_id, "admin_user")
    p.name(admin.token, "token")
    p.fact("token.length", len(admin.token))
    catalog = [{"type": s["type"], "name": s.get("name"),
                "endpoints": sorted(f"{e['interface']} {e.get('region_id')}/{e.get('region')} "
                                    f"{e['url']}" for e in s["endpoints"])}
               for s in sorted(admin.catalog, key=lambda s: s["type"])]
    p.fact("token.catalog", catalog)
    p.fact("token.roles", [r["name"] for r in admin.roles])
    p.authenticate("admin token, domains by id",
                   {"project": {"name": t.project, "domain": {"id": "default"}}},
                   user={"name": t.username, "domain": {"id": "default"},
                         "password": t.password})
    p.authenticate("wrong password", t.admin_scope(), password="not-the-password")
    p.authenticate("unknown project in the scope",
                   {"project": {"name": p.named("nope"), "domain": {"name": "Default"}}})
    unscoped = p.authenticate("unscoped token (no scope)", None)
    if isinstance(unscoped, Session):
        p.fact("token.unscoped.catalog_types", [s["type"] for s in unscoped.catalog])
    domain = p.authenticate("domain-scoped token", {"domain": {"name": "Default"}})
    if isinstance(domain, Session):
        p.fact("token.domain_scoped.catalog", {
            s["type"]: len(s["endpoints"]) for s in domain.catalog})
    p.call("validate a token (GET /auth/tokens, X-Subject-Token)", "identity", "GET",
           "/auth/tokens", headers={"X-Subject-Token": admin.token})
    p.call("domain by name as id", "identity", "GET", "/domains/Default")
    p.call("domain by id", "identity", "GET", "/domains/default")
    p.call("domain by name filter", "identity", "GET", "/domains?name=Default")
    p.call("role by name", "identity", "GET", "/roles?name=member")
    p.call("role that does not exist", "identity", "GET", f"/roles?name={p.named('role')}")


def keystone_projects(p):
    """Project create, duplicate (409), lookups, disable, delete, 404s."""
    body = {"project": {"name": p.named("proj-a"), "domain_id": "default",
                        "description": "pm probe", "enabled": True}}
    r = p.call("create project", "identity", "POST", "/projects", body)
    pid = p.name(r.json["project"]["id"], "proj_a")
    p.ids["proj_a"] = pid
    p.call("create the same name again", "identity", "POST", "/projects", body)
    p.call("find by name and domain", "identity", "GET",
           f"/projects?name={p.named('proj-a')}&domain_id=default")
    p.call("get by name as id", "identity", "GET", f"/projects/{p.named('proj-a')}")
    admin_role = p.call("admin role", "identity", "GET", "/roles?name=admin",
                        record=False).json["roles"][0]["id"]
    p.name(admin_role, "admin_role")
    p.call("give the admin user the admin role on it", "identity", "PUT",
           f"/projects/{pid}/users/{p.admin.user_id}/roles/{admin_role}")
    p.authenticate("token scoped to the enabled project", {"project": {"id": pid}})
    p.call("disable", "identity", "PATCH", f"/projects/{pid}", {"project": {"enabled": False}})
    p.authenticate("token scoped to the disabled project", {"project": {"id": pid}})
    p.call("enable", "identity", "PATCH", f"/projects/{pid}", {"project": {"enabled": True}})
    p.call("delete", "identity", "DELETE", f"/projects/{pid}")
    p.call("get after delete", "identity", "GET", f"/projects/{pid}")
    p.call("delete again", "identity", "DELETE", f"/projects/{pid}")
    p.call("patch a deleted project", "identity", "PATCH", f"/projects/{pid}",
           {"project": {"enabled": False}})


def keystone_users(p):
    """The probe project, a user, role lookup and assignment, user tokens."""
    r = p.call("create the probe project", "identity", "POST", "/projects",
               {"project": {"name": p.named("vdc"), "domain_id": "default",
                            "description": "pm probe VDC", "enabled": True}})
    pid = p.ids["project"] = p.name(r.json["project"]["id"], "P")
    user_body = {"user": {"name": p.named("user"), "domain_id": "default",
                          "password": "Probe-pass-1", "default_project_id": pid,
                          "enabled": True}}
    r = p.call("create user", "identity", "POST", "/users", user_body)
    uid = p.ids["user"] = p.name(r.json["user"]["id"], "U")
    p.call("create the same user again", "identity", "POST", "/users", user_body)
    p.call("find user by name and domain", "identity", "GET",
           f"/users?name={p.named('user')}&domain_id=default")
    roles = {}
    for role in ("admin", "member", "reader"):
        r = p.call(f"role {role} by name", "identity", "GET", f"/roles?name={role}")
        roles[role] = p.name(r.json["roles"][0]["id"], f"{role}_role")
    p.ids["roles"] = roles
    path = f"/projects/{pid}/users/{uid}/roles/{roles['member']}"
    p.call("check the assignment before (GET)", "identity", "GET", path)
    p.call("check the assignment before (HEAD)", "identity", "HEAD", path)
    p.call("assign member", "identity", "PUT", path)
    p.call("assign member again", "identity", "PUT", path)
    p.call("check the assignment after (GET)", "identity", "GET", path)
    p.call("assign with an unknown role id", "identity", "PUT",
           f"/projects/{pid}/users/{uid}/roles/{p.random_id(False)}")
    p.call("role assignments of the project", "identity", "GET",
           f"/role_assignments?scope.project.id={pid}&include_names=true")
    user = {"id": uid, "password": "Probe-pass-1"}
    p.authenticate("user token scoped to the project", {"project": {"id": pid}}, user=user)
    p.call("disable the user", "identity", "PATCH", f"/users/{uid}", {"user": {"enabled": False}})
    p.authenticate("user token while disabled", {"project": {"id": pid}}, user=user)
    p.call("enable the user", "identity", "PATCH", f"/users/{uid}", {"user": {"enabled": True}})
    # pmopenstack gives its admin user the admin role on the VDC project and creates
    # servers and volumes with a token scoped to it.
    p.call("give the admin user the admin role on the project", "identity", "PUT",
           f"/projects/{pid}/users/{p.admin.user_id}/roles/{roles['admin']}")
    scoped = p.authenticate("admin token scoped to the project by id",
                            {"project": {"id": pid}})
    p.scoped = scoped
    p.name(scoped.token, "project_token")
    p.fact("token.project_scoped.volume_url", scoped.endpoint("volume"))


def quotas(p):
    """Quota GET/PUT per service, usage forms, bad values, unknown projects."""
    pid = p.ids["project"]
    other = p.name(uuid.uuid4().hex, "unknown_project")
    p.call("nova quota", "compute", "GET", f"/os-quota-sets/{pid}")
    p.call("nova quota detail", "compute", "GET", f"/os-quota-sets/{pid}/detail")
    p.call("nova quota defaults", "compute", "GET", f"/os-quota-sets/{pid}/defaults")
    p.call("nova quota set", "compute", "PUT", f"/os-quota-sets/{pid}",
           {"quota_set": {"instances": 2, "cores": 4, "ram": 4096}})
    p.call("nova quota set: string value", "compute", "PUT", f"/os-quota-sets/{pid}",
           {"quota_set": {"instances": "many"}})
    p.call("nova quota set: unknown key", "compute", "PUT", f"/os-quota-sets/{pid}",
           {"quota_set": {"bogus": 1}})
    p.call("nova quota set: -2", "compute", "PUT", f"/os-quota-sets/{pid}",
           {"quota_set": {"instances": -2}})
    p.call("nova quota of a project Keystone does not know", "compute", "GET",
           f"/os-quota-sets/{other}")

    p.call("cinder quota", "volume", "GET", f"/os-quota-sets/{pid}")
    p.call("cinder quota with usage", "volume", "GET", f"/os-quota-sets/{pid}?usage=true")
    p.call("cinder quota set", "volume", "PUT", f"/os-quota-sets/{pid}",
           {"quota_set": {"volumes": 1, "gigabytes": 3, "snapshots": 0}})
    p.call("cinder quota set: string value", "volume", "PUT", f"/os-quota-sets/{pid}",
           {"quota_set": {"volumes": "many"}})
    p.call("cinder quota set: unknown key", "volume", "PUT", f"/os-quota-sets/{pid}",
           {"quota_set": {"bogus": 1}})
    p.call("cinder quota of a project Keystone does not know", "volume", "GET",
           f"/os-quota-sets/{other}")

    p.call("neutron quota", "network", "GET", f"/quotas/{pid}")
    p.call("neutron quota details", "network", "GET", f"/quotas/{pid}/details.json")
    p.call("neutron quota set", "network", "PUT", f"/quotas/{pid}",
           {"quota": {"network": 2, "subnet": 2, "router": 2, "port": 20,
                      "floatingip": 0, "security_group": 5}})
    p.call("neutron quota set: string value", "network", "PUT", f"/quotas/{pid}",
           {"quota": {"network": "many"}})
    p.call("neutron quota set: unknown key", "network", "PUT", f"/quotas/{pid}",
           {"quota": {"bogus": 1}})
    p.call("neutron quota of a project Keystone does not know", "network", "GET",
           f"/quotas/{other}")

    p.call("octavia quota", "load-balancer", "GET", f"/lbaas/quotas/{pid}")
    p.call("octavia quota set (loadbalancer)", "load-balancer", "PUT", f"/lbaas/quotas/{pid}",
           {"quota": {"loadbalancer": 1, "listener": 5}})
    p.call("octavia quota set (load_balancer, the old key)", "load-balancer", "PUT",
           f"/lbaas/quotas/{pid}", {"quota": {"load_balancer": 1}})
    p.call("octavia quota after set", "load-balancer", "GET", f"/lbaas/quotas/{pid}")
    p.call("octavia quota set: string value", "load-balancer", "PUT", f"/lbaas/quotas/{pid}",
           {"quota": {"loadbalancer": "many"}})
    p.call("octavia quota set: unknown key", "load-balancer", "PUT", f"/lbaas/quotas/{pid}",
           {"quota": {"bogus": 1}})
    p.call("octavia quota of a project Keystone does not know", "load-balancer", "GET",
           f"/lbaas/quotas/{other}")


def network(p):
    """Network, subnet, router with gateway "public", interfaces, 409s, over quota."""
    pid = p.ids["project"]
    r = p.call("find the external network", "network", "GET",
               "/networks?name=public&router:external=true")
    public = p.ids["public"] = p.name(r.json["networks"][0]["id"], "public")
    for subnet_id in r.json["networks"][0].get("subnets", []):
        p.name(subnet_id, "public_subnet")
    r = p.call("create network", "network", "POST", "/networks",
               {"network": {"name": p.named("net"), "project_id": pid,
                            "admin_state_up": True}})
    net = p.ids["net"] = p.name(r.json["network"]["id"], "net")
    r = p.call("create subnet", "network", "POST", "/subnets",
               {"subnet": {"name": p.named("subnet"), "network_id": net, "ip_version": 4,
                           "cidr": "10.91.0.0/24", "project_id": pid}})
    subnet = p.ids["subnet"] = p.name(r.json["subnet"]["id"], "subnet")
    p.call("create subnet: overlapping cidr on the same network", "network", "POST",
           "/subnets", {"subnet": {"name": p.named("subnet-dup"), "network_id": net,
                                   "ip_version": 4, "cidr": "10.91.0.0/25",
                                   "project_id": pid}})
    r = p.call("create router with the external gateway", "network", "POST", "/routers",
               {"router": {"name": p.named("router"), "project_id": pid,
                           "external_gateway_info": {"network_id": public}}})
    router = p.ids["router"] = p.name(r.json["router"]["id"], "router")
    r = p.call("add_router_interface", "network", "PUT",
               f"/routers/{router}/add_router_interface", {"subnet_id": subnet})
    if r.status == 200:
        p.name(r.json.get("port_id"), "router_port")
    p.call("add_router_interface again", "network", "PUT",
           f"/routers/{router}/add_router_interface", {"subnet_id": subnet})
    p.call("router ports", "network", "GET", f"/ports?device_id={router}")
    p.call("delete router while an interface is attached", "network", "DELETE",
           f"/routers/{router}")
    p.call("delete subnet while a router uses it", "network", "DELETE", f"/subnets/{subnet}")
    p.call("delete network while in use", "network", "DELETE", f"/networks/{net}")
    p.call("remove_router_interface", "network", "PUT",
           f"/routers/{router}/remove_router_interface", {"subnet_id": subnet})
    p.call("remove_router_interface again", "network", "PUT",
           f"/routers/{router}/remove_router_interface", {"subnet_id": subnet})
    p.call("delete router", "network", "DELETE", f"/routers/{router}")
    p.call("get deleted router", "network", "GET", f"/routers/{router}")
    p.call("delete router again", "network", "DELETE", f"/routers/{router}")
    for n in (1, 2):
        r = p.call(f"create router {n} (for paging)", "network", "POST", "/routers",
                   {"router": {"name": p.named(f"router{n}"), "project_id": pid}})
        p.name(r.json["router"]["id"], f"router{n}") if r.status == 201 else None
    r = p.call("create network 2 (quota network=2)", "network", "POST", "/networks",
               {"network": {"name": p.named("net2"), "project_id": pid}})
    if r.status == 201:
        p.ids["net2"] = p.name(r.json["network"]["id"], "net2")
    if p.ids.get("net2"):
        r = p.call("create subnet 2 (for paging)", "network", "POST", "/subnets",
                   {"subnet": {"name": p.named("subnet2"), "network_id": p.ids["net2"],
                               "ip_version": 4, "cidr": "10.92.0.0/24", "project_id": pid}})
        p.name(r.json["subnet"]["id"], "subnet2") if r.status == 201 else None
    p.call("create network 3: over quota", "network", "POST", "/networks",
           {"network": {"name": p.named("net3"), "project_id": pid}})
    p.call("lower the network quota below usage", "network", "PUT", f"/quotas/{pid}",
           {"quota": {"network": 1}})
    p.call("restore network=2", "network", "PUT", f"/quotas/{pid}", {"quota": {"network": 2}},
           record=False)
    for n in (1, 2):
        r = p.call(f"create port {n} (for paging)", "network", "POST", "/ports",
                   {"port": {"name": p.named(f"port{n}"), "network_id": net,
                             "project_id": pid}})
        p.name(r.json["port"]["id"], f"port{n}") if r.status == 201 else None
    p.call("quota details with usage", "network", "GET", f"/quotas/{pid}/details.json")
    p.call("unknown network", "network", "GET", f"/networks/{p.random_id()}")
    p.call("unknown router", "network", "GET", f"/routers/{p.random_id()}")
    p.call("list networks of the project", "network", "GET", f"/networks?project_id={pid}")


def compute(p):
    """Server create → ACTIVE (states), stop/start and 409s, delete while BUILD, quota."""
    s = p.scoped
    p.call("flavor by name as id", "compute", "GET", "/flavors/m1.tiny", session=s)
    r = p.call("flavors", "compute", "GET", "/flavors/detail?is_public=None", session=s)
    flavor = next(f["id"] for f in r.json["flavors"] if f["name"] == "m1.tiny")
    p.call("image by name as id (glance)", "image", "GET", "/images/cirros", session=s)
    r = p.call("image by name (glance)", "image", "GET", "/images?name=cirros", session=s)
    image = p.name(r.json["images"][0]["id"], "cirros")
    net = p.ids["net"]

    def server_body(n):
        return {"server": {"name": p.named(f"vm{n}"), "flavorRef": flavor, "imageRef": image,
                           "networks": [{"uuid": net}], "metadata": {"pm": f"probe-{n}"}}}

    r = p.call("create server", "compute", "POST", "/servers", server_body(1), session=s)
    sid = p.ids["server"] = p.name(r.json["server"]["id"], "server1")
    done_states = ("ACTIVE", "ERROR")
    _, seq = p.poll("server state until ACTIVE", "compute", f"/servers/{sid}", p.status_of,
                    lambda r: r.json and r.json["server"]["status"] in done_states, session=s)
    p.fact("nova.build_sequence", seq)
    p.call("server when ACTIVE", "compute", "GET", f"/servers/{sid}", session=s)
    p.call("os-start while ACTIVE", "compute", "POST", f"/servers/{sid}/action",
           {"os-start": None}, session=s)
    p.call("os-stop", "compute", "POST", f"/servers/{sid}/action", {"os-stop": None},
           session=s)
    p.call("os-stop again at once (task_state powering-off)", "compute", "POST",
           f"/servers/{sid}/action", {"os-stop": None}, session=s, racy=True)
    _, seq = p.poll("server state until SHUTOFF", "compute", f"/servers/{sid}", p.status_of,
                    lambda r: r.json and r.json["server"]["status"] in ("SHUTOFF", "ERROR"),
                    session=s)
    p.fact("nova.stop_sequence", seq)
    p.call("os-stop while SHUTOFF", "compute", "POST", f"/servers/{sid}/action",
           {"os-stop": None}, session=s)
    p.call("os-start", "compute", "POST", f"/servers/{sid}/action", {"os-start": None},
           session=s)
    _, seq = p.poll("server state until ACTIVE again", "compute", f"/servers/{sid}",
                    p.status_of, lambda r: r.json and r.json["server"]["status"] in done_states,
                    session=s)
    p.fact("nova.start_sequence", seq)
    r = p.call("create server X (deleted while building)", "compute", "POST", "/servers",
               server_body("x"), session=s)
    sidx = p.name(r.json["server"]["id"], "serverX")
    p.call("get while BUILD", "compute", "GET", f"/servers/{sidx}", session=s)
    p.call("os-stop while BUILD", "compute", "POST", f"/servers/{sidx}/action",
           {"os-stop": None}, session=s, racy=True)
    p.call("delete while BUILD", "compute", "DELETE", f"/servers/{sidx}", session=s)
    last, seq = p.wait_gone("server X until 404", "compute", f"/servers/{sidx}", session=s,
                            timeout=30)
    p.fact("nova.delete_while_building_sequence", seq)
    if last.status != 404:   # the delete was refused: delete it once it has settled
        p.call("delete server X again", "compute", "DELETE", f"/servers/{sidx}", session=s)
        p.wait_gone("server X until 404, again", "compute", f"/servers/{sidx}", session=s)
    r = p.call("create server 2", "compute", "POST", "/servers", server_body(2), session=s)
    sid2 = p.ids["server2"] = p.name(r.json["server"]["id"], "server2")
    p.poll("server 2 until ACTIVE", "compute", f"/servers/{sid2}", p.status_of,
           lambda r: r.json and r.json["server"]["status"] in done_states, session=s)
    r = p.call("create server 3: over quota (instances=2)", "compute", "POST", "/servers",
               server_body(3), session=s)
    if r.status == 202:
        p.name(r.json["server"]["id"], "server3")
    p.call("delete the network while servers have ports on it", "network", "DELETE",
           f"/networks/{net}")
    p.call("delete the subnet while servers have ports on it", "network", "DELETE",
           f"/subnets/{p.ids['subnet']}")
    p.call("quota detail with 2 in use", "compute", "GET", f"/os-quota-sets/{p.ids['project']}"
           "/detail")
    p.call("lower the instances quota below usage", "compute", "PUT",
           f"/os-quota-sets/{p.ids['project']}", {"quota_set": {"instances": 1}})
    p.call("restore instances=2", "compute", "PUT", f"/os-quota-sets/{p.ids['project']}",
           {"quota_set": {"instances": 2}})
    p.call("unknown server", "compute", "GET", f"/servers/{p.random_id()}", session=s)
    p.call("action on an unknown server", "compute", "POST", f"/servers/{p.random_id()}/action",
           {"os-stop": None}, session=s)


def volume(p):
    """Volume create → available, delete while creating, over quota (413)."""
    s, pid = p.scoped, p.ids["project"]
    r = p.call("create volume X (deleted while creating)", "volume", "POST", "/volumes",
               {"volume": {"size": 1, "name": p.named("volx")}}, session=s)
    vidx = p.name(r.json["volume"]["id"], "volumeX")
    p.call("delete while creating", "volume", "DELETE", f"/volumes/{vidx}", session=s,
           racy=True)
    last, seq = p.wait_gone("volume X until 404", "volume", f"/volumes/{vidx}", session=s,
                            timeout=30)
    p.fact("cinder.delete_while_creating_sequence", seq)
    if last.status != 404:   # the delete was refused: delete it once it has settled
        p.call("delete volume X again", "volume", "DELETE", f"/volumes/{vidx}", session=s)
        p.wait_gone("volume X until 404, again", "volume", f"/volumes/{vidx}", session=s)
    r = p.call("create volume", "volume", "POST", "/volumes",
               {"volume": {"size": 1, "name": p.named("vol1"), "metadata": {"pm": "probe-1"}}},
               session=s)
    vid = p.ids["volume"] = p.name(r.json["volume"]["id"], "volume1")
    _, seq = p.poll("volume until available", "volume", f"/volumes/{vid}", p.status_of,
                    lambda r: r.json and r.json["volume"]["status"] in ("available", "error"),
                    session=s)
    p.fact("cinder.create_sequence", seq)
    p.call("volume when available", "volume", "GET", f"/volumes/{vid}", session=s)
    p.call("create volume 2: over quota (volumes=1)", "volume", "POST", "/volumes",
           {"volume": {"size": 1, "name": p.named("vol2")}}, session=s)
    p.call("raise volumes to 3 (gigabytes stays 3)", "volume", "PUT", f"/os-quota-sets/{pid}",
           {"quota_set": {"volumes": 3}})
    p.call("create volume of 3 GB: over the gigabytes quota", "volume", "POST", "/volumes",
           {"volume": {"size": 3, "name": p.named("vol3")}}, session=s)
    r = p.call("create volume 2 (for paging)", "volume", "POST", "/volumes",
               {"volume": {"size": 1, "name": p.named("vol2")}}, session=s)
    if r.status == 202:
        p.ids["volume2"] = p.name(r.json["volume"]["id"], "volume2")
    p.call("lower the volumes quota below usage", "volume", "PUT", f"/os-quota-sets/{pid}",
           {"quota_set": {"volumes": 1}})
    p.call("quota with usage", "volume", "GET", f"/os-quota-sets/{pid}?usage=true")
    p.call("unknown volume", "volume", "GET", f"/volumes/{p.random_id()}", session=s)
    p.call("delete unknown volume", "volume", "DELETE", f"/volumes/{p.random_id()}", session=s)


def loadbalancer(p):
    """LB create (PENDING_CREATE → ACTIVE), changes while PENDING (409), over quota."""
    pid, subnet = p.ids["project"], p.ids["subnet"]
    r = p.call("create load balancer", "load-balancer", "POST", "/lbaas/loadbalancers",
               {"loadbalancer": {"name": p.named("lb1"), "vip_subnet_id": subnet,
                                 "project_id": pid}})
    lb = p.ids["lb"] = p.name(r.json["loadbalancer"]["id"], "lb1")
    p.call("rename while PENDING_CREATE", "load-balancer", "PUT", f"/lbaas/loadbalancers/{lb}",
           {"loadbalancer": {"name": p.named("lb1-renamed")}})
    p.call("add a listener while PENDING_CREATE", "load-balancer", "POST", "/lbaas/listeners",
           {"listener": {"name": p.named("l1"), "protocol": "HTTP", "protocol_port": 80,
                         "loadbalancer_id": lb}})
    p.call("delete (cascade) while PENDING_CREATE", "load-balancer", "DELETE",
           f"/lbaas/loadbalancers/{lb}?cascade=true")
    _, seq = p.poll("lb until ACTIVE", "load-balancer", f"/lbaas/loadbalancers/{lb}",
                    p.status_of, lambda r: r.json and r.json["loadbalancer"][
                        "provisioning_status"] in ("ACTIVE", "ERROR"))
    p.fact("octavia.create_sequence", seq)
    p.call("lb when ACTIVE", "load-balancer", "GET", f"/lbaas/loadbalancers/{lb}")
    r = p.call("add a listener", "load-balancer", "POST", "/lbaas/listeners",
               {"listener": {"name": p.named("l1"), "protocol": "HTTP", "protocol_port": 80,
                             "loadbalancer_id": lb}})
    if r.status == 201:
        p.name(r.json["listener"]["id"], "listener")
    p.call("rename while PENDING_UPDATE", "load-balancer", "PUT", f"/lbaas/loadbalancers/{lb}",
           {"loadbalancer": {"name": p.named("lb1-renamed")}}, racy=True)
    _, seq = p.poll("lb until ACTIVE after the listener", "load-balancer",
                    f"/lbaas/loadbalancers/{lb}", p.status_of,
                    lambda r: r.json and r.json["loadbalancer"]["provisioning_status"] in (
                        "ACTIVE", "ERROR"))
    p.fact("octavia.update_sequence", seq)
    p.call("create lb 2: over quota (loadbalancer=1)", "load-balancer", "POST",
           "/lbaas/loadbalancers", {"loadbalancer": {"name": p.named("lb2"),
                                                     "vip_subnet_id": subnet,
                                                     "project_id": pid}})
    p.call("delete without cascade while a listener exists", "load-balancer", "DELETE",
           f"/lbaas/loadbalancers/{lb}")
    p.call("unknown lb", "load-balancer", "GET", f"/lbaas/loadbalancers/{p.random_id()}")


def listings(p):
    """Paging: limit=1, and a page ending exactly at the last item; next links followed."""
    pid = p.ids["project"]
    # the probe's own octavia quota (1) would stop a second LB: raise it for paging
    p.call("raise the lb quota to 2", "load-balancer", "PUT", f"/lbaas/quotas/{pid}",
           {"quota": {"loadbalancer": 2}}, record=False)
    r = p.call("create lb 2 (for paging)", "load-balancer", "POST", "/lbaas/loadbalancers",
               {"loadbalancer": {"name": p.named("lb2"), "vip_subnet_id": p.ids["subnet"],
                                 "project_id": pid}})
    if r.status == 201:
        p.ids["lb2"] = p.name(r.json["loadbalancer"]["id"], "lb2")
    p.paging("nova servers/detail?all_tenants=1", "compute", "/servers/detail?all_tenants=1",
             "servers")
    p.paging("nova servers/detail?all_tenants=1&project_id=P (2 servers, limit=2)", "compute",
             f"/servers/detail?all_tenants=1&project_id={pid}", "servers", limit=2)
    p.call("nova servers/detail?project_id=P without all_tenants", "compute", "GET",
           f"/servers/detail?project_id={pid}")
    p.paging("cinder volumes/detail?all_tenants=1", "volume", "/volumes/detail?all_tenants=1",
             "volumes")
    p.paging("cinder volumes/detail?all_tenants=1&project_id=P (2 volumes, limit=2)", "volume",
             f"/volumes/detail?all_tenants=1&project_id={pid}", "volumes", limit=2)
    # filtered by project: other users of the cloud do not change the pages
    for collection in ("networks", "routers", "subnets", "ports"):
        p.paging(f"neutron {collection}?project_id=P", "network",
                 f"/{collection}?project_id={pid}", collection)
    p.paging("neutron routers?project_id=P (2 routers, limit=2)", "network",
             f"/routers?project_id={pid}", "routers", limit=2)
    p.paging("octavia loadbalancers", "load-balancer", "/lbaas/loadbalancers", "loadbalancers")
    p.paging("octavia loadbalancers?project_id=P (2 lbs, limit=2)", "load-balancer",
             f"/lbaas/loadbalancers?project_id={pid}", "loadbalancers", limit=2)
    p.paging("keystone projects", "identity", "/projects", "projects")


def usage(p):
    """os-simple-tenant-usage, all projects and one, at 2.1 (no header) and at 2.40."""
    pid = p.ids["project"]
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    start = (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    end = (now + datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S")
    q = f"start={start}&end={end}"
    for version, headers in (("2.1", NOVA_2_1), ("2.40", NOVA_LATEST_PAGING)):
        p.paging(f"usage all tenants detailed at {version}", "compute",
                 f"/os-simple-tenant-usage?{q}&detailed=1", "tenant_usages", headers=headers)
        p.paging(f"usage of P at {version}", "compute", f"/os-simple-tenant-usage/{pid}?{q}",
                 "tenant_usage", headers=headers)
    p.call("usage of P, no limit", "compute", "GET", f"/os-simple-tenant-usage/{pid}?{q}")
    p.call("usage with a Z timestamp", "compute", "GET",
           f"/os-simple-tenant-usage/{pid}?start={start}Z&end={end}Z")
    p.call("usage with microseconds", "compute", "GET",
           f"/os-simple-tenant-usage/{pid}?start={start}.000000&end={end}.000000")
    p.call("usage of a project with no servers", "compute", "GET",
           f"/os-simple-tenant-usage/{p.random_id(False)}?{q}")


def bad_tokens(p):
    """401s per service: no token, a garbage token, a token revoked a moment ago."""
    services = [("identity", "/projects"), ("compute", "/servers"), ("volume", "/volumes"),
                ("network", "/networks"), ("load-balancer", "/lbaas/loadbalancers"),
                ("image", "/images")]
    for service, path in services:
        p.call(f"{service}: no token", service, "GET", path, token="")
        p.call(f"{service}: garbage token", service, "GET", path, token="gAAAAAgarbage")
    victim = p.authenticate("a token to revoke", p.target.admin_scope(), record=False)
    for service, path in services:
        p.call(f"{service}: the fresh token works", service, "GET", path, token=victim.token,
               record=False)
    p.call("revoke it", "identity", "DELETE", "/auth/tokens",
           headers={"X-Subject-Token": victim.token})
    for service, path in services:
        r = p.call(f"{service}: the revoked token, at once", service, "GET", path,
                   token=victim.token)
        p.fact(f"revoked_token.{service}", r.status)


def deletes(p):
    """Deletes → 404 (timing), quota resets, a project deleted with objects in it."""
    s, pid = p.scoped, p.ids["project"]
    sid = p.ids.get("server")
    if sid:
        p.call("delete server", "compute", "DELETE", f"/servers/{sid}", session=s)
        _, seq = p.wait_gone("server until 404", "compute", f"/servers/{sid}", session=s)
        p.fact("nova.delete_sequence", seq)
        p.call("delete server again", "compute", "DELETE", f"/servers/{sid}", session=s)
    vid = p.ids.get("volume")
    if vid:
        p.call("delete volume", "volume", "DELETE", f"/volumes/{vid}", session=s)
        _, seq = p.wait_gone("volume until 404", "volume", f"/volumes/{vid}", session=s)
        p.fact("cinder.delete_sequence", seq)
        p.call("delete volume again", "volume", "DELETE", f"/volumes/{vid}", session=s)
    lb = p.ids.get("lb")
    if lb:
        p.call("delete lb with cascade", "load-balancer", "DELETE",
               f"/lbaas/loadbalancers/{lb}?cascade=true")
        p.call("delete lb again at once (PENDING_DELETE)", "load-balancer", "DELETE",
               f"/lbaas/loadbalancers/{lb}?cascade=true", racy=True)
        _, seq = p.wait_gone("lb until 404", "load-balancer", f"/lbaas/loadbalancers/{lb}")
        p.fact("octavia.delete_sequence", seq)
        p.call("get deleted lb", "load-balancer", "GET", f"/lbaas/loadbalancers/{lb}")
    p.call("nova quota reset", "compute", "DELETE", f"/os-quota-sets/{pid}")
    p.call("cinder quota reset", "volume", "DELETE", f"/os-quota-sets/{pid}")
    p.call("neutron quota reset", "network", "DELETE", f"/quotas/{pid}")
    p.call("octavia quota reset", "load-balancer", "DELETE", f"/lbaas/quotas/{pid}")
    p.call("octavia quota after reset", "load-balancer", "GET", f"/lbaas/quotas/{pid}")
    # what close must not count on: Keystone deletes a project with everything still in it
    p.call("delete the project with a server, a volume, an LB, networks still in it",
           "identity", "DELETE", f"/projects/{pid}")
    p.authenticate("token scoped to the deleted project", {"project": {"id": pid}})
    if p.ids.get("server2"):
        p.call("the server of the deleted project (admin)", "compute", "GET",
               f"/servers/{p.ids['server2']}")
    p.call("servers of the deleted project (admin, all_tenants)", "compute", "GET",
           f"/servers/detail?all_tenants=1&project_id={pid}")
    p.call("volumes of the deleted project (admin, all_tenants)", "volume", "GET",
           f"/volumes/detail?all_tenants=1&project_id={pid}")
    p.call("networks of the deleted project", "network", "GET", f"/networks?project_id={pid}")
    p.call("load balancers of the deleted project", "load-balancer", "GET",
           f"/lbaas/loadbalancers?project_id={pid}")
    p.call("nova quota of the deleted project", "compute", "GET", f"/os-quota-sets/{pid}")


def concurrency(p):
    """Keystone's single worker: 20 token requests and 20 project lists at once."""
    import concurrent.futures
    body = p.target.auth_body(p.target.admin_scope())
    jobs = {
        "POST /auth/tokens": lambda: send("POST", p.target.auth_url + "/auth/tokens", body),
        "GET /projects": lambda: send("GET", p.target.auth_url + "/projects", None,
                                      {"X-Auth-Token": p.admin.token}),
        "GET nova /servers/detail?all_tenants=1": lambda: send(
            "GET", p.admin.endpoint("compute") + "/servers/detail?all_tenants=1", None,
            {"X-Auth-Token": p.admin.token}),
    }
    for name, job in jobs.items():
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            futures = [pool.submit(job) for _ in range(20)]
            results = []
            for future in futures:
                try:
                    r = future.result()
                    results.append((r.status, r.ms))
                except OSError as error:
                    results.append((type(error).__name__, None))
        times = sorted(ms for _, ms in results if ms is not None)
        summary = {"statuses": sorted({str(st) for st, _ in results}),
                   "ms_min": times[0] if times else None,
                   "ms_median": times[len(times) // 2] if times else None,
                   "ms_max": times[-1] if times else None,
                   "wall_s": round(time.monotonic() - started, 2)}
        p.fact(f"concurrency.20x {name}", summary)
        p.note(f"20 parallel {name}: {json.dumps(summary)}")


def revoked_token_later(p):
    """(opt-in, ~6 min) How long services keep accepting a revoked token."""
    services = [("compute", "/servers"), ("volume", "/volumes"), ("network", "/networks"),
                ("load-balancer", "/lbaas/loadbalancers"), ("image", "/images")]
    victim = p.authenticate("a token to revoke", p.target.admin_scope(), record=False)
    for service, path in services:
        p.call(f"{service}: the fresh token works", service, "GET", path, token=victim.token,
               record=False)
    p.call("revoke it", "identity", "DELETE", "/auth/tokens",
           headers={"X-Subject-Token": victim.token})
    revoked, pending = time.monotonic(), dict(services)
    while pending and time.monotonic() - revoked < 420:
        for service, path in list(pending.items()):
            r = send("GET", p.admin.endpoint(service) + path, None,
                     {"X-Auth-Token": victim.token})
            if r.status == 401:
                p.fact(f"revoked_token.refused_after_s.{service}",
                       round(time.monotonic() - revoked))
                del pending[service]
        time.sleep(5)
    for service in pending:
        p.fact(f"revoked_token.refused_after_s.{service}", "still accepted after 420 s")


SCENARIOS = [keystone_token, keystone_projects, keystone_users, quotas, network, compute,
             volume, loadbalancer, listings, usage, bad_tokens, concurrency, deletes]
OPT_IN = [revoked_token_later]
__doc__ += "".join(f"    {f.__name__:19s} {f.__doc__.splitlines()[0]}\n"
                   for f in SCENARIOS + OPT_IN)


# -------------------------------------------------------------------- clean-up

def sweep(p, prefix):
    """Deletes every object named prefix-… (any project), in dependency order."""
    print(f"== sweep {prefix}-*", file=sys.stderr)
    a = p.admin
    own = lambda name: (name or "").startswith(prefix + "-")  # noqa: E731

    def get(service, path, key):
        r = send("GET", a.endpoint(service) + path, None, {"X-Auth-Token": a.token})
        return (r.json or {}).get(key, []) if r.status == 200 else []

    def delete(service, path):
        return send("DELETE", a.endpoint(service) + path, None, {"X-Auth-Token": a.token})

    def wait(service, path, seconds=120):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            r = send("GET", a.endpoint(service) + path, None, {"X-Auth-Token": a.token})
            if r.status == 404:
                return True
            time.sleep(0.5)
        print(f"   still there: {path}", file=sys.stderr)
        return False

    lbs = [lb for lb in get("load-balancer", "/lbaas/loadbalancers", "loadbalancers")
           if own(lb["name"])]
    for lb in lbs:
        for _ in range(60):   # a PENDING_* LB refuses the delete: retry
            if delete("load-balancer",
                      f"/lbaas/loadbalancers/{lb['id']}?cascade=true").status != 409:
                break
            time.sleep(1)
    servers = [s for s in get("compute", "/servers/detail?all_tenants=1", "servers")
               if own(s["name"])]
    for server in servers:
        delete("compute", f"/servers/{server['id']}")
    for server in servers:
        wait("compute", f"/servers/{server['id']}")
    volumes = [v for v in get("volume", "/volumes/detail?all_tenants=1", "volumes")
               if own(v["name"])]
    for vol in volumes:
        for _ in range(60):   # "creating" refuses the delete
            if delete("volume", f"/volumes/{vol['id']}").status != 400:
                break
            time.sleep(1)
    for vol in volumes:
        wait("volume", f"/volumes/{vol['id']}")
    for lb in lbs:
        wait("load-balancer", f"/lbaas/loadbalancers/{lb['id']}")
    for router in [r for r in get("network", "/routers", "routers") if own(r["name"])]:
        for port in get("network", f"/ports?device_id={router['id']}", "ports"):
            if port["device_owner"] == "network:router_interface":
                send("PUT", a.endpoint("network") + f"/routers/{router['id']}"
                     "/remove_router_interface", {"port_id": port["id"]},
                     {"X-Auth-Token": a.token})
        delete("network", f"/routers/{router['id']}")
    for port in [x for x in get("network", "/ports", "ports") if own(x["name"])]:
        delete("network", f"/ports/{port['id']}")
    for net in [n for n in get("network", "/networks", "networks") if own(n["name"])]:
        r = delete("network", f"/networks/{net['id']}")
        if r.status not in (204, 404):
            print(f"   network {net['name']}: HTTP {r.status} {r.text[:200]}", file=sys.stderr)
    for user in [u for u in get("identity", "/users", "users") if own(u["name"])]:
        delete("identity", f"/users/{user['id']}")
    for project in [x for x in get("identity", "/projects", "projects") if own(x["name"])]:
        for service, path in (("compute", "/os-quota-sets/"), ("volume", "/os-quota-sets/"),
                              ("network", "/quotas/"), ("load-balancer", "/lbaas/quotas/")):
            delete(service, path + project["id"])
        delete("identity", f"/projects/{project['id']}")


# -------------------------------------------------------------------- report

def markdown(report):
    out = [f"# OpenStack probe: {report['target']['auth_url']}", "",
           f"Run {report['started']} UTC, {report['seconds']} s, prefix `{report['prefix']}`. "
           "Ids are replaced by `{placeholders}`; `P` is the probe's project.", ""]
    for sc in report["scenarios"]:
        out += [f"## {sc['name']}", "", sc["doc"], ""]
        if sc["error"]:
            out += [f"**Scenario failed:** `{sc['error']}`", ""]
        for c in sc["calls"]:
            if "note" in c:
                out += [f"* {c['note']}"]
            elif "sequence" in c:
                seq = " → ".join(f"{state} ({t} s)" for t, state in c["sequence"])
                out += [f"* {c['step']}: `{c['request']}`: {seq}"
                        + (" **(timed out)**" if c["timed_out"] else "")]
            else:
                extra = {k: v for k, v in c["headers"].items()
                         if k in ("retry-after", "location", "www-authenticate", "connection",
                                  "openstack-api-version", "x-subject-token")}
                out += [f"* {c['step']}: `{c['request']}` → **{c['status']}** ({c['ms']} ms)"
                        + (f" headers `{json.dumps(extra)}`" if extra else "")]
                if c["body"] is not None:
                    text = json.dumps(c["body"])
                    out += ["  ```json", "  " + (text if len(text) < 1500
                                                 else text[:1500] + " …"), "  ```"]
        out += [""]
    out += ["## Facts", "", "```json", json.dumps(report["facts"], indent=1), "```", ""]
    return "\n".join(out)


class SimulatorProcess:
    """scripts/sim openstack on a free port of 127.0.0.1 for the lifetime of the object."""

    def __init__(self, extra_args):
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        self.process = subprocess.Popen(
            [os.path.join(root, "scripts", "sim"), "openstack", *extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline().strip()
        if not line.startswith("listening on "):
            self.stop()
            raise RuntimeError(f"the simulator did not start: {line!r}")
        self.url = line[len("listening on "):]

    def env(self):
        return {"OS_AUTH_URL": self.url + "/identity/v3", "OS_USERNAME": "admin",
                "OS_PASSWORD": "admin", "OS_PROJECT_NAME": "admin",
                "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default",
                "OS_REGION_NAME": "RegionOne"}

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def run(probe, wanted):
    try:
        for scenario in SCENARIOS + OPT_IN:
            chosen = scenario.__name__ in wanted if wanted else scenario not in OPT_IN
            if not chosen and scenario is not keystone_token:
                continue
            probe.scenario(scenario.__name__, scenario.__doc__.strip())
            try:
                scenario(probe)
            except Exception as error:  # noqa: BLE001 - recorded, the next scenario runs
                probe.current["error"] = f"{type(error).__name__}: {error}"
                traceback.print_exc()
                if scenario is keystone_token:
                    break
    finally:
        if probe.admin:
            probe.scenario("cleanup", f"delete everything named {probe.prefix}-…")
            sweep(probe, probe.prefix)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--openrc", help="read OS_* variables from this file")
    parser.add_argument("--sim", action="store_true",
                        help="probe a simulator started here (scripts/sim openstack)")
    # 0.5 s per transition keeps a run short (~12 s); a 2 s build with 1 s of
    # BUILD/scheduling leaves the probe's create-then-delete of server X well inside the
    # window in which real Nova deletes a build request at once, even on a busy machine
    parser.add_argument("--sim-args", default=SIM_ARGS,
                        help="options of that simulator (default: %(default)s)")
    parser.add_argument("--json", help="write the full report here")
    parser.add_argument("--markdown", help="write the report as Markdown here (default: "
                                           "stdout)")
    parser.add_argument("--compare", metavar="REFERENCE",
                        help="then compare with this report (compare_probe.py); differences "
                             "make the exit status 1")
    parser.add_argument("--allow", help="accepted differences for --compare")
    parser.add_argument("--messages", action="store_true",
                        help="--compare error texts too")
    parser.add_argument("--only", help="comma-separated scenarios (keystone_token always "
                                       "runs)")
    parser.add_argument("--prefix", help="name prefix of created objects")
    parser.add_argument("--sweep", metavar="PREFIX",
                        help="only delete objects named PREFIX-… and exit")
    args = parser.parse_args(argv[1:])
    sim = SimulatorProcess(args.sim_args.split()) if args.sim else None
    try:
        env = sim.env() if sim else load_openrc(args.openrc) if args.openrc else dict(os.environ)
        return probe_and_report(args, Target(env))
    finally:
        if sim:
            sim.stop()


def probe_and_report(args, target):
    prefix = args.prefix or "pmprobe-" + "".join(
        random.choice(string.ascii_lowercase + string.digits) for _ in range(6))
    probe = Probe(target, prefix)
    probe.name(prefix, "prefix")
    if args.sweep:
        probe.scenario("sweep", "clean-up")
        keystone_token(probe)
        sweep(probe, args.sweep)
        return 0
    started = datetime.datetime.now(datetime.timezone.utc)
    run(probe, set(args.only.split(",")) if args.only else None)
    report = {"target": {"auth_url": target.auth_url, "region": target.region},
              "prefix": prefix, "started": started.strftime("%Y-%m-%d %H:%M:%S"),
              "seconds": round(time.monotonic() - probe.t0, 1), "facts": probe.facts,
              "scenarios": probe.scenarios}
    # ids (and tokens) by role, so reports of two clouds can be compared
    report = json.loads(probe.anonymise(json.dumps(report)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    text = markdown(report)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    elif not args.compare:
        print(text)
    status = 0
    failed = [s["name"] for s in probe.scenarios if s["error"]]
    if failed:
        print(f"failed scenarios: {', '.join(failed)}", file=sys.stderr)
        status = 1
    if args.compare:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import compare_probe
        with open(args.compare) as f:
            reference = json.load(f)
        diffs, notes = compare_probe.compare(reference, report, args.messages,
                                             set(args.only.split(",")) if args.only else None)
        allowed = compare_probe.allowed(diffs, args.allow)
        for line in notes:
            print(f"note: {line}")
        for line in diffs:
            print(f"{'allowed' if line in allowed else 'DIFF'}: {line}")
        counted = len(diffs) - len(allowed)
        print(f"{counted} differences from {args.compare}"
              + (f" ({len(allowed)} allowed)" if allowed else ""), file=sys.stderr)
        status = status or (1 if counted else 0)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
