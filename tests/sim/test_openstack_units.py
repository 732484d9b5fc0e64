"""Unit tests of the OpenStack simulator's building blocks: the sorted collection behind
every paged list, the knobs, time formats, microversion negotiation and seeding."""
import random
import unittest
from dataclasses import dataclass
from types import SimpleNamespace

from common.clock import ManualClock
from common.control import ControlError
from openstack import microversion, seed, timefmt
from openstack.app import OpenStackApp
from openstack.collection import Collection, take
from openstack.config import Config, ConfigError, parse_seconds


@dataclass(eq=False)
class Thing:
    id: str
    project_id: str
    rank: int


def by_rank(thing):
    return (thing.rank, thing.id)


class CollectionTests(unittest.TestCase):
    def setUp(self):
        self.things = Collection(by_rank)
        for index, project in enumerate("abcabc"):
            self.things.add(Thing(f"t{index}", project, rank=10 - index))

    def ids(self, objects):
        return [o.id for o in objects]

    def test_walk_both_ways_and_per_project(self):
        self.assertEqual(self.ids(self.things.walk()), ["t5", "t4", "t3", "t2", "t1", "t0"])
        self.assertEqual(self.ids(self.things.walk(descending=True)),
                         ["t0", "t1", "t2", "t3", "t4", "t5"])
        self.assertEqual(self.ids(self.things.walk("a")), ["t3", "t0"])
        self.assertEqual(self.things.count("b"), 2)
        self.assertEqual(self.ids(self.things.in_project("c")), ["t5", "t2"])

    def test_markers(self):
        key = self.things.marker_key("t3")
        self.assertEqual(self.ids(self.things.walk(after=key)), ["t2", "t1", "t0"])
        self.assertEqual(self.ids(self.things.walk(after=key, descending=True)),
                         ["t4", "t5"])
        self.assertEqual(self.ids(self.things.walk(before=key)), ["t4", "t5"])
        self.assertEqual(self.ids(self.things.walk("a", after=key)), ["t0"])
        self.things.remove(self.things.get("t3"))
        self.assertNotIn("t3", self.things)
        self.assertEqual(self.ids(self.things.walk(after=self.things.marker_key("t3"))),
                         ["t2", "t1", "t0"])
        self.assertIsNone(self.things.marker_key("nope"))

    def test_rekey_moves_an_object(self):
        thing = self.things.get("t0")
        self.things.rekey(thing, lambda: setattr(thing, "rank", 0))
        self.assertEqual(self.ids(self.things.walk())[0], "t0")
        self.assertEqual(self.ids(self.things.walk("a")), ["t0", "t3"])

    def test_add_many_matches_add(self):
        rng = random.Random(1)
        bulk, single = Collection(by_rank), Collection(by_rank)
        objects = [Thing(f"x{i}", rng.choice("pq"), rng.randrange(50)) for i in range(200)]
        bulk.add_many(objects)
        for obj in objects:
            single.add(obj)
        self.assertEqual(self.ids(bulk.walk()), self.ids(single.walk()))
        self.assertEqual(self.ids(bulk.walk("p")), self.ids(single.walk("p")))

    def test_take(self):
        self.assertEqual(take(iter(range(5)), 2), ([0, 1], True))
        self.assertEqual(take(iter(range(5)), 5), ([0, 1, 2, 3, 4], False))
        self.assertEqual(take(iter(range(5)), 2, lambda n: n % 2), ([1, 3], False))
        self.assertEqual(take(iter(range(3)), None), ([0, 1, 2], False))
        self.assertEqual(take(iter(range(3)), 0), ([], True))


