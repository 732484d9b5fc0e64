"""Nova server operations: create (BUILD → ACTIVE | ERROR), os-stop/os-start, delete
(asynchronous), rename, volume attachments. Each transition is a timeline event, so the
outcome does not depend on how often the client polls."""
import string

from common.messages import Response

from . import netops, quotas, timefmt
from .model import Server
from .nova import CREATE_KEYS, find_server, server_view

SERVICE = "compute"
NO_VALID_HOST = "No valid host was found. There are not enough hosts available."


def _reference(value) -> str:
    """flavorRef/imageRef: an id or a URL ending with the id."""
    return str(value).rstrip("/").rsplit("/", 1)[-1]


def _flavor(ctx, ref):
    flavor = ctx.state.flavors.get(_reference(ref))
    if flavor is None:
        by_name = [f for f in ctx.state.flavors.values() if f["name"] == _reference(ref)]
        if not by_name:
            raise ctx.error(400, f"Flavor {_reference(ref)} could not be found.")
        flavor = by_name[0]
    return flavor


def _networks(ctx, requested) -> list:
    """[(network, port or None)] the server is plugged into."""
    state = ctx.state
    if requested is None and ctx.version >= (2, 37):
        raise ctx.error(400, "Invalid input for field/attribute server. Value: {...}. "
                             "'networks' is a required property")
    if requested == "none":
        return []
    if requested is None or requested == "auto":
        mine = [n for n in state.networks.values()
                if not n.external and (n.shared or n.project_id == ctx.project_id)]
        if len(mine) > 1:
            raise ctx.error(409, "Multiple possible networks found, use a Network ID to be "
                                 "more specific.")
        return [(n, None) for n in mine]
    if not isinstance(requested, list):
        raise ctx.error(400, "Invalid input for field/attribute networks.")
    result = []
    for entry in requested:
        if not isinstance(entry, dict) or not ({"uuid", "port"} & set(entry)):
            raise ctx.error(400, "Bad networks format: network uuid is not in proper format")
        if entry.get("port"):
            port = state.ports.get(entry["port"])
            if port is None:
                raise ctx.error(404, f"Port id {entry['port']} could not be found.")
            if port.device_id:
                raise ctx.error(409, f"Port {port.id} is still in use.")
            result.append((state.networks.get(port.network_id), port))
            continue
        network = state.networks.get(entry["uuid"])
        if network is None or not (ctx.is_admin or network.shared
                                   or network.project_id == ctx.project_id):
            raise ctx.error(400, f"Network {entry['uuid']} could not be found.")
        if not network.subnet_ids:
            raise ctx.error(400, f"Network {network.id} requires a subnet in order to boot "
                                 "instances on.")
        result.append((network, None))
    return result


def _check_quota(ctx, flavor, new_ports: int) -> None:
    over = quotas.over(ctx.state, "compute", ctx.project_id,
                       {"instances": 1, "cores": flavor["vcpus"], "ram": flavor["ram"]})
    if over:
        names = ", ".join(o[0] for o in over)
        requested = ", ".join(str(o[1]) for o in over)
        used = ", ".join(str(o[2]) for o in over)
        allowed = ", ".join(str(o[3]) for o in over)
        raise ctx.error(403, f"Quota exceeded for {names}: Requested {requested}, but already "
                             f"used {used} of {allowed} {names}")
    if new_ports and quotas.over(ctx.state, "network", ctx.project_id, {"port": new_ports}):
        raise ctx.error(403, "Maximum number of ports exceeded")


def _admin_pass(state) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(alphabet[state.rng.randrange(len(alphabet))] for _ in range(12))


