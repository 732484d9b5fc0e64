"""What a fresh simulator holds (DESIGN §12): domain Default, project admin, user admin with
role admin on it, roles admin/member/reader (admin implies member implies reader, as in
Keystone's default roles), the external network public with a subnet, flavors m1.tiny and
m1.small, the image cirros and the default volume type. Ids are fixed."""
from .model import Domain, Network, Project, Role, Subnet, User

ADMIN_PROJECT_ID = "ad0000000000400080000000000000a1"
ADMIN_USER_ID = "ad0000000000400080000000000000b1"
ROLE_IDS = {"admin": "ad0000000000400080000000000000c1",
            "member": "ad0000000000400080000000000000c2",
            "reader": "ad0000000000400080000000000000c3"}
PUBLIC_NETWORK_ID = "e0000000-0000-4000-8000-000000000001"
PUBLIC_SUBNET_ID = "e0000000-0000-4000-8000-000000000002"
CIRROS_IMAGE_ID = "c1000000-0000-4000-8000-000000000001"
DEFAULT_VOLUME_TYPE_ID = "d0000000-0000-4000-8000-000000000001"

FLAVORS = [
    {"id": "1", "name": "m1.tiny", "ram": 512, "vcpus": 1, "disk": 1},
    {"id": "2", "name": "m1.small", "ram": 2048, "vcpus": 1, "disk": 20},
]
IMAGES = [
    {"id": CIRROS_IMAGE_ID, "name": "cirros", "disk_format": "qcow2",
     "container_format": "bare", "size": 21430272, "virtual_size": 117440512,
     "checksum": "c8fc807773e5354afe61636071771906",
     "os_hash_value": "1103b92ce8ad966e41235a4de260deb791ff571670c0342666c8582fbb9caefe"
                      "6af07ebb11d34f44f8414b609b29c1bdf1d72ffa6faa39c88e8721d09847952b"},
]
VOLUME_TYPES = [{"id": DEFAULT_VOLUME_TYPE_ID, "name": "__DEFAULT__",
                 "description": "Default Volume Type"}]


def load(state) -> None:
    wall = state.started_wall
    state.domains["default"] = Domain("default", "Default", "The default domain")
    state.projects[ADMIN_PROJECT_ID] = Project(ADMIN_PROJECT_ID, "admin", "default",
                                               "Bootstrap project for initializing the cloud.")
    state.users[ADMIN_USER_ID] = User(ADMIN_USER_ID, "admin", "default",
                                      state.config.admin_password)
    for name, ident in ROLE_IDS.items():
        state.roles[ident] = Role(ident, name, options={"immutable": True})
    state.implied = {ROLE_IDS["admin"]: [ROLE_IDS["member"]],
                     ROLE_IDS["member"]: [ROLE_IDS["reader"]]}
    state.assignments.add((ADMIN_USER_ID, "project", ADMIN_PROJECT_ID, ROLE_IDS["admin"]))
    state.flavors = {f["id"]: dict(f) for f in FLAVORS}
    state.images = {i["id"]: dict(i, created_at=wall, owner=ADMIN_PROJECT_ID) for i in IMAGES}
    state.volume_types = {t["id"]: dict(t) for t in VOLUME_TYPES}
    public = Network(PUBLIC_NETWORK_ID, "public", ADMIN_PROJECT_ID, wall, wall, external=True,
                     mtu=1500, network_type="flat", physical_network="public")
    subnet = Subnet(PUBLIC_SUBNET_ID, "public-subnet", ADMIN_PROJECT_ID, PUBLIC_NETWORK_ID,
                    "172.24.4.0/24", "172.24.4.1",
                    [{"start": "172.24.4.2", "end": "172.24.4.254"}], wall, wall,
                    enable_dhcp=False)
    public.subnet_ids.append(subnet.id)
    state.networks.add(public)
    state.subnets.add(subnet)
