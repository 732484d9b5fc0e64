"""Requests and responses as the simulators' handlers see them, independent of the socket."""
import json
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie


class BodyError(ValueError):
    """The request body is not the JSON the endpoint needs."""


@dataclass
class Request:
    method: str
    path: str                 # as received, without the query string
    api_path: str             # path with the base path removed ('' when outside it)
    raw_query: str
    query: dict               # name -> last value, '+' and %XX decoded
    headers: object           # email.message.Message: case-insensitive get()
    body: bytes = b""
    params: dict = field(default_factory=dict)   # filled by the router
    pattern: str = ""                            # the matched route, for counters
    context: dict = field(default_factory=dict)  # auth facts for the request log
    connection: int = 0       # which TCP connection brought it (1, 2, … in accept order)

    def json(self, empty_as=None):
        """The body parsed as JSON; an empty body gives empty_as (BodyError if None)."""
        if not self.body.strip():
            if empty_as is None:
                raise BodyError("empty body, JSON expected")
            return empty_as
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise BodyError(f"malformed JSON: {error}") from error

    def json_object(self, empty_as=None) -> dict:
        value = self.json(empty_as)
        if not isinstance(value, dict):
            raise BodyError("a JSON object is expected")
        return value

    def cookie(self, name: str):
        raw = self.headers.get("Cookie")
        if not raw:
            return None
        jar = SimpleCookie()
        try:
            jar.load(raw)
        except CookieError:
            return None
        morsel = jar.get(name)
        return morsel.value if morsel else None


@dataclass
class Response:
    status: int
    body: object = None                          # JSON-serialisable, or bytes, or None
    headers: list = field(default_factory=list)  # [(name, value)]

    def payload(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode("utf-8")


class ApiError(Exception):
    """An error answer; the App that raises it has already rendered its API's error body."""

    def __init__(self, status: int, body, headers=None):
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body
        self.headers = list(headers or [])

    def response(self) -> Response:
        return Response(self.status, self.body, self.headers)