def server_create(ctx):
    body = ctx.request.json_object()
    spec = body.get("server")
    if not isinstance(spec, dict):
        raise ctx.error(400, "Invalid input for field/attribute server. 'server' is a required "
                             "property")
    unexpected = sorted(set(spec) - CREATE_KEYS)
    if unexpected:
        raise ctx.error(400, "Invalid input for field/attribute server. Additional properties "
                             f"are not allowed ('{unexpected[0]}' was unexpected)")
    name = spec.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 255:
        raise ctx.error(400, "Invalid input for field/attribute name.")
    if "flavorRef" not in spec:
        raise ctx.error(400, "Invalid input for field/attribute server. 'flavorRef' is a "
                             "required property")
    for key, kind in (("metadata", dict), ("description", str), ("key_name", str)):
        if spec.get(key) is not None and not isinstance(spec[key], kind):
            raise ctx.error(400, f"Invalid input for field/attribute {key}. Value: "
                                 f"{spec[key]!r}.")
    flavor = _flavor(ctx, spec["flavorRef"])
    image_id = _image(ctx, spec)
    plugs = _networks(ctx, spec.get("networks"))
    _check_quota(ctx, flavor, sum(1 for _, port in plugs if port is None))
    server = _new_server(ctx, spec, flavor, image_id)
    _plug(ctx, server, plugs)
    _schedule_build(ctx, server)
    answer = {"id": server.id, "links": server_view(ctx, server)["links"],
              "OS-DCF:diskConfig": "MANUAL", "security_groups": [{"name": "default"}],
              "adminPass": spec.get("adminPass") or _admin_pass(ctx.state)}
    return Response(202, {"server": answer},
                    [("Location", ctx.url(f"/compute/v2.1/servers/{server.id}"))])


def _image(ctx, spec) -> str:
    if "imageRef" not in spec or spec["imageRef"] in ("", None):
        if spec.get("block_device_mapping_v2"):
            return ""
        raise ctx.error(400, "Missing imageRef attribute")
    image_id = _reference(spec["imageRef"])
    if image_id not in ctx.state.images:
        raise ctx.error(400, f"Image {image_id} could not be found.")
    return image_id


def _new_server(ctx, spec, flavor, image_id) -> Server:
    state = ctx.state
    server = Server(state.new_uuid(), spec["name"], ctx.project_id, ctx.user_id, dict(flavor),
                    image_id, state.next_seq(), ctx.wall, ctx.wall,
                    metadata=dict(spec.get("metadata") or {}), key_name=spec.get("key_name"),
                    description=spec.get("description"))
    state.servers.add(server)
    state.instances.add(server)
    return server


def _plug(ctx, server, plugs) -> None:
    for network, port in plugs:
        if port is None:
            port = netops.create_port(ctx.state, ctx.wall, network, server.project_id,
                                      server.id, "compute:nova")
        else:
            port.device_id, port.device_owner = server.id, "compute:nova"
            server.user_ports.append(port.id)
        server.port_ids.append(port.id)


def _unplug(state, server) -> None:
    for port_id in server.port_ids:
        port = state.ports.get(port_id)
        if port is None:
            continue
        if port_id in server.user_ports:
            port.device_id, port.device_owner = "", ""
        else:
            netops.delete_port(state, port)
    server.port_ids = []


def _schedule(ctx, server, kind: str, done) -> None:
    when = ctx.now + ctx.config.duration(kind)
    server.event = ctx.state.timeline.at(when, done)


def unmapped(server) -> bool:
    """BUILD/scheduling: the instance has no cell yet (FINDINGS §1 item 13)."""
    return server.map_event is not None


def _schedule_build(ctx, server) -> None:
    state = ctx.state
    failure = ctx.config.take_failure("server_build")
    window = min(ctx.config.duration("server_schedule"),
                 ctx.config.duration("server_build") / 2)
    if window > 0:
        server.task_state = "scheduling"

        def mapped(when):
            server.map_event = None
            if server.vm_state == "building" and server.task_state == "scheduling":
                server.task_state = "spawning"
        server.map_event = state.timeline.at(ctx.now + window, mapped)

    def done(when):
        wall = state.wall_of(when)
        if server.map_event is not None:
            state.timeline.cancel(server.map_event)
            server.map_event = None
        server.event, server.task_state, server.updated_at = None, None, wall
        if failure is None:
            server.vm_state, server.power_state, server.launched_at = "active", 1, wall
            return
        server.vm_state, server.power_state = "error", 0
        server.fault = {"code": 500, "created": timefmt.zulu(wall), "message": failure,
                        "details": "Traceback (most recent call last): … (simulated)"}
        _unplug(state, server)
    _schedule(ctx, server, "server_build", done)


