"""The parts of every `*.get` call: filter, search, sort, limit, output, countOutput,
preservekeys (Zabbix 6.0 CApiService semantics, simplified: unknown filter or search fields
are ignored, as real Zabbix ignores unknown parameters of the get calls)."""
import fnmatch

from . import errors


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def ids(value, path: str) -> list:
    """An id parameter (a string, a number or a list of them) as a list of strings."""
    result = []
    for item in as_list(value):
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise errors.invalid(path, "a number is expected")
        result.append(str(item))
    return result


def public(record: dict) -> dict:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def _filtered(rows: list, spec) -> list:
    if not spec:
        return rows
    if not isinstance(spec, dict):
        raise errors.invalid("/filter", "an array is expected")
    for field, wanted in spec.items():
        if wanted is None:
            continue
        values = {str(v) for v in as_list(wanted)}
        rows = [r for r in rows if field in r and str(r[field]) in values]
    return rows


def _searched(rows: list, params: dict) -> list:
    spec = params.get("search")
    if not spec:
        return rows
    if not isinstance(spec, dict):
        raise errors.invalid("/search", "an array is expected")
    by_any = bool(params.get("searchByAny"))
    start = bool(params.get("startSearch"))
    exclude = bool(params.get("excludeSearch"))
    wildcards = bool(params.get("searchWildcardsEnabled"))

    def hit(record, field, patterns) -> bool:
        text = str(record.get(field, "")).lower()
        for pattern in patterns:
            pattern = str(pattern).lower()
            if wildcards:
                glob = pattern if start else f"*{pattern}*"
                if fnmatch.fnmatchcase(text, glob):
                    return True
            elif text.startswith(pattern) if start else pattern in text:
                return True
        return False

    result = []
    for record in rows:
        checks = [hit(record, f, as_list(p)) for f, p in spec.items() if p is not None
                  and f in record]
        if not checks:
            result.append(record)
            continue
        found = any(checks) if by_any else all(checks)
        if found != exclude:
            result.append(record)
    return result


def _sort_key(field):
    def key(record):
        value = str(record.get(field, ""))
        return (0, int(value), "") if value.lstrip("-").isdigit() else (1, 0, value)
    return key


def run(rows: list, params: dict, pk: str, extend=None) -> object:
    """rows (records with '_' private fields) narrowed and shaped by the get parameters;
    extend(record, shaped) adds the select* parts."""
    rows = _searched(_filtered(rows, params.get("filter")), params)
    rows = sorted(rows, key=_sort_key(pk))
    for field in reversed(as_list(params.get("sortfield"))):
        order = as_list(params.get("sortorder"))
        descending = bool(order) and str(order[0]).upper() == "DESC"
        rows = sorted(rows, key=_sort_key(field), reverse=descending)
    limit = params.get("limit")
    if limit is not None:
        try:
            limit = int(limit)
        except (TypeError, ValueError):
            raise errors.invalid("/limit", "an integer is expected") from None
        rows = rows[:limit] if limit > 0 else rows
    if params.get("countOutput"):
        return str(len(rows))
    output = params.get("output", "extend")
    result = []
    for record in rows:
        if output == "extend":
            shaped = public(record)
        elif isinstance(output, list):   # the id first, then the fields in the order asked
            shaped = {pk: record[pk]}
            shaped.update({f: record[f] for f in output if f in record
                           and not f.startswith("_")})
        else:   # "count", "shorten" and others: the ids only
            shaped = {pk: record[pk]}
        if extend is not None:
            extend(record, shaped)
        result.append(shaped)
    if params.get("preservekeys"):
        return {record[pk]: shaped for record, shaped in zip(rows, result)}
    return result


def select(value, record: dict, pk: str = None) -> dict:
    """A selectX value ("extend", a field list, "count") applied to a sub-object; a field
    list gets the sub-object's id too (real Zabbix adds it)."""
    if value == "extend" or value is True:
        return public(record)
    if isinstance(value, list):
        shaped = {pk: record[pk]} if pk and pk in record else {}
        shaped.update({f: record[f] for f in value if f in record and not f.startswith("_")})
        return shaped
    return public(record)


def selected(value, records: list, pk: str = None):
    if value == "count":
        return str(len(records))
    return [select(value, r, pk) for r in records]
