"""Reading request bodies and query parameters the way the engine does (ovirt.md §3.1,
§3.2): integers and booleans arrive as strings (what the web UI sends) or, most likely, as
JSON numbers and booleans too (knob input_scalars); query booleans take true/t/yes/y/1 and
false/f/no/n/0, an empty value is true and an invalid one is ignored."""
from .errors import syntax

TRUE = ("true", "t", "yes", "y", "1", "")
FALSE = ("false", "f", "no", "n", "0")


def query_flag(query: dict, name: str, default=False) -> bool:
    if name not in query:
        return default
    value = query[name].strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    return default   # ignored with a log line (ParametersHelper)


class Reader:
    """Typed access to a JSON body; a value of the wrong type is a 400 "Request
    syntactically incorrect." naming the service, as Jackson's failure would be."""

    def __init__(self, config, usage: str):
        self.strings_only = config.input_scalars == "strings_only"
        self.usage = usage

    def fail(self):
        return syntax(self.usage)

    def integer(self, value):
        if isinstance(value, bool):
            raise self.fail()
        if isinstance(value, int):
            if self.strings_only:
                raise self.fail()
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        raise self.fail()

    def boolean(self, value):
        if isinstance(value, bool):
            if self.strings_only:
                raise self.fail()
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
            return value.strip().lower() in ("true", "1")
        raise self.fail()

    def text(self, value):
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return str(value)
        raise self.fail()

    def obj(self, value):
        if not isinstance(value, dict):
            raise self.fail()
        return value

    def wrapped_list(self, value, singular: str) -> list:
        """A nested list is {"<singular>": [...]} (§3.2); a bare list is a syntax error."""
        items = self.obj(value).get(singular, [])
        if isinstance(items, dict):
            items = [items]
        if not isinstance(items, list):
            raise self.fail()
        return items


INIT_TEXT = ("host_name", "domain", "timezone", "authorized_ssh_keys", "dns_servers",
             "dns_search", "root_password", "user_name", "custom_script",
             "cloud_init_network_protocol", "windows_license_key", "org_name",
             "active_directory_ou", "input_locale", "ui_language", "system_locale",
             "user_locale")
INIT_BOOL = ("regenerate_ssh_keys", "regenerate_ids")


def initialization(reader: Reader, value) -> dict:
    """An initialization (§5.4) as stored: plain values, nic_configurations as a list."""
    body = reader.obj(value)
    init = {}
    for key, item in body.items():
        if key in INIT_TEXT:
            init[key] = reader.text(item)
        elif key in INIT_BOOL:
            init[key] = reader.boolean(item)
        elif key == "nic_configurations":
            nics = []
            for nic in reader.wrapped_list(item, "nic_configuration"):
                nic = reader.obj(nic)
                entry = {}
                for name in ("name", "boot_protocol", "ipv6_boot_protocol"):
                    if name in nic:
                        entry[name] = reader.text(nic[name])
                if "on_boot" in nic:
                    entry["on_boot"] = reader.boolean(nic["on_boot"])
                for name in ("ip", "ipv6"):
                    if name in nic:
                        entry[name] = {k: reader.text(v) for k, v in reader.obj(nic[name]).items()}
                nics.append(entry)
            init["nic_configurations"] = nics
        elif key == "cloud_init":
            init[key] = reader.obj(item)   # deprecated; kept as given
        else:
            raise reader.fail()
    return init
