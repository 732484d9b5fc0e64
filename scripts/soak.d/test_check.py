#!/usr/bin/env python3
"""scripts/soak's checker (check.py): a consistent end state passes every invariant, and each
invariant fails on a state that breaks it (one violation per case)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import check  # noqa: E402


def entry(seq, start, ms, conn, path="/vm/v3/host", method="GET", status=200):
    return {"seq": seq, "time": start, "ms": ms, "method": method, "path": path,
            "status": status, "conn": conn}


def good() -> dict:
    return {
        "wall": 100.0,
        "ops": [{"id": 1, "command": "open", "status": "done", "error": None},
                {"id": 2, "command": "close", "status": "done", "error": None}],
        "vps": [{"id": 1, "status": "active", "vm_id": "10"},
                {"id": 2, "status": "suspended", "vm_id": "11"},
                {"id": 3, "status": "pool", "vm_id": "12"},
                {"id": 4, "status": "closed", "vm_id": "13"}],
        "hosts": [{"id": 10, "name": "a", "state": "active"},
                  {"id": 11, "name": "b", "state": "stopped"},
                  {"id": 12, "name": "c", "state": "active"}],
        "vdcs": [{"id": 5, "status": "active", "project_id": "p1"},
                 {"id": 6, "status": "suspended", "project_id": "p2"},
                 {"id": 7, "status": "closed", "project_id": "p3"}],
        "projects": [{"id": "admin", "name": "admin", "enabled": True},
                     {"id": "p1", "name": "vdc-5", "enabled": True},
                     {"id": "p2", "name": "vdc-6", "enabled": False}],
        "fixture_projects": ["admin"],
        "objects": [{"id": 1, "type": "volume", "status": "active", "external_id": "v1"},
                    {"id": 2, "type": "network", "status": "closed", "external_id": "n1"}],
        "remote_objects": {"volumes": [{"id": "v1", "name": "vol", "project_id": "p1"},
                                       {"id": "v0", "name": "x", "project_id": "admin"}],
                           "networks": []},
        # Two processes (connections 1 and 2) talking at once, as queue_count 2 allows.
        "requests": {"vmmgr6": [entry(1, 10.0, 100, 1), entry(2, 10.05, 100, 2),
                                entry(3, 10.2, 100, 1)],
                     "openstack": []},
        "kills": {"vmmgr6": [], "openstack": []},
        "crons": {"vmmgr6": [], "openstack": []},
        "queue_limits": {"vmmgr6": 2, "openstack": 2},
        "logins": {"vmmgr6": {"scopes": {"1 null": 2}, "ttl": 3600.0, "expiries": 1},
                   "openstack": {"scopes": {"u1 admin": 1, "u2 p1": 1, "u3 p2": 1},
                                 "ttl": 3600.0, "expiries": 0}},
        "secret_scan": {"rc": 0, "output": ""},
    }


class CheckTest(unittest.TestCase):
    def failing(self, world) -> list:
        return [name for name, problems in check.run(world) if problems]

    def assertOnlyFails(self, world, name):
        self.assertEqual(self.failing(world), [name])

    def test_a_consistent_state_passes(self):
        self.assertEqual(self.failing(good()), [])

    def test_an_operation_not_done(self):
        world = good()
        world["ops"][1]["status"] = "error"
        self.assertOnlyFails(world, "every operation done")

    def test_two_items_on_one_vm(self):
        world = good()
        world["vps"].append({"id": 9, "status": "active", "vm_id": "10"})
        self.assertOnlyFails(world, "nothing duplicated")

    def test_a_project_created_twice(self):
        world = good()
        world["projects"].append({"id": "p9", "name": "vdc-5", "enabled": True})
        world["fixture_projects"].append("p9")   # not an orphan: only the duplicate counts
        self.assertOnlyFails(world, "nothing duplicated")

    def test_a_volume_created_twice(self):
        world = good()
        world["remote_objects"]["volumes"].append({"id": "v1", "name": "vol",
                                                   "project_id": "p1"})
        self.assertOnlyFails(world, "nothing duplicated")

    def test_an_orphan_vm(self):
        world = good()
        world["hosts"].append({"id": 99, "name": "z", "state": "active"})
        self.assertOnlyFails(world, "nothing orphaned")

    def test_an_orphan_project(self):
        world = good()
        world["projects"].append({"id": "p9", "name": "vdc-9", "enabled": True})
        self.assertOnlyFails(world, "nothing orphaned")

    def test_an_orphan_volume(self):
        world = good()
        world["remote_objects"]["volumes"].append({"id": "v9", "name": "lost",
                                                   "project_id": "p1"})
        self.assertOnlyFails(world, "nothing orphaned")

    def test_a_suspended_item_whose_vm_runs(self):
        world = good()
        world["hosts"][1]["state"] = "active"
        self.assertOnlyFails(world, "store and remote side agree")

    def test_a_closed_item_whose_vm_exists(self):
        world = good()
        world["hosts"].append({"id": 13, "name": "d", "state": "active"})
        # item 4 is closed and holds no live claim: the VM is an orphan too.
        self.assertIn("store and remote side agree", self.failing(world))

    def test_an_active_object_gone_remotely(self):
        world = good()
        world["objects"][0]["external_id"] = "v404"
        world["remote_objects"]["volumes"][0]["id"] = "v404-other"
        self.assertIn("store and remote side agree", self.failing(world))

    def test_a_suspended_vdc_with_an_enabled_project(self):
        world = good()
        world["projects"][2]["enabled"] = True
        self.assertOnlyFails(world, "store and remote side agree")

    def test_three_requests_in_flight_with_two_slots(self):
        world = good()
        world["requests"]["vmmgr6"].append(entry(4, 10.06, 50, 2))
        self.assertOnlyFails(world, "queue limits never exceeded")

    def test_three_processes_talking_with_two_slots_and_two_requests_in_flight(self):
        world = good()
        # At 10.12 connections 1 (10.0-10.3), 2 (10.05-10.15) and 3 are busy, while only
        # requests 2 and 5 are in flight: the request-level measure cannot see it.
        world["requests"]["vmmgr6"].append(entry(5, 10.12, 5, 3))
        self.assertEqual(check.peak_in_flight(world["requests"]["vmmgr6"], [])[0], 2)
        self.assertEqual(check.peak_holders(world["requests"]["vmmgr6"], [], [])[0], 3)
        self.assertOnlyFails(world, "queue limits never exceeded")
        problems = dict(check.run(world))["queue limits never exceeded"]
        self.assertEqual(problems, ["vmmgr6: 3 processes talking at once (queue_count 2), "
                                    "e.g. connection 3 from seq 5 GET /vm/v3/host"])

    def test_a_cron_job_talks_alone(self):
        world = good()
        world["requests"]["vmmgr6"].append(entry(5, 10.12, 5, 3))
        world["crons"]["vmmgr6"].append((10.11, 10.13))
        self.assertEqual(self.failing(world), [])

    def test_a_process_killed_in_flight_stops_talking_at_the_kill(self):
        world = good()
        # Connection 2 sends once more (10.25-10.35) and is killed at 10.26; connection 3
        # starts at 10.29, with connection 1 still busy until 10.3: two at once.
        world["requests"]["vmmgr6"] += [entry(5, 10.25, 100, 2), entry(6, 10.29, 5, 3)]
        world["kills"]["vmmgr6"].append(10.26)
        self.assertEqual(check.peak_holders(world["requests"]["vmmgr6"],
                                            world["kills"]["vmmgr6"], [])[0], 2)
        # The same without the kill: connection 2 busy until 10.35, three at once.
        self.assertEqual(check.peak_holders(world["requests"]["vmmgr6"], [], [])[0], 3)
        # The kill also allows one more login; nothing fails.
        self.assertEqual(self.failing(world), [])

    def test_a_request_in_flight_at_a_kill_is_left_out(self):
        world = good()
        world["requests"]["vmmgr6"].append(entry(4, 10.06, 50, 2))
        world["kills"]["vmmgr6"].append(10.07)
        # The kill also allows one more login; nothing fails.
        self.assertEqual(self.failing(world), [])

    def test_too_many_logins(self):
        world = good()
        world["logins"]["vmmgr6"]["scopes"]["1 null"] = 3
        self.assertOnlyFails(world, "logins within the session period")

    def test_two_logins_in_one_scope_within_a_period(self):
        world = good()
        world["logins"]["openstack"]["scopes"]["u2 p1"] = 2
        self.assertOnlyFails(world, "logins within the session period")

    def test_a_longer_run_allows_a_login_per_period(self):
        world = good()
        world["wall"] = 7300.0
        world["logins"]["vmmgr6"]["scopes"]["1 null"] = 4
        self.assertEqual(self.failing(world), [])

    def test_a_secret_in_a_log(self):
        world = good()
        world["secret_scan"] = {"rc": 1, "output": "log/pmvmmgr6.log: secret of 17 chars"}
        self.assertOnlyFails(world, "no secret in any log, output or store")


if __name__ == "__main__":
    unittest.main()
