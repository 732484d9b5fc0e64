"""The simulated cloud: identity, servers, volumes, networks, load balancers and quotas, all
behind one lock held by the App for each request. Times are wall-clock seconds (they end up
in timestamps and usage hours); the timeline runs on the monotonic clock."""
import random
from dataclasses import dataclass, field

from common.timeline import Timeline

from .collection import Collection


@dataclass(eq=False)
class Domain:
    id: str
    name: str
    description: str = ""
    enabled: bool = True


@dataclass(eq=False)
class Project:
    id: str
    name: str
    domain_id: str
    description: str = ""
    enabled: bool = True
    tags: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)


@dataclass(eq=False)
class User:
    id: str
    name: str
    domain_id: str
    password: str = None
    enabled: bool = True
    default_project_id: str = None
    extra: dict = field(default_factory=dict)
    revoked_second: int = None   # tokens issued in or before this second are refused


@dataclass(eq=False)
class Role:
    id: str
    name: str
    description: str = None
    options: dict = field(default_factory=dict)


@dataclass(eq=False)
class Token:
    id: str
    user_id: str
    scope: tuple            # ("project", id) | ("domain", id) | None (unscoped)
    roles: list             # role ids, implied roles included
    issued_at: float
    expires_at: float
    audit_id: str
    methods: list = field(default_factory=lambda: ["password"])
    revoked: bool = False
    app_cred: str = None    # the application credential it was issued from (restricted)

    @property
    def project_id(self):
        return self.scope[1] if self.scope and self.scope[0] == "project" else None


@dataclass(eq=False)
class AppCredential:
    """A Keystone application credential; the secret is kept only as a hash, as Keystone."""
    id: str
    name: str
    user_id: str
    project_id: str          # the creating token's project (None from an unscoped token)
    roles: list              # role ids
    secret_hash: str
    description: str = None
    expires_at: str = None
    unrestricted: bool = None


@dataclass(eq=False)
class Server:
    id: str
    name: str
    project_id: str
    user_id: str
    flavor: dict
    image_id: str
    seq: int
    created_at: float
    updated_at: float
    vm_state: str = "building"
    task_state: str = "spawning"
    power_state: int = 0
    launched_at: float = None
    terminated_at: float = None
    fault: dict = None
    metadata: dict = field(default_factory=dict)
    key_name: str = None
    port_ids: list = field(default_factory=list)
    user_ports: list = field(default_factory=list)   # ports given at create: kept on delete
    volume_ids: list = field(default_factory=list)
    description: str = None
    event: int = None          # the pending timeline event (build, stop, start, delete)
    map_event: int = None      # while BUILD/scheduling: not yet mapped to a cell


@dataclass(eq=False)
class Volume:
    id: str
    name: str
    project_id: str
    user_id: str
    size: int
    volume_type: str
    seq: int
    created_at: float
    updated_at: float = None
    status: str = "creating"
    description: str = None
    bootable: bool = False
    metadata: dict = field(default_factory=dict)
    attachments: list = field(default_factory=list)   # [{"server_id", "attachment_id", "device"}]
    event: int = None


@dataclass(eq=False)
class Network:
    id: str
    name: str
    project_id: str
    created_at: float
    updated_at: float
    external: bool = False
    shared: bool = False
    admin_state_up: bool = True
    description: str = ""
    mtu: int = 1450
    segmentation_id: int = None
    network_type: str = "vxlan"
    physical_network: str = None
    revision: int = 1
    subnet_ids: list = field(default_factory=list)
    tags: list = field(default_factory=list)


@dataclass(eq=False)
class Subnet:
    id: str
    name: str
    project_id: str
    network_id: str
    cidr: str
    gateway_ip: str
    allocation_pools: list
    created_at: float
    updated_at: float
    ip_version: int = 4
    enable_dhcp: bool = True
    dns_nameservers: list = field(default_factory=list)
    host_routes: list = field(default_factory=list)
    description: str = ""
    revision: int = 0
    tags: list = field(default_factory=list)
    used: set = field(default_factory=set)      # allocated addresses (ints)
    next_free: int = None                       # search start for the next address


@dataclass(eq=False)
class Port:
    id: str
    name: str
    project_id: str
    network_id: str
    mac_address: str
    fixed_ips: list            # [{"subnet_id", "ip_address"}]
    device_id: str
    device_owner: str
    created_at: float
    updated_at: float
    status: str = "ACTIVE"
    admin_state_up: bool = True
    description: str = ""
    revision: int = 1
    tags: list = field(default_factory=list)


@dataclass(eq=False)
class Router:
    id: str
    name: str
    project_id: str
    created_at: float
    updated_at: float
    gateway_network_id: str = None
    gateway_port_id: str = None
    enable_snat: bool = True
    admin_state_up: bool = True
    description: str = ""
    revision: int = 1
    interface_port_ids: list = field(default_factory=list)
    routes: list = field(default_factory=list)
    tags: list = field(default_factory=list)


