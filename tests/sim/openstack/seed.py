"""Bulk seeding (POST /__sim__/seed): many projects, each with servers, volumes, networks,
subnets, routers, router interfaces and load balancers, written straight into the model in
their final state (ACTIVE, available…), without quota checks. Collections take each kind in
one sorted batch, so 1,000 projects and 50,000 objects take seconds, not minutes."""
import time

from common.control import ControlError

from . import netops
from .model import LoadBalancer, Network, Port, Project, Router, Server, Subnet, User, Volume
from .fixtures import PUBLIC_NETWORK_ID, ROLE_IDS, ADMIN_USER_ID, CIRROS_IMAGE_ID

PER_PROJECT = ("servers", "volumes", "networks", "routers", "interfaces", "loadbalancers")
QUOTA_SERVICES = ("compute", "volume", "network", "load-balancer")


def _int(spec: dict, key: str, default: int, high: int) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise ControlError(f"'{key}' must be an integer in 0..{high}")
    return value


class _Batch:
    """Objects made by one seeding call, added to the collections at the end."""

    def __init__(self):
        self.kinds = {k: [] for k in ("servers", "volumes", "networks", "subnets", "ports",
                                      "routers", "loadbalancers")}

    def port(self, state, wall, network, subnet, project, device_id, owner, address=None,
             name=""):
        fixed = [{"subnet_id": subnet.id, "ip_address": netops.allocate(subnet, address)}]
        port = Port(state.new_uuid(), name, project, network.id, state.new_mac(), fixed,
                    device_id, owner, wall, wall)
        self.kinds["ports"].append(port)
        state.ports_by_network.setdefault(network.id, set()).add(port.id)
        return port

    def commit(self, state) -> dict:
        for kind, objects in self.kinds.items():
            getattr(state, kind).add_many(objects)
        state.instances.add_many(self.kinds["servers"])
        return {kind: len(objects) for kind, objects in self.kinds.items()}


def _project_objects(state, batch, wall, project, spec, counts) -> None:
    flavor = state.flavors[spec.get("flavor", "1")]
    subnets = []
    for n in range(counts["networks"]):
        state.segmentation_ids += 1
        net = Network(state.new_uuid(), f"{project.name}-net-{n}", project.id, wall, wall,
                      segmentation_id=state.segmentation_ids)
        sub = Subnet(state.new_uuid(), f"{project.name}-subnet-{n}", project.id, net.id,
                     f"10.{n // 256}.{n % 256}.0/24", f"10.{n // 256}.{n % 256}.1",
                     [{"start": f"10.{n // 256}.{n % 256}.2",
                       "end": f"10.{n // 256}.{n % 256}.254"}], wall, wall)
        net.subnet_ids.append(sub.id)
        batch.kinds["networks"].append(net)
        batch.kinds["subnets"].append(sub)
        subnets.append((net, sub))
    for n in range(counts["servers"]):
        server = Server(state.new_uuid(), f"{project.name}-vm-{n}", project.id, ADMIN_USER_ID,
                        dict(flavor), CIRROS_IMAGE_ID, state.next_seq(), wall, wall,
                        vm_state="active", task_state=None, power_state=1, launched_at=wall)
        if subnets:
            net, sub = subnets[n % len(subnets)]
            port = batch.port(state, wall, net, sub, project.id, server.id, "compute:nova")
            server.port_ids.append(port.id)
        batch.kinds["servers"].append(server)
    for n in range(counts["volumes"]):
        batch.kinds["volumes"].append(Volume(
            state.new_uuid(), f"{project.name}-vol-{n}", project.id, ADMIN_USER_ID,
            spec.get("volume_size", 1), "__DEFAULT__", state.next_seq(), wall, wall,
            status="available"))
    _routers(state, batch, wall, project, spec, counts, subnets)
    for n in range(counts["loadbalancers"] if subnets else 0):
        net, sub = subnets[n % len(subnets)]
        ident = state.new_uuid()
        port = batch.port(state, wall, net, sub, project.id, f"lb-{ident}", "Octavia",
                          name=f"octavia-lb-{ident}")
        batch.kinds["loadbalancers"].append(LoadBalancer(
            ident, f"{project.name}-lb-{n}", project.id, sub.id, net.id, port.id,
            port.fixed_ips[0]["ip_address"], state.next_seq(), wall, wall,
            provisioning_status="ACTIVE", operating_status="ONLINE"))


