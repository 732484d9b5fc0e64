"""URL routing: patterns like /vm/v3/host/{id:int}/start, matched segment by segment."""
from dataclasses import dataclass, field


class NotFound(LookupError):
    pass


class MethodNotAllowed(LookupError):
    def __init__(self, allowed):
        super().__init__("method not allowed")
        self.allowed = sorted(allowed)


@dataclass
class Route:
    method: str
    pattern: str
    handler: object
    meta: dict = field(default_factory=dict)
    segments: list = field(default_factory=list)


@dataclass
class Match:
    route: Route
    params: dict


def _split(path: str) -> list:
    return [part for part in path.split("/") if part]


def _match_segment(spec: str, actual: str, params: dict) -> bool:
    if not (spec.startswith("{") and spec.endswith("}")):
        return spec == actual
    name, _, kind = spec[1:-1].partition(":")
    if kind == "int":
        if not actual.isdigit():
            return False
        params[name] = int(actual)
    else:
        params[name] = actual
    return True


class Router:
    def __init__(self):
        self._routes = []

    def add(self, method: str, pattern: str, handler, **meta) -> None:
        self._routes.append(Route(method.upper(), pattern, handler, meta, _split(pattern)))

    def match(self, method: str, path: str) -> Match:
        """The first route for method and path; NotFound or MethodNotAllowed otherwise."""
        parts = _split(path)
        allowed = set()
        for route in self._routes:
            params = {}
            if len(route.segments) != len(parts):
                continue
            if all(_match_segment(s, a, params) for s, a in zip(route.segments, parts)):
                if route.method == method:
                    return Match(route, params)
                allowed.add(route.method)
        if allowed:
            raise MethodNotAllowed(allowed)
        raise NotFound(path)

    def routes(self) -> list:
        return list(self._routes)
