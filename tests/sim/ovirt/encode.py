"""JSON as the engine writes it (ovirt.md §3.2): integers and booleans as strings, dates as
epoch milliseconds (JSON numbers), enums lower case, nested lists wrapped twice, references
as {href,id}. Handlers build plain Python values; wire() turns them into the engine's
encoding. A date is an Epoch, so it stays a number."""

API = "/ovirt-engine/api"


class Epoch(int):
    """Epoch milliseconds: the one integer kind the engine writes as a JSON number."""


def epoch(wall_seconds: float) -> Epoch:
    return Epoch(int(wall_seconds * 1000))


def wire(value):
    if isinstance(value, Epoch):
        return int(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        return {k: wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [wire(v) for v in value]
    return value


def ref(kind: str, ident: str) -> dict:
    """A reference to another entity: {"href": "/ovirt-engine/api/<kind>/<id>", "id": …}."""
    return {"href": f"{API}/{kind}/{ident}", "id": ident}


def links(base: str, rels) -> list:
    return [{"href": f"{base}/{rel}", "rel": rel} for rel in rels]


def actions(base: str, rels) -> dict:
    return {"link": links(base, rels)}


def wrap(plural: str, singular: str, items: list) -> dict:
    """A nested list: "disk_attachments": {"disk_attachment": [...]}."""
    return {plural: {singular: items}}


def collection(singular: str, items: list, empty: str) -> dict:
    """A top-level collection: {"vm": [...]}; an empty one is {} (empty="absent",
    ovirt.md l. 164 [I]) or {"vm": []} (empty="empty_list")."""
    if not items and empty == "absent":
        return {}
    return {singular: items}