def _routers(state, batch, wall, project, spec, counts, subnets) -> None:
    """Routers, optionally with a gateway on public; interface k joins subnet k to router
    k modulo the number of routers."""
    public = state.networks.get(PUBLIC_NETWORK_ID)
    routers = []
    for n in range(counts["routers"]):
        router = Router(state.new_uuid(), f"{project.name}-router-{n}", project.id, wall, wall)
        if spec.get("router_gateway") and public is not None:
            gw_subnet = state.subnets.get(public.subnet_ids[0])
            port = batch.port(state, wall, public, gw_subnet, "", router.id,
                              "network:router_gateway")
            router.gateway_network_id, router.gateway_port_id = public.id, port.id
        routers.append(router)
    for k in range(counts["interfaces"]):
        router = routers[k % len(routers)]
        net, sub = subnets[k]
        port = batch.port(state, wall, net, sub, project.id, router.id,
                          "network:router_interface", sub.gateway_ip)
        router.interface_port_ids.append(port.id)
    batch.kinds["routers"].extend(routers)


def seed(app, spec: dict) -> dict:
    started = time.monotonic()
    state = app.state
    count = _int(spec, "projects", 1, 10000)
    per = spec.get("per_project", {})
    if not isinstance(per, dict) or set(per) - set(PER_PROJECT):
        raise ControlError(f"'per_project': an object with keys among {list(PER_PROJECT)}")
    counts = {k: _int(per, k, 0, 10000) for k in PER_PROJECT}
    if counts["interfaces"] > counts["networks"] or \
            (counts["interfaces"] and not counts["routers"]):
        raise ControlError("'interfaces' needs routers and at most one per network")
    prefix = str(spec.get("prefix", "seed"))
    wall = state.wall_of(app.clock.now()) - float(spec.get("backdate_seconds", 0))
    quotas = spec.get("quotas", {})
    if not isinstance(quotas, dict) or set(quotas) - set(QUOTA_SERVICES):
        raise ControlError(f"'quotas': an object with keys among {list(QUOTA_SERVICES)}")
    batch = _Batch()
    projects = []
    first = len([p for p in state.projects.values() if p.name.startswith(prefix + "-")])
    # One pass over the projects, not one per new project: 10,000 projects in seconds.
    taken = {p.name for p in state.projects.values() if p.domain_id == "default"}
    for i in range(first, first + count):
        project = Project(state.new_hex(), f"{prefix}-{i:05d}", "default")
        if project.name in taken:
            raise ControlError(f"project {project.name} exists")
        taken.add(project.name)
        state.projects[project.id] = project
        _people(state, spec, project)
        for service, values in quotas.items():
            state.quotas[service][project.id] = dict(values)
        _project_objects(state, batch, wall, project, spec, counts)
        projects.append({"id": project.id, "name": project.name})
    made = batch.commit(state)
    return {"projects": projects, "created": made,
            "ms": round((time.monotonic() - started) * 1000.0, 1)}


def _people(state, spec: dict, project) -> None:
    if spec.get("users", True):
        user = User(state.new_hex(), f"{project.name}-user", "default",
                    spec.get("user_password", "secret"), default_project_id=project.id)
        state.users[user.id] = user
        state.assignments.add((user.id, "project", project.id, ROLE_IDS["member"]))
    if spec.get("admin_access", False):
        state.assignments.add((ADMIN_USER_ID, "project", project.id, ROLE_IDS["admin"]))
