"""The OpenStack simulator against the facts recorded from real OpenStack Zed (issue 7).

Runs tests/real/probe_openstack.py against a simulator it starts (--sim) and compares the
report with tests/real/reference/zed.json, the probe's report of the real tier: statuses,
body shapes, the headers clients act on, state sequences, next links and error texts
(--messages). Differences listed in tests/real/sim-allowed.txt (each with its reason) are
accepted; any other one fails. About 12 s. When this fails after a simulator change, the
simulator no longer answers as real OpenStack does; when it fails after the reference was
regenerated, read tests/real/FINDINGS.md again and fix the simulator (or allow, with a
reason)."""
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REAL = os.path.join(ROOT, "tests", "real")


class FactsOfRealZed(unittest.TestCase):
    def test_probe_of_the_simulator_matches_the_reference(self):
        with tempfile.TemporaryDirectory() as tmp:
            report = os.path.join(tmp, "sim.json")
            run = subprocess.run(
                [sys.executable, os.path.join(REAL, "probe_openstack.py"), "--sim",
                 "--compare", os.path.join(REAL, "reference", "zed.json"),
                 "--allow", os.path.join(REAL, "sim-allowed.txt"), "--messages",
                 "--json", report],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
        differences = [line for line in run.stdout.splitlines() if line.startswith("DIFF")]
        summary = run.stderr.strip().splitlines()[-3:]
        self.assertEqual(differences, [], "\n".join(summary))
        self.assertNotIn("failed scenarios", run.stderr, run.stderr[-3000:])
        self.assertEqual(run.returncode, 0, run.stderr[-3000:])


if __name__ == "__main__":
    unittest.main()
