"""Secret masking for everything the simulators record: passwords and tokens never appear
in clear in the request log or the state dump."""

MASK = "***"
SECRET_WORDS = ("password", "passwd", "adminpass", "token", "secret", "cookie", "xsrf",
                "credential", "authorization")


def is_secret_key(key: str) -> bool:
    lowered = str(key).lower()
    return any(word in lowered for word in SECRET_WORDS)


def _is_secret_pair(value: dict) -> bool:
    """{"name": "DB_PASSWORD", "value": "…"}: parameters passed as name/value pairs."""
    return isinstance(value.get("name"), str) and is_secret_key(value["name"])


def mask_json(value):
    """A copy of a JSON value with the values of secret-looking keys replaced by MASK."""
    if isinstance(value, dict):
        secret_pair = _is_secret_pair(value)
        return {k: (MASK if (is_secret_key(k) or (secret_pair and k == "value"))
                    and v is not None else mask_json(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [mask_json(item) for item in value]
    return value


def mask_query(query: dict) -> dict:
    return {k: (MASK if is_secret_key(k) else v) for k, v in query.items()}
