"""The where= filter of VMmanager 6 lists: a tokenizer, a recursive-descent parser and an
evaluator over the JSON objects the API returns.

Grammar (keywords and operators are matched case-insensitively):
    expr    := and ( OR and )*
    and     := primary ( AND primary )*
    primary := '(' expr ')' | FIELD OP value
    OP      := EQ | NE | CP | GT | GE | LT | LE     (CP: SQL LIKE, % and _ wildcards)
    value   := 'quoted' | bare-word                (quotes: \\' or '' inside)
    FIELD   := name ( '.' name )*                  (account.id, cluster.id, ip4.ip)
The query string is already URL-decoded ('+' is a space) when it gets here.

Evaluation:
* a dotted field walks objects; a list matches when any element matches; an object
  compared with a value stands for its "id" (cluster EQ 1 is cluster.id EQ 1);
* a number field against a numeric literal compares numbers ('10' = 10 = 10.0), else
  strings; string comparisons ignore case, as MySQL's default collation does [guess];
* a missing or null field matches nothing, except NE which it satisfies [guess];
* an unknown top-level field is an error (400), not an empty list [guess].
"""
import re
from dataclasses import dataclass

OPERATORS = ("EQ", "NE", "CP", "GT", "GE", "LT", "LE")
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


class WhereError(ValueError):
    pass


@dataclass(frozen=True)
class Token:
    kind: str    # '(' | ')' | 'str' | 'word'
    text: str
    pos: int


@dataclass(frozen=True)
class Compare:
    field: str
    op: str
    value: str


@dataclass(frozen=True)
class Logic:
    op: str      # AND | OR
    parts: tuple


def _quoted(text: str, start: int):
    """The string starting at the quote at start, and the index after its closing quote."""
    out, i = [], start + 1
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif char == "'" and text.startswith("''", i):
            out.append("'")
            i += 2
        elif char == "'":
            return "".join(out), i + 1
        else:
            out.append(char)
            i += 1
    raise WhereError(f"unterminated quote at position {start}")


def tokenize(text: str) -> list:
    tokens, i = [], 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(Token(char, char, i))
            i += 1
        elif char == "'":
            value, end = _quoted(text, i)
            tokens.append(Token("str", value, i))
            i = end
        else:
            start = i
            while i < len(text) and not text[i].isspace() and text[i] not in "()'":
                i += 1
            tokens.append(Token("word", text[start:i], start))
    return tokens


class _Parser:
    def __init__(self, tokens: list):
        self.tokens = tokens
        self.i = 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, what: str) -> Token:
        token = self.peek()
        if token is None:
            raise WhereError(f"{what} expected at the end of the filter")
        self.i += 1
        return token

    def is_keyword(self, word: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "word" and token.text.upper() == word

    def parse(self):
        node = self.expr()
        token = self.peek()
        if token is not None:
            raise WhereError(f"unexpected '{token.text}' at position {token.pos}")
        return node

    def expr(self):
        return self._chain("OR", self.conjunction)

    def conjunction(self):
        return self._chain("AND", self.primary)

    def _chain(self, keyword: str, operand):
        parts = [operand()]
        while self.is_keyword(keyword):
            self.i += 1
            parts.append(operand())
        return parts[0] if len(parts) == 1 else Logic(keyword, tuple(parts))

    def primary(self):
        token = self.take("a condition")
        if token.kind == "(":
            node = self.expr()
            closing = self.take("')'")
            if closing.kind != ")":
                raise WhereError(f"')' expected at position {closing.pos}")
            return node
        return self.comparison(token)

    def comparison(self, field: Token) -> Compare:
        if field.kind != "word" or not _FIELD.match(field.text):
            raise WhereError(f"a field name expected at position {field.pos}")
        op = self.take("an operator")
        if op.kind != "word" or op.text.upper() not in OPERATORS:
            raise WhereError(f"unknown operator '{op.text}' at position {op.pos}")
        value = self.take("a value")
        if value.kind not in ("str", "word"):
            raise WhereError(f"a value expected at position {value.pos}")
        return Compare(field.text, op.text.upper(), value.text)


def parse(text: str):
    """The syntax tree of a filter; None for an empty one. Raises WhereError."""
    tokens = tokenize(text)
    return _Parser(tokens).parse() if tokens else None


def fields(node) -> set:
    if node is None:
        return set()
    if isinstance(node, Compare):
        return {node.field}
    return set().union(*(fields(part) for part in node.parts))


def _lookup(value, parts: list) -> list:
    if isinstance(value, list):
        return [found for item in value for found in _lookup(item, parts)]
    if not parts:
        return [value.get("id") if isinstance(value, dict) else value]
    if not isinstance(value, dict) or parts[0] not in value:
        return []
    return _lookup(value[parts[0]], parts[1:])


def _number(text: str):
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _like(actual: str, pattern: str) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, actual, re.IGNORECASE | re.DOTALL) is not None


def _compare(actual, op: str, literal: str) -> bool:
    if actual is None:
        return False
    if isinstance(actual, bool):
        actual = "true" if actual else "false"
    if op == "CP":
        return _like(str(actual), literal)
    number = _number(literal)
    if isinstance(actual, (int, float)) and number is not None:
        left, right = actual, number
    else:
        left, right = str(actual).lower(), literal.lower()
    return {"EQ": left == right, "NE": left != right, "GT": left > right,
            "GE": left >= right, "LT": left < right, "LE": left <= right}[op]


def matches(node, obj: dict) -> bool:
    if node is None:
        return True
    if isinstance(node, Logic):
        results = (matches(part, obj) for part in node.parts)
        return all(results) if node.op == "AND" else any(results)
    values = _lookup(obj, node.field.split("."))
    if node.op == "NE":
        return not any(_compare(v, "EQ", node.value) for v in values)
    return any(_compare(v, node.op, node.value) for v in values)


def select(items: list, text: str, known_fields) -> list:
    """The items a filter keeps; WhereError on bad syntax or an unknown top-level field."""
    node = parse(text or "")
    for name in fields(node):
        if name.split(".")[0] not in known_fields:
            raise WhereError(f"unknown field '{name}'")
    return [item for item in items if matches(node, item)]
