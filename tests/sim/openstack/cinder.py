"""Cinder v3 (block storage) under /v3/{project_id}/: volumes (creating → available | error,
deleting → gone), volume types, quota sets (413 over quota), limits. The project id in the
URL must be the token's project, as Cinder checks ("Malformed request url")."""

from . import quotas, timefmt
from .collection import take
from .model import Volume
from .paging import has_next, ordered_next, parse_limit

SERVICE = "volume"
DELETABLE = ("available", "error", "error_restoring", "error_extending", "error_managing")
BACKEND_HOST = "sim@lvmdriver-1#lvmdriver-1"   # [guess] a devstack-like backend name


def _check_url_project(ctx, project: str) -> None:
    if project != ctx.project_id:
        raise ctx.error(400, "Malformed request url")


def _find(ctx, project: str, ident) -> Volume:
    _check_url_project(ctx, project)
    volume = ctx.state.volumes.get(ident)
    if volume is None or (not ctx.is_admin and volume.project_id != ctx.project_id):
        raise ctx.error(404, f"Volume {ident} could not be found.")
    return volume


def _links(ctx, project: str, ident: str) -> list:
    return [{"rel": "self", "href": ctx.url(f"/volume/v3/{project}/volumes/{ident}")},
            {"rel": "bookmark", "href": ctx.url(f"/volume/{project}/volumes/{ident}")}]


def _attachment(volume, entry) -> dict:
    return {"id": volume.id, "attachment_id": entry["attachment_id"], "volume_id": volume.id,
            "server_id": entry["server_id"], "host_name": None, "device": entry["device"],
            "attached_at": timefmt.micro(entry["attached_at"])}


def volume_view(ctx, project: str, volume, created: bool = False) -> dict:
    """A volume as GET shows it; `created`: as the POST reply shows it, without the
    os-vol-* extension attributes (real Zed adds those to GETs only)."""
    vtype = next((t for t in ctx.state.volume_types.values()
                  if t["name"] == volume.volume_type), None)
    view = {
        "id": volume.id, "name": volume.name, "status": volume.status, "size": volume.size,
        "availability_zone": "nova", "created_at": timefmt.micro(volume.created_at),
        "updated_at": timefmt.opt(timefmt.micro, volume.updated_at),
        "attachments": [_attachment(volume, a) for a in volume.attachments],
        "description": volume.description, "volume_type": volume.volume_type,
        "snapshot_id": None, "source_volid": None, "metadata": dict(volume.metadata),
        "links": _links(ctx, project, volume.id), "user_id": volume.user_id,
        "bootable": "true" if volume.bootable else "false", "encrypted": False,
        "replication_status": None, "consistencygroup_id": None, "multiattach": False,
    }
    if not created:
        view["os-vol-tenant-attr:tenant_id"] = volume.project_id
    if ctx.is_admin:
        view["migration_status"] = None
    if ctx.is_admin and not created:
        view.update({"os-vol-mig-status-attr:migstat": None,
                     "os-vol-mig-status-attr:name_id": None,
                     "os-vol-host-attr:host": None if volume.status == "creating"
                     else BACKEND_HOST})
    version = ctx.version
    if version >= (3, 13):
        view["group_id"] = None
    if version >= (3, 21) and ctx.is_admin:
        view["provider_id"] = None
    if version >= (3, 48):
        view["shared_targets"] = True
        view["service_uuid"] = "5e1d6b5a-0000-4000-8000-00000000c1d0"
    if version >= (3, 63):
        view["volume_type_id"] = vtype["id"] if vtype else None
    if version >= (3, 65):
        view["consumes_quota"] = True
    return view


