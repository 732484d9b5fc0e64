"""The oVirt simulator's knobs: set at start-up (--knob NAME=VALUE, --variants SEED,
--time-scale, --seconds), changed at run time through GET/POST /__sim__/config, restored by
/__sim__/reset.

VARIANTS holds one knob per fact /work/shared/api/ovirt.md marks inferred [I], unsure or
contradicted between sources; the first value is the default (the most likely real shape).
README.md lists each with the reference line it comes from."""
from dataclasses import dataclass, field

from common.knobs import KnobError, Knobs

ConfigError = KnobError

# Realistic durations in seconds (issue 12: thin copy 30 s, first boot 40 s, disk extend
# 10 s); every one is multiplied by time_scale, so tests run them scaled down.
DEFAULT_SECONDS = {
    "create_thin": 30.0,     # image_locked / disks locked after POST /vms (thin copy)
    "create_clone": 120.0,   # the same with ?clone=true (full copy)
    "launch": 5.0,           # wait_for_launch
    "power_up": 35.0,        # powering_up (launch + power_up = a 40 s boot)
    "power_down": 5.0,       # stop: powering_down
    "shutdown": 15.0,        # shutdown: powering_down (ACPI)
    "reboot": 20.0,          # reboot_in_progress
    "suspend": 15.0,         # saving_state
    "restore": 15.0,         # restoring_state
    "disk_extend": 10.0,     # a disk locked while it grows
    "delete": 10.0,          # a deleted VM stays visible (image_locked) this long
    "job_lag": 2.0,          # a job ends this long after its disks read ok (ref. l. 320)
    "agent_ip": 10.0,        # the guest agent reports addresses this long after up
}

# name -> values, the default first.
VARIANTS = {
    "create_status": ("202", "201"),
    "creation_status": ("pending", "in_progress"),
    "empty_collection": ("absent", "empty_list"),
    "input_scalars": ("coerce", "strings_only"),
    "html_401": ("invalid_grant", "apache", "empty"),
    "sso_error_shape": ("error_code", "error_description"),
    "sso_error_status": ("400", "401"),
    "token_exp": ("max_long", "valid_to"),
    "template_init": ("inherit", "none"),
    "name_reserved": ("until_gone", "at_delete"),
    "suspend_status": ("202", "200"),
    "disk_put_reply": ("stale", "updated"),
    "hotplug_odd_memory": ("next_run", "400"),
    "search_case_default": ("insensitive", "sensitive"),
    "action_job": ("link", "none"),
    "job_description": ("engine", "generic"),
    "init_update": ("replace", "merge"),
}
# Behaviour knobs that are not variants of an unsure fact (not drawn by --variants).
CHOICES = {
    "guest_shutdown": ("obey", "ignore"),   # the guest acts on ACPI shutdown or not
    "guest_agent": ("on", "off"),           # reported_devices get addresses after up
}
NUMBERS = {"time_scale": 100.0, "token_ttl": 1e7, "storage_available": 1e16,
           "low_space_blocker": 1e16}

GIB = 1 << 30


@dataclass
class Config(Knobs):
    VARIANTS, CHOICES, NUMBERS, DURATIONS = VARIANTS, CHOICES, NUMBERS, DEFAULT_SECONDS
    SECRETS = ("admin_password",)

    admin_password: str = "admin"
    seconds: dict = field(default_factory=lambda: dict(DEFAULT_SECONDS))
    time_scale: float = 1.0
    token_ttl: float = 360000.0            # SSO_TOKEN_TIMEOUT, idle seconds (ref. l. 100)
    storage_available: float = 2048.0 * GIB   # data1 free bytes ("storage low": lower it)
    low_space_blocker: float = 5.0 * GIB   # critical_space_action_blocker (5 GiB)
    create_status: str = "202"
    creation_status: str = "pending"
    empty_collection: str = "absent"
    input_scalars: str = "coerce"
    html_401: str = "invalid_grant"
    sso_error_shape: str = "error_code"
    sso_error_status: str = "400"
    token_exp: str = "max_long"
    template_init: str = "inherit"
    name_reserved: str = "until_gone"
    suspend_status: str = "202"
    disk_put_reply: str = "stale"
    hotplug_odd_memory: str = "next_run"
    search_case_default: str = "insensitive"
    action_job: str = "link"
    job_description: str = "engine"
    init_update: str = "replace"
    guest_shutdown: str = "obey"
    guest_agent: str = "on"
    variants_seed: object = None

    def duration(self, kind: str) -> float:
        return self.seconds[kind] * self.time_scale
