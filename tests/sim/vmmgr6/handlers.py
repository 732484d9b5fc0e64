"""The VMmanager 6 endpoints: thin handlers that validate the body, call the model and
shape the answer. Each returns (HTTP status, JSON body); meta 'auth' says who may call:
public, user (any valid session) or admin (role @admin, else 403)."""
from common.schema import validate

from . import auth, errors, host_ops, hosts, schemas, views, where
from .model import Account


def _body(request, schema: dict) -> dict:
    body = request.json_object(empty_as={})
    validate(schema, body)
    return body


def _list(app, request, items: list, kind: str):
    chosen = where.select(items, request.query.get("where", ""), views.FIELDS[kind])
    return 200, views.listing(chosen, app.state)


def login(app, request, ctx):
    answer = auth.login(app.state, ctx.now, request.json_object(empty_as={}))
    app.log.bump("logins")
    return 201, answer


def logout(app, request, ctx, token):
    """DELETE /auth/v4/token/{token} [sure WL]; the answer is unknown [guess: 200 {}]."""
    app.state.sessions.pop(token, None)
    return 200, {}


def whoami(app, request, ctx):
    return 200, views.account(ctx.caller)


def accounts(app, request, ctx):
    return _list(app, request, [views.account(a) for a in app.state.accounts.values()],
                 "account")


def account_create(app, request, ctx):
    body = _body(request, schemas.ACCOUNT_CREATE)
    state = app.state
    if "@" not in body["email"]:
        raise errors.bad(errors.INVALID_VALUE, "Invalid email", property="email")
    if state.account_by_email(body["email"]) is not None:
        raise errors.bad(errors.DUPLICATE, f"Account {body['email']} already exists",
                         email=body["email"])
    account = Account(state.next_id("account"), body["email"], body["password"],
                      [body.get("role", "@user")])   # [guess] role defaults to @user
    state.accounts[account.id] = account
    return 200, {"id": account.id}


def clusters(app, request, ctx):
    items = [views.cluster(app.state, c) for c in app.state.clusters.values()]
    return _list(app, request, items, "cluster")


def cluster_one(app, request, ctx, id):
    cluster = app.state.clusters.get(id)
    if cluster is None:
        raise errors.not_found("Cluster", id)
    return 200, views.cluster(app.state, cluster)


def nodes(app, request, ctx):
    return _list(app, request, [views.node(app.state, n) for n in app.state.nodes.values()],
                 "node")


def os_list(app, request, ctx):
    items = [views.os_template(app.state, o) for o in app.state.os.values()]
    return _list(app, request, items, "os")


def presets(app, request, ctx):
    return _list(app, request, [dict(p) for p in app.state.presets.values()], "preset")


def recipes(app, request, ctx):
    return _list(app, request, [dict(r) for r in app.state.recipes.values()], "recipe")


def ippools(app, request, ctx):
    items = [views.ippool(app.state, pool_id) for pool_id in app.state.pools.pools]
    return _list(app, request, items, "ippool")


def tasks(app, request, ctx):
    items = [views.task(app.clock, t, app.config) for t in app.state.tasks.visible(ctx.now)]
    return _list(app, request, items, "task")


def _own_hosts(app, caller) -> list:
    return [h for h in app.state.hosts.values() if caller.is_admin or h.account_id == caller.id]


def host_list(app, request, ctx):
    items = [views.host_full(app.state, h) for h in _own_hosts(app, ctx.caller)]
    return _list(app, request, items, "host")


def host_one(app, request, ctx, id):
    host = hosts.get_host(app.state, id)
    if not (ctx.caller.is_admin or host.account_id == ctx.caller.id):
        raise errors.not_found("Host", id)
    return 200, views.host_reduced(app.state, host)


def host_ipv4(app, request, ctx, id):
    host = hosts.get_host(app.state, id)
    return _list(app, request, [views.ipv4(app.state, ip, host) for ip in host.ips], "ipv4")


def host_create(app, request, ctx):
    return 200, hosts.create(ctx, _body(request, schemas.HOST_CREATE))


def _action(operation, schema=None):
    """A handler for POST /vm/v3/host/{id}/…: body checked against schema, then operation."""
    def handler(app, request, ctx, id):
        if schema is None:
            return 200, operation(ctx, id)
        return 200, operation(ctx, id, _body(request, schema))
    return handler


def _power(operation):
    def handler(app, request, ctx, id):
        _body(request, schemas.EMPTY)
        return 200, operation(ctx, id)
    return handler


ROUTES = [
    ("POST", "/auth/v4/public/token", login, "public"),
    ("DELETE", "/auth/v4/token/{token}", logout, "user"),
    ("GET", "/auth/v4/whoami", whoami, "user"),
    ("GET", "/vm/v3/account", accounts, "admin"),
    ("POST", "/vm/v3/account", account_create, "admin"),
    ("GET", "/vm/v3/cluster", clusters, "admin"),
    ("GET", "/vm/v3/cluster/{id:int}", cluster_one, "admin"),
    ("GET", "/vm/v3/node", nodes, "admin"),
    ("GET", "/vm/v3/os", os_list, "user"),
    ("GET", "/vm/v3/preset", presets, "admin"),
    ("GET", "/vm/v3/recipe", recipes, "user"),
    ("GET", "/vm/v3/ippool", ippools, "admin"),
    ("GET", "/ip/v3/ippool", ippools, "admin"),
    ("GET", "/vm/v3/task", tasks, "admin"),
    ("GET", "/vm/v3/host", host_list, "user"),
    ("POST", "/vm/v3/host", host_create, "admin"),
    ("GET", "/vm/v3/host/{id:int}", host_one, "user"),
    ("POST", "/vm/v3/host/{id:int}", _action(host_ops.edit, schemas.HOST_EDIT), "admin"),
    ("DELETE", "/vm/v3/host/{id:int}", _action(host_ops.delete), "admin"),
    ("POST", "/vm/v3/host/{id:int}/start", _power(host_ops.start), "admin"),
    ("POST", "/vm/v3/host/{id:int}/stop", _power(host_ops.stop), "admin"),
    ("POST", "/vm/v3/host/{id:int}/restart", _power(host_ops.restart), "admin"),
    ("POST", "/vm/v3/host/{id:int}/resource",
     _action(host_ops.change_resources, schemas.RESOURCE), "admin"),
    ("POST", "/vm/v3/disk/{id:int}", _action(host_ops.resize_disk, schemas.DISK_RESIZE),
     "admin"),
    ("GET", "/vm/v3/host/{id:int}/ipv4", host_ipv4, "admin"),
    ("POST", "/vm/v3/host/{id:int}/ip", _action(host_ops.change_ips, schemas.IP_CHANGE),
     "admin"),
    ("POST", "/vm/v3/host/{id:int}/reinstall",
     _action(host_ops.reinstall, schemas.REINSTALL), "admin"),
    ("POST", "/vm/v3/host/{id:int}/password",
     _action(host_ops.change_password, schemas.PASSWORD), "admin"),
    ("POST", "/vm/v3/host/{id:int}/account", _action(host_ops.change_owner, schemas.OWNER),
     "admin"),
    ("POST", "/vm/v3/host/{id:int}/runrecipe",
     _action(host_ops.run_recipe, schemas.RUN_RECIPE), "admin"),
    ("POST", "/vm/v3/ip/{id:int}/ptr", _action(host_ops.set_ptr, schemas.PTR), "admin"),
]


def register(router) -> None:
    for method, pattern, handler, level in ROUTES:
        router.add(method, pattern, handler, auth=level)
