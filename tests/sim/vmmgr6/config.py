"""The simulator's knobs: set at start-up from the command line, changed at run time through
GET/POST /__sim__/config, restored by /__sim__/reset."""
import copy
from dataclasses import asdict, dataclass, field

# Fast defaults for tests; real installs take seconds for power tasks, minutes for create.
DEFAULT_TASK_SECONDS = {"default": 0.3, "host_create": 1.0, "host_reinstall": 1.0}
AUTH_ERRORS = {"401": (401, 1000), "403": (403, 3001)}
BUSY_MODES = ("queue", "reject")


class ConfigError(ValueError):
    pass


def parse_task_seconds(text: str, into: dict) -> dict:
    """'2' sets every task to 2 s; 'host_create=60,host_stop=0.1' sets those names."""
    result = dict(into)
    for part in text.split(","):
        name, sep, value = part.partition("=")
        seconds = _seconds(value if sep else name, "task seconds")
        if sep:
            result[name.strip()] = seconds
        else:
            result = {"default": seconds}
    return result


def _seconds(value, what: str) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{what}: a number of seconds expected, got {value!r}") from None
    if not 0 <= seconds <= 86400:
        raise ConfigError(f"{what}: {seconds} is out of 0..86400")
    return seconds


@dataclass
class Config:
    admin_password: str = "admin"
    task_seconds: dict = field(default_factory=lambda: dict(DEFAULT_TASK_SECONDS))
    task_lag: float = 0.2          # an empty task list this long after the call
    session_ttl: float = 3600.0    # inactivity before a token stops working
    auth_error: str = "401"        # "401": 401/1000; "403": 403/3001 for a dead session
    busy_mode: str = "queue"       # see hosts.check_not_busy
    fail_next: list = field(default_factory=list)   # [{"name","msg","count","host"?}]

    def duration(self, task_name: str) -> float:
        return self.task_seconds.get(task_name, self.task_seconds.get("default", 0.3))

    def clone(self) -> "Config":
        return copy.deepcopy(self)

    def public(self) -> dict:
        data = asdict(self)
        del data["admin_password"]
        return data

    def update(self, changes: dict) -> None:
        """Applies a POST /__sim__/config body; task_seconds merges by name."""
        unknown = set(changes) - {"task_seconds", "task_lag", "session_ttl", "auth_error",
                                  "busy_mode"}
        if unknown:
            raise ConfigError(f"unknown knobs: {sorted(unknown)}")
        seconds = changes.get("task_seconds", {})
        if not isinstance(seconds, dict):
            raise ConfigError("task_seconds: an object {task name: seconds} expected")
        for name, value in seconds.items():
            self.task_seconds[name] = _seconds(value, f"task_seconds.{name}")
        if "task_lag" in changes:
            self.task_lag = _seconds(changes["task_lag"], "task_lag")
        if "session_ttl" in changes:
            self.session_ttl = _seconds(changes["session_ttl"], "session_ttl")
        self._set_choice(changes, "auth_error", tuple(AUTH_ERRORS))
        self._set_choice(changes, "busy_mode", BUSY_MODES)

    def _set_choice(self, changes: dict, name: str, choices: tuple) -> None:
        if name in changes:
            value = str(changes[name])
            if value not in choices:
                raise ConfigError(f"{name}: one of {list(choices)} expected")
            setattr(self, name, value)

    def take_failure(self, task_name: str, host_id=None):
        """The message of the next injected failure for task_name on host_id (one count used),
        or None. A rule without "host" matches the task on any host."""
        for rule in self.fail_next:
            if rule["name"] == task_name and rule.get("host", host_id) == host_id:
                rule["count"] -= 1
                if rule["count"] <= 0:
                    self.fail_next.remove(rule)
                return rule["msg"]
        return None
