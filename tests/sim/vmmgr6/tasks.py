"""VMmanager's asynchronous tasks: every mutating call answers with a consul id; the task
shows up in /vm/v3/task only after a lag, then goes created → running → complete | fail.

Model (simple on purpose, documented in README.md):
* tasks of one host run one at a time in submission order (a lane per host); a task with
  no host has a lane of its own; with the busy_mode knob "parallel" every task has a lane
  of its own, so tasks of one host run at the same time [guess: the reference does not say];
* a deferred task (defer: {"action":"host_stop"}) waits with status "deferred" [guess]
  until the host's next successful host_stop, then runs before anything queued after it;
* durations come from the config (per task name) when a task starts;
* an injected failure (Config.fail_next) is attached when the task is submitted and shows
  as status "fail" (or "failed", the fail_word knob) with the message in "output"
  [guess: field name] when it ends;
* the names no source confirms (recipe, password, owner tasks) come from the *_task_name
  knobs; code submits the canonical name (config.NAME_KNOBS), a failure rule may use
  either.
Time only moves when advance(now) runs (every request does it), see common.timeline.
"""
from collections import deque
from dataclasses import dataclass, field

from common.timeline import Timeline

FINAL = ("complete", "fail", "failed")


@dataclass
class Task:
    id: int
    consul_id: int
    name: str
    host_id: object
    registered: float
    visible_at: float
    status: str = "created"
    output: str = ""
    started: float = None
    finished: float = None
    fail_msg: str = None
    on_complete: object = None   # callable(t) applied when the task succeeds
    on_fail: object = None       # callable(t) applied when it fails
    event: int = None            # the timeline handle of its end
    lane: object = None


class TaskManager:
    def __init__(self, config, first_consul_id: int):
        self.config = config
        self.timeline = Timeline()
        self.tasks = {}          # consul id -> Task, in submission order
        self._queues = {}        # lane -> deque of Task
        self._running = {}       # lane -> Task
        self._deferred = {}      # host id -> [Task]
        self._next_id = 1
        self._next_consul = first_consul_id
        self._instant = False
        self.active = 0
        self.peak_active = 0

    def submit(self, name, host_id, now, on_complete=None, on_fail=None, deferred=False):
        """name is canonical (config.NAME_KNOBS); the task shows the configured name."""
        shown = self.config.shown_name(name)
        task = Task(self._next_id, self._next_consul, shown, host_id, now,
                    now + self.config.task_lag, on_complete=on_complete, on_fail=on_fail)
        self._next_id += 1
        self._next_consul += 1
        task.fail_msg = self.config.take_failure(name, host_id)
        if task.fail_msg is None and shown != name:
            task.fail_msg = self.config.take_failure(shown, host_id)
        shared = host_id is not None and self.config.busy_mode != "parallel"
        task.lane = host_id if shared else ("task", task.id)
        self.tasks[task.consul_id] = task
        if deferred:
            task.status = "deferred"
            self._deferred.setdefault(host_id, []).append(task)
        else:
            self._enqueue(task, now)
        return task

    def _enqueue(self, task: Task, now: float, front: bool = False) -> None:
        task.status = "created"
        queue = self._queues.setdefault(task.lane, deque())
        queue.appendleft(task) if front else queue.append(task)
        self.active += 1
        self.peak_active = max(self.peak_active, self.active)
        if task.lane not in self._running:
            self._start_next(task.lane, now)

    def _start_next(self, lane, t: float) -> None:
        queue = self._queues.get(lane)
        if not queue:
            self._queues.pop(lane, None)
            return
        task = queue.popleft()
        task.status = "running"
        task.started = t
        self._running[lane] = task
        duration = 0.0 if self._instant else self.config.duration(task.name)
        task.event = self.timeline.at(t + duration, lambda when: self._finish(task, when))

    def _finish(self, task: Task, t: float) -> None:
        task.finished = t
        self.active -= 1
        # The lane stays taken while the effects run, so work they queue (released deferred
        # tasks) waits for _start_next instead of starting beside another task.
        if task.fail_msg is not None:
            task.status, task.output = self.config.fail_word, task.fail_msg
            if task.on_fail:
                task.on_fail(t)
        else:
            task.status = "complete"
            if task.on_complete:
                task.on_complete(t)
        del self._running[task.lane]
        self._start_next(task.lane, t)

    def release_deferred(self, host_id, t: float) -> None:
        """The host stopped: its deferred tasks run next, in the order they were deferred."""
        for task in reversed(self._deferred.pop(host_id, [])):
            self._enqueue(task, t, front=True)

    def cancel_host(self, host_id, t: float, message: str) -> None:
        """The host is gone: whatever still waits for it fails."""
        waiting = self._deferred.pop(host_id, [])
        for lane in [lane for lane, queue in self._queues.items()
                     if queue and queue[0].host_id == host_id]:
            waiting += list(self._queues.pop(lane))
        for task in waiting:
            if task.status == "created":
                self.active -= 1
            task.status, task.output, task.finished = self.config.fail_word, message, t

    def host_busy(self, host_id) -> bool:
        return any(task.host_id == host_id for task in self._running.values()) or any(
            task.host_id == host_id for queue in self._queues.values() for task in queue)

    def advance(self, now: float) -> None:
        self.timeline.advance(now)

    def finish_all(self, now: float) -> int:
        """Ends every started or queued task now (deferred ones keep waiting)."""
        self.advance(now)
        count = 0
        self._instant = True
        try:
            while self._running:
                for task in list(self._running.values()):
                    self.timeline.cancel(task.event)
                    self._finish(task, now)
                    count += 1
        finally:
            self._instant = False
        return count

    def visible(self, now: float) -> list:
        return [task for task in self.tasks.values() if task.visible_at <= now]
