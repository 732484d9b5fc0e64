"""Routes: SSO (token, logout), the API root, the read-only collections (clusters, data
centers, storage domains, networks, vNIC profiles, templates, jobs, disks) with search, max,
page and follow. The VM routes are in vms.py. A handler returns (status, body, headers)."""
import base64
from urllib.parse import parse_qsl

from . import errors, fixtures, views, vms
from .lists import NAMED_FIELDS, check_id, follow, listing, lookup, search

MAX_LONG = "9223372036854775807"


# --- SSO ----------------------------------------------------------------------------------
def _form(request) -> dict:
    try:
        return dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return {}


def token(app, request):
    """POST /ovirt-engine/sso/oauth/token (§2.1): Accept must equal application/json."""
    config, state = app.config, app.state
    if request.headers.get("Accept", "").strip() != "application/json":
        raise errors.sso_error(config, "invalid_request", "Missing parameter: 'Accept Header'")
    form = _form(request)
    if form.get("grant_type") != "password":
        raise errors.sso_error(config, "unsupported_grant_type",
                               f"The grant type '{form.get('grant_type', '')}' is not "
                               f"supported.")
    if "ovirt-app-api" not in form.get("scope", "").split():
        raise errors.sso_error(config, "invalid_scope",
                               "The requested scope is not valid: ovirt-app-api is required.")
    user = form.get("username", "")
    if user != fixtures.ADMIN or form.get("password") != config.admin_password:
        state.login_failures += 1
        raise errors.sso_error(config, "access_denied",
                               f"Cannot authenticate user '{user}': The username or password "
                               f"is incorrect.")
    value = base64.urlsafe_b64encode(app.rng.getrandbits(384).to_bytes(48, "big")).decode()
    state.tokens[value] = state.now()
    state.logins += 1
    app.log.bump("logins")
    request.context.update(auth="password", user=fixtures.ADMIN)
    exp = MAX_LONG if config.token_exp == "max_long" else str(
        int((state.wall() + config.token_ttl) * 1000))
    return 200, {"access_token": value, "scope": "ovirt-app-api", "exp": exp,
                 "token_type": "bearer"}, []


def logout(app, request):
    """POST /ovirt-engine/services/sso-logout scope=ovirt-app-api&token=T: the token dies;
    200 with an empty body [guess]."""
    app.state.tokens.pop(_form(request).get("token", ""), None)
    return 200, b"", [("Content-Type", "text/plain")]


# --- read-only collections ----------------------------------------------------------------
def root(app, request):
    return 200, views.root(app.state), []


def _fixed(singular: str, make):
    """`make(app, request)` gives the fixed objects of a collection (a list)."""
    def many(app, request):
        items = make(app, request)
        return listing(app, singular, search(app, request, items, NAMED_FIELDS,
                                             lambda e: e["name"]))

    def one(app, request, id):
        check_id(id)
        for item in make(app, request):
            if item["id"] == id:
                return 200, item, []
        raise errors.not_found()
    return many, one


TEMPLATE_FIELDS = {"name": lambda t: t.name, "id": lambda t: t.id, "status": lambda t: t.status,
                   "version": lambda t: t.version, "description": lambda t: t.description,
                   "datacenter": lambda t: "Default", "cluster": lambda t: "Default"}


def templates(app, request):
    chosen = search(app, request, list(app.state.templates.values()), TEMPLATE_FIELDS,
                    lambda t: f"{t.name}\x00{t.version:06d}")
    return listing(app, "template", [views.template(app.state, t) for t in chosen])


def _template(app, id):
    return lookup(app.state.templates, id)


def template(app, request, id):
    return 200, views.template(app.state, _template(app, id)), []


def template_disks(app, request, id):
    found = _template(app, id)
    return listing(app, "disk_attachment",
                   [views.template_attachment(found, d) for d in found.disks])


def template_nics(app, request, id):
    found = _template(app, id)
    items = [{"href": f"/ovirt-engine/api/templates/{found.id}/nics/{found.id[:8]}-nic1",
              "id": f"{found.id[:24]}{n:012d}", "name": f"nic{n + 1}", "interface": "virtio",
              "vnic_profile": {"href": f"/ovirt-engine/api/vnicprofiles/"
                                       f"{fixtures.VNIC_PROFILE_ID}",
                               "id": fixtures.VNIC_PROFILE_ID}}
             for n in range(found.nics)]
    return listing(app, "nic", items)


JOB_FIELDS = {"correlation_id": lambda j: j.correlation_id}


def jobs(app, request):
    chosen = search(app, request, list(app.state.jobs.values()), JOB_FIELDS,
                    lambda j: f"{j.start:020.3f}")
    return listing(app, "job", [views.job(j) for j in chosen])


def job(app, request, id):
    return 200, views.job(lookup(app.state.jobs, id)), []


DISK_FIELDS = {"name": lambda d: d.alias, "alias": lambda d: d.alias, "id": lambda d: d.id,
               "status": lambda d: d.status}


def disks(app, request):
    chosen = search(app, request, list(app.state.disks.values()), DISK_FIELDS,
                    lambda d: d.alias)
    return listing(app, "disk", [views.disk(app.state, d) for d in chosen])


def register(router) -> None:
    router.add("POST", "/sso/oauth/token", token, auth=False)
    router.add("POST", "/services/sso-logout", logout, auth=False)
    router.add("GET", "/api", root)
    for plural, singular, make in (
            ("clusters", "cluster", lambda a, r: [views.cluster()]),
            ("datacenters", "data_center", lambda a, r: [views.datacenter()]),
            ("storagedomains", "storage_domain",
             lambda a, r: [views.storage_domain(a.state, id_) for id_ in fixtures.STORAGE_NAMES]),
            ("networks", "network", lambda a, r: [views.network()]),
            ("vnicprofiles", "vnic_profile",
             lambda a, r: [views.vnic_profile(follow(r), id_) for id_ in fixtures.VNIC_PROFILES])):
        many, one = _fixed(singular, make)
        router.add("GET", f"/api/{plural}", many)
        router.add("GET", f"/api/{plural}/{{id}}", one)
    router.add("GET", "/api/templates", templates)
    router.add("GET", "/api/templates/{id}", template)
    router.add("GET", "/api/templates/{id}/diskattachments", template_disks)
    router.add("GET", "/api/templates/{id}/nics", template_nics)
    router.add("GET", "/api/jobs", jobs)
    router.add("GET", "/api/jobs/{id}", job)
    router.add("GET", "/api/disks", disks)
    vms.register(router)
