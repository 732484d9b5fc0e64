"""The engine's built-in objects (DESIGN §12): data center and cluster `Default`, storage
domains `data1` and `data2`, network `ovirtmgmt` with vNIC profiles `ovirtmgmt` and `vps`, templates `Blank`, `debian12`,
`centos7-cpanel` (versions 1 and 2, one name) and `win2022-plesk`. Ids are fixed."""
from dataclasses import dataclass, field

GIB = 1 << 30
MIB = 1 << 20

BLANK_ID = "00000000-0000-0000-0000-000000000000"
DATACENTER_ID = "5a1d0000-0000-4000-8000-000000000001"
CLUSTER_ID = "5a1d0000-0000-4000-8000-000000000002"
STORAGE_ID = "5a1d0000-0000-4000-8000-000000000003"
NETWORK_ID = "5a1d0000-0000-4000-8000-000000000004"
VNIC_PROFILE_ID = "5a1d0000-0000-4000-8000-000000000005"
# A second vNIC profile on ovirtmgmt (DESIGN §5 vnic_profile); the templates' NICs use the first.
VNIC2_PROFILE_ID = "5a1d0000-0000-4000-8000-000000000008"
VNIC_PROFILES = {VNIC_PROFILE_ID: "ovirtmgmt", VNIC2_PROFILE_ID: "vps"}
# A second data domain (DESIGN §5 storage_domain): 1 TiB, empty; data1 holds the templates.
STORAGE2_ID = "5a1d0000-0000-4000-8000-000000000007"
STORAGE2_SIZE = 1024 * GIB
ROOT_TAG_ID = "00000000-0000-0000-0000-000000000000"
USER_ID = "5a1d0000-0000-4000-8000-000000000006"
ADMIN = "admin@internal"
STORAGE_USED = 180 * GIB
STORAGE_NAMES = {STORAGE_ID: "data1", STORAGE2_ID: "data2"}


@dataclass
class TemplateDisk:
    id: str
    alias: str
    size: int          # provisioned bytes
    actual: int        # bytes on storage


@dataclass
class Template:
    id: str
    name: str
    version: int
    version_name: str
    base_id: str
    os_type: str
    memory: int
    sockets: int = 1
    cores: int = 1
    threads: int = 1
    status: str = "ok"
    description: str = ""
    disks: list = field(default_factory=list)
    initialization: dict = None   # what a VM made from it inherits (template_init knob)
    nics: int = 1

    @property
    def windows(self) -> bool:
        return self.os_type.startswith("windows")


def templates() -> list:
    tid = "7e3a0000-0000-4000-8000-0000000000{:02d}".format
    did = "d15c0000-0000-4000-8000-0000000000{:02d}".format
    return [
        Template(BLANK_ID, "Blank", 1, "base version", BLANK_ID, "other", GIB,
                 description="Blank template", nics=0),
        Template(tid(1), "debian12", 1, "base version", tid(1), "debian_12", 2 * GIB,
                 description="Debian 12 with cloud-init",
                 disks=[TemplateDisk(did(1), "debian12_Disk1", 10 * GIB, 2 * GIB)],
                 initialization={"timezone": "Etc/UTC", "dns_servers": "9.9.9.9"}),
        Template(tid(2), "centos7-cpanel", 1, "2026-10", tid(2), "rhel_7x64", 2 * GIB,
                 description="CentOS 7 + cPanel",
                 disks=[TemplateDisk(did(2), "centos7-cpanel_Disk1", 20 * GIB, 6 * GIB)]),
        Template(tid(3), "centos7-cpanel", 2, "2026-11", tid(2), "rhel_7x64", 2 * GIB,
                 description="CentOS 7 + cPanel (November update)",
                 disks=[TemplateDisk(did(3), "centos7-cpanel_Disk1", 20 * GIB, 7 * GIB)]),
        Template(tid(4), "win2022-plesk", 1, "base version", tid(4), "windows_2022", 4 * GIB,
                 sockets=2, description="Windows Server 2022 + Plesk",
                 disks=[TemplateDisk(did(4), "win2022-plesk_Disk1", 40 * GIB, 14 * GIB)]),
    ]
