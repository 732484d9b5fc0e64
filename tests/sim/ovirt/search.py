"""The engine's search language as far as clients use it (ovirt.md §7): criteria
`field=value` / `field!=value` joined by `and` / `or`, values quoted with double quotes, `*`
as a wildcard, `sortby field [asc|desc]`, `page N` (with max=N), case-insensitive unless
case_sensitive=true (the engine code's default; the javadoc says otherwise, knob
search_case_default)."""
import re

TOKEN = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|(!=|<=|>=|=|<|>)|([^\s=!<>"]+))')


class SearchError(ValueError):
    pass


def _tokens(text: str) -> list:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise SearchError(f"cannot parse the search at '{text[pos:]}'")
        quoted, op, word = match.groups()
        if quoted is not None:
            tokens.append(("value", quoted.replace('\\"', '"')))
        elif op is not None:
            tokens.append(("op", op))
        else:
            tokens.append(("word", word))
        pos = match.end()
    return tokens


class Query:
    def __init__(self, text: str, fields: dict, case_sensitive: bool):
        """fields: search name -> function(entity) -> str."""
        self.groups = [[]]       # OR of ANDs of (getter, op, pattern)
        self.sort, self.descending, self.page = None, False, None
        self.fields = fields
        self.case_sensitive = case_sensitive
        tokens = _tokens(text or "")
        i = 0
        while i < len(tokens):
            kind, word = tokens[i]
            lower = word.lower() if kind == "word" else None
            if lower == "and":
                i += 1
            elif lower == "or":
                self.groups.append([])
                i += 1
            elif lower == "sortby":
                i = self._sortby(tokens, i + 1)
            elif lower == "page":
                if i + 1 >= len(tokens) or not tokens[i + 1][1].isdigit():
                    raise SearchError("page needs a number")
                self.page = max(1, int(tokens[i + 1][1]))
                i += 2
            else:
                i = self._criterion(tokens, i)

    def _field(self, name: str):
        getter = self.fields.get(name.lower())
        if getter is None:
            raise SearchError(f"unknown search field '{name}'")
        return getter

    def _sortby(self, tokens: list, i: int) -> int:
        if i >= len(tokens) or tokens[i][0] != "word":
            raise SearchError("sortby needs a field")
        self.sort = self._field(tokens[i][1])
        i += 1
        if i < len(tokens) and tokens[i][1].lower() in ("asc", "desc"):
            self.descending = tokens[i][1].lower() == "desc"
            i += 1
        return i

    def _criterion(self, tokens: list, i: int) -> int:
        if i + 3 > len(tokens):
            raise SearchError("a criterion is field=value")
        (kind, name), (okind, op), (_, value) = tokens[i:i + 3]
        if kind != "word" or okind != "op" or op not in ("=", "!="):
            raise SearchError("a criterion is field=value")
        flags = 0 if self.case_sensitive else re.IGNORECASE
        pattern = re.compile("^" + ".*".join(re.escape(p) for p in value.split("*")) + "$",
                             flags)
        self.groups[-1].append((self._field(name), op, pattern))
        return i + 3

    def matches(self, entity) -> bool:
        groups = [g for g in self.groups if g]
        if not groups:
            return True
        return any(all(bool(p.match(str(get(entity)))) == (op == "=") for get, op, p in group)
                   for group in groups)

    def apply(self, entities: list, default_sort, limit) -> list:
        chosen = [e for e in entities if self.matches(e)]
        chosen.sort(key=lambda e: str((self.sort or default_sort)(e)).lower(),
                    reverse=self.descending)
        if limit is not None:
            start = ((self.page or 1) - 1) * limit
            chosen = chosen[start:start + limit]
        return chosen
