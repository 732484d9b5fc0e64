"""Tests of scripts/secret-scan: it finds a planted secret or token in a log, an output file
and a store cell, and leaves alone what holds secrets by design (secret params, the session
cache). Run: python3 -m unittest discover -s scripts/secret-scan.d"""
import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest

SCAN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "secret-scan")
PLANTED = "Planted-Secret-7070"
VM_TOKEN = "4-0f3a8c2e-1b2d-4c3e-9f4a-5b6c7d8e9f00"
KEYSTONE_TOKEN = "gAAAAAB" + "x1Y2z3" * 20


class SecretScanTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name
        self.tests = os.path.join(self.root, "tests-src")
        os.makedirs(self.tests)
        with open(os.path.join(self.tests, "test_x.cpp"), "w") as f:
            f.write('params.set("password", "%s");\n' % PLANTED)
        self.out = os.path.join(self.root, "left")
        os.makedirs(os.path.join(self.out, "pm-test-1"))

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        with open(os.path.join(self.out, "pm-test-1", name), "w") as f:
            f.write(text)

    def store(self, rows, error=""):
        db = sqlite3.connect(os.path.join(self.out, "pm-test-1", "billing.db"))
        db.execute("CREATE TABLE itemparam (item_id INTEGER, name TEXT, value TEXT)")
        db.execute("CREATE TABLE runningoperation (id INTEGER, errortext TEXT)")
        db.executemany("INSERT INTO itemparam VALUES (1, ?, ?)", rows)
        db.execute("INSERT INTO runningoperation VALUES (1, ?)", (error,))
        db.commit()
        db.close()

    def scan(self):
        return subprocess.run([sys.executable, SCAN, "--tests", self.tests, self.out],
                              capture_output=True, text=True)

    def test_clean_files_pass(self):
        self.write("pmvmmgr6.log", "login as admin@example.com password=***\n")
        self.store([("password", PLANTED), ("admin_password", PLANTED)], "HTTP 503")
        self.write("session-0123456789abcdef", VM_TOKEN)
        result = self.scan()
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_a_list_of_command_names_is_no_secret(self):
        # {"change_password", "sync_item"} reads like a key and its value; names are skipped,
        # the planted password of the same source still counts.
        with open(os.path.join(self.tests, "test_y.cpp"), "w") as f:
            f.write('for (auto c : {"setparam", "change_password", "sync_item"}) {}\n')
        self.write("pmovirt.log", "op=3 command=sync_item done\n")
        self.assertEqual(self.scan().returncode, 0)
        self.write("pmovirt.log", f"op=3 command=sync_item {PLANTED}\n")
        self.assertEqual(self.scan().returncode, 1)

    def test_planted_secret_in_a_log_fails_without_printing_it(self):
        self.write("pmvmmgr6.log", f"POST /auth body {{\"password\": \"{PLANTED}\"}}\n")
        result = self.scan()
        self.assertEqual(result.returncode, 1)
        self.assertIn("pmvmmgr6.log", result.stdout)
        self.assertNotIn(PLANTED, result.stdout + result.stderr)

    def test_tokens_by_their_form(self):
        self.write("out.xml", f"<error>token {VM_TOKEN}</error>")
        self.write("pmopenstack.log", f"X-Auth-Token: {KEYSTONE_TOKEN}")
        result = self.scan()
        self.assertEqual(result.returncode, 1)
        self.assertIn("VMmanager token", result.stdout)
        self.assertIn("Keystone token", result.stdout)

    def test_secret_in_a_store_cell_that_is_not_a_secret_param(self):
        self.store([("password", PLANTED), ("hostname", PLANTED)], f"failed with {PLANTED}")
        result = self.scan()
        self.assertEqual(result.returncode, 1)
        self.assertIn("itemparam.value", result.stdout)
        self.assertIn("runningoperation.errortext", result.stdout)
        self.assertEqual(len(result.stdout.strip().splitlines()), 2, result.stdout)

    def test_invalid_utf8_in_a_cell_keeps_the_reading_cell_by_cell(self):
        # A TEXT cell with invalid UTF-8 (as a test of the store plants one) beside a secret
        # param: the secret param is still skipped, a secret elsewhere still found.
        def plant(value):
            self.store([("password", PLANTED)])
            db = sqlite3.connect(os.path.join(self.out, "pm-test-1", "billing.db"))
            db.execute("INSERT INTO itemparam VALUES (1, CAST(x'6d6f64fffe1b5b33316d' AS TEXT), ?)",
                       (value,))
            db.commit()
            db.close()

        plant("x")
        result = self.scan()
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        os.remove(os.path.join(self.out, "pm-test-1", "billing.db"))
        plant(PLANTED)
        result = self.scan()
        self.assertEqual(result.returncode, 1)
        self.assertIn("itemparam.value", result.stdout)

if __name__ == "__main__":
    unittest.main()
