"""What every collection route shares: id checks, ?follow=, ?search= with ?max= and
?case_sensitive=, and the collection body (the empty_collection knob)."""
import re

from . import errors
from .encode import collection
from .inputs import query_flag
from .search import Query, SearchError

NAMED_FIELDS = {"name": lambda e: e["name"], "id": lambda e: e["id"]}
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                  r"[0-9a-fA-F]{12}$")


def check_id(ident: str) -> None:
    if not UUID.match(ident):
        raise errors.malformed_id(ident)


def lookup(table: dict, ident: str):
    """The entity with that id: 400 for a malformed id, an empty 404 for a missing one."""
    check_id(ident)
    found = table.get(ident)
    if found is None:
        raise errors.not_found()
    return found


def follow(request) -> tuple:
    """?follow=a,b.c: links named with or without underscores, in any case (§7)."""
    names = []
    for part in request.query.get("follow", "").split(","):
        name = part.strip().lower().replace("diskattachments", "disk_attachments")
        names.append(name.replace("reporteddevices", "reported_devices"))
    return tuple(n for n in names if n)


def search(app, request, entities: list, fields: dict, default_sort) -> list:
    """?search= with ?max= and ?case_sensitive= (§7). A query the engine cannot parse is a
    400 bare fault [guess: the detail text]."""
    sensitive = query_flag(request.query, "case_sensitive",
                           app.config.search_case_default == "sensitive")
    limit = request.query.get("max")
    limit = int(limit) if limit and limit.lstrip("-").isdigit() and int(limit) >= 0 else None
    try:
        query = Query(request.query.get("search", ""), fields, sensitive)
    except SearchError as error:
        raise errors.bare(400, f"[Cannot search: {error}]") from None
    return query.apply(entities, default_sort, limit)


def listing(app, singular: str, items: list):
    return 200, collection(singular, items, app.config.empty_collection), []
