"""Timestamps as each service writes them."""
import datetime
import functools

_UTC = datetime.timezone.utc


def _dt(t: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(t, _UTC)


@functools.lru_cache(maxsize=8192)
def keystone(t: float) -> str:
    """2026-11-22T08:08:08.000000Z (token expires_at / issued_at: whole seconds)."""
    return _dt(t).strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def token(form: str, t: float) -> str:
    """A token time in the form of knob token_times: micro_z (Keystone's, the default),
    plain_z (2026-11-22T08:08:08Z) or offset (2026-11-22T08:08:08.000000+00:00)."""
    if form == "plain_z":
        return zulu(t)
    if form == "offset":
        return keystone(t)[:-1] + "+00:00"
    return keystone(t)


@functools.lru_cache(maxsize=8192)
def zulu(t: float) -> str:
    """2026-11-22T08:08:08Z (Nova created/updated, Neutron, Glance)."""
    return _dt(t).strftime("%Y-%m-%dT%H:%M:%SZ")


@functools.lru_cache(maxsize=8192)
def micro(t: float) -> str:
    """2026-11-22T08:08:08.123456 (Cinder, Nova launched_at and usage)."""
    return _dt(t).strftime("%Y-%m-%dT%H:%M:%S.%f")


@functools.lru_cache(maxsize=8192)
def plain(t: float) -> str:
    """2026-11-22T08:08:08 (Octavia)."""
    return _dt(t).strftime("%Y-%m-%dT%H:%M:%S")


def opt(fmt, t):
    return None if t is None else fmt(t)
