"""Operations on existing hosts. Each checks the host can take it now, then submits its task;
the task's completion applies the change. Rules a real VMmanager may apply differently are
marked [guess] and described in README.md."""
from . import errors
from .hosts import (RECIPE_TASK, Ctx, allocate_ips, check_not_busy, check_recipe,
                    check_usable, create_reply, get_host, pool_ids, recipe_effect,
                    resolve_os)

HOT_RAM_STEP = 1024   # a running VM's RAM grows hot only in whole GiB (API notes)


def _answer(host, task) -> dict:
    return {"id": host.id, "task": task.consul_id}


def _stopped(state, host):
    def apply(t):
        host.state = "stopped"
        state.tasks.release_deferred(host.id, t)
    return apply


def _started(host):
    def apply(t):
        host.state = "active"
    return apply


def start(ctx: Ctx, host_id: int) -> dict:
    host = get_host(ctx.state, host_id)
    check_usable(ctx.state, host)
    return _answer(host, ctx.state.tasks.submit("host_start", host.id, ctx.now,
                                                _started(host)))


def stop(ctx: Ctx, host_id: int) -> dict:
    host = get_host(ctx.state, host_id)
    check_usable(ctx.state, host)
    return _answer(host, ctx.state.tasks.submit("host_stop", host.id, ctx.now,
                                                _stopped(ctx.state, host)))


def restart(ctx: Ctx, host_id: int) -> dict:
    """A stop then a start [guess: the stop half is a host_stop task]; changes deferred
    until host_stop apply between the two. The answer names the start as start_task
    (§2, §6.3 [sure]); whether it also has a task is a guess: restart_reply "both" adds the
    stop task as task."""
    host = get_host(ctx.state, host_id)
    check_usable(ctx.state, host)
    tasks = ctx.state.tasks
    stop_task = tasks.submit("host_stop", host.id, ctx.now, _stopped(ctx.state, host))
    start_task = tasks.submit("host_start", host.id, ctx.now, _started(host))
    if ctx.state.config.restart_reply == "both":
        return {"id": host.id, "task": stop_task.consul_id,
                "start_task": start_task.consul_id}
    return {"id": host.id, "start_task": start_task.consul_id}


def delete(ctx: Ctx, host_id: int) -> dict:
    state = ctx.state
    host = get_host(state, host_id)
    check_not_busy(state, host)
    previous = host.state
    host.state = "deleting"

    def deleted(t):
        for ip in host.ips:
            state.pools.release(ip.pool_id, ip.address)
        del state.hosts[host.id]
        state.tasks.cancel_host(host.id, t, "host deleted")
        state.changed()

    def failed(t):
        host.state = previous

    return _answer(host, state.tasks.submit("host_delete", host.id, ctx.now, deleted, failed))


def _check_growth(host, body: dict) -> None:
    for name in ("cpu_number", "ram_mib"):
        if name in body and body[name] < getattr(host, name):
            raise errors.bad(errors.SHRINK_REFUSED, f"{name} cannot shrink "
                             f"({getattr(host, name)} -> {body[name]})", property=name)


def _hot_possible(host, body: dict) -> bool:
    """Growth a running VM takes without a restart: CPUs, bandwidth, RAM in 1 GiB steps."""
    return (body.get("ram_mib", host.ram_mib) - host.ram_mib) % HOT_RAM_STEP == 0


def change_resources(ctx: Ctx, host_id: int, body: dict) -> dict:
    host = get_host(ctx.state, host_id)
    check_usable(ctx.state, host)
    wanted = {k: body[k] for k in ("cpu_number", "ram_mib", "net_bandwidth_mbitps") if k in body}
    if not wanted and "firewall_rules" not in body:
        raise errors.bad(errors.MISSING_PROPERTY, "Nothing to change")
    _check_growth(host, wanted)
    running = host.state == "active"
    deferred = running and "defer" in body
    if running and not deferred and not _hot_possible(host, wanted):
        raise errors.bad(errors.HOT_CHANGE_REFUSED, "The host is running: RAM grows hot only "
                         f"in {HOT_RAM_STEP} MiB steps; stop it or pass defer",
                         id=host.id)

    def apply(t):
        for name, value in wanted.items():
            setattr(host, name, value)

    task = ctx.state.tasks.submit("host_change_params", host.id, ctx.now, apply,
                                  deferred=deferred)
    return _answer(host, task)


def resize_disk(ctx: Ctx, disk_id: int, body: dict) -> dict:
    host = next((h for h in ctx.state.hosts.values() if h.disk_id == disk_id), None)
    if host is None:
        raise errors.not_found("Disk", disk_id)
    check_usable(ctx.state, host)
    if body["size_mib"] < host.disk_mib:
        raise errors.bad(errors.SHRINK_REFUSED, f"The disk cannot shrink ({host.disk_mib} -> "
                         f"{body['size_mib']} MiB)", property="size_mib")
    deferred = host.state == "active" and "defer" in body   # [guess] else grows hot

    def apply(t):
        host.disk_mib = body["size_mib"]

    task = ctx.state.tasks.submit("disk_resize", host.id, ctx.now, apply, deferred=deferred)
    return {"id": disk_id, "task": task.consul_id}


