"""Fault injection for the next N matching requests: error statuses (503 bursts, 429 with
Retry-After…), dropped connections, slow replies and holds. A status or drop fault with `after`
lets the App carry the request out first (the work is done, the client hears an error or
nothing: a gateway failing after the backend acted). A hold keeps the request in flight until
the control API releases it (then its connection is dropped): with `after` the App carried it
out first, with `late` the App carries it out when it is released (a request that reaches the
backend late, after its client was killed and a rerun looked). It is how a test kills the client while request k is in flight, before or after
the server acted on it (`skip` lets the first k-1 matching requests pass).

A fault matches a request when its path starts with `prefix` (the API path, base path
removed) and, if given, the method is `method`. Each matching request uses up one count;
faults of a kind are consumed in the order they were added.
"""
import threading
from dataclasses import asdict, dataclass

KINDS = ("status", "drop", "slow", "hold")


class FaultSpecError(ValueError):
    pass


@dataclass
class Fault:
    kind: str
    count: int = 1
    prefix: str = ""
    method: str = ""
    status: int = 503            # status
    retry_after: object = None   # status: Retry-After header value (seconds), if any
    after: bool = False          # drop/status/hold: handle the request first
    late: bool = False           # hold: handle the request when it is released
    delay_ms: int = 0            # slow
    skip: int = 0                # the first `skip` matching requests pass untouched

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method != method:
            return False
        return path.startswith(self.prefix)


def _int(spec: dict, key: str, default, low: int, high: int) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FaultSpecError(f"'{key}' must be an integer in {low}..{high}")
    return value


def make_fault(kind: str, spec: dict) -> Fault:
    """Validates a fault as posted to the control API."""
    if kind not in KINDS:
        raise FaultSpecError(f"unknown fault kind '{kind}'")
    known = {"count", "prefix", "method", "skip"} | {
        "status": {"status", "retry_after", "after"}, "drop": {"after"},
        "slow": {"delay_ms"}, "hold": {"after", "late"}}[kind]
    unknown = set(spec) - known
    if unknown:
        raise FaultSpecError(f"unknown fields for a {kind} fault: {sorted(unknown)}")
    fault = Fault(kind, count=_int(spec, "count", 1, 1, 1_000_000),
                  prefix=str(spec.get("prefix", "")), method=str(spec.get("method", "")).upper(),
                  skip=_int(spec, "skip", 0, 0, 1_000_000))
    if kind == "status":
        fault.status = _int(spec, "status", 503, 400, 599)
        if spec.get("retry_after") is not None:
            fault.retry_after = _int(spec, "retry_after", 0, 0, 86400)
        fault.after = bool(spec.get("after", False))
    elif kind in ("drop", "hold"):
        fault.after = bool(spec.get("after", False))
        fault.late = bool(spec.get("late", False))
        if fault.after and fault.late:
            raise FaultSpecError("a hold is either 'after' or 'late', not both")
    else:
        fault.delay_ms = _int(spec, "delay_ms", 0, 0, 600_000)
    return fault


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self._pending = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._pending.append(fault)

    def take(self, kind: str, method: str, path: str):
        """The first pending fault of kind matching the request (one count used), or None."""
        with self._lock:
            for fault in self._pending:
                if fault.kind == kind and fault.matches(method, path):
                    if fault.skip > 0:
                        fault.skip -= 1
                        continue
                    fault.count -= 1
                    if fault.count == 0:
                        self._pending.remove(fault)
                    return fault
        return None

    def pending(self) -> list:
        with self._lock:
            return [asdict(fault) for fault in self._pending]

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
