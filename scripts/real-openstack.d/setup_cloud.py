#!/usr/bin/python3
"""Idempotent set-up of the real-OpenStack test tier through its own APIs (loopback only).

    setup_cloud.py catalog   ADMIN_PASSWORD SERVICE_PASSWORD
        the "service" project and role, one service user per service (admin + service
        roles in "service"), and each service with public/internal/admin endpoints in
        RegionOne
    setup_cloud.py ready     ADMIN_PASSWORD SECONDS
        wait until a server and a volume can be scheduled: nova-compute up with a
        resource provider in Placement, cinder-volume up with a pool the scheduler knows
    setup_cloud.py fixtures  ADMIN_PASSWORD
        what the pmopenstack tests expect of a cloud, as the simulator has it (DESIGN §12):
        roles admin/member/reader, an external network "public" with a subnet, flavors
        m1.tiny and m1.small, a public image "cirros"

Each object is looked up first and created only when missing, so both can run on every
`scripts/real-openstack up`. Python standard library only.
"""
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

KEYSTONE = "http://127.0.0.1:5000/v3"
REGION = "RegionOne"

# type -> (service name, service user, endpoint URL); Cinder's URL carries the project id.
SERVICES = {
    "network": ("neutron", "neutron", "http://127.0.0.1:9696"),
    "compute": ("nova", "nova", "http://127.0.0.1:8774/v2.1"),
    "placement": ("placement", "placement", "http://127.0.0.1:8778"),
    "volumev3": ("cinderv3", "cinder", "http://127.0.0.1:8776/v3/%(project_id)s"),
    "load-balancer": ("octavia", "octavia", "http://127.0.0.1:9876"),
    "image": ("glance", "glance", "http://127.0.0.1:9292"),
}

# Classic devstack sizes and ids.
FLAVORS = [
    {"id": "1", "name": "m1.tiny", "ram": 512, "vcpus": 1, "disk": 1},
    {"id": "2", "name": "m1.small", "ram": 2048, "vcpus": 1, "disk": 20},
]
PUBLIC_NET = {"name": "public", "router:external": True, "shared": False,
              "provider:network_type": "flat", "provider:physical_network": "public"}
PUBLIC_SUBNET = {"name": "public-subnet", "ip_version": 4, "cidr": "203.0.113.0/24",
                 "gateway_ip": "203.0.113.1", "enable_dhcp": False}
# Nova's fake driver never reads the image: any bytes do, as a raw disk.
IMAGE = {"name": "cirros", "disk_format": "raw", "container_format": "bare",
         "visibility": "public"}
IMAGE_BYTES = b"pm real-openstack tier: stand-in for a cirros image\n" * 64


