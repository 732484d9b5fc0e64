"""The request log and counters that tests assert on (GET /__sim__/requests, /counters).

Entries carry no secrets: bodies and queries are masked by key, headers are not kept but for
the User-Agent (`agent`: pm's names the client's process id, so that the requests of one
process are told apart even when it sends several at once on several connections), and
authentication is recorded only as how it was presented (header/cookie) and by whom.
"""
import json
import threading
from collections import deque

from .masking import mask_json, mask_query


def _body_for_log(body: bytes, masker=mask_json):
    if not body:
        return None
    try:
        return masker(json.loads(body.decode("utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return f"<{len(body)} bytes, not JSON>"


class RequestLog:
    def __init__(self, limit: int = 20000, masker=mask_json):
        self._masker = masker   # the body as logged: secrets masked (App.mask_body)
        self._lock = threading.Lock()
        self._entries = deque(maxlen=limit)
        self._seq = 0
        self._counters = {}
        self._in_flight = 0
        self._peak_in_flight = 0

    def begin(self) -> int:
        """Marks a request in flight; returns its sequence number."""
        with self._lock:
            self._seq += 1
            self._in_flight += 1
            self._peak_in_flight = max(self._peak_in_flight, self._in_flight)
            return self._seq

    def end(self, seq: int, request, status, started_wall: float, ms: float, fault=None):
        """Records a finished request (status None: the connection was dropped)."""
        entry = {
            "seq": seq, "time": round(started_wall, 3), "method": request.method,
            "path": request.path, "pattern": request.pattern or None,
            "query": mask_query(request.query),
            "body": _body_for_log(request.body, self._masker),
            "status": status, "ms": round(ms, 1),
            "authenticated": bool(request.context.get("user") is not None),
            "auth": request.context.get("auth"), "user": request.context.get("user"),
            "fault": fault, "conn": request.connection,
            "agent": request.headers.get("User-Agent") if request.headers else None,
        }
        key = f"{request.method} {request.pattern or request.path}"
        with self._lock:
            self._in_flight -= 1
            self._entries.append(entry)
            self.bump_locked("requests", key)
            if fault:
                self.bump_locked("faults", fault)

    def bump(self, group: str, key: str = None) -> None:
        """Counts an event: bump('logins') or bump('requests', 'GET /x')."""
        with self._lock:
            self.bump_locked(group, key)

    def bump_locked(self, group: str, key: str = None) -> None:
        if key is None:
            self._counters[group] = self._counters.get(group, 0) + 1
        else:
            bucket = self._counters.setdefault(group, {})
            bucket[key] = bucket.get(key, 0) + 1

    def entries(self, since: int = 0) -> list:
        with self._lock:
            return [dict(e) for e in self._entries if e["seq"] > since]

    def counters(self) -> dict:
        with self._lock:
            result = json.loads(json.dumps(self._counters))
            # The shape stays the same before the first request and after a clear.
            result.setdefault("requests", {})
            result["in_flight"] = self._in_flight
            result["peak_in_flight"] = self._peak_in_flight
            return result

    def clear(self) -> None:
        """Forgets entries and counters; sequence numbers keep growing."""
        with self._lock:
            self._entries.clear()
            self._counters = {}
            self._peak_in_flight = self._in_flight
