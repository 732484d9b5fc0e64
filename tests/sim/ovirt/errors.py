"""The engine's error answers (ovirt.md §3.3-3.5): a bare fault {reason, detail} for CRUD, the
action object with a nested fault for actions, an empty-body 404 for a missing entity, HTML
401 for a missing or dead token, and the SSO servlet's own JSON errors."""
from common.messages import ApiError

FAILED = "Operation Failed"

# message key -> (HTTP status, text after "Cannot <action> <type>."); ErrorType per §3.4/3.5.
CATALOG = {
    "NAME_ALREADY_USED": (409, "The VM name is already in use, please choose a unique name "
                               "and try again."),
    "NAME_TOO_LONG": (400, "The given name is too long."),
    "NAME_SPECIAL_CHARS": (400, "The given name contains special characters. Only lower-case "
                                "and upper-case letters, numbers, '_', '-', '.' are allowed."),
    "VM_IS_LOCKED": (409, "VM is locked. Please try again in a few minutes."),
    "STATUS_ILLEGAL": (409, "VM is in {status} status."),
    "VM_IS_RUNNING": (409, "VM is running."),
    "VM_IS_NOT_RUNNING": (409, "VM is not running."),
    "VM_IS_NOT_UP": (409, "VM is not up."),
    "SAVING_RESTORING": (409, "VM is saving/restoring state."),
    "REMOVE_NOT_DOWN": (409, "Cannot remove VM that its state is not down. Please stop the "
                             "VM and try again."),
    "DELETE_PROTECTED": (409, "Delete protection is enabled. In order to delete, disable "
                              "Delete protection first."),
    "DISKS_LOCKED": (409, "The following disks are locked: {disks}. Please try again in a few "
                          "minutes."),
    "NIC_NAME_USED": (409, "The Network Interface name is already in use."),   # [guess]
    "TEMPLATE_LOCKED": (409, "Template is currently locked (temporarily)."),
    "TEMPLATE_ILLEGAL": (409, "Template's image doesn't exist."),
    "TEMPLATE_DOES_NOT_EXIST": (400, "Template does not exist."),
    "LOW_DISK_SPACE": (409, "Low disk space on Storage Domain {domain}."),
    "MIN_MEMORY_EXCEEDS": (400, "Physical Memory Guaranteed cannot exceed Memory Size."),
    "MAX_MEMORY": (409, "Memory size ({memory}MB) cannot exceed maximum memory size "
                        "({max}MB)."),
    "TOO_MANY_CPU": (400, "The number of CPU components exceeds the maximum allowed."),
    "DISK_TOO_SMALL": (400, "New disk size must be larger than the current disk size."),
    "NOT_DIVIDABLE": (400, "Amount of added memory ({added}MiB) is not dividable by 256MiB."),
    "NO_BOOTABLE_DISK": (409, "Cannot run VM without at least one bootable disk.\nAlternatives:"
                              "\n-Create a disk for this VM, and rerun the VM.\n-Change the "
                              "boot sequence to boot from CD or Network.\n-Use 'Run Once' to "
                              "boot from CD or Network."),
}


def text(key: str, action: str, **values) -> str:
    """'Cannot run VM. VM is running.' (STATUS_ILLEGAL reads 'Cannot run VM because …')."""
    _, body = CATALOG[key]
    body = body.format(**values)
    if key == "STATUS_ILLEGAL":
        return f"Cannot {action} because the {body}"
    if key == "REMOVE_NOT_DOWN":
        return body
    return f"Cannot {action}. {body}"


class Refused(Exception):
    """A validation failure; rendered as a bare fault (CRUD) or an action fault (actions)."""

    def __init__(self, key: str, action: str, **values):
        self.status = CATALOG[key][0]
        self.key = key
        self.message = text(key, action, **values)
        super().__init__(self.message)


def bare(status: int, detail: str, reason: str = FAILED) -> ApiError:
    return ApiError(status, {"reason": reason, "detail": detail})


def refused(error: Refused) -> ApiError:
    """Engine validation messages: detail is a Java list printed with brackets (§3.3)."""
    return bare(error.status, f"[{error.message}]")


def action_failed(error: Refused, echoed: dict) -> ApiError:
    body = dict(echoed)
    body.update({"fault": {"reason": FAILED, "detail": f"[{error.message}]"},
                 "status": "failed"})
    return ApiError(error.status, body)


def not_found() -> ApiError:
    """GET/DELETE/PUT of a missing entity: 404 with an empty body (§3.3)."""
    return ApiError(404, None)


def incomplete(kind: str, fields: list, verb: str = "add") -> ApiError:
    return bare(400, f"{kind} [{', '.join(fields)}] required for {verb}",
                "Incomplete parameters")


def syntax(usage: str) -> ApiError:
    return bare(400, f"For correct usage, see: https://engine.example/ovirt-engine/apidoc"
                     f"#services/{usage}", "Request syntactically incorrect.")


def entity_not_found(what: str) -> ApiError:
    return bare(404, f"Entity not found: {what}")


def malformed_id(value: str) -> ApiError:
    return bare(400, f"Invalid UUID string: {value}", "Operation failed")


def invalid_value(value: str, enum: str) -> ApiError:
    return bare(400, f"{value} is not a member of {enum}", "Invalid value")


HTML_401 = {
    "invalid_grant": ("<html><head><title>Error</title></head><body>invalid_grant: The provided "
                      "authorization grant for the auth code has expired.</body></html>"),
    "apache": ('<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>401 '
               'Unauthorized</title>\n</head><body>\n<h1>Unauthorized</h1>\n<p>This server could '
               'not verify that you\nare authorized to access the document\nrequested.</p>\n'
               '</body></html>\n'),
    "empty": "",
}


def unauthorized(variant: str) -> ApiError:
    """No, unknown or expired token: 401, HTML, WWW-Authenticate (§2.1; the body varies,
    §13 [I], knob html_401)."""
    return ApiError(401, HTML_401[variant].encode(), [
        ("Content-Type", "text/html;charset=UTF-8"),
        ("WWW-Authenticate", 'Basic realm="RESTAPI"')])


def sso_error(config, code: str, message: str) -> ApiError:
    """The SSO servlet's error (§2.1): 400 (or 401 as the pysdk tests mock it) with
    {"error_code","error"} or {"error","error_description"}."""
    if config.sso_error_shape == "error_code":
        body = {"error_code": code, "error": message}
    else:
        body = {"error": code, "error_description": message}
    return ApiError(int(config.sso_error_status), body)
