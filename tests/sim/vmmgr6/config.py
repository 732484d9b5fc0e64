"""The simulator's knobs: set at start-up from the command line (--knob NAME=VALUE,
--variants SEED), changed at run time through GET/POST /__sim__/config, restored by
/__sim__/reset.

The variant knobs (VARIANTS) vary what /work/shared/api/vmmanager6-replies.md marks likely
or guess; each default is the most likely real shape. See README.md, "Variant knobs"."""
import copy
import random
from dataclasses import asdict, dataclass, field

# Fast defaults for tests; real installs take seconds for power tasks, minutes for create.
DEFAULT_TASK_SECONDS = {"default": 0.3, "host_create": 1.0, "host_reinstall": 1.0}
# auth_error knob: (HTTP status, error code) of the answer to a dead session (§6.20).
AUTH_ERRORS = {"401": (401, 1000), "403": (403, 3001), "1000": (400, 1000)}
BUSY_MODES = ("queue", "reject", "parallel")

# Variant knobs: name -> the values --variants draws from, the default first.
# A name knob (*_task_name) accepts any non-empty string; the listed ones are drawn.
VARIANTS = {
    "create_reply": ("sentinels", "minimal", "nulls"),
    "restart_reply": ("start_task", "both"),
    "password_reply": ("task", "no_task", "task_zero"),
    "owner_reply": ("task", "no_task"),
    "runrecipe_reply": ("full", "task_only", "recipe_only"),
    "recipe_task_name": ("recipe_run", "host_recipe", "run_recipe", "script_run"),
    "password_task_name": ("host_change_password", "host_password", "password_change"),
    "owner_task_name": ("host_change_owner", "host_account", "change_owner"),
    "task_lag": (0.0, 0.5, 2.0),
    "fail_word": ("fail", "failed"),
    "auth_error": ("401", "403", "1000"),
    "os_clusters": ("objects", "ids", "object"),
    "id_types": ("numbers", "strings"),
    "extra_fields": ("off", "on"),
    "field_order": ("sorted", "shuffled"),
    "nullable_fields": ("off", "on"),
    "login_content_type": ("json", "text"),
}
FREE_NAMES = ("recipe_task_name", "password_task_name", "owner_task_name")
OTHER_KNOBS = ("task_seconds", "session_ttl", "busy_mode")
# canonical task name -> the knob holding the name the simulator shows (no source names them)
NAME_KNOBS = {"recipe_run": "recipe_task_name", "host_change_password": "password_task_name",
              "host_change_owner": "owner_task_name"}


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


def parse_knob(text: str) -> dict:
    """'NAME=VALUE' from the command line as a /__sim__/config change."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ConfigError(f"--knob {text!r}: NAME=VALUE expected")
    return {name.strip(): value.strip()}


def _seconds(value, what: str) -> float:
    if isinstance(value, bool):
        raise ConfigError(f"{what}: a number of seconds expected, got {value!r}")
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
    task_lag: float = 0.0          # an empty task list this long after the call (§6.23)
    session_ttl: float = 3600.0    # inactivity before a token stops working
    auth_error: str = "401"        # see AUTH_ERRORS
    busy_mode: str = "queue"       # see hosts.check_not_busy
    create_reply: str = "sentinels"
    restart_reply: str = "start_task"
    password_reply: str = "task"
    owner_reply: str = "task"
    runrecipe_reply: str = "full"
    recipe_task_name: str = "recipe_run"
    password_task_name: str = "host_change_password"
    owner_task_name: str = "host_change_owner"
    fail_word: str = "fail"
    os_clusters: str = "objects"
    id_types: str = "numbers"
    extra_fields: str = "off"
    field_order: str = "sorted"
    nullable_fields: str = "off"
    login_content_type: str = "json"
    variants_seed: object = None   # the --variants seed, or None
    fail_next: list = field(default_factory=list)   # [{"name","msg","count","host"?}]

    def shown_name(self, name: str) -> str:
        """The name a task of canonical name shows (the *_task_name knobs)."""
        knob = NAME_KNOBS.get(name)
        return getattr(self, knob) if knob else name

    def duration(self, task_name: str) -> float:
        return self.task_seconds.get(task_name, self.task_seconds.get("default", 0.3))

    def clone(self) -> "Config":
        return copy.deepcopy(self)

    def public(self) -> dict:
        data = asdict(self)
        del data["admin_password"]
        return data

    def update(self, changes: dict) -> None:
        """Applies a POST /__sim__/config body (all or nothing); task_seconds merges by
        name."""
        unknown = set(changes) - set(VARIANTS) - set(OTHER_KNOBS)
        if unknown:
            raise ConfigError(f"unknown knobs: {sorted(unknown)}")
        trial = self.clone()
        trial._apply(changes)
        self.__dict__.update(trial.__dict__)

    def _apply(self, changes: dict) -> None:
        seconds = changes.get("task_seconds", {})
        if not isinstance(seconds, dict):
            raise ConfigError("task_seconds: an object {task name: seconds} expected")
        for name, value in seconds.items():
            self.task_seconds[name] = _seconds(value, f"task_seconds.{name}")
        if "task_lag" in changes:
            self.task_lag = _seconds(changes["task_lag"], "task_lag")
        if "session_ttl" in changes:
            self.session_ttl = _seconds(changes["session_ttl"], "session_ttl")
        self._set_choice(changes, "busy_mode", BUSY_MODES)
        for name, choices in VARIANTS.items():
            if name == "task_lag" or name not in changes:
                continue
            if name in FREE_NAMES:
                value = changes[name]
                if not isinstance(value, str) or not value.strip():
                    raise ConfigError(f"{name}: a task name expected")
                setattr(self, name, value.strip())
            else:
                self._set_choice(changes, name, choices)

    def _set_choice(self, changes: dict, name: str, choices: tuple) -> None:
        if name in changes:
            value = str(changes[name])
            if value not in choices:
                raise ConfigError(f"{name}: one of {list(choices)} expected")
            setattr(self, name, value)

    def draw_variants(self, seed: int) -> dict:
        """Sets every variant knob to a value drawn from random.Random(seed), in the order of
        VARIANTS; returns the drawn values."""
        rng = random.Random(seed)
        drawn = {name: rng.choice(choices) for name, choices in VARIANTS.items()}
        self.update(drawn)
        self.variants_seed = seed
        return drawn

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
