"""JSON body schemas: declared properties, types and required fields.

Real APIs of this kind validate bodies against a schema and reject properties they do not
know; a simulator that quietly accepted them would hide client bugs. validate() raises
SchemaError with a kind the App turns into its own error body:
  'unexpected' a property the schema does not declare
  'missing'    a required property is absent
  'type'       wrong JSON type (an integer sent as a string, a bool for an int…)
  'value'      right type, value out of range or not among the choices
"""
from dataclasses import dataclass, field


class SchemaError(ValueError):
    def __init__(self, kind: str, path: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.path = path


@dataclass
class Field:
    kind: str                       # int | str | bool | list | object | any
    required: bool = False
    nullable: bool = False
    low: object = None              # int: minimum; str/list: minimum length
    high: object = None
    choices: tuple = ()
    item: object = None             # list: the Field of its elements
    props: dict = field(default_factory=dict)   # object: name -> Field


def Int(required=False, low=None, high=None, nullable=False):
    return Field("int", required, nullable, low, high)


def Str(required=False, low=None, high=None, choices=(), nullable=False):
    return Field("str", required, nullable, low, high, tuple(choices))


def Bool(required=False):
    return Field("bool", required)


def Any(required=False):
    return Field("any", required, nullable=True)


def List(item, required=False, low=None, high=None):
    return Field("list", required, False, low, high, item=item)


def Object(props: dict, required=False):
    return Field("object", required, props=props)


_PYTHON_TYPES = {"int": int, "str": str, "bool": bool, "list": list, "object": dict}
_TYPE_NAMES = {"int": "an integer", "str": "a string", "bool": "a boolean",
               "list": "an array", "object": "an object"}


def _join(path: str, name) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else name


def _check_type(spec: Field, value, path: str) -> None:
    wanted = _PYTHON_TYPES[spec.kind]
    wrong = not isinstance(value, wanted) or (spec.kind == "int" and isinstance(value, bool))
    if wrong:
        raise SchemaError("type", path, f"'{path}' must be {_TYPE_NAMES[spec.kind]}")


def _check_range(spec: Field, value, path: str) -> None:
    size = value if spec.kind == "int" else len(value)
    if spec.low is not None and size < spec.low:
        raise SchemaError("value", path, f"'{path}' is below the minimum {spec.low}")
    if spec.high is not None and size > spec.high:
        raise SchemaError("value", path, f"'{path}' is above the maximum {spec.high}")
    if spec.choices and value not in spec.choices:
        raise SchemaError("value", path, f"'{path}' must be one of {list(spec.choices)}")


def validate_value(spec: Field, value, path: str) -> None:
    if spec.kind == "any" or (value is None and spec.nullable):
        return
    _check_type(spec, value, path)
    if spec.kind in ("int", "str", "list"):
        _check_range(spec, value, path)
    if spec.kind == "list":
        for index, element in enumerate(value):
            validate_value(spec.item, element, _join(path, index))
    elif spec.kind == "object":
        validate_object(spec.props, value, path)


def validate_object(props: dict, value: dict, path: str = "") -> None:
    for name in value:
        if name not in props:
            where = _join(path, name)
            raise SchemaError("unexpected", where, f"Unexpected property '{where}'")
    for name, spec in props.items():
        if name in value:
            validate_value(spec, value[name], _join(path, name))
        elif spec.required:
            where = _join(path, name)
            raise SchemaError("missing", where, f"Missing required property '{where}'")


def validate(props: dict, body) -> None:
    """Checks a request body (a JSON object) against the properties of an endpoint."""
    if not isinstance(body, dict):
        raise SchemaError("type", "", "the body must be a JSON object")
    validate_object(props, body)
