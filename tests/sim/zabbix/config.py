"""The Zabbix simulator's knobs: set at start-up (--knob NAME=VALUE, --variants SEED), changed
at run time through GET/POST /__sim__/config, restored by /__sim__/reset.

The defaults are what real Zabbix 6.0.14 (Debian 12) answered on this machine
(scripts/real-zabbix; README.md, "Checked against real Zabbix"). VARIANTS holds the facts that
/work/shared/api/console-zabbix.md leaves unconfirmed and the shapes a newer Zabbix gives, the
default (6.0.14) first; CHOICES are behaviour switches not drawn by --variants."""
from dataclasses import dataclass

from common.knobs import KnobError, Knobs

ConfigError = KnobError

VARIANTS = {
    # usergroup rights: 6.0 takes only `rights` [O]; 6.2 added `hostgroup_rights` (and kept
    # `rights`), 6.4+ takes only `hostgroup_rights` (reference: "unconfirmed for 6.2+").
    "rights_param": ("rights", "both", "hostgroup_rights"),
    # where the auth token goes: 6.0.14 reads only the body's `auth` [C]; 6.4+ also takes
    # `Authorization: Bearer` (and deprecates `auth`).
    "auth_transport": ("body", "body_or_bearer"),
    # user.login: 6.0 takes `username` and the deprecated `user` [O]; 6.4+ only `username`.
    "login_user_field": ("both", "username"),
    # a secret macro read back: 6.0.14 leaves `value` out [O]; older releases sent a mask.
    "secret_macro_value": ("absent", "masked"),
    # apiinfo.version: Debian's 6.0.14 [O], or a later 6.0 LTS point release from upstream.
    "api_version": ("6.0.14", "6.0.36"),
}

CHOICES = {
    # agent auto-registration (POST /__sim__/agent/register): `cached` applies the actions as
    # they are now; `next_sync` ignores an action created or changed less than
    # cache_update_seconds ago (the server's config cache, reference §2.2: 1.7 s vs 122 s).
    "registration": ("cached", "next_sync"),
    # 5 failed logins block the user for 30 s (Zabbix's default) or never.
    "login_blocking": ("on", "off"),
}

NUMBERS = {"cache_update_seconds": 3600.0, "min_password_length": 64.0,
           "login_block_seconds": 3600.0}


@dataclass
class Config(Knobs):
    VARIANTS, CHOICES, NUMBERS = VARIANTS, CHOICES, NUMBERS
    SECRETS = ("admin_password",)

    admin_password: str = "zabbix"
    rights_param: str = "rights"
    auth_transport: str = "body"
    login_user_field: str = "both"
    secret_macro_value: str = "absent"
    api_version: str = "6.0.14"
    registration: str = "cached"
    login_blocking: str = "on"
    cache_update_seconds: float = 60.0
    min_password_length: float = 8.0
    login_block_seconds: float = 30.0
    variants_seed: object = None