def server_delete(ctx, id):
    server = find_server(ctx, id)
    if server.task_state == "deleting":
        return 204, None
    state = ctx.state
    if server.vm_state == "deleted":   # DELETED, on its way to 404
        return 204, None
    if server.event is not None:
        state.timeline.cancel(server.event)
    if unmapped(server):
        # Nova deletes a build request that has no cell yet in the API itself: 204, and the
        # next GET is 404 (FINDINGS §1 item 13)
        state.timeline.cancel(server.map_event)
        server.map_event, server.event, server.task_state = None, None, None
        server.vm_state, server.terminated_at, server.updated_at = "deleted", ctx.wall, ctx.wall
        _unplug(state, server)
        _detach_all(state, server)
        state.servers.remove(server)
        return 204, None
    server.task_state, server.updated_at = "deleting", ctx.wall

    def gone(when):
        server.event = None
        state.servers.remove(server)

    def done(when):
        wall = state.wall_of(when)
        server.event, server.task_state = None, None
        server.vm_state, server.power_state = "deleted", 0
        server.terminated_at, server.updated_at = wall, wall
        _unplug(state, server)
        _detach_all(state, server)
        # DELETED/None/deleted/0 for a moment, then 404 (FINDINGS §1 item 14)
        linger = ctx.config.duration("server_deleted")
        if linger > 0:
            server.event = state.timeline.at(when + linger, gone)
        else:
            gone(when)
    _schedule(ctx, server, "server_delete", done)
    return 204, None


def _power(ctx, server, action: str, kind: str, from_states: tuple, task: str, to_state: str,
           power: int) -> None:
    if server.vm_state not in from_states or server.task_state is not None:
        raise _conflict(ctx, server, action, from_states)
    if server.launched_at is None:   # an ERROR server that never got a host
        raise ctx.error(409, f"Instance {server.id} is not ready")
    server.task_state, server.updated_at = task, ctx.wall
    state = ctx.state

    def done(when):
        server.event, server.task_state = None, None
        server.vm_state, server.power_state = to_state, power
        server.updated_at = state.wall_of(when)
    _schedule(ctx, server, kind, done)


def _conflict(ctx, server, action: str, vm_states=("active", "stopped")):
    """Nova checks vm_state first, then that no task is running."""
    attr, value = (("vm_state", server.vm_state) if server.vm_state not in vm_states
                   else ("task_state", server.task_state))
    return ctx.error(409, f"Cannot '{action}' instance {server.id} while it is in "
                          f"{attr} {value}")


def server_action(ctx, id):
    if id not in ctx.state.servers and id not in ctx.state.instances:
        raise ctx.error(404, f"Instance {id} has no mapping to a cell.")
    server = find_server(ctx, id)
    if unmapped(server) or server.vm_state == "deleted":
        raise ctx.error(404, f"Instance {id} could not be found.")
    body = ctx.request.json_object()
    if len(body) != 1:
        raise ctx.error(400, "Malformed request body")
    action = next(iter(body))
    if action == "os-stop":
        _power(ctx, server, "stop", "server_stop", ("active", "error"), "powering-off",
               "stopped", 4)
    elif action == "os-start":
        _power(ctx, server, "start", "server_start", ("stopped",), "powering-on", "active", 1)
    elif action == "reboot":
        _power(ctx, server, "reboot", "server_start", ("active", "stopped", "error"),
               "rebooting", "active", 1)
    else:
        raise ctx.error(400, f"There is no such action: {action}")
    return 202, None


