"""The oVirt simulator's variant knobs (tests/sim/ovirt/README.md, "Knobs"): each default is the
likeliest real shape per ovirt.md, each other value another shape a real engine may give."""
import io
import json
import unittest
from contextlib import redirect_stderr

from common.testing import Client, SimProcess
from ovirt.config import DEFAULT_SECONDS, VARIANTS, Config, ConfigError
from ovirt.main import _config, _parser, main
from ovirt.testkit import API, GIB, TOKEN_URL, EngineClient, SimCase, form_post, token_fields


class Defaults(SimCase):
    def test_defaults_are_the_first_values(self):
        config = self.ctl("GET", "config")
        for name, choices in VARIANTS.items():
            self.assertEqual(config[name], choices[0], name)
        self.assertEqual((config["time_scale"], config["seconds"]), (1.0, DEFAULT_SECONDS))
        self.assertNotIn("admin_password", config)

    def test_bad_knobs_change_nothing(self):
        for change in ({"create_status": "204"}, {"nope": 1}, {"seconds": {"x": 1}},
                       {"time_scale": -1}, {"seconds": {"launch": "soon"}},
                       {"create_status": "201", "guest_agent": "maybe"}):
            reply = self.control.post("/__sim__/config", change)
            self.assertEqual(reply.status, 400, change)
        self.assertEqual(self.ctl("GET", "config")["create_status"], "202")

    def test_reset_restores_startup_knobs(self):
        self.knob(create_status="201")
        self.create(status=201)
        self.ctl("POST", "reset")
        self.assertEqual(self.ctl("GET", "config")["create_status"], "202")
        self.assertEqual(self.ctl("GET", "state")["vms"], [])


class Variants(SimCase):
    def test_create_201_without_expect(self):
        self.knob(create_status="201")
        reply = self.api.post(f"{API}/vms", {"name": "a", "cluster": {"name": "Default"},
                                             "template": {"name": "debian12"}})
        self.assertEqual((reply.status, reply.json["status"]), (201, "image_locked"))
        self.assertNotIn("creation_status", reply.json)
        self.assertIn("location", reply.headers)

    def test_creation_status_word(self):
        self.knob(creation_status="in_progress")
        self.assertEqual(self.create()["creation_status"], "in_progress")

    def test_strings_only_input(self):
        self.create("a", memory=2 * GIB)   # coerced by default
        self.knob(input_scalars="strings_only")
        reply = self.api.post(f"{API}/vms", {"name": "b", "cluster": {"name": "Default"},
                                             "template": {"name": "debian12"},
                                             "memory": 2 * GIB})
        self.assertEqual((reply.status, reply.json["reason"]),
                         (400, "Request syntactically incorrect."))
        self.create("c", memory=str(2 * GIB), delete_protected="false")

    def test_html_401_bodies(self):
        for variant, needle in (("apache", b"401 Unauthorized"), ("empty", b"")):
            self.knob(html_401=variant)
            reply = Client(self.sim.port).get(API)
            self.assertEqual(reply.status, 401)
            self.assertTrue(reply.headers["content-type"].startswith("text/html"))
            self.assertIn(needle, reply.raw)
            self.assertIsNone(reply.json)

    def test_sso_error_shape_and_status(self):
        self.knob(sso_error_shape="error_description", sso_error_status="401")
        status, _, body = form_post(self.sim.port, TOKEN_URL, token_fields("bad"),
                                    {"Accept": "application/json"})
        self.assertEqual(status, 401)
        self.assertEqual(sorted(json.loads(body)), ["error", "error_description"])
        self.assertEqual(json.loads(body)["error"], "access_denied")

    def test_token_exp_valid_to(self):
        self.knob(token_exp="valid_to", token_ttl=3600)
        _, _, body = form_post(self.sim.port, TOKEN_URL, token_fields(),
                               {"Accept": "application/json"})
        exp = int(json.loads(body)["exp"])
        self.assertEqual(exp, int((self.clock.wall() + 3600) * 1000))

    def test_name_freed_at_delete(self):
        self.knob(name_reserved="at_delete")
        vm_id = self.created()
        self.ok(self.api.delete(f"{API}/vms/{vm_id}"))
        self.create()   # the old one is still visible, the name is free

    def test_initialization_update_replace_or_merge(self):
        for mode, kept in (("replace", False), ("merge", True)):
            self.knob(init_update=mode)
            vm_id = self.created(f"bm-{mode}", initialization={"host_name": "a",
                                                                "dns_servers": "192.0.2.1"})
            self.ok(self.api.put(f"{API}/vms/{vm_id}", {"initialization": {"host_name": "b"}}))
            stored = next(v for v in self.ctl("GET", "state")["vms"] if v["id"] == vm_id)
            self.assertEqual(stored["initialization"]["host_name"], "b")
            self.assertEqual("dns_servers" in stored["initialization"], kept, mode)

    def test_suspend_200(self):
        self.knob(suspend_status="200")
        vm_id = self.running()
        answer = self.act(vm_id, "suspend")
        self.assertEqual(answer["status"], "complete")
        self.assertNotIn("async", answer)

    def test_action_without_job_and_generic_job_text(self):
        self.knob(action_job="none", job_description="generic")
        vm_id = self.created()
        self.assertEqual(self.act(vm_id, "start"), {"status": "complete"})
        descriptions = {j["description"] for j in self.get("/jobs")["job"]}
        self.assertEqual(descriptions, {"AddVm", "RunVm"})


class CommandLine(unittest.TestCase):
    def test_options_then_variants_then_knobs(self):
        args = _parser().parse_args(["--time-scale", "0.01", "--seconds", "launch=1",
                                     "--variants", "3", "--knob", "create_status=201"])
        err = io.StringIO()
        with redirect_stderr(err):
            config = _config(args)
        self.assertEqual((config.time_scale, config.seconds["launch"], config.create_status,
                          config.variants_seed), (0.01, 1.0, "201", 3))
        self.assertAlmostEqual(config.duration("launch"), 0.01)
        self.assertTrue(err.getvalue().startswith("variants seed=3 create_status=201"))

    def test_draw_is_deterministic_and_covers_values(self):
        first, second = Config(), Config()
        self.assertEqual(first.draw_variants(5), second.draw_variants(5))
        seen = {name: set() for name in VARIANTS}
        for seed in range(40):
            for name, value in Config().draw_variants(seed).items():
                seen[name].add(value)
        self.assertEqual(seen, {name: set(values) for name, values in VARIANTS.items()})

    def test_bad_options(self):
        for spec in ("launch", "warp=1", "launch=-1"):
            with self.assertRaises(ConfigError):
                Config().parse_durations(spec)
        with redirect_stderr(io.StringIO()):
            self.assertEqual(main(["--knob", "create_status=299"]), 2)

    def test_scripts_sim_ovirt(self):
        sim = SimProcess("ovirt", "--time-scale", "0.001", "--knob", "empty_collection=empty_list")
        try:
            self.assertTrue(sim.first_line.startswith("listening on http://127.0.0.1:"))
            api = EngineClient(sim.port).login()
            self.assertEqual(api.get(API + "/vms").json, {"vm": []})
            health = Client(sim.port).get("/__sim__/health").json
            self.assertEqual(health, {"ok": True, "simulator": "ovirt"})
        finally:
            self.assertEqual(sim.stop(), 0)


if __name__ == "__main__":
    unittest.main()
