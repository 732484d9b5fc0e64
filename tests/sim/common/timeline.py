"""A lazy discrete-event scheduler.

Simulated work (tasks, builds) finishes at a known time. Instead of timer threads, events
are kept in time order and run when something looks at the state (each request calls
advance(now)). Callbacks get the event's own time, so chained work starts exactly when the
previous one ended, whatever the polling pattern: the outcome is deterministic.
"""
import heapq
import itertools
from typing import Callable


class Timeline:
    def __init__(self):
        self._heap = []
        self._seq = itertools.count()
        self._cancelled = set()

    def at(self, when: float, callback: Callable[[float], None]) -> int:
        """Schedules callback(when); returns a handle for cancel()."""
        handle = next(self._seq)
        heapq.heappush(self._heap, (when, handle, callback))
        return handle

    def cancel(self, handle: int) -> None:
        self._cancelled.add(handle)

    def advance(self, now: float) -> None:
        """Runs every event due at or before now, in time order (ties: scheduling order)."""
        while self._heap and self._heap[0][0] <= now:
            when, handle, callback = heapq.heappop(self._heap)
            if handle in self._cancelled:
                self._cancelled.discard(handle)
                continue
            callback(when)

    def run_all(self, now: float) -> int:
        """Runs every pending event at once, in time order, those not yet due as if due
        now; returns how many ran."""
        count = 0
        while self.next_time() is not None:
            when, handle, callback = heapq.heappop(self._heap)
            callback(min(when, now))
            count += 1
        return count

    def next_time(self):
        """The time of the next pending event, or None."""
        while self._heap and self._heap[0][1] in self._cancelled:
            self._cancelled.discard(heapq.heappop(self._heap)[1])
        return self._heap[0][0] if self._heap else None

    def pending(self) -> int:
        """How many events are still to run."""
        return len(self._heap) - len(self._cancelled)

    def clear(self) -> None:
        self._heap.clear()
        self._cancelled.clear()