def change_ips(ctx: Ctx, host_id: int, body: dict) -> dict:
    """ipv4_number is a delta: new addresses are reserved now and attached when the task
    ends; a negative delta detaches the newest main addresses when it ends [guess]."""
    state = ctx.state
    host = get_host(state, host_id)
    check_usable(state, host)
    delta = body.get("ipv4_number", 0)
    main = host.main_ips()
    if delta < 0 and -delta > len(main):
        raise errors.bad(errors.INVALID_VALUE, f"The host has only {len(main)} addresses",
                         property="ipv4_number")
    added = []
    if delta > 0:
        # W sends ipv4_pool:[0] when no pool is configured (§6.4): any pool of the cluster
        requested = [p for p in body.get("ipv4_pool") or [] if p != 0]
        pools = pool_ids(state, host.cluster_id, requested, 0)
        added = allocate_ips(state, [(pools, delta, 0)])
    removed = main[len(main) + delta:] if delta < 0 else []

    def apply(t):
        for ip in removed:
            host.ips.remove(ip)
            state.pools.release(ip.pool_id, ip.address)
        for ip in added:
            ip.domain = host.domain
            host.ips.append(ip)
        host.ipv6_enabled = body.get("ipv6_enabled", host.ipv6_enabled)

    def failed(t):
        for ip in added:
            state.pools.release(ip.pool_id, ip.address)

    return _answer(host, state.tasks.submit("ip_change", host.id, ctx.now, apply, failed))


def reinstall(ctx: Ctx, host_id: int, body: dict) -> dict:
    state = ctx.state
    host = get_host(state, host_id)
    check_not_busy(state, host)
    os_id = resolve_os(state, body, host.cluster_id)
    runs = [check_recipe(state, item["recipe"], item.get("recipe_params"))
            for item in body.get("recipe_list", [])]
    previous = host.state
    host.state = "reinstalling"

    def done(t):
        host.os_id, host.state, host.hostname = os_id, "active", ""
        if "password" in body:   # [guess] without one the old password stays
            host.password = body["password"]

    def failed(t):
        host.state = previous

    task = state.tasks.submit("host_reinstall", host.id, ctx.now, done, failed)
    recipes = [state.tasks.submit(RECIPE_TASK, host.id, ctx.now, recipe_effect(host, run))
               for run in runs]
    return create_reply(state.config, host.id, task.consul_id, [t.consul_id for t in recipes])


def _maybe_task(ctx: Ctx, host, name: str, apply, mode: str) -> dict:
    """A call whose task is only a guess: mode "task" answers {id,task}; "no_task" ({id})
    and "task_zero" ({id,task:0}) apply the change at once, with no task to wait for."""
    if mode == "task":
        return _answer(host, ctx.state.tasks.submit(name, host.id, ctx.now, apply))
    # Without a task the change is synchronous: an injected failure is the call's error.
    config = ctx.state.config
    message = config.take_failure(name, host.id)
    if message is None and config.shown_name(name) != name:
        message = config.take_failure(config.shown_name(name), host.id)
    if message is not None:
        raise errors.api_error(400, message, errors.CHANGE_FAILED, {"id": host.id})
    apply(ctx.now)
    return {"id": host.id, "task": 0} if mode == "task_zero" else {"id": host.id}


def change_password(ctx: Ctx, host_id: int, body: dict) -> dict:
    host = get_host(ctx.state, host_id)
    check_usable(ctx.state, host)

    def apply(t):
        host.password = body["password"]
        host.password_changes += 1

    return _maybe_task(ctx, host, "host_change_password", apply,
                       ctx.state.config.password_reply)


def change_owner(ctx: Ctx, host_id: int, body: dict) -> dict:
    host = get_host(ctx.state, host_id)
    check_usable(ctx.state, host)
    if body["account"] not in ctx.state.accounts:
        raise errors.missing_reference("account", body["account"])

    def apply(t):
        host.account_id = body["account"]

    return _maybe_task(ctx, host, "host_change_owner", apply, ctx.state.config.owner_reply)


def run_recipe(ctx: Ctx, host_id: int, body: dict) -> dict:
    host = get_host(ctx.state, host_id)
    check_usable(ctx.state, host)
    run = check_recipe(ctx.state, body["recipe"], body.get("recipe_params"))
    task = ctx.state.tasks.submit(RECIPE_TASK, host.id, ctx.now, recipe_effect(host, run))
    # runrecipe_reply (§4.7, [likely GA only]): "full" {id,task,recipe_task_list,recipe_task},
    # "task_only" {id,task}, "recipe_only" {id,recipe_task,recipe_task_list}; one task, so
    # task and recipe_task are the same consul id [guess].
    mode = ctx.state.config.runrecipe_reply
    answer = {"id": host.id}
    if mode != "recipe_only":
        answer["task"] = task.consul_id
    if mode != "task_only":
        answer.update(recipe_task_list=[task.consul_id], recipe_task=task.consul_id)
    return answer


def edit(ctx: Ctx, host_id: int, body: dict) -> dict:
    """Name and comment change at once, without a task [guess]."""
    host = get_host(ctx.state, host_id)
    host.name = body.get("name", host.name)
    host.comment = body.get("comment", host.comment)
    return {"id": host.id}


def set_ptr(ctx: Ctx, ip_id: int, body: dict) -> dict:
    """The PTR (domain) of one address, at once, without a task [guess]."""
    host, ip = ctx.state.ip_by_id(ip_id)
    if ip is None:
        raise errors.not_found("IP", ip_id)
    ip.domain = body["domain"]
    main = host.main_ips()
    if main and ip is main[0]:
        host.domain = body["domain"]   # [guess] the main address's PTR is the host domain
    return {"id": ip.id}
