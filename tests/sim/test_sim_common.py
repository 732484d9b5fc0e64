"""Unit tests of the machinery shared by the simulators (tests/sim/common)."""
import http.client
import threading
import time
import unittest

from common import schema
from common.faults import Faults, FaultSpecError, make_fault
from common.masking import MASK, mask_json, mask_query
from common.messages import ApiError, Response
from common.server import App, Simulator
from common.testing import Client, InProcessSim
from common.routing import MethodNotAllowed, NotFound, Router
from common.schema import Bool, Int, List, Object, SchemaError, Str
from common.timeline import Timeline


class Schema(unittest.TestCase):
    PROPS = {"name": Str(required=True, low=1), "count": Int(low=0, high=5),
             "flag": Bool(), "items": List(Object({"id": Int(required=True)})),
             "mode": Str(choices=("a", "b"))}

    def error(self, body) -> SchemaError:
        with self.assertRaises(SchemaError) as caught:
            schema.validate(self.PROPS, body)
        return caught.exception

    def test_valid_body(self):
        schema.validate(self.PROPS, {"name": "x", "count": 5, "flag": True,
                                     "items": [{"id": 1}], "mode": "b"})

    def test_unexpected_property_named(self):
        error = self.error({"name": "x", "colour": "red"})
        self.assertEqual((error.kind, error.path), ("unexpected", "colour"))
        self.assertIn("Unexpected property", str(error))

    def test_unexpected_nested_property(self):
        error = self.error({"name": "x", "items": [{"id": 1}, {"id": 2, "extra": 0}]})
        self.assertEqual((error.kind, error.path), ("unexpected", "items[1].extra"))

    def test_missing_required(self):
        self.assertEqual(self.error({}).kind, "missing")
        self.assertEqual(self.error({"name": "x", "items": [{}]}).path, "items[0].id")

    def test_types(self):
        for body in ({"name": 1}, {"name": "x", "count": "2"}, {"name": "x", "count": True},
                     {"name": "x", "flag": 1}, {"name": "x", "items": {}}):
            with self.subTest(body=body):
                self.assertEqual(self.error(body).kind, "type")

    def test_values(self):
        for body in ({"name": ""}, {"name": "x", "count": 6}, {"name": "x", "mode": "c"}):
            with self.subTest(body=body):
                self.assertEqual(self.error(body).kind, "value")

    def test_body_must_be_an_object(self):
        self.assertEqual(self.error([1]).kind, "type")


class Masking(unittest.TestCase):
    def test_secret_keys_masked_at_any_depth(self):
        body = {"email": "a@b", "password": "p", "auth": {"token": "t", "Api_Secret": "s"},
                "list": [{"new_password": "q"}], "count": 1, "password_empty": None}
        self.assertEqual(mask_json(body), {
            "email": "a@b", "password": MASK, "auth": {"token": MASK, "Api_Secret": MASK},
            "list": [{"new_password": MASK}], "count": 1, "password_empty": None})

    def test_secret_name_value_pairs(self):
        params = [{"name": "MYSQL_ROOT_PASSWORD", "value": "s3"},
                  {"name": "HOSTNAME", "value": "web"}]
        self.assertEqual(mask_json(params), [{"name": "MYSQL_ROOT_PASSWORD", "value": MASK},
                                             {"name": "HOSTNAME", "value": "web"}])

    def test_query(self):
        self.assertEqual(mask_query({"where": "x", "token": "t"}), {"where": "x", "token": MASK})


class FaultQueue(unittest.TestCase):
    def test_count_prefix_and_method(self):
        faults = Faults()
        faults.add(make_fault("status", {"count": 2, "prefix": "/vm/v3/host", "method": "post"}))
        self.assertIsNone(faults.take("status", "GET", "/vm/v3/host"))
        self.assertIsNone(faults.take("status", "POST", "/vm/v3/task"))
        self.assertEqual(faults.take("status", "POST", "/vm/v3/host/1/stop").status, 503)
        self.assertIsNotNone(faults.take("status", "POST", "/vm/v3/host"))
        self.assertIsNone(faults.take("status", "POST", "/vm/v3/host"))
        self.assertEqual(faults.pending(), [])

    def test_kinds_are_separate_and_ordered(self):
        faults = Faults()
        faults.add(make_fault("slow", {"delay_ms": 5}))
        faults.add(make_fault("status", {"status": 429, "retry_after": 3}))
        faults.add(make_fault("status", {"status": 502}))
        self.assertIsNone(faults.take("drop", "GET", "/"))
        self.assertEqual(faults.take("status", "GET", "/").retry_after, 3)
        self.assertEqual(faults.take("status", "GET", "/").status, 502)
        self.assertEqual(faults.take("slow", "GET", "/").delay_ms, 5)

    def test_status_after(self):
        self.assertFalse(make_fault("status", {"status": 503}).after)
        self.assertTrue(make_fault("status", {"status": 503, "after": True}).after)

    def test_skip_lets_the_first_matching_requests_pass(self):
        faults = Faults()
        faults.add(make_fault("hold", {"skip": 2, "prefix": "/a", "after": True}))
        self.assertIsNone(faults.take("hold", "GET", "/b"))   # not matching: not counted
        self.assertIsNone(faults.take("hold", "GET", "/a"))
        self.assertIsNone(faults.take("hold", "POST", "/a/1"))
        self.assertTrue(faults.take("hold", "GET", "/a").after)
        self.assertIsNone(faults.take("hold", "GET", "/a"))

    def test_bad_specs(self):
        for kind, spec in (("nope", {}), ("status", {"count": 0}), ("status", {"status": 200}),
                           ("slow", {"delay_ms": "5"}), ("drop", {"delay_ms": 5}),
                           ("hold", {"skip": -1}), ("hold", {"status": 503})):
            with self.subTest(kind=kind, spec=spec), self.assertRaises(FaultSpecError):
                make_fault(kind, spec)