class ConfigTests(unittest.TestCase):
    def test_parse_seconds(self):
        everything = parse_seconds("2", {})
        self.assertEqual(set(everything.values()), {2.0})
        self.assertIn("lb_delete", everything)
        some = parse_seconds("server_build=5, lb_create=0.5", everything)
        self.assertEqual((some["server_build"], some["lb_create"], some["volume_create"]),
                         (5.0, 0.5, 2.0))
        for bad in ("warp=1", "x", "-1", "server_build=1e9"):
            with self.assertRaises(ConfigError):
                parse_seconds(bad, {})

    def test_update_and_failures(self):
        config = Config()
        config.update({"seconds": {"lb_create": 3}, "page_cap": 7, "next_links": "when_more"})
        self.assertEqual((config.duration("lb_create"), config.page_cap, config.next_links),
                         (3.0, 7, "when_more"))
        for bad in ({"page_cap": True}, {"token_ttl": "soon"}, {"nope": 1},
                    {"seconds": []}, {"neutron_pagination": "no"}):
            with self.assertRaises(ConfigError):
                config.update(bad)
        config.add_failures("server_build", 2, "boom")
        self.assertEqual([config.take_failure("server_build") for _ in range(3)],
                         ["boom", "boom", None])
        with self.assertRaises(ConfigError):
            config.add_failures("server_fly", 1, "x")
        self.assertNotIn("admin_password", config.public())


class Formats(unittest.TestCase):
    def test_timestamps(self):
        t = 1_700_000_000.25
        self.assertEqual(timefmt.keystone(t), "2023-11-14T22:13:20.000000Z")
        self.assertEqual(timefmt.zulu(t), "2023-11-14T22:13:20Z")
        self.assertEqual(timefmt.micro(t), "2023-11-14T22:13:20.250000")
        self.assertEqual(timefmt.plain(t), "2023-11-14T22:13:20")
        self.assertIsNone(timefmt.opt(timefmt.zulu, None))

    def test_microversion_negotiation(self):
        def ctx(service, **headers):
            from email.message import Message
            message = Message()
            for name, value in headers.items():
                message[name.replace("_", "-")] = value

            def error(status, text):
                return ValueError(status, text)
            return SimpleNamespace(service=service, request=SimpleNamespace(headers=message),
                                   error=error)
        self.assertEqual(microversion.negotiate(ctx("compute")), (2, 1))
        self.assertEqual(microversion.negotiate(ctx("volume")), (3, 0))
        self.assertIsNone(microversion.negotiate(ctx("network")))
        self.assertEqual(microversion.negotiate(ctx(
            "compute", OpenStack_API_Version="volume 3.5, compute 2.40")), (2, 40))
        self.assertEqual(microversion.negotiate(ctx(
            "compute", X_OpenStack_Nova_API_Version="latest")), (2, 93))
        with self.assertRaises(ValueError) as caught:
            microversion.negotiate(ctx("volume", OpenStack_API_Version="volume 3.71"))
        self.assertEqual(caught.exception.args[0], 406)
        with self.assertRaises(ValueError) as caught:
            microversion.negotiate(ctx("compute", OpenStack_API_Version="compute 2.x"))
        self.assertEqual(caught.exception.args[0], 400)


class Seeding(unittest.TestCase):
    def test_counts_addresses_and_errors(self):
        app = OpenStackApp(Config(), ManualClock())
        made = seed.seed(app, {"projects": 2, "router_gateway": True, "per_project": {
            "servers": 3, "networks": 2, "routers": 2, "interfaces": 2, "loadbalancers": 1}})
        self.assertEqual(made["created"]["ports"], 2 * (3 + 2 + 2 + 1))
        state = app.state
        project = made["projects"][1]["id"]
        routers = state.routers.in_project(project)
        self.assertEqual(sorted(len(r.interface_port_ids) for r in routers), [1, 1])
        self.assertTrue(all(r.gateway_port_id for r in routers))
        addresses = sorted(p.fixed_ips[0]["ip_address"] for p in state.ports.values()
                           if p.project_id == project)
        self.assertEqual(len(addresses), len(set(addresses)))
        self.assertIn("10.0.0.1", addresses)
        self.assertEqual(state.servers.count(project), 3)
        self.assertEqual(len(state.instances), 6)
        for bad in ({"projects": -1}, {"per_project": {"cats": 1}},
                    {"per_project": {"networks": 1, "interfaces": 2, "routers": 1}},
                    {"quotas": {"dns": {}}}):
            with self.assertRaises(ControlError):
                seed.seed(app, bad)


if __name__ == "__main__":
    unittest.main()
