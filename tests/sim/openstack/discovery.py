"""Version discovery documents at each service root, as the real services return them
(keystoneauth and openstacksdk read them before the first call to a service)."""
from common.messages import Response

from .microversion import RANGES

KEYSTONE_VERSION = {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z"}
# Octavia lists every minor version, all pointing at /v2 (v2.26 is the newest in Zed).
OCTAVIA_MINORS = [
    ("v2.0", "2016-12-11"), ("v2.1", "2018-04-20"), ("v2.2", "2018-07-31"),
    ("v2.3", "2018-12-18"), ("v2.4", "2018-12-19"), ("v2.5", "2019-01-21"),
    ("v2.6", "2019-01-25"), ("v2.7", "2018-01-25"), ("v2.8", "2019-02-12"),
    ("v2.9", "2019-03-04"), ("v2.10", "2019-03-05"), ("v2.11", "2019-06-24"),
    ("v2.12", "2019-09-11"), ("v2.13", "2019-09-13"), ("v2.14", "2019-11-10"),
    ("v2.15", "2020-03-10"), ("v2.16", "2020-03-15"), ("v2.17", "2020-04-29"),
    ("v2.18", "2020-04-29"), ("v2.19", "2020-05-12"), ("v2.20", "2020-08-02"),
    ("v2.21", "2020-09-03"), ("v2.22", "2020-09-04"), ("v2.23", "2020-09-07"),
    ("v2.24", "2020-10-15"), ("v2.25", "2021-10-02"), ("v2.26", "2022-08-29")]
# Glance in Zed: v2.15 CURRENT, then v2.13 … v2.0 (v2.14 only with the cache API enabled).
GLANCE_VERSIONS = ["v2.15"] + [f"v2.{minor}" for minor in range(13, -1, -1)]


def _identity_v3(ctx) -> dict:
    return dict(KEYSTONE_VERSION, **{
        "links": [{"rel": "self", "href": ctx.url("/identity/v3/")}],
        "media-types": [{"base": "application/json",
                         "type": "application/vnd.openstack.identity-v3+json"}]})


def _nova_v21(ctx, full: bool) -> dict:
    low, high = RANGES["compute"]
    doc = {"id": "v2.1", "status": "CURRENT", "version": f"{high[0]}.{high[1]}",
           "min_version": f"{low[0]}.{low[1]}", "updated": "2013-07-23T11:33:21Z",
           "links": [{"rel": "self", "href": ctx.url("/compute/v2.1/")}]}
    if full:
        doc["links"].append({"rel": "describedby", "type": "text/html",
                             "href": "http://docs.openstack.org/"})
        doc["media-types"] = [{"base": "application/json",
                               "type": "application/vnd.openstack.compute+json;version=2.1"}]
    return doc


def _cinder_v3(ctx) -> dict:
    low, high = RANGES["volume"]
    return {"id": "v3.0", "status": "CURRENT", "version": f"{high[0]}.{high[1]}",
            "min_version": f"{low[0]}.{low[1]}", "updated": "2022-08-31T00:00:00Z",
            "links": [{"rel": "describedby", "type": "text/html",
                       "href": "https://docs.openstack.org/"},
                      {"rel": "self", "href": ctx.url("/volume/v3/")}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.volume+json;version=3"}]}


def identity_root(ctx):
    return Response(300, {"versions": {"values": [_identity_v3(ctx)]}},
                    [("Location", ctx.url("/identity/v3/"))])


def identity_v3(ctx):
    return 200, {"version": _identity_v3(ctx)}


def compute_root(ctx):
    legacy = {"id": "v2.0", "status": "SUPPORTED", "version": "", "min_version": "",
              "updated": "2011-01-21T11:33:21Z",
              "links": [{"rel": "self", "href": ctx.url("/compute/v2/")}]}
    return 200, {"versions": [legacy, _nova_v21(ctx, False)]}


def compute_v21(ctx):
    return 200, {"version": _nova_v21(ctx, True)}


def volume_root(ctx):
    return 300, {"versions": [_cinder_v3(ctx)]}


def volume_v3(ctx):
    return 200, {"versions": [_cinder_v3(ctx)]}


def network_root(ctx):
    return 200, {"versions": [{"id": "v2.0", "status": "CURRENT", "links": [
        {"rel": "self", "href": ctx.url("/network/v2.0/")}]}]}


NEUTRON_RESOURCES = [("network", "networks"), ("subnet", "subnets"), ("port", "ports"),
                     ("router", "routers"), ("quota", "quotas")]


def network_v20(ctx):
    return 200, {"resources": [
        {"name": name, "collection": collection,
         "links": [{"rel": "self", "href": ctx.url(f"/network/v2.0/{collection}")}]}
        for name, collection in NEUTRON_RESOURCES]}


def octavia_root(ctx):
    versions = [{"id": name, "status": "SUPPORTED", "updated": f"{day}T00:00:00Z",
                 "links": [{"rel": "self", "href": ctx.url("/load-balancer/v2")}]}
                for name, day in OCTAVIA_MINORS]
    versions[-1]["status"] = "CURRENT"
    return 200, {"versions": versions}


def octavia_v2(ctx):
    return 200, "v2"   # what Octavia answers an authenticated GET /v2 (and /v2.0 [guess])


def _glance_versions(ctx) -> dict:
    href = ctx.url("/image/v2/")
    versions = [{"id": name, "status": "CURRENT" if index == 0 else "SUPPORTED",
                 "links": [{"rel": "self", "href": href}]}
                for index, name in enumerate(GLANCE_VERSIONS)]
    return {"versions": versions}


def image_root(ctx):
    return 300, _glance_versions(ctx)


def image_versions(ctx):
    return 200, _glance_versions(ctx)


def register(router, mounts: dict) -> None:
    public = [("identity", "", identity_root), ("identity", "/v3", identity_v3),
              ("compute", "", compute_root), ("compute", "/v2.1", compute_v21),
              ("volume", "", volume_root), ("volume", "/v3", volume_v3),
              ("network", "", network_root), ("load-balancer", "", octavia_root),
              ("image", "", image_root), ("image", "/versions", image_versions)]
    for service, suffix, handler in public:
        router.add("GET", mounts[service] + suffix, handler, auth="public", service=service,
                   discovery=True)
    router.add("GET", mounts["network"] + "/v2.0", network_v20, auth="token",
               service="network", discovery=True)
    for suffix in ("/v2", "/v2.0"):
        router.add("GET", mounts["load-balancer"] + suffix, octavia_v2, auth="token",
                   service="load-balancer", discovery=True)
