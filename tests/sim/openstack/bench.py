"""Measures seeding and paging at sync-benchmark scale, in-process over HTTP:
    cd tests/sim && python3 -m openstack.bench [--projects 1000] [--page 1000]
Prints the seeding time and, per kind, objects, pages and seconds to list them all."""
import argparse
import time

from .act_then import OpenStackSimulator
from common.testing import InProcessSim

from .app import OpenStackApp
from .config import Config
from .testkit import OsClient

PER_PROJECT = {"servers": 15, "volumes": 15, "networks": 3, "routers": 2, "interfaces": 3,
               "loadbalancers": 2}


def _walk(client, port: int, path: str, key: str):
    count, pages, started = 0, 0, time.monotonic()
    while path:
        body = client.get(path).json
        count += len(body[key])
        pages += 1
        links = [l for l in body.get(f"{key}_links", []) if l["rel"] == "next"]
        path = links[0]["href"].split(str(port), 1)[1] if links else None
    return count, pages, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(prog="python3 -m openstack.bench")
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--page", type=int, default=1000)
    args = parser.parse_args()
    sim = InProcessSim(OpenStackSimulator(OpenStackApp(Config())))
    try:
        client = OsClient(sim.port, timeout=600)
        started = time.monotonic()
        made = client.post("/__sim__/seed", {"projects": args.projects,
                                             "per_project": PER_PROJECT}).json
        print(f"seed: {made['created']} in {time.monotonic() - started:.2f} s")
        client.login()
        limit = f"limit={args.page}"
        for path, key in ((f"/compute/v2.1/servers/detail?all_tenants=1&{limit}", "servers"),
                          (client.cinder(f"/volumes/detail?all_tenants=1&{limit}"), "volumes"),
                          (f"/network/v2.0/networks?{limit}", "networks"),
                          (f"/network/v2.0/subnets?{limit}", "subnets"),
                          (f"/network/v2.0/routers?{limit}", "routers"),
                          (f"/network/v2.0/ports?{limit}", "ports"),
                          (f"/load-balancer/v2/lbaas/loadbalancers?{limit}", "loadbalancers")):
            count, pages, seconds = _walk(client, sim.port, path, key)
            print(f"{key:14} {count:6} objects {pages:3} pages {seconds:6.2f} s")
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
