"""limit/marker parsing and `<collection>_links` as each service builds them.

Nova, Cinder and Neutron add a "next" link whenever a page is full (limit items, or the page
cap), even when nothing follows, so a collection of exactly N pages ends with an empty page;
Octavia does the same and drops every query parameter but limit, sort and marker from its
links. The knob next_links="when_more" makes Nova, Cinder, Neutron and Octavia add "next"
only when more items exist (what shared/api/openstack.md describes)."""
from urllib.parse import parse_qsl, urlencode


def query_pairs(request) -> list:
    return parse_qsl(request.raw_query, keep_blank_values=True)


def multi(request) -> dict:
    """name -> [values] of the query string (Neutron filters may repeat: ?id=a&id=b)."""
    result = {}
    for name, value in query_pairs(request):
        result.setdefault(name, []).append(value)
    return result


def parse_limit(ctx, cap, field: str = "limit"):
    """The requested limit, capped (None: no limit given and no cap); 400 when not a
    non-negative integer, as Nova and Cinder answer."""
    raw = ctx.request.query.get(field)
    if raw is None:
        return cap
    try:
        value = int(raw)
    except ValueError:
        raise ctx.error(400, "limit param must be an integer") from None
    if value < 0:
        raise ctx.error(400, "limit param must be positive")
    return value if cap is None else min(value, cap)


def has_next(ctx, count: int, limit, more: bool) -> bool:
    if ctx.config.next_links == "when_more":
        return more
    return bool(limit) and count >= limit


def nova_next(ctx, path: str, marker: str) -> dict:
    """Nova and Cinder: the same query in its order, the marker replaced at the end."""
    return ordered_next(ctx, path, marker)


def ordered_next(ctx, path: str, marker: str, rel: str = "next", extra=()) -> dict:
    """The same query in its order, the marker (re)placed at the end (webob's MultiDict)."""
    drop = {"marker", "page_reverse"}
    pairs = [(k, v) for k, v in query_pairs(ctx.request) if k not in drop]
    if marker is not None:
        pairs.append(("marker", marker))
    pairs.extend(extra)
    return {"rel": rel, "href": f"{ctx.url(path)}?{urlencode(pairs)}"}


def octavia_links(ctx, path: str, items: list, limit, marker, more: bool) -> list:
    if not items:
        return []
    query = ctx.request.query
    base = [f"limit={limit}"]
    for name in ("sort", "sort_key"):
        if query.get(name):
            base.append(f"{name}={query[name]}")
    links = []
    if marker:
        links.append({"rel": "previous", "href": f"{ctx.url(path)}?" + "&".join(
            base + [f"marker={items[0]['id']}", "page_reverse=True"])})
    if limit is None or has_next(ctx, len(items), limit, more):
        links.append({"rel": "next", "href": f"{ctx.url(path)}?" + "&".join(
            base + [f"marker={items[-1]['id']}"])})
    return links
