"""The real client against the simulator (the issue's acceptance test): Debian's
python3-openstackclient and python3-octaviaclient, run as `env -i … openstack …` in a clean
environment, drive Keystone, Nova, Cinder, Neutron, Octavia and the quota commands, and the
test checks what they print (-f json).

Every `openstack` process spends 1-2 s of CPU starting up, so most commands go through one
process each batch: openstack reads them from stdin (its interactive mode) and prints one
JSON document per command that has output. Commands of a batch refer to each other's objects
by name. A couple of plain one-shot invocations check the ordinary mode and its exit codes.

Skipped when /usr/bin/openstack is missing, except with CI=true, where that is a failure."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from common.testing import Client, SimProcess

OPENSTACK = shutil.which("openstack", path="/usr/bin:/bin")
IN_CI = os.environ.get("CI", "").lower() == "true"
PUBLIC_NETWORK_ID = "e0000000-0000-4000-8000-000000000001"


def json_documents(text: str) -> list:
    decoder, position, documents = json.JSONDecoder(), 0, []
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return documents
        document, position = decoder.raw_decode(text, position)
        documents.append(document)


class OpenStackClient(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if OPENSTACK is None:
            if IN_CI:
                raise AssertionError("openstack (python3-openstackclient) is not installed, "
                                     "and CI=true: scripts/lib.sh should have installed it")
            raise unittest.SkipTest("openstack (python3-openstackclient) is not installed")
        cls.home = tempfile.TemporaryDirectory()
        cls.sim = SimProcess("openstack", "--build-seconds", "0", "--admin-password", "Pw-1")
        cls.control = Client(cls.sim.port)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()
        cls.home.cleanup()

    def run_openstack(self, args=(), stdin=None):
        env = ["PATH=/usr/bin:/bin", f"HOME={self.home.name}",
               f"OS_AUTH_URL=http://127.0.0.1:{self.sim.port}/identity/v3",
               "OS_USERNAME=admin", "OS_PASSWORD=Pw-1", "OS_PROJECT_NAME=admin",
               "OS_USER_DOMAIN_NAME=Default", "OS_PROJECT_DOMAIN_NAME=Default",
               "OS_REGION_NAME=RegionOne", "OS_INTERFACE=public", "OS_AUTH_TYPE=v3password"]
        return subprocess.run(["env", "-i", *env, OPENSTACK, *args], input=stdin,
                              capture_output=True, text=True, timeout=120)

    def batch(self, *commands) -> list:
        """Runs the commands in one openstack process; one JSON document per command that
        ends with -f json. Any error message fails the test."""
        result = self.run_openstack(stdin="".join(c + "\n" for c in commands))
        self.assertEqual((result.returncode, result.stderr), (0, ""), result.stdout)
        documents = json_documents(result.stdout)
        self.assertEqual(len(documents), sum(c.endswith("-f json") for c in commands),
                         result.stdout)
        return documents

    def objects(self, kind):
        return self.control.get(f"/__sim__/objects/{kind}").json["list"]

    def test_1_identity_and_quotas(self):
        (project, shown, listed, user, assignments, quota, lb_quota_set, lb_quota, disabled,
         after) = self.batch(
            "project create --domain Default --description VDC vdc1 -f json",
            "project show vdc1 -f json",
            "project list -f json",
            "user create --domain Default --password pw --project vdc1 vdcuser -f json",
            "role add --project vdc1 --user vdcuser member",
            "role assignment list --project vdc1 --names -f json",
            "quota set --cores 30 --instances 12 --ram 60000 --volumes 7 --gigabytes 70 "
            "--networks 5 --subnets 6 --routers 3 --ports 40 vdc1",
            "quota show vdc1 -f json",
            "loadbalancer quota set --loadbalancer 4 vdc1 -f json",
            "loadbalancer quota show vdc1 -f json",
            "project set --disable vdc1",
            "project show vdc1 -f json",
            "user delete vdcuser",
            "project delete vdc1",
            "project list -f json")
        self.assertEqual((project["name"], project["enabled"], project["description"]),
                         ("vdc1", True, "VDC"))
        self.assertEqual(shown["id"], project["id"])
        self.assertEqual(sorted(p["Name"] for p in listed), ["admin", "vdc1"])
        self.assertEqual((user["name"], user["default_project_id"]), ("vdcuser", project["id"]))
        self.assertEqual([(a["Role"], a["User"], a["Project"]) for a in assignments],
                         [("member", "vdcuser@Default", "vdc1@Default")])
        self.assertEqual({k: quota[k] for k in ("cores", "instances", "ram", "volumes",
                                                "gigabytes", "networks", "subnets", "routers",
                                                "ports")},
                         {"cores": 30, "instances": 12, "ram": 60000, "volumes": 7,
                          "gigabytes": 70, "networks": 5, "subnets": 6, "routers": 3,
                          "ports": 40})
        self.assertEqual(quota["project"], project["id"])
        self.assertEqual(lb_quota_set["load_balancer"], 4)
        self.assertEqual((lb_quota["load_balancer"], lb_quota["pool"]), (4, -1))
        self.assertFalse(disabled["enabled"])
        self.assertEqual([p["Name"] for p in after], ["admin"])
        self.assertEqual([u["name"] for u in self.control.get("/__sim__/state").json["users"]],
                         ["admin"])

    def test_2_servers_volumes_routers_load_balancers(self):
        (network, subnet, server, servers, stopped, started, volume, volume_shown, volumes,
         created_router, router, lb, lb_shown, lbs) = self.batch(
            "network create net1 -f json",
            "subnet create --network net1 --subnet-range 10.0.0.0/24 sub1 -f json",
            "server create --flavor m1.tiny --image cirros --network net1 --wait vm1 -f json",
            "server list -f json",
            "server stop vm1",
            "server show vm1 -f json",
            "server start vm1",
            "server show vm1 -f json",
            "server delete --wait vm1",
            "volume create --size 1 vol1 -f json",
            "volume show vol1 -f json",
            "volume list -f json",
            "volume delete vol1",
            "router create r1 -f json",
            "router set --external-gateway public r1",
            "router add subnet r1 sub1",
            "router show r1 -f json",
            "router remove subnet r1 sub1",
            "router delete r1",
            "loadbalancer create --vip-subnet-id sub1 --name lb1 -f json",
            "loadbalancer show lb1 -f json",
            "loadbalancer list -f json",
            "loadbalancer delete --cascade lb1")
        self.assertEqual((network["name"], network["router:external"]), ("net1", False))
        self.assertEqual((subnet["cidr"], subnet["gateway_ip"], subnet["network_id"]),
                         ("10.0.0.0/24", "10.0.0.1", network["id"]))
        self.assertEqual((server["status"], server["flavor"], server["addresses"]),
                         ("ACTIVE", "m1.tiny (1)", {"net1": ["10.0.0.2"]}))
        self.assertTrue(server["image"].startswith("cirros ("))
        self.assertEqual(len(server["adminPass"]), 12)
        self.assertEqual([(s["Name"], s["Status"], s["Image"], s["Flavor"]) for s in servers],
                         [("vm1", "ACTIVE", "cirros", "m1.tiny")])
        self.assertEqual((stopped["status"], started["status"]), ("SHUTOFF", "ACTIVE"))
        self.assertEqual((volume["status"], volume["size"], volume["bootable"]),
                         ("creating", 1, "false"))
        self.assertEqual(volume_shown["status"], "available")
        self.assertEqual([(v["Name"], v["Status"]) for v in volumes], [("vol1", "available")])
        self.assertEqual((created_router["name"], created_router["external_gateway_info"]),
                         ("r1", None))
        self.assertEqual(router["external_gateway_info"]["network_id"], PUBLIC_NETWORK_ID)
        self.assertEqual([i["ip_address"] for i in router["interfaces_info"]], ["10.0.0.1"])
        self.assertEqual((lb["name"], lb["provisioning_status"], lb["vip_subnet_id"]),
                         ("lb1", "PENDING_CREATE", subnet["id"]))
        self.assertEqual((lb_shown["provisioning_status"], lb_shown["operating_status"]),
                         ("ACTIVE", "ONLINE"))
        self.assertEqual([(x["name"], x["provisioning_status"]) for x in lbs],
                         [("lb1", "ACTIVE")])
        for kind in ("servers", "volumes", "routers", "loadbalancers"):
            self.assertEqual(self.objects(kind), [], kind)
        self.assertEqual([n["name"] for n in self.objects("networks")], ["public", "net1"])

    def test_3_one_shot_invocations(self):
        result = self.run_openstack(["server", "list", "-f", "json"])
        self.assertEqual((result.returncode, json.loads(result.stdout)), (0, []), result)
        result = self.run_openstack(["server", "show", "nope"])
        self.assertEqual(result.returncode, 1, result)
        self.assertIn("No server with a name or ID of 'nope' exists.", result.stderr)
        counters = self.control.get("/__sim__/counters").json["requests"]
        self.assertEqual(counters["POST /compute/v2.1/servers"], 1)
        self.assertGreaterEqual(counters["POST /identity/v3/auth/tokens"], 4)


if __name__ == "__main__":
    unittest.main()