class Counter(App):
    """POST /things adds one; GET /things counts them."""
    name = "counter"

    def __init__(self):
        super().__init__()
        self.things = 0
        self.router.add("POST", "/things", None)
        self.router.add("GET", "/things", None)

    def error(self, status, message, code=None, value=None):
        return ApiError(status, {"error": message})

    def call(self, match, request):
        if request.method == "POST":
            self.things += 1
        return Response(200, {"things": self.things})


class Holds(unittest.TestCase):
    """A hold keeps request k in flight until released, then drops it: before or after the
    App carried it out (what a client killed mid-request leaves behind)."""

    def setUp(self):
        self.app = Counter()
        self.sim = InProcessSim(Simulator(self.app))
        self.client = Client(self.sim.port)

    def tearDown(self):
        self.client.post("/__sim__/release")
        self.sim.stop()

    def held_request(self, outcome):
        try:
            self.client.post("/things")
            outcome.append("answered")
        except (OSError, http.client.HTTPException):
            outcome.append("dropped")

    def run_held(self, after, late=False):
        self.client.post("/__sim__/fault/hold", {"skip": 1, "prefix": "/things",
                                                 "method": "POST", "after": after,
                                                 "late": late})
        self.assertEqual(self.client.post("/things").json, {"things": 1})  # skipped
        outcome = []
        thread = threading.Thread(target=self.held_request, args=(outcome,))
        thread.start()
        for _ in range(200):
            held = self.client.get("/__sim__/held").json["list"]
            if held:
                break
            time.sleep(0.01)
        self.assertEqual([(h["method"], h["path"], h["after"]) for h in held],
                         [("POST", "/things", after)])
        self.assertEqual(outcome, [])   # still in flight
        things = self.client.get("/things").json["things"]
        self.assertEqual(self.client.post("/__sim__/release").json, {"released": 1})
        thread.join(10)
        self.assertEqual(outcome, ["dropped"])
        self.assertEqual(self.client.get("/__sim__/held").json["list"], [])
        return things

    def test_hold_before_the_app_acts(self):
        self.assertEqual(self.run_held(after=False), 1)
        self.assertEqual(self.app.things, 1)

    def test_hold_after_the_app_acted(self):
        self.assertEqual(self.run_held(after=True), 2)
        self.assertEqual(self.app.things, 2)
        faults = [(e["method"], e["fault"]) for e in
                  self.client.get("/__sim__/requests").json["list"] if e.get("fault")]
        self.assertEqual(faults, [("POST", "hold-after")])

    def test_a_late_hold_is_carried_out_when_released(self):
        self.assertEqual(self.run_held(after=False, late=True), 1)
        self.assertEqual(self.app.things, 2)

    def test_a_hold_is_not_both_after_and_late(self):
        reply = self.client.post("/__sim__/fault/hold", {"after": True, "late": True})
        self.assertEqual(reply.status, 400)


class Connections(unittest.TestCase):
    """Each request log entry names the TCP connection that brought it: a client that keeps its
    connection (keep-alive, as libcurl does) shows one number, another connection a new one."""

    def test_keep_alive_requests_share_a_number_and_new_connections_get_new_ones(self):
        sim = InProcessSim(Simulator(Counter()))
        self.addCleanup(sim.stop)
        kept = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
        self.addCleanup(kept.close)
        for _ in range(2):
            kept.request("POST", "/things", body=b"{}",
                         headers={"Content-Type": "application/json"})
            kept.getresponse().read()
        Client(sim.port).post("/things")   # a connection of its own
        log = Client(sim.port).get("/__sim__/requests").json["list"]
        conns = [e["conn"] for e in log]
        self.assertEqual(len(conns), 3)
        self.assertEqual(conns[0], conns[1])
        self.assertNotEqual(conns[2], conns[0])
        self.assertTrue(all(isinstance(c, int) and c > 0 for c in conns))


class Routing(unittest.TestCase):
    def test_patterns(self):
        router = Router()
        router.add("GET", "/vm/v3/host/{id:int}", "one")
        router.add("POST", "/vm/v3/host/{id:int}/start", "start")
        router.add("GET", "/x/{name}", "named")
        match = router.match("GET", "/vm/v3/host/42")
        self.assertEqual((match.route.handler, match.params), ("one", {"id": 42}))
        self.assertEqual(router.match("GET", "/x/abc").params, {"name": "abc"})
        with self.assertRaises(NotFound):
            router.match("GET", "/vm/v3/host/abc")
        with self.assertRaises(MethodNotAllowed) as caught:
            router.match("DELETE", "/vm/v3/host/1/start")
        self.assertEqual(caught.exception.allowed, ["POST"])


class Timelines(unittest.TestCase):
    def test_events_run_in_time_order_with_their_own_time(self):
        timeline, seen = Timeline(), []
        timeline.at(2.0, lambda t: seen.append(("b", t)))
        timeline.at(1.0, lambda t: (seen.append(("a", t)),
                                    timeline.at(t + 0.5, lambda u: seen.append(("c", u)))))
        cancelled = timeline.at(1.2, lambda t: seen.append(("x", t)))
        timeline.cancel(cancelled)
        timeline.advance(0.9)
        self.assertEqual(seen, [])
        timeline.advance(5.0)
        self.assertEqual(seen, [("a", 1.0), ("c", 1.5), ("b", 2.0)])
        self.assertIsNone(timeline.next_time())


if __name__ == "__main__":
    unittest.main()
