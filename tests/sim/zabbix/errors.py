"""JSON-RPC error objects as Zabbix 6.0.14 renders them (CJsonRpc; strings observed on real
Zabbix, README.md "Checked against real Zabbix")."""

PARSE = (-32700, "Parse error")
INVALID_REQUEST = (-32600, "Invalid request.")
NO_METHOD = (-32601, "Method not found.")
PARAMS = (-32602, "Invalid params.")
APPLICATION = (-32500, "Application error.")
INTERNAL = (-32603, "Internal error.")

NO_OBJECT = "No permissions to referred object or it does not exist!"


class RpcError(Exception):
    """A Zabbix API error: the JSON-RPC error object {code, message, data}."""

    def __init__(self, kind: tuple, data: str):
        super().__init__(data)
        self.code, self.message = kind
        self.data = data

    def body(self) -> dict:
        return {"code": self.code, "message": self.message, "data": self.data}


def params(data: str) -> RpcError:
    return RpcError(PARAMS, data)


def application(data: str) -> RpcError:
    return RpcError(APPLICATION, data)


def no_object() -> RpcError:
    return RpcError(APPLICATION, NO_OBJECT)


def exists(text: str) -> RpcError:
    """The duplicate-name errors: -32602 with the object's own sentence."""
    return RpcError(PARAMS, text)


def missing(path: str, name: str) -> RpcError:
    return params(f'Invalid parameter "{path}": the parameter "{name}" is missing.')


def unexpected(path: str, name: str) -> RpcError:
    return params(f'Invalid parameter "{path}": unexpected parameter "{name}".')


def invalid(path: str, what: str) -> RpcError:
    return params(f'Invalid parameter "{path}": {what}.')
