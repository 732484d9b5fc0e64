#!/usr/bin/env python3
"""scripts/soak's checker (check.py): a consistent end state passes every invariant, and each
invariant fails on a state that breaks it (one violation per case)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import check  # noqa: E402


def entry(seq, start, ms, conn, path="/vm/v3/host", method="GET", status=200, pid=None):
    logged = {"seq": seq, "time": start, "ms": ms, "method": method, "path": path,
              "status": status, "conn": conn}
    if pid is not None:
        logged["agent"] = f"pm/1.0 (pid {pid})"
    return logged


def obj(ident, item, kind, external_id, status="active", params=None):
    return {"id": ident, "item_id": item, "type": kind, "status": status,
            "external_id": external_id, "params": params or {}, "ordered": True}


def port(ident, owner, device, network, subnet, project="p1"):
    return {"id": ident, "name": "", "project_id": project, "owner": owner, "device": device,
            "network_id": network, "subnet_id": subnet}


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
        "vdcs": [{"id": 5, "status": "active", "project_id": "p1",
                  "limits": {"instances": 4, "volumes": 10}, "recorded": {"instances": 4}},
                 {"id": 6, "status": "suspended", "project_id": "p2"},
                 {"id": 7, "status": "closed", "project_id": "p3"}],
        "projects": [{"id": "admin", "name": "admin", "enabled": True},
                     {"id": "p1", "name": "vdc-5", "enabled": True,
                      "quotas": {"instances": 4, "volumes": 10}},
                     {"id": "p2", "name": "vdc-6", "enabled": False}],
        "fixture_projects": ["admin"],
        # VDC 5 holds one of every kind, VDC 6 (suspended) a server, VDC 7 had a network.
        "objects": [obj(1, 5, "volume", "v1"),
                    obj(2, 7, "network", "n1", "closed"),
                    obj(3, 5, "network", "n2", params={"subnet_id": "s2", "cidr": "10.1.0.0/24"}),
                    obj(4, 5, "vm", "srv1", params={"network": "3", "flavor": "m1.tiny"}),
                    obj(5, 5, "router", "r1", params={"external": "on"}),
                    obj(6, 5, "router_interface", "port1",
                        params={"router": "5", "network": "3", "router_id": "r1",
                                "subnet_id": "s2"}),
                    obj(7, 5, "loadbalancer", "lb1", params={"network": "3"}),
                    obj(8, 6, "vm", "srv2", params={"network": "9"}),
                    obj(9, 6, "network", "n3", params={"subnet_id": "s3"}),
                    obj(10, 5, "vm", "srv0", "closed")],
        "remote_objects": {
            "volumes": [{"id": "v1", "name": "vol", "project_id": "p1", "status": "available"},
                        {"id": "v0", "name": "x", "project_id": "admin",
                         "status": "available"}],
            "networks": [{"id": "n2", "name": "net", "project_id": "p1"},
                         {"id": "n3", "name": "net", "project_id": "p2"}],
            "subnets": [{"id": "s2", "name": "net", "project_id": "p1", "network_id": "n2"},
                        {"id": "s3", "name": "net", "project_id": "p2", "network_id": "n3"}],
            "servers": [{"id": "srv1", "name": "vm1", "project_id": "p1", "state": "active",
                         "task": None, "networks": ["n2"]},
                        {"id": "srv2", "name": "vm2", "project_id": "p2", "state": "stopped",
                         "task": None, "networks": ["n3"]}],
            "routers": [{"id": "r1", "name": "rt", "project_id": "p1", "gateway": True}],
            "loadbalancers": [{"id": "lb1", "name": "lb", "project_id": "p1",
                               "status": "ACTIVE", "subnet_id": "s2"}],
            "ports": [port("port1", "network:router_interface", "r1", "n2", "s2"),
                      port("port2", "compute:nova", "srv1", "n2", "s2"),
                      port("port3", "compute:nova", "srv2", "n3", "s3", "p2"),
                      port("port4", "Octavia", "lb-lb1", "n2", "s2"),
                      port("port5", "network:router_gateway", "r1", "pub", "pubs", "")],
        },
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
                                                   "project_id": "p1", "status": "available"})
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

    def test_a_server_created_twice(self):
        world = good()
        world["remote_objects"]["servers"].append(dict(world["remote_objects"]["servers"][0],
                                                       id="srv9"))
        world["remote_objects"]["ports"].append(port("port9", "compute:nova", "srv9", "n2",
                                                     "s2"))
        # The second one is held by no object: an orphan as well.
        self.assertEqual(self.failing(world), ["nothing duplicated", "nothing orphaned"])

    def test_a_router_interface_attached_twice(self):
        world = good()
        world["remote_objects"]["ports"].append(
            port("port9", "network:router_interface", "r1", "n2", "s2"))
        world["objects"].append(obj(11, 5, "router_interface", "port9",
                                    params={"router_id": "r1", "subnet_id": "s2"}))
        self.assertOnlyFails(world, "nothing duplicated")

    def test_two_objects_holding_one_router(self):
        world = good()
        world["objects"].append(obj(11, 5, "router", "r1", params={"external": "on"}))
        self.assertOnlyFails(world, "nothing duplicated")

    def test_a_load_balancer_created_twice(self):
        world = good()
        world["remote_objects"]["loadbalancers"].append(
            dict(world["remote_objects"]["loadbalancers"][0], id="lb9"))
        world["remote_objects"]["ports"].append(port("port9", "Octavia", "lb-lb9", "n2", "s2"))
        world["objects"].append(obj(11, 5, "loadbalancer", "lb9", params={"network": "3"}))
        self.assertOnlyFails(world, "nothing duplicated")

    def test_an_orphan_server(self):
        world = good()
        world["remote_objects"]["servers"].append(
            {"id": "srv9", "name": "lost", "project_id": "p1", "state": "active",
             "task": None, "networks": ["n2"]})
        world["remote_objects"]["ports"].append(port("port9", "compute:nova", "srv9", "n2",
                                                     "s2"))
        self.assertOnlyFails(world, "nothing orphaned")

    def test_an_orphan_router(self):
        world = good()
        world["remote_objects"]["routers"].append({"id": "r9", "name": "lost",
                                                   "project_id": "p1", "gateway": False})
        self.assertOnlyFails(world, "nothing orphaned")

    def test_an_orphan_router_interface(self):
        world = good()
        world["remote_objects"]["ports"].append(
            port("port9", "network:router_interface", "r1", "n3", "s3", "p2"))
        self.assertOnlyFails(world, "nothing orphaned")

    def test_an_orphan_load_balancer(self):
        world = good()
        world["remote_objects"]["loadbalancers"].append(
            {"id": "lb9", "name": "lost", "project_id": "p1", "status": "ACTIVE",
             "subnet_id": "s2"})
        world["remote_objects"]["ports"].append(port("port9", "Octavia", "lb-lb9", "n2", "s2"))
        self.assertOnlyFails(world, "nothing orphaned")

    def test_an_orphan_subnet(self):
        world = good()
        world["remote_objects"]["subnets"].append({"id": "s9", "name": "lost",
                                                   "project_id": "p1", "network_id": "n2"})
        self.assertOnlyFails(world, "nothing orphaned")

    def test_a_port_whose_server_is_gone(self):
        world = good()
        world["remote_objects"]["ports"].append(port("port9", "compute:nova", "srv404", "n2",
                                                     "s2"))
        self.assertOnlyFails(world, "nothing orphaned")

    def test_an_object_the_sync_added(self):
        world = good()
        world["objects"][0]["ordered"] = False
        world["objects"][0]["params"]["origin"] = "sync"
        self.assertOnlyFails(world, "nothing orphaned")

    def test_a_suspended_vdc_whose_server_runs(self):
        world = good()
        world["remote_objects"]["servers"][1]["state"] = "active"
        self.assertOnlyFails(world, "store and remote side agree")

    def test_an_active_vdc_whose_server_is_stopped(self):
        world = good()
        world["remote_objects"]["servers"][0]["state"] = "stopped"
        self.assertOnlyFails(world, "store and remote side agree")

    def test_a_server_still_stopping(self):
        world = good()
        world["remote_objects"]["servers"][1]["task"] = "powering-off"
        self.assertOnlyFails(world, "store and remote side agree")

    def test_a_server_in_another_project(self):
        world = good()
        world["remote_objects"]["servers"][0]["project_id"] = "p2"
        self.assertOnlyFails(world, "store and remote side agree")

    def test_a_server_off_its_network(self):
        world = good()
        world["remote_objects"]["servers"][0]["networks"] = ["n3"]
        self.assertOnlyFails(world, "store and remote side agree")

    def test_a_closed_server_that_exists(self):
        world = good()
        world["objects"][9]["external_id"] = "srv1"
        world["objects"][3]["status"] = "closed"   # srv1 held by a closed object only
        world["objects"][3]["external_id"] = "srv404"
        self.assertIn("store and remote side agree", self.failing(world))

    def test_an_active_router_gone_remotely(self):
        world = good()
        world["objects"][4]["external_id"] = "r404"
        self.assertIn("store and remote side agree", self.failing(world))

    def test_a_router_without_its_gateway(self):
        world = good()
        world["remote_objects"]["routers"][0]["gateway"] = False
        self.assertOnlyFails(world, "store and remote side agree")

    def test_a_router_interface_on_another_subnet(self):
        world = good()
        world["remote_objects"]["ports"][0]["subnet_id"] = "s3"
        self.assertOnlyFails(world, "store and remote side agree")

    def test_a_load_balancer_in_error(self):
        world = good()
        world["remote_objects"]["loadbalancers"][0]["status"] = "ERROR"
        self.assertOnlyFails(world, "store and remote side agree")

    def test_a_network_without_its_subnet(self):
        world = good()
        world["objects"][2]["params"]["subnet_id"] = "s404"
        world["remote_objects"]["subnets"][0]["id"] = "s404-other"
        world["objects"][6]["params"]["network"] = "9"   # keep the LB out of it
        world["remote_objects"]["loadbalancers"][0]["subnet_id"] = "s3"
        world["objects"][5]["params"].update(network="9", subnet_id="s3")
        world["remote_objects"]["ports"][0]["subnet_id"] = "s3"
        # s404-other is now an orphan subnet too.
        self.assertIn("store and remote side agree", self.failing(world))

    def test_an_object_left_active_in_a_closed_vdc(self):
        world = good()
        world["objects"][1]["status"] = "active"
        world["remote_objects"]["networks"].append({"id": "n1", "name": "old",
                                                    "project_id": "p1"})
        self.assertOnlyFails(world, "store and remote side agree")

    def test_a_limit_not_enforced(self):
        world = good()
        world["projects"][1]["quotas"]["volumes"] = 5
        self.assertOnlyFails(world, "store and remote side agree")

    def test_a_limit_recorded_wrong(self):
        world = good()
        world["vdcs"][0]["recorded"]["instances"] = 3
        self.assertOnlyFails(world, "store and remote side agree")

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

    def test_one_process_with_requests_on_several_connections_at_once(self):
        world = good()
        # The process of connection 2 (pid 72) sends three requests at once (run_together),
        # on connections 2, 3 and 4, while connection 1's process (pid 71) is busy too:
        # two processes, two slots.
        for logged in world["requests"]["vmmgr6"]:
            logged["agent"] = f"pm/1.0 (pid {70 + logged['conn']})"
        world["requests"]["vmmgr6"] += [entry(5, 10.06, 40, 3, pid=72),
                                        entry(6, 10.07, 40, 4, pid=72)]
        self.assertEqual(check.peak_in_flight(world["requests"]["vmmgr6"], [])[0], 2)
        self.assertEqual(check.peak_holders(world["requests"]["vmmgr6"], [], [])[0], 2)
        self.assertEqual(self.failing(world), [])
        # Told apart by connection only, they would have been four.
        for logged in world["requests"]["vmmgr6"]:
            del logged["agent"]
        self.assertEqual(check.peak_in_flight(world["requests"]["vmmgr6"], [])[0], 4)
        # A third process (pid 73) meanwhile: over the limit, and named by its pid.
        for logged in world["requests"]["vmmgr6"]:
            logged["agent"] = f"pm/1.0 (pid {70 + min(logged['conn'], 2)})"
        world["requests"]["vmmgr6"].append(entry(7, 10.08, 5, 5, pid=73))
        problems = dict(check.run(world))["queue limits never exceeded"]
        self.assertEqual(problems, [
            "vmmgr6: 3 requests in flight at once (queue_count 2), "
            "e.g. seq 7 GET /vm/v3/host",
            "vmmgr6: 3 processes talking at once (queue_count 2), "
            "e.g. process 73 from seq 7 GET /vm/v3/host"])

    def test_the_process_of_a_request(self):
        self.assertEqual(check.process_of({"agent": "pm/0.9.1 (pid 4242)"}), 4242)
        self.assertIsNone(check.process_of({"agent": "curl/7.88.1"}))
        self.assertIsNone(check.process_of({"agent": None}))
        self.assertIsNone(check.process_of({}))

    def test_a_cron_job_with_several_requests_in_flight(self):
        world = good()
        # vdc_sync_all lists with several workers: three requests at once, in its window.
        world["requests"]["vmmgr6"] += [entry(5, 20.0, 50, 3), entry(6, 20.01, 50, 4),
                                        entry(7, 20.02, 50, 5)]
        world["crons"]["vmmgr6"].append((19.99, 20.1))
        self.assertEqual(self.failing(world), [])
        world["crons"]["vmmgr6"] = []
        self.assertOnlyFails(world, "queue limits never exceeded")

    def test_a_create_on_a_connection_of_its_own(self):
        world = good()
        # Connection 2's process sends its create on a fresh connection (3) while connection
        # 1 is busy too: still two processes, not three.
        world["requests"]["vmmgr6"].append(entry(5, 10.12, 5, 3, method="POST"))
        self.assertEqual(check.peak_holders(world["requests"]["vmmgr6"], [], [])[0], 2)
        self.assertEqual(self.failing(world), [])
        # It may go on with the process's later requests (its kept-alive one dropped a reply).
        world["requests"]["vmmgr6"].append(entry(6, 10.16, 5, 3))
        self.assertEqual(self.failing(world), [])

    def test_a_login_on_a_connection_of_its_own_is_a_process(self):
        world = good()
        # A login's POST opens a process's first connection: with connections 1 and 2 busy,
        # a third process.
        world["requests"]["vmmgr6"].append(entry(5, 10.12, 5, 3, path="/auth/v4/public/token",
                                                 method="POST"))
        self.assertOnlyFails(world, "queue limits never exceeded")

    def test_a_create_while_every_process_has_a_request_in_flight(self):
        world = good()
        # At 10.22 connections 1 (10.2-10.3), 2 (10.05-10.35, made longer) and 4 each have a
        # request in flight: the POST of connection 3 belongs to none of them.
        world["requests"]["vmmgr6"] += [entry(5, 10.21, 30, 4), entry(6, 10.22, 5, 3,
                                                                     method="POST")]
        world["requests"]["vmmgr6"][1]["ms"] = 300
        self.assertEqual(check.peak_holders(world["requests"]["vmmgr6"], [], [])[0], 4)

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
