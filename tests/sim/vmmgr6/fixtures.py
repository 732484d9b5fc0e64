"""The built-in installation (DESIGN §12): an admin, a plain user, a KVM and an LXD cluster
with IP pools, nodes, OS templates, presets and recipes. Ids are fixed; tests and the
demo rely on them."""

ADMIN_EMAIL = "admin@example.com"
USER_EMAIL = "user@example.com"
USER_PASSWORD = "user"
FIRST_FREE_ACCOUNT_ID = 11   # created accounts: 11, 12…
# Hosts 101…, disks 201…, IPs 1001…, consul ids 50001… (task ids 1…): distinct ranges, so a
# client that mixes the kinds of id up fails visibly.
FIRST_HOST_ID = 101
FIRST_DISK_ID = 201
FIRST_IP_ID = 1001
FIRST_CONSUL_ID = 50001

# interface 0: the main network (ipv4_number); 1: a second interface (custom_interfaces).
CLUSTERS = [
    {"id": 1, "name": "KVM cluster", "virtualization_type": "kvm",
     "ippools": [{"id": 1, "interface": 0}, {"id": 4, "interface": 0},
                 {"id": 3, "interface": 1}]},
    {"id": 2, "name": "LXD cluster", "virtualization_type": "lxd",
     "ippools": [{"id": 2, "interface": 0}]},
]

IPPOOLS = [
    {"id": 1, "name": "KVM public", "first": "10.10.1.10", "last": "10.10.1.250",
     "gateway": "10.10.1.1", "mask": "255.255.255.0"},
    {"id": 2, "name": "LXD public", "first": "10.10.2.10", "last": "10.10.2.250",
     "gateway": "10.10.2.1", "mask": "255.255.255.0"},
    {"id": 3, "name": "KVM private", "first": "10.10.3.10", "last": "10.10.3.250",
     "gateway": "10.10.3.1", "mask": "255.255.255.0"},
    # Three addresses only: lets tests run a pool dry (ipv4_pool: [4]).
    {"id": 4, "name": "KVM small", "first": "10.10.4.10", "last": "10.10.4.12",
     "gateway": "10.10.4.1", "mask": "255.255.255.0"},
]

NODES = [
    {"id": 1, "name": "kvm-node-1.example.com", "ip_addr": "192.168.100.11", "cluster": 1,
     "state": "active"},
    {"id": 2, "name": "kvm-node-2.example.com", "ip_addr": "192.168.100.12", "cluster": 1,
     "state": "active"},
    {"id": 3, "name": "kvm-node-3.example.com", "ip_addr": "192.168.100.13", "cluster": 1,
     "state": "maintenance"},
    {"id": 4, "name": "lxd-node-1.example.com", "ip_addr": "192.168.100.21", "cluster": 2,
     "state": "active"},
]

OS_LIST = [
    {"id": 1, "name": "Debian 12", "repository": "ISPsystem", "clusters": [1, 2]},
    {"id": 2, "name": "Ubuntu 22.04", "repository": "ISPsystem", "clusters": [1, 2]},
    {"id": 3, "name": "Windows Server 2022", "repository": "local", "clusters": [1]},
    {"id": 4, "name": "AlmaLinux 9", "repository": "ISPsystem", "clusters": [1]},
    {"id": 5, "name": "Alpine 3.19", "repository": "ISPsystem", "clusters": [2]},
]

PRESETS = [
    {"id": 1, "name": "Small", "cpu_number": 1, "ram_mib": 1024, "hdd_mib": 10240,
     "net_bandwidth_mbitps": 100},
    {"id": 2, "name": "Medium", "cpu_number": 2, "ram_mib": 2048, "hdd_mib": 20480,
     "net_bandwidth_mbitps": 200},
    {"id": 3, "name": "Large", "cpu_number": 4, "ram_mib": 4096, "hdd_mib": 40960,
     "net_bandwidth_mbitps": 500},
]

HOSTNAME_RECIPE = 1
RECIPES = [
    {"id": 1, "name": "Set hostname", "description": "Sets the hostname inside the VM",
     "params": [{"name": "HOSTNAME", "required": True}]},
    {"id": 2, "name": "Install Docker", "description": "Installs Docker CE", "params": []},
    {"id": 3, "name": "Install LAMP", "description": "Apache, MySQL and PHP",
     "params": [{"name": "MYSQL_ROOT_PASSWORD", "required": False}]},
]