def _listing(ctx, project: str, detail: bool):
    _check_url_project(ctx, project)
    query = ctx.request.query
    owner = ctx.project_id
    if ctx.is_admin and "all_tenants" in query:
        owner = query.get("project_id") or None
    limit = parse_limit(ctx, ctx.config.page_cap)
    after = None
    if query.get("marker"):
        after = ctx.state.volumes.marker_key(query["marker"])
        if after is None:
            raise ctx.error(404, f"Volume {query['marker']} could not be found.")
    tests = []
    if "name" in query:
        tests.append(lambda v: v.name == query["name"])
    if "status" in query:
        tests.append(lambda v: v.status == query["status"])
    predicate = (lambda v: all(t(v) for t in tests)) if tests else None
    volumes, more = take(ctx.state.volumes.walk(owner, after, descending=True), limit,
                         predicate)
    if detail:
        items = [volume_view(ctx, project, v) for v in volumes]
    else:
        items = [{"id": v.id, "name": v.name, "links": _links(ctx, project, v.id)}
                 for v in volumes]
    body = {"volumes": items}
    if volumes and has_next(ctx, len(volumes), limit, more):
        path = f"/volume/v3/{project}/volumes" + ("/detail" if detail else "")
        body["volumes_links"] = [ordered_next(ctx, path, volumes[-1].id)]
    return 200, body


def volume_list(ctx, project):
    return _listing(ctx, project, False)


def volume_detail(ctx, project):
    return _listing(ctx, project, True)


def volume_get(ctx, project, id):
    return 200, {"volume": volume_view(ctx, project, _find(ctx, project, id))}


def _size(ctx, spec) -> int:
    raw = spec.get("size")
    size = quotas.parse_value(raw)
    if size is None:
        raise ctx.error(400, f"Invalid input for field/attribute size. Value: {raw}. {raw!r} "
                             "is not of type 'integer', 'string'")
    if size < 1:
        raise ctx.error(400, f"Invalid input for field/attribute size. Value: {raw}. {raw} is "
                             "less than the minimum of 1")
    return size


def _volume_type(ctx, spec) -> dict:
    wanted = spec.get("volume_type")
    types = ctx.state.volume_types
    if wanted is None:
        return next(t for t in types.values() if t["name"] == "__DEFAULT__")
    found = types.get(wanted) or next((t for t in types.values() if t["name"] == wanted),
                                      None)
    if found is None:
        raise ctx.error(404, f"Volume type with name {wanted} could not be found.")
    return found


def _quota_error(ctx, resource: str, requested: int, used: int, allowed: int):
    headers = [("Retry-After", "0")]
    if resource.startswith("gigabytes"):
        message = ("VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds "
                   f"allowed {resource} quota. Requested "
                   f"{requested}G, quota is {allowed}G and {used}G has been consumed.")
    else:
        message = (f"VolumeLimitExceeded: Maximum number of volumes allowed ({allowed}) "
                   "exceeded for quota "
                   f"'{resource}'.")
    return ctx.error(413, message, headers)


def _check_quota(ctx, size: int, vtype: dict) -> None:
    limits = quotas.limits(ctx.state, SERVICE, ctx.project_id)
    per_volume = limits.get("per_volume_gigabytes", -1)
    if per_volume != -1 and size > per_volume:
        raise ctx.error(413, f"Requested volume size {size}G is larger than maximum allowed "
                             f"limit {per_volume}G.", [("Retry-After", "0")])
    name = vtype["name"]
    wanted = {"volumes": 1, "gigabytes": size, f"volumes_{name}": 1,
              f"gigabytes_{name}": size}
    over = quotas.over(ctx.state, SERVICE, ctx.project_id, wanted)
    if over:
        over.sort(key=lambda o: (not o[0].startswith("volumes"), o[0]))
        raise _quota_error(ctx, *over[0])


def volume_create(ctx, project):
    _check_url_project(ctx, project)
    spec = ctx.request.json_object().get("volume")
    if not isinstance(spec, dict):
        raise ctx.error(400, "Missing required element 'volume' in request body.")
    for key, kind in (("metadata", dict), ("name", str), ("description", str),
                      ("volume_type", str), ("imageRef", str)):
        if spec.get(key) is not None and not isinstance(spec[key], kind):
            raise ctx.error(400, f"Invalid input for field/attribute {key}. Value: "
                                 f"{spec[key]!r}.")
    size = _size(ctx, spec)
    vtype = _volume_type(ctx, spec)
    image = spec.get("imageRef")
    if image is not None and image not in ctx.state.images:
        raise ctx.error(400, "Invalid image identifier or unable to access requested image.")
    _check_quota(ctx, size, vtype)
    state = ctx.state
    volume = Volume(state.new_uuid(), spec.get("name") or spec.get("display_name"),
                    ctx.project_id, ctx.user_id, size, vtype["name"], state.next_seq(),
                    ctx.wall, description=spec.get("description"),
                    bootable=image is not None, metadata=dict(spec.get("metadata") or {}))
    state.volumes.add(volume)
    _transition(ctx, volume, "volume_create", "available", "error")
    return 202, {"volume": volume_view(ctx, project, volume, created=True)}