def server_update(ctx, id):
    server = find_server(ctx, id)
    spec = ctx.request.json_object().get("server")
    if not isinstance(spec, dict) or set(spec) - {"name", "description", "accessIPv4",
                                                   "accessIPv6", "OS-DCF:diskConfig",
                                                   "hostname"}:
        raise ctx.error(400, "Invalid input for field/attribute server.")
    if "name" in spec:
        if not isinstance(spec["name"], str) or not 1 <= len(spec["name"].strip()) <= 255:
            raise ctx.error(400, "Invalid input for field/attribute name.")
        server.name = spec["name"]
    if "description" in spec:
        server.description = spec["description"]
    server.updated_at = ctx.wall
    return 200, {"server": server_view(ctx, server)}


# volume attachments (synchronous here: attaching/detaching take no time [guess])
def _attachment_view(server, volume) -> dict:
    device = next((a["device"] for a in volume.attachments if a["server_id"] == server.id),
                  None)
    return {"id": volume.id, "serverId": server.id, "volumeId": volume.id, "device": device}


def attachments_list(ctx, id):
    server = find_server(ctx, id)
    volumes = [ctx.state.volumes.get(v) for v in server.volume_ids]
    return 200, {"volumeAttachments": [_attachment_view(server, v) for v in volumes if v]}


def attachment_create(ctx, id):
    server = find_server(ctx, id)
    spec = ctx.request.json_object().get("volumeAttachment")
    if not isinstance(spec, dict) or not isinstance(spec.get("volumeId"), str):
        raise ctx.error(400, "Invalid input for field/attribute volumeAttachment.")
    if server.vm_state not in ("active", "stopped") or server.task_state is not None:
        raise _conflict(ctx, server, "attach_volume")
    volume = ctx.state.volumes.get(spec["volumeId"])
    if volume is None or (volume.project_id != server.project_id and not ctx.is_admin):
        raise ctx.error(404, f"Volume {spec['volumeId']} could not be found.")
    if volume.status != "available":
        raise ctx.error(400, f"Invalid volume: volume {volume.id} status must be available, "
                             f"but current status is: {volume.status}")
    device = spec.get("device") or f"/dev/vd{chr(ord('b') + len(server.volume_ids))}"
    volume.attachments.append({"server_id": server.id, "attachment_id": ctx.state.new_uuid(),
                               "device": device, "attached_at": ctx.wall})
    volume.status, volume.updated_at = "in-use", ctx.wall
    server.volume_ids.append(volume.id)
    return 200, {"volumeAttachment": _attachment_view(server, volume)}


def attachment_delete(ctx, id, volume_id):
    server = find_server(ctx, id)
    if volume_id not in server.volume_ids:
        raise ctx.error(404, f"Volume {volume_id} is not attached to the instance "
                             f"{server.id}")
    _detach(ctx.state, server, ctx.state.volumes.get(volume_id), ctx.wall)
    return 202, None


def _detach(state, server, volume, wall: float) -> None:
    server.volume_ids = [v for v in server.volume_ids if v != (volume.id if volume else None)]
    if volume is None:
        return
    volume.attachments = [a for a in volume.attachments if a["server_id"] != server.id]
    if not volume.attachments:
        volume.status = "available"
    volume.updated_at = wall


def _detach_all(state, server) -> None:
    for volume_id in list(server.volume_ids):
        _detach(state, server, state.volumes.get(volume_id), server.updated_at)
    server.volume_ids = []


ROUTES = [
    ("POST", "/v2.1/servers", server_create, "token"),
    ("PUT", "/v2.1/servers/{id}", server_update, "token"),
    ("DELETE", "/v2.1/servers/{id}", server_delete, "token"),
    ("POST", "/v2.1/servers/{id}/action", server_action, "token"),
    ("GET", "/v2.1/servers/{id}/os-volume_attachments", attachments_list, "token"),
    ("POST", "/v2.1/servers/{id}/os-volume_attachments", attachment_create, "token"),
    ("DELETE", "/v2.1/servers/{id}/os-volume_attachments/{volume_id}", attachment_delete,
     "token"),
]