@dataclass(eq=False)
class LoadBalancer:
    id: str
    name: str
    project_id: str
    vip_subnet_id: str
    vip_network_id: str
    vip_port_id: str
    vip_address: str
    seq: int
    created_at: float
    updated_at: float = None
    provisioning_status: str = "PENDING_CREATE"
    operating_status: str = "OFFLINE"
    admin_state_up: bool = True
    description: str = ""
    provider: str = "amphora"
    flavor_id: str = None
    availability_zone: str = None
    tags: list = field(default_factory=list)
    event: int = None
    listeners: list = field(default_factory=list)   # dicts, as the listener API shows them


def _created_order(obj):
    """Nova: created_at, then its internal integer id (the creation sequence)."""
    return (obj.created_at, obj.seq, obj.id)


def _created_then_id(obj):
    """Cinder and Octavia: created_at, then the uuid."""
    return (obj.created_at, obj.id)


def _uuid4_hex(number: int) -> str:
    """The hex of uuid.UUID(int=number, version=4): variant RFC 4122, version 4."""
    number &= ~(0xc000 << 48)
    number |= 0x8000 << 48
    number &= ~(0xf000 << 64)
    number |= 4 << 76
    return f"{number:032x}"


def _by_id(obj):
    return (obj.id,)


def _by_project_then_id(obj):
    return (obj.project_id, obj.id)


class State:
    def __init__(self, config, wall: float, now: float, rng: random.Random):
        self.config = config
        self.rng = rng
        self.started_wall = wall
        self.started = now
        self.timeline = Timeline()
        self.seq = 0
        self.domains, self.projects, self.users, self.roles = {}, {}, {}, {}
        self.assignments = set()     # (user_id, "project"|"domain", target_id, role_id)
        self.implied = {}            # role id -> [role ids it implies]
        self.tokens = {}
        self.app_credentials = {}    # id -> AppCredential
        self.flavors, self.images, self.volume_types = {}, {}, {}
        self.servers = Collection(_created_order)
        self.instances = Collection(_by_project_then_id)   # every server ever, for usage
        self.volumes = Collection(_created_then_id)
        self.networks = Collection(_by_id)
        self.subnets = Collection(_by_id)
        self.ports = Collection(_by_id)
        self.routers = Collection(_by_id)
        self.loadbalancers = Collection(_created_then_id)
        self.ports_by_network = {}   # network id -> {port id}
        self.quotas = {"compute": {}, "volume": {}, "network": {}, "load-balancer": {}}
        self.logins = 0
        self.login_failures = 0
        self.segmentation_ids = 1000

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def new_uuid(self) -> str:
        # str(uuid.UUID(int=…, version=4)), without building the object (seeding makes
        # hundreds of thousands).
        text = _uuid4_hex(self.rng.getrandbits(128))
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def new_hex(self) -> str:
        return _uuid4_hex(self.rng.getrandbits(128))

    def new_mac(self) -> str:
        return "fa:16:3e:" + ":".join(f"{self.rng.getrandbits(8):02x}" for _ in range(3))

    def wall_of(self, t: float) -> float:
        """The wall time of a monotonic instant (timeline events carry monotonic times)."""
        return self.started_wall + (t - self.started)

    # identity lookups
    def project_by_name(self, name: str, domain_id: str):
        return next((p for p in self.projects.values()
                     if p.name == name and p.domain_id == domain_id), None)

    def user_by_name(self, name: str, domain_id: str):
        return next((u for u in self.users.values()
                     if u.name == name and u.domain_id == domain_id), None)

    def role_by_name(self, name: str):
        return next((r for r in self.roles.values() if r.name == name), None)

    def domain_by_name(self, name: str):
        return next((d for d in self.domains.values() if d.name == name), None)

    def effective_roles_of(self, role_id: str) -> list:
        """The roles role_id implies, directly or not (itself excluded)."""
        result, queue = [], list(self.implied.get(role_id, []))
        while queue:
            role = queue.pop(0)
            if role != role_id and role not in result and role in self.roles:
                result.append(role)
                queue.extend(self.implied.get(role, []))
        return result

    def effective_roles(self, user_id: str, target_type: str, target_id: str) -> list:
        """Role ids assigned to the user on the target, plus the roles they imply."""
        direct = [r for (u, t, i, r) in self.assignments
                  if u == user_id and t == target_type and i == target_id]
        result, queue = [], list(direct)
        while queue:
            role = queue.pop(0)
            if role not in result and role in self.roles:
                result.append(role)
                queue.extend(self.implied.get(role, []))
        return result
