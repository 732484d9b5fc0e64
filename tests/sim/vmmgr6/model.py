"""The simulated installation: accounts, sessions, hosts with their disks and IPs, the IP
pools and the task manager, all behind one lock held by the App for each request."""
import random
import uuid
from dataclasses import dataclass, field

from . import fixtures
from .ippool import IpPools
from .tasks import TaskManager

# States during exclusive work; anything else on the host is refused meanwhile [guess names
# for deleting/reinstalling; the API notes confirm creating, active, stopped].
EXCLUSIVE_STATES = ("creating", "deleting", "reinstalling")


@dataclass
class Account:
    id: int
    email: str
    password: str
    roles: list
    state: str = "active"

    @property
    def is_admin(self) -> bool:
        return "@admin" in self.roles


@dataclass
class Session:
    token: str
    account_id: int
    last_used: float


@dataclass
class Ip:
    id: int
    address: str
    pool_id: int
    interface: int          # 0: main network, 1: second interface
    domain: str = ""


@dataclass
class Host:
    id: int
    name: str
    cluster_id: int
    node_id: int
    account_id: int
    os_id: int
    cpu_number: int
    ram_mib: int
    disk_id: int
    disk_mib: int
    net_bandwidth_mbitps: int
    password: str
    domain: str = ""
    comment: str = ""
    ipv6_enabled: bool = False
    state: str = "creating"
    ips: list = field(default_factory=list)
    hostname: str = ""                                 # set inside the VM by a recipe
    recipes_run: list = field(default_factory=list)    # [{"recipe", "params"}]
    password_changes: int = 0
    created: float = 0.0

    def main_ips(self) -> list:
        return [ip for ip in self.ips if ip.interface == 0]


class State:
    def __init__(self, config, now: float, rng: random.Random):
        self.config = config
        self.started = now
        self.rng = rng
        self.accounts = {}
        self.sessions = {}
        self.hosts = {}
        self.pools = IpPools(fixtures.IPPOOLS)
        self.tasks = TaskManager(config, fixtures.FIRST_CONSUL_ID)
        self.clusters = {c["id"]: c for c in fixtures.CLUSTERS}
        self.nodes = {n["id"]: n for n in fixtures.NODES}
        self.os = {o["id"]: o for o in fixtures.OS_LIST}
        self.presets = {p["id"]: p for p in fixtures.PRESETS}
        self.recipes = {r["id"]: r for r in fixtures.RECIPES}
        self.next_ids = {"account": fixtures.FIRST_FREE_ACCOUNT_ID,
                         "host": fixtures.FIRST_HOST_ID, "disk": fixtures.FIRST_DISK_ID,
                         "ip": fixtures.FIRST_IP_ID}
        self.logins = 0
        self.login_failures = 0
        self.notify = 1
        self._add_fixture_accounts()

    def _add_fixture_accounts(self) -> None:
        self.accounts[1] = Account(1, fixtures.ADMIN_EMAIL, self.config.admin_password,
                                   ["@admin"])
        self.accounts[2] = Account(2, fixtures.USER_EMAIL, fixtures.USER_PASSWORD, ["@user"])

    def next_id(self, kind: str) -> int:
        value = self.next_ids[kind]
        self.next_ids[kind] += 1
        return value

    def changed(self) -> None:
        """Bumps last_notify, which list answers carry."""
        self.notify += 1

    def new_token(self) -> str:
        return "4-" + str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def account_by_email(self, email: str):
        wanted = email.lower()
        return next((a for a in self.accounts.values() if a.email.lower() == wanted), None)

    def cluster_pools(self, cluster_id: int, interface: int) -> list:
        return [p["id"] for p in self.clusters[cluster_id]["ippools"]
                if p["interface"] == interface]

    def ip_by_id(self, ip_id: int):
        for host in self.hosts.values():
            for ip in host.ips:
                if ip.id == ip_id:
                    return host, ip
        return None, None
