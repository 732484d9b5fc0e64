"""Accepted request bodies, per endpoint. Anything not declared is answered with 400
"Unexpected property" like the real API. The properties are those of the API notes plus a
few real ones the notes do not use (image, recipe, ipv6_prefix, firewall_rules), which are
accepted and ignored. Which fields are required is a [guess] where the notes are silent."""
from common.schema import Any, Bool, Int, List, Object, Str

LOGIN = {"email": Str(required=True), "password": Str(required=True)}

ACCOUNT_CREATE = {"email": Str(required=True, low=3), "password": Str(required=True, low=1),
                  "role": Str(choices=("@user", "@admin"))}

RECIPE_PARAMS = List(Object({"name": Str(required=True), "value": Str(required=True)}))
RECIPE_ITEM = Object({"recipe": Int(required=True), "recipe_params": RECIPE_PARAMS})
CUSTOM_INTERFACE = Object({"model": Str(choices=("virtio", "e1000", "rtl8139")),
                           "is_main_network": Bool(), "ippool": Int(required=True),
                           "ip_count": Int(low=0, high=64),
                           "mac": Any(), "bridge": Any()})   # B sends both as null (§6.5)
DISK = Object({"size_mib": Int(required=True, low=1024), "boot_order": Int(low=1),
               "tags": List(Any())})
DEFER = Object({"action": Str(required=True, choices=("host_stop",))})

HOST_CREATE = {
    "name": Str(required=True, low=1, high=100), "cluster": Int(required=True),
    "os": Int(), "image": Int(), "cpu_number": Int(low=1, high=64),
    "ram_mib": Int(low=256), "hdd_mib": Int(low=1024), "disks": List(DISK, low=1),
    "password": Str(required=True, low=1), "account": Int(), "ipv4_number": Int(low=0, high=64),
    "ipv4_pool": List(Int()), "domain": Str(), "comment": Str(), "node": Int(),
    "preset": Int(), "net_bandwidth_mbitps": Int(low=0), "ipv6_enabled": Bool(),
    "ipv6_prefix": Int(), "recipe": Int(), "recipe_list": List(RECIPE_ITEM),
    "custom_interfaces": List(CUSTOM_INTERFACE), "firewall_rules": List(Any()),
}

HOST_EDIT = {"name": Str(low=1, high=100), "comment": Str()}
EMPTY = {}
RESOURCE = {"cpu_number": Int(low=1, high=64), "ram_mib": Int(low=256),
            "net_bandwidth_mbitps": Int(low=0), "defer": DEFER, "firewall_rules": List(Any())}
DISK_RESIZE = {"size_mib": Int(required=True, low=1024), "defer": DEFER}
IP_CHANGE = {"ipv4_number": Int(low=-64, high=64), "ipv4_pool": List(Int()),
             "ipv6_enabled": Bool(), "ipv6_prefix": Int()}
REINSTALL = {"os": Int(), "image": Int(), "password": Str(low=1),
             "send_email_mode": Str(), "recipe_list": List(RECIPE_ITEM)}
PASSWORD = {"password": Str(required=True, low=1)}
OWNER = {"account": Int(required=True)}
RUN_RECIPE = {"recipe": Int(required=True), "recipe_params": RECIPE_PARAMS}
PTR = {"domain": Str(required=True)}
