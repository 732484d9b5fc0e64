"""Unit tests of the where= parser and evaluator of the VMmanager 6 simulator."""
import unittest

from vmmgr6 import where
from vmmgr6.where import Compare, Logic, WhereError

HOSTS = [
    {"id": 101, "name": "web-1", "state": "active", "account": {"id": 11, "email": "a@x.io"},
     "cluster": {"id": 1, "name": "KVM"}, "ip4": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}],
     "comment": "it's mine", "ipv6_enabled": False},
    {"id": 102, "name": "db-1", "state": "stopped", "account": {"id": 12, "email": "b@x.io"},
     "cluster": {"id": 2, "name": "LXD"}, "ip4": [], "comment": None, "ipv6_enabled": True},
    {"id": 103, "name": "WEB-2", "state": "creating", "account": {"id": 11, "email": "a@x.io"},
     "cluster": {"id": 1, "name": "KVM"}, "ip4": [{"ip": "10.0.0.3"}], "comment": "",
     "ipv6_enabled": False},
]
FIELDS = {"id", "name", "state", "account", "cluster", "ip4", "comment", "ipv6_enabled"}


def ids(text):
    return [h["id"] for h in where.select(HOSTS, text, FIELDS)]


class Tokenizer(unittest.TestCase):
    def test_words_parentheses_and_quotes(self):
        kinds = [(t.kind, t.text) for t in where.tokenize("((a EQ 'x y')OR(b NE 2))")]
        self.assertEqual(kinds, [("(", "("), ("(", "("), ("word", "a"), ("word", "EQ"),
                                 ("str", "x y"), (")", ")"), ("word", "OR"), ("(", "("),
                                 ("word", "b"), ("word", "NE"), ("word", "2"), (")", ")"),
                                 (")", ")")])

    def test_escaped_quotes_backslash_and_doubled(self):
        self.assertEqual(where.tokenize(r"'it\'s'")[0].text, "it's")
        self.assertEqual(where.tokenize("'it''s'")[0].text, "it's")
        self.assertEqual(where.tokenize("''")[0].text, "")

    def test_unterminated_quote(self):
        with self.assertRaises(WhereError):
            where.tokenize("name EQ 'abc")


class Parser(unittest.TestCase):
    def test_single_comparison(self):
        self.assertEqual(where.parse("id EQ '5'"), Compare("id", "EQ", "5"))

    def test_and_binds_tighter_than_or(self):
        tree = where.parse("a EQ 1 OR b EQ 2 AND c EQ 3")
        self.assertEqual(tree, Logic("OR", (Compare("a", "EQ", "1"), Logic(
            "AND", (Compare("b", "EQ", "2"), Compare("c", "EQ", "3"))))))

    def test_parentheses_group(self):
        tree = where.parse("(a EQ 1 OR b EQ 2) AND c EQ 3")
        self.assertEqual(tree.op, "AND")
        self.assertEqual(tree.parts[0].op, "OR")

    def test_task_poll_filter_of_the_api_notes(self):
        tree = where.parse("((consul_id EQ '50001') AND (name EQ 'host_create'))")
        self.assertEqual(tree, Logic("AND", (Compare("consul_id", "EQ", "50001"),
                                             Compare("name", "EQ", "host_create"))))

    def test_dotted_field_and_lowercase_keywords(self):
        self.assertEqual(where.parse("account.id eq 3 and x cp 'a%'"), Logic("AND", (
            Compare("account.id", "EQ", "3"), Compare("x", "CP", "a%"))))

    def test_empty_filter(self):
        self.assertIsNone(where.parse("   "))

    def test_syntax_errors(self):
        for text in ("id EQ", "id", "id XX 1", "(id EQ 1", "id EQ 1)", "id EQ 1 AND",
                     "id EQ 1 name EQ 2", "'id' EQ 1", "EQ 1", "a..b EQ 1", "id EQ (",
                     "() "):
            with self.subTest(text=text), self.assertRaises(WhereError):
                where.parse(text)


class Evaluation(unittest.TestCase):
    def test_eq_numbers_quoted_or_not(self):
        self.assertEqual(ids("id EQ '102'"), [102])
        self.assertEqual(ids("id EQ 102"), [102])
        self.assertEqual(ids("id EQ 102.0"), [102])

    def test_eq_strings_ignore_case(self):
        self.assertEqual(ids("name EQ 'web-2'"), [103])

    def test_ne_and_ordering(self):
        self.assertEqual(ids("state NE 'active'"), [102, 103])
        self.assertEqual(ids("id GT 101"), [102, 103])
        self.assertEqual(ids("id LE 102"), [101, 102])
        self.assertEqual(ids("id GE '103'"), [103])
        self.assertEqual(ids("id LT 9"), [])

    def test_numbers_compare_as_numbers_not_text(self):
        self.assertEqual(ids("id GT 99"), [101, 102, 103])   # as text "101" < "99"

    def test_cp_like_wildcards(self):
        self.assertEqual(ids("name CP 'web%'"), [101, 103])
        self.assertEqual(ids("name CP '%-1'"), [101, 102])
        self.assertEqual(ids("name CP 'db_1'"), [102])
        self.assertEqual(ids("name CP 'db'"), [])            # no wildcard: whole value

    def test_and_or_parentheses(self):
        self.assertEqual(ids("(state EQ 'active' OR state EQ 'stopped') AND cluster.id EQ 1"),
                         [101])
        self.assertEqual(ids("state EQ 'active' OR state EQ 'stopped' AND cluster.id EQ 1"),
                         [101])
        self.assertEqual(ids("((name CP 'web%') AND (account.id EQ 11)) OR (id EQ 102)"),
                         [101, 102, 103])

    def test_dotted_fields(self):
        self.assertEqual(ids("account.id EQ 11"), [101, 103])
        self.assertEqual(ids("account.email EQ 'b@x.io'"), [102])
        self.assertEqual(ids("cluster.name EQ 'lxd'"), [102])

    def test_object_compared_by_its_id(self):
        self.assertEqual(ids("cluster EQ 2"), [102])

    def test_lists_match_any_element(self):
        self.assertEqual(ids("ip4.ip EQ '10.0.0.2'"), [101])
        self.assertEqual(ids("ip4.ip CP '10.0.0.%'"), [101, 103])
        self.assertEqual(ids("ip4.ip NE '10.0.0.2'"), [102, 103])

    def test_quotes_inside_values(self):
        self.assertEqual(ids(r"comment EQ 'it\'s mine'"), [101])
        self.assertEqual(ids("comment EQ 'it''s mine'"), [101])
        self.assertEqual(ids("comment EQ ''"), [103])

    def test_null_and_missing_fields(self):
        self.assertEqual(ids("comment CP '%'"), [101, 103])   # null matches nothing
        self.assertEqual(ids("comment NE 'x'"), [101, 102, 103])
        self.assertEqual(ids("account.nothing EQ 1"), [])

    def test_booleans(self):
        self.assertEqual(ids("ipv6_enabled EQ 'true'"), [102])
        self.assertEqual(ids("ipv6_enabled EQ false"), [101, 103])

    def test_empty_filter_keeps_all(self):
        self.assertEqual(ids(""), [101, 102, 103])

    def test_unknown_field_is_an_error(self):
        with self.assertRaises(WhereError):
            ids("colour EQ 'red'")


if __name__ == "__main__":
    unittest.main()
