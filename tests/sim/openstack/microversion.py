"""API microversions of Nova (2.1…2.93 in Zed) and Cinder (3.0…3.70): requested with
OpenStack-API-Version (or Nova's X-OpenStack-Nova-API-Version), echoed in the answer. Without
a header a request gets the minimum, as the real services do."""
import re

RANGES = {"compute": ((2, 1), (2, 93)), "volume": ((3, 0), (3, 70))}
_FORMAT = re.compile(r"^([1-9]\d*)\.(0|[1-9]\d*)$")


def _requested(ctx, service: str):
    headers = ctx.request.headers
    for value in headers.get_all("OpenStack-API-Version") or []:
        for part in value.split(","):
            name, _, version = part.strip().partition(" ")
            if name.lower() == service:
                return version.strip()
    if service == "compute":
        return headers.get("X-OpenStack-Nova-API-Version")
    return None


def negotiate(ctx):
    """The (major, minor) version this request is served at, or None (no microversions)."""
    if ctx.service not in RANGES:
        return None
    low, high = RANGES[ctx.service]
    text = _requested(ctx, ctx.service)
    if text is None:
        return low
    text = text.strip()
    if text.lower() == "latest":
        return high
    match = _FORMAT.match(text)
    if not match:
        raise ctx.error(400, f"API Version String {text} is of invalid format. Must be of "
                             "format MajorNum.MinorNum.")
    version = (int(match.group(1)), int(match.group(2)))
    if not low <= version <= high:
        raise ctx.error(406, f"Version {text} is not supported by the API. Minimum is "
                             f"{low[0]}.{low[1]} and maximum is {high[0]}.{high[1]}.")
    return version


def headers(service: str, version) -> list:
    text = f"{version[0]}.{version[1]}"
    return [("OpenStack-API-Version", f"{service} {text}"), ("Vary", "OpenStack-API-Version")]


def text(version) -> str:
    return f"{version[0]}.{version[1]}"