class Api:
    def __init__(self, password):
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"id": "default"}, "password": password}}},
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}}
        self.token = None
        reply, headers = self.call("POST", KEYSTONE + "/auth/tokens", body)
        self.token = headers["X-Subject-Token"]
        self.catalog = reply["token"]["catalog"]
        self.project_id = reply["token"]["project"]["id"]

    def call(self, method, url, body=None, raw=None, content_type=None):
        """(parsed JSON body or None, headers); any HTTP error ends the script."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None
                                            else None)
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", content_type or "application/json")
        if self.token:
            request.add_header("X-Auth-Token", self.token)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                text = response.read()
                return (json.loads(text) if text else None), response.headers
        except urllib.error.HTTPError as error:
            sys.exit(f"{method} {url}: HTTP {error.code}: {error.read()[:500]!r}")

    def try_get(self, url):
        """The parsed body of GET url, or None on any error (for polling)."""
        request = urllib.request.Request(url, headers={"X-Auth-Token": self.token})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except (OSError, ValueError):
            return None

    def endpoint(self, service_type):
        for service in self.catalog:
            if service["type"] == service_type:
                for endpoint in service["endpoints"]:
                    if endpoint["interface"] == "public":
                        return endpoint["url"].rstrip("/")
        sys.exit(f"no {service_type} endpoint in the catalog: run `catalog` first")

    def find(self, url, key, **query):
        """The first object of GET url?query (exact-match filters) or None."""
        if query:
            url += "?" + urllib.parse.urlencode(query)
        return next(iter(self.call("GET", url)[0][key]), None)

    def ensure(self, url, key, body, **query):
        """The object matching query, created from body when there is none."""
        found = self.find(url, key + "s", **query)
        if found:
            return found, False
        return self.call("POST", url, {key: body})[0][key], True


def say(created, kind, name):
    print(f"{'created' if created else 'exists '} {kind} {name}")


def catalog(admin_password, service_password):
    api = Api(admin_password)
    project, created = api.ensure(KEYSTONE + "/projects", "project",
                                  {"name": "service", "domain_id": "default"}, name="service")
    say(created, "project", "service")
    admin_role = api.find(KEYSTONE + "/roles", "roles", name="admin")
    # Cinder lets Nova delete in-use attachments only with a service token carrying the
    # "service" role (OSSA-2023-003).
    service_role, created = api.ensure(KEYSTONE + "/roles", "role", {"name": "service"},
                                       name="service")
    say(created, "role", "service")
    for service_type, (name, user_name, url) in SERVICES.items():
        service, created = api.ensure(KEYSTONE + "/services", "service",
                                      {"type": service_type, "name": name}, type=service_type)
        say(created, "service", f"{service_type} ({name})")
        for interface in ("public", "internal", "admin"):
            _, created = api.ensure(
                KEYSTONE + "/endpoints", "endpoint",
                {"service_id": service["id"], "interface": interface, "url": url,
                 "region_id": REGION},
                service_id=service["id"], interface=interface)
            say(created, "endpoint", f"{service_type} {interface} {url}")
        user, created = api.ensure(KEYSTONE + "/users", "user",
                                   {"name": user_name, "domain_id": "default",
                                    "password": service_password}, name=user_name)
        say(created, "user", user_name)
        for role in (admin_role, service_role):
            api.call("PUT", f"{KEYSTONE}/projects/{project['id']}/users/{user['id']}"
                            f"/roles/{role['id']}")


def ready(admin_password, seconds):
    api = Api(admin_password)
    nova, placement = api.endpoint("compute"), api.endpoint("placement")
    cinder = api.endpoint("volumev3")

    def up(services, binary):
        return any(s["binary"] == binary and s["state"] == "up" and s["status"] == "enabled"
                   for s in (services or {}).get("services", []))

    checks = {
        "nova-compute up": lambda: up(api.try_get(nova + "/os-services"), "nova-compute"),
        "a resource provider in placement": lambda: (
            api.try_get(placement + "/resource_providers") or {}).get("resource_providers"),
        "cinder-volume up": lambda: up(api.try_get(cinder + "/os-services"), "cinder-volume"),
        "a pool known to cinder-scheduler": lambda: (
            api.try_get(cinder + "/scheduler-stats/get_pools") or {}).get("pools"),
    }
    deadline = time.monotonic() + seconds
    for name, check in checks.items():
        while not check():
            if time.monotonic() > deadline:
                sys.exit(f"not ready after {seconds} s: {name}")
            time.sleep(1)
        print(f"ready: {name}")


def fixtures(admin_password):
    api = Api(admin_password)
    for role in ("admin", "member", "reader"):
        _, created = api.ensure(KEYSTONE + "/roles", "role", {"name": role}, name=role)
        say(created, "role", role)

    neutron = api.endpoint("network") + "/v2.0"
    network, created = api.ensure(neutron + "/networks", "network", PUBLIC_NET,
                                  name="public", **{"router:external": "true"})
    say(created, "network", "public")
    _, created = api.ensure(neutron + "/subnets", "subnet",
                            dict(PUBLIC_SUBNET, network_id=network["id"]),
                            network_id=network["id"], name=PUBLIC_SUBNET["name"])
    say(created, "subnet", f"{PUBLIC_SUBNET['name']} {PUBLIC_SUBNET['cidr']}")

    nova = api.endpoint("compute")
    existing = {f["name"] for f in api.call("GET", nova + "/flavors?is_public=None")[0]
                ["flavors"]}
    for flavor in FLAVORS:
        if flavor["name"] not in existing:
            api.call("POST", nova + "/flavors", {"flavor": flavor})
        say(flavor["name"] not in existing, "flavor", flavor["name"])

    glance = api.endpoint("image") + "/v2"
    image = api.find(glance + "/images", "images", name=IMAGE["name"])
    created = image is None
    if created:
        image = api.call("POST", glance + "/images", IMAGE)[0]
    if image["status"] == "queued":   # created, or a previous upload was interrupted
        api.call("PUT", f"{glance}/images/{image['id']}/file", raw=IMAGE_BYTES,
                 content_type="application/octet-stream")
    say(created, "image", IMAGE["name"])


def main(argv):
    if len(argv) == 4 and argv[1] == "catalog":
        catalog(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "ready":
        ready(argv[2], float(argv[3]))
    elif len(argv) == 3 and argv[1] == "fixtures":
        fixtures(argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
