"""The simulator's knobs: set at start-up from the command line, changed at run time through
GET/POST /__sim__/config, restored by /__sim__/reset."""
import copy
from dataclasses import asdict, dataclass, field

# Fast defaults for tests; a real cloud takes tens of seconds to build a server or an LB.
DEFAULT_SECONDS = {
    "server_build": 1.0, "server_delete": 0.5, "server_stop": 0.3, "server_start": 0.3,
    "volume_create": 0.5, "volume_delete": 0.5, "lb_create": 1.0, "lb_delete": 0.5,
    # Nova: BUILD/scheduling, the instance not yet mapped to a cell (real Zed: ~1 s); at
    # most half of server_build
    "server_schedule": 0.3,
    # Nova: a deleted server shows DELETED for this long before 404 (real Zed: ~0.2 s)
    "server_deleted": 0.1,
    # Octavia: PENDING_UPDATE after a PUT or a listener change (real Zed: 0.4-1 s)
    "lb_update": 0.3,
    # Cinder: a volume has no host for its first ~100 ms, and a DELETE then is accepted
    "volume_schedule": 0.1,
}
# login_blank: the next logins answer 201 with a token whose body has every string blanked
# (user id, catalog URLs, expiry…), as a broken proxy or a Keystone glitch might.
FAILABLE = ("server_build", "volume_create", "lb_create", "volume_delete", "login_blank")
NEXT_LINK_MODES = ("full_page", "when_more")
# Variants of facts the real tier showed one way and other clouds may show another
# (README "Variants"): catalog URLs, catalog types of Cinder, region keys of endpoints, the
# form of a token's times, Keystone's list_limit.
VARIANTS = {
    "catalog_urls": ("plain", "versionless", "versioned"),
    "volume_types": ("both", "volumev3", "block-storage"),
    "endpoint_region": ("both", "region_id", "region"),
    "token_times": ("micro_z", "plain_z", "offset"),
    # Keystone's revocation event of a password change refuses tokens issued in the same
    # second (observed, FINDINGS §12); a user's disable writing the same event is inferred
    # (api/console-zabbix.md §3.4); none: no such event
    "same_second_revocation": ("password", "password_and_disable", "none"),
}


class ConfigError(ValueError):
    pass


def _seconds(value, what: str) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{what}: a number of seconds expected, got {value!r}") from None
    if not 0 <= seconds <= 86400:
        raise ConfigError(f"{what}: {seconds} is out of 0..86400")
    return seconds


def parse_seconds(text: str, into: dict) -> dict:
    """'2' sets every duration to 2 s; 'server_build=60,lb_create=5' sets those named."""
    result = dict(into)
    for part in text.split(","):
        name, sep, value = part.partition("=")
        if not sep:
            seconds = _seconds(name, "seconds")
            result = {kind: seconds for kind in DEFAULT_SECONDS}
            continue
        name = name.strip()
        if name not in DEFAULT_SECONDS:
            raise ConfigError(f"unknown duration '{name}': one of {sorted(DEFAULT_SECONDS)}")
        result[name] = _seconds(value, name)
    return result


def _positive_int(value, what: str, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{what}: an integer >= {low} expected")
    return value


@dataclass
class Config:
    admin_password: str = "admin"
    seconds: dict = field(default_factory=lambda: dict(DEFAULT_SECONDS))
    token_ttl: float = 3600.0        # Keystone [token] expiration
    page_cap: int = 1000             # Nova/Cinder osapi max_limit, Octavia pagination_max_limit
    neutron_pagination: bool = True  # off: limit/marker ignored, everything at once
    next_links: str = "full_page"    # full_page: as the real services; when_more: only if more
    catalog_urls: str = "plain"      # plain | versionless | versioned (see VARIANTS)
    volume_types: str = "both"       # Cinder's catalog types: both | volumev3 | block-storage
    endpoint_region: str = "both"    # endpoint keys: both | region_id | region
    token_times: str = "micro_z"     # expires_at/issued_at: micro_z | plain_z | offset
    same_second_revocation: str = "password"   # password | password_and_disable | none
    keystone_list_limit: int = 0     # Keystone [DEFAULT] list_limit; 0: lists are whole
    fail_next: dict = field(default_factory=dict)   # kind -> [message, …]

    def duration(self, kind: str) -> float:
        return self.seconds.get(kind, 0.0)

    def clone(self) -> "Config":
        return copy.deepcopy(self)

    def public(self) -> dict:
        data = asdict(self)
        del data["admin_password"]
        return data

    def update(self, changes: dict) -> None:
        """Applies a POST /__sim__/config body; seconds merges by name."""
        known = {"seconds", "token_ttl", "page_cap", "neutron_pagination", "next_links",
                 "keystone_list_limit"} | set(VARIANTS)
        unknown = set(changes) - known
        if unknown:
            raise ConfigError(f"unknown knobs: {sorted(unknown)}")
        seconds = changes.get("seconds", {})
        if not isinstance(seconds, dict):
            raise ConfigError("seconds: an object {kind: seconds} expected")
        for name, value in seconds.items():
            if name not in DEFAULT_SECONDS:
                raise ConfigError(f"unknown duration '{name}': one of {sorted(DEFAULT_SECONDS)}")
            self.seconds[name] = _seconds(value, f"seconds.{name}")
        if "token_ttl" in changes:
            self.token_ttl = _seconds(changes["token_ttl"], "token_ttl")
        if "page_cap" in changes:
            self.page_cap = _positive_int(changes["page_cap"], "page_cap")
        if "neutron_pagination" in changes:
            if not isinstance(changes["neutron_pagination"], bool):
                raise ConfigError("neutron_pagination: true or false expected")
            self.neutron_pagination = changes["neutron_pagination"]
        if "next_links" in changes:
            if changes["next_links"] not in NEXT_LINK_MODES:
                raise ConfigError(f"next_links: one of {list(NEXT_LINK_MODES)} expected")
            self.next_links = changes["next_links"]
        for name, values in VARIANTS.items():
            if name in changes:
                if changes[name] not in values:
                    raise ConfigError(f"{name}: one of {list(values)} expected")
                setattr(self, name, changes[name])
        if "keystone_list_limit" in changes:
            self.keystone_list_limit = _positive_int(changes["keystone_list_limit"],
                                                     "keystone_list_limit", low=0)

    def add_failures(self, kind: str, count: int, message: str) -> None:
        if kind not in FAILABLE:
            raise ConfigError(f"kind: one of {list(FAILABLE)} expected")
        _positive_int(count, "count")
        self.fail_next.setdefault(kind, []).extend([message] * count)

    def take_failure(self, kind: str):
        """The message of the next injected failure for kind (used up), or None."""
        pending = self.fail_next.get(kind)
        if not pending:
            return None
        message = pending.pop(0)
        if not pending:
            del self.fail_next[kind]
        return message