def _transition(ctx, volume, kind: str, success: str, failure_status: str) -> None:
    state = ctx.state
    failure = ctx.config.take_failure(kind)

    def done(when):
        volume.event, volume.updated_at = None, state.wall_of(when)
        if failure is not None:
            volume.status = failure_status
        elif success is None:
            state.volumes.remove(volume)
        else:
            volume.status = success
    volume.event = state.timeline.at(ctx.now + ctx.config.duration(kind), done)


def _unscheduled(ctx, volume) -> bool:
    """A creating volume the scheduler has not yet given a host: its first volume_schedule
    seconds (real Zed: ~100 ms, FINDINGS §1 item 15)."""
    window = min(ctx.config.duration("volume_schedule"), ctx.config.duration("volume_create"))
    return volume.status == "creating" and ctx.wall - volume.created_at < window


def volume_delete(ctx, project, id):
    volume = _find(ctx, project, id)
    if _unscheduled(ctx, volume):
        # Cinder deletes a volume without a host in the API itself: 202, gone at once
        if volume.event is not None:
            ctx.state.timeline.cancel(volume.event)
        ctx.state.volumes.remove(volume)
        return 202, None
    if volume.status not in DELETABLE or volume.attachments:
        raise ctx.error(400, "Invalid volume: Volume status must be available or error or "
                             "error_restoring or error_extending or error_managing and must "
                             "not be migrating, attached, belong to a group, have snapshots, "
                             "awaiting a transfer, or be disassociated from snapshots after "
                             "volume transfer.")
    volume.status, volume.updated_at = "deleting", ctx.wall
    _transition(ctx, volume, "volume_delete", None, "error_deleting")
    return 202, None


def volume_update(ctx, project, id):
    volume = _find(ctx, project, id)
    spec = ctx.request.json_object().get("volume")
    if not isinstance(spec, dict):
        raise ctx.error(400, "Missing required element 'volume' in request body.")
    volume.name = spec.get("name", volume.name)
    volume.description = spec.get("description", volume.description)
    if isinstance(spec.get("metadata"), dict):
        volume.metadata = dict(spec["metadata"])
    volume.updated_at = ctx.wall
    return 200, {"volume": volume_view(ctx, project, volume)}


def _type_view(vtype) -> dict:
    return {"id": vtype["id"], "name": vtype["name"], "description": vtype["description"],
            "is_public": True, "os-volume-type-access:is_public": True, "qos_specs_id": None,
            "extra_specs": {}}


def type_list(ctx, project):
    _check_url_project(ctx, project)
    return 200, {"volume_types": [_type_view(t) for t in ctx.state.volume_types.values()]}


def type_get(ctx, project, id):
    _check_url_project(ctx, project)
    types = ctx.state.volume_types
    found = next((t for t in types.values() if t["name"] == "__DEFAULT__"), None) \
        if id == "default" else types.get(id)
    if found is None:
        raise ctx.error(404, f"Volume type {id} could not be found.")
    return 200, {"volume_type": _type_view(found)}


ROUTES = [
    ("GET", "/v3/{project}/volumes", volume_list, "token"),
    ("POST", "/v3/{project}/volumes", volume_create, "token"),
    ("GET", "/v3/{project}/volumes/detail", volume_detail, "token"),
    ("GET", "/v3/{project}/volumes/{id}", volume_get, "token"),
    ("PUT", "/v3/{project}/volumes/{id}", volume_update, "token"),
    ("DELETE", "/v3/{project}/volumes/{id}", volume_delete, "token"),
    ("GET", "/v3/{project}/types", type_list, "token"),
    ("GET", "/v3/{project}/types/{id}", type_get, "token"),
]
