"""Nova os-simple-tenant-usage: hours of each server's life (launch to termination, or now)
inside the period, totals per project. From microversion 2.40 the answer is paged per
instance (limit, marker = last instance id), so one project's totals can span pages; before
that the page cap applies with no links. Instances are ordered by (project id, instance id)
[guess: the order Nova's window query sorts by]."""
import datetime

from . import timefmt
from .collection import take
from .paging import has_next, nova_next, parse_limit

SERVICE = "compute"
_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f")


def _instant(ctx, text):
    """A period bound as Nova parses it: naive UTC in one of three forms, else 400."""
    if not text:
        return ctx.wall
    for fmt in _FORMATS:
        try:
            value = datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return value.replace(tzinfo=datetime.timezone.utc).timestamp()
    raise ctx.error(400, "Invalid datetime string: Datetime is in invalid format")


def _period(ctx):
    query = ctx.request.query
    start, stop = _instant(ctx, query.get("start")), _instant(ctx, query.get("end"))
    if not start < stop:
        raise ctx.error(400, "Invalid start time. The start time cannot occur after the end "
                             "time.")
    return start, min(stop, ctx.wall)


def _active_in(server, start: float, stop: float) -> bool:
    if server.launched_at is None or server.launched_at >= stop:
        return False
    return server.terminated_at is None or server.terminated_at > start


def _hours(server, start: float, stop: float) -> float:
    if server.terminated_at is not None and server.terminated_at < start:
        return 0.0
    begin = max(server.launched_at, start)
    end = min(stop, server.terminated_at) if server.terminated_at is not None else stop
    return max(end - begin, 0.0) / 3600.0


def _server_usage(ctx, server, start: float, stop: float) -> dict:
    hours = _hours(server, start, stop)
    ended = server.terminated_at
    state = "terminated" if ended is not None else server.vm_state
    uptime = (ended if ended is not None else ctx.wall) - server.launched_at
    return {"instance_id": server.id, "name": server.name, "hours": hours,
            "memory_mb": server.flavor["ram"], "local_gb": server.flavor["disk"],
            "vcpus": server.flavor["vcpus"], "tenant_id": server.project_id,
            "flavor": server.flavor["name"], "started_at": timefmt.micro(server.launched_at),
            "ended_at": timefmt.opt(timefmt.micro, ended), "state": state,
            "uptime": int(uptime)}


def _summaries(ctx, servers, start: float, stop: float, detailed: bool) -> list:
    result = {}
    for server in servers:
        info = _server_usage(ctx, server, start, stop)
        summary = result.get(server.project_id)
        if summary is None:
            summary = {"tenant_id": server.project_id, "total_local_gb_usage": 0.0,
                       "total_vcpus_usage": 0.0, "total_memory_mb_usage": 0.0,
                       "total_hours": 0.0, "start": timefmt.micro(start),
                       "stop": timefmt.micro(stop)}
            if detailed:
                summary["server_usages"] = []
            result[server.project_id] = summary
        summary["total_local_gb_usage"] += info["local_gb"] * info["hours"]
        summary["total_vcpus_usage"] += info["vcpus"] * info["hours"]
        summary["total_memory_mb_usage"] += info["memory_mb"] * info["hours"]
        summary["total_hours"] += info["hours"]
        if detailed:
            summary["server_usages"].append(info)
    return list(result.values())


def _page(ctx, project_id):
    """(servers of the page, limit, whether more follow, links allowed)."""
    start, stop = _period(ctx)
    paged = ctx.version >= (2, 40)
    limit = parse_limit(ctx, ctx.config.page_cap) if paged else ctx.config.page_cap
    marker = ctx.request.query.get("marker") if paged else None
    after = None
    if marker:
        after = ctx.state.instances.marker_key(marker)
        if after is None:
            raise ctx.error(400, f"Marker {marker} could not be found.")
    servers, more = take(ctx.state.instances.walk(project_id, after), limit,
                         lambda s: _active_in(s, start, stop))
    return servers, limit, more, paged, start, stop


def usage_all(ctx):
    servers, limit, more, paged, start, stop = _page(ctx, None)
    detailed = ctx.request.query.get("detailed") == "1"
    body = {"tenant_usages": _summaries(ctx, servers, start, stop, detailed)}
    if paged and servers and has_next(ctx, len(servers), limit, more):
        body["tenant_usages_links"] = [nova_next(ctx, "/compute/v2.1/os-simple-tenant-usage",
                                                 servers[-1].id)]
    return 200, body


def usage_project(ctx, project):
    if not ctx.is_admin and project != ctx.project_id:
        raise ctx.error(403, "Policy doesn't allow os_compute_api:os-simple-tenant-usage:show "
                             "to be performed.")
    servers, limit, more, paged, start, stop = _page(ctx, project)
    summaries = _summaries(ctx, servers, start, stop, True)
    body = {"tenant_usage": summaries[0] if summaries else {}}
    if paged and servers and has_next(ctx, len(servers), limit, more):
        path = f"/compute/v2.1/os-simple-tenant-usage/{project}"
        body["tenant_usage_links"] = [nova_next(ctx, path, servers[-1].id)]
    return 200, body


ROUTES = [
    ("GET", "/v2.1/os-simple-tenant-usage", usage_all, "admin"),
    ("GET", "/v2.1/os-simple-tenant-usage/{project}", usage_project, "token"),
]
