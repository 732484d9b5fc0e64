"""Unit tests of the machinery shared by the simulators (tests/sim/common)."""
import unittest

from common import schema
from common.faults import Faults, FaultSpecError, make_fault
from common.masking import MASK, mask_json, mask_query
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

    def test_bad_specs(self):
        for kind, spec in (("nope", {}), ("status", {"count": 0}), ("status", {"status": 200}),
                           ("slow", {"delay_ms": "5"}), ("drop", {"delay_ms": 5})):
            with self.subTest(kind=kind, spec=spec), self.assertRaises(FaultSpecError):
                make_fault(kind, spec)


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
