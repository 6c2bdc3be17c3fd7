"""Request bodies → plain engine input, walking the operation's request schema like Slurm's data_parser.

slurmrestd is lenient where a JSON-schema validator is strict, and its rules were measured on real 24.11.5
and 26.05.5 daemons (the same on both):

- unknown fields are ignored with a warning;
- a scalar of another type is a warning, `Expected OpenAPI type=integer format=int32 (Slurm type=64 bit
  integer) but got OpenAPI type=string (Slurm type=string): "x"`; the value is converted when data_t can
  (`"3"` or `1.5` → 3, `5` → `"5"`, `"x"` → a boolean) and otherwise the parse fails with no error entry of
  its own (the handler decides: a submit answers 200 and submits nothing, an update is refused);
- some failures are errors: a non-number for a `{set, infinite, number}` field (9202), a bad timestamp (9202),
  a scalar where a list of flags is expected (9206), an object where a list is expected (9208), a scalar
  where an object is expected (9209), an unknown flag (9207).

Sources are JSON paths with a trailing slash (`#/job/tasks/`), as slurmrestd writes them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from ..engine.values import INFINITE
from ..errors import error_text
from .renderer import is_noval

_INFINITE_WORDS = {"infinite", "unlimited"}
# list fields whose parser wants a real list: a scalar there is an error, not a one-item list
_ENV_FIELDS = {"environment"}


@dataclass
class ParseResult:
    value: object = None
    warnings: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    # a value could not be used (a warning said why); nothing should be done with this body
    failed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.failed


class _Unusable(Exception):
    """A value of the wrong type that data_t could not convert: already warned about."""


def _openapi_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


# OpenAPI type -> the name Slurm's data_t gives it (data_type_to_string())
_SLURM_TYPE = {"integer": "64 bit integer", "number": "floating point number", "string": "string",
               "boolean": "boolean", "array": "list", "object": "dictionary"}


def _type_name(value) -> str:
    """The name Slurm's data_t gives the value's type."""
    return "null" if value is None else _SLURM_TYPE[_openapi_type(value)]


def _json(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def parser_name(schema_name: str | None) -> str:
    """`v0.0.44_job_desc_msg` → `DATA_PARSER_JOB_DESC_MSG`, the name slurmrestd's warnings use."""
    if not schema_name:
        return "DATA_PARSER_UNKNOWN"
    base = schema_name.split("_", 1)[1] if schema_name.startswith("v0.0.") else schema_name
    return "DATA_PARSER_" + base.upper()


_RELATIVE = re.compile(r"^now(?:\s*([+-])\s*(\d+)\s*(seconds?|minutes?|hours?|days?|weeks?)?)?$", re.I)
_UNIT = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}


_FRACTION = re.compile(r"^\d+\.\d*$")


def parse_timestamp(text: str, now: float | None = None) -> int | None:
    """A time string as Slurm's parse_time() takes it (the common forms): a UNIX time, `now[+N units]`,
    an ISO date and time. None when it cannot."""
    text = text.strip()
    if text.isdecimal():
        return int(text)
    if _FRACTION.match(text):      # `1796185656.354474` (a client library sends time.time()): that second
        return int(float(text))
    m = _RELATIVE.match(text)
    if m:
        base = int(now if now is not None else datetime.now().timestamp())
        if not m.group(1):
            return base
        unit = _UNIT[(m.group(3) or "second").lower().rstrip("s")]
        return base + (1 if m.group(1) == "+" else -1) * int(m.group(2)) * unit
    try:
        return int(datetime.fromisoformat(text).timestamp())
    except ValueError:
        return None


def check_flags(values: list, allowed, path: str) -> tuple[list, list[dict]]:
    """A list of flags, from a body or a query: matched case-insensitively and kept in the spec's spelling;
    each unknown one is error 9207 `Unknown flag "X"` at `path[i]/`. Returns (known values, errors)."""
    spelling = {str(a).upper(): a for a in allowed}
    known, errors = [], []
    for i, v in enumerate(values):
        if not isinstance(v, str):
            known.append(v)
        elif v.upper() in spelling:
            known.append(spelling[v.upper()])
        else:
            errors.append({"description": f'Unknown flag "{v}"', "error_number": 9207, "error": error_text(9207),
                           "source": f"{path}[{i}]/"})
    return known, errors


def _is_timestamp(prop: dict | None) -> bool:
    return bool(prop) and "UNIX timestamp" in (prop.get("description") or "")


class _Parser:
    def __init__(self, document: dict):
        self.schemas = document.get("components", {}).get("schemas", {})
        self.warnings: list = []
        self.errors: list = []
        self.failed = False

    def deref(self, schema: dict, name: str | None = None):
        while isinstance(schema, dict) and "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.schemas.get(name, {})
        if isinstance(schema, dict) and "allOf" in schema and len(schema["allOf"]) == 1:
            return self.deref(schema["allOf"][0], name)
        return schema, name

    def error(self, description: str, path: str, code: int = 9000):
        self.failed = True
        self.errors.append({"description": description, "error_number": code, "error": error_text(code),
                            "source": f"{path}/"})

    def mismatch(self, schema: dict, value, path: str) -> None:
        """slurmrestd's warning for a value of another type than the field's."""
        kind = schema.get("type", "object")
        declared = schema.get("format") or schema.get("x-slurm-format")     # see specs.normalise
        fmt = f" format={declared}" if declared else ""
        got = _openapi_type(value)
        self.warnings.append({
            "description": f"Expected OpenAPI type={kind}{fmt} (Slurm type={_SLURM_TYPE.get(kind, kind)}) but "
                           f"got OpenAPI type={got} (Slurm type={_type_name(value)}): {_json(value)}",
            "source": f"{path}/"})

    def parse(self, schema: dict, value, path: str, name: str | None = None, prop: dict | None = None):
        try:
            return self._parse(schema, value, path, name, prop)
        except _Unusable:
            self.failed = True
            return None

    def _parse(self, schema, value, path, name, prop):
        outer = schema
        schema, name = self.deref(schema, name)
        if is_noval(schema):
            return self.noval(schema, value, path, _is_timestamp(prop or outer))
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            return self.obj(schema, value, path, name)
        if kind == "array":
            return self.array(schema, value, path)
        if value is None:
            return None
        if kind == "integer" and _is_timestamp(prop or outer) and isinstance(value, str):
            return self.timestamp(value, path)
        if kind in ("integer", "number", "boolean", "string"):
            return self.scalar(schema, value, path)
        return value

    def array(self, schema, value, path):
        if value is None:
            return None
        items = schema.get("items", {})
        target, _ = self.deref(items)
        objects = (target.get("type") == "object" or "properties" in target) and not is_noval(target)
        key = path.rsplit("/", 1)[-1]
        if isinstance(value, dict):
            if key in _ENV_FIELDS and not objects:       # an environment may be given as a map
                self.mismatch(schema, value, path)
                return [f"{k}={v}" for k, v in value.items()]
            self.error("Expected List but found a dictionary", path, 9208)
            return None
        if not isinstance(value, list):
            if objects:
                self.error(f"Rejecting {_type_name(value)} when dictionary expected", f"{path}[0]", 9209)
                return None
            if target.get("enum") is not None:            # a list of flags: one flag may come alone
                if not isinstance(value, str):
                    self.error(f"Expected a List but found a {_type_name(value)}", path, 9206)
                    return None
                value = [v for v in value.split(",") if v]
            elif key in _ENV_FIELDS:
                self.mismatch(schema, value, path)
                self.error(f"expected a list of strings but got {_json(value)}", path, 9208)
                return None
            else:
                self.mismatch(schema, value, path)
                value = [v for v in value.split(",") if v] if isinstance(value, str) else \
                    [_json(value) if isinstance(value, bool) else str(value)]
        if target.get("enum") is not None:
            value, unknown = check_flags(value, target["enum"], path)
            if unknown:
                self.failed = True
                self.errors.extend(unknown)
        out = [self.parse(items, v, f"{path}[{i}]") for i, v in enumerate(value)]
        if not objects:             # json-c's null in a list of names or numbers names nothing
            out = [v for v in out if v is not None]
        if objects:
            for i, v in enumerate(value):       # a null where a list holds objects names nothing
                if v is None:
                    self.error("Expected dictionary but got null", f"{path}[{i}]", 9209)
        return out

    def obj(self, schema, value, path, name):
        if value is None:
            return None
        if not isinstance(value, dict):
            self.error(f"Rejecting {_type_name(value)} when dictionary expected", path, 9209)
            return None
        props = schema.get("properties") or {}
        if not props and path.rsplit("/", 1)[-1] in _ENV_FIELDS:    # v0.0.38: a map; the engine's a list
            return [f"{k}={v}" for k, v in value.items()]
        out = {}
        for key, item in value.items():
            sub = props.get(key)
            if sub is None and schema.get("additionalProperties"):
                out[key] = item
                continue
            # an inline (unnamed) object is flattened into its parent's fields by data_parser, so a
            # scalar where it expects one is just another field it does not know
            if sub is None or (not isinstance(item, dict) and item is not None and self._inline_object(sub)):
                self.unknown(key, item, f"{path}/{key}", name)
                continue
            out[key] = self.parse(sub, item, f"{path}/{key}", prop=sub)
        for req in schema.get("required") or []:
            if req not in value and "/" not in req:
                self.error(f"Missing required field '{req}' in dictionary", f"{path}/{req}", 9200)
        return out

    def unknown(self, key: str, value, path: str, name: str | None) -> None:
        """slurmrestd's warning for a field it ignores; for a dictionary, one per leaf inside it."""
        if isinstance(value, dict) and value:
            for k, v in value.items():
                self.unknown(k, v, f"{path}/{k}", name)
            return
        self.warnings.append({"description": f'Ignoring unknown field "{key}" of type {_type_name(value)} in '
                                             f'{parser_name(name)}', "source": f"{path}/"})

    def _inline_object(self, sub: dict) -> bool:
        target, target_name = self.deref(sub)
        return target_name is None and (target.get("type") == "object" or "properties" in target) \
            and not is_noval(target)

    def noval(self, schema, value, path, timestamp: bool):
        """`{set, infinite, number}` fields take the object, a bare number or a word; a string that is
        none of these is error 9202 (a time string, for timestamps)."""
        if value is None:
            return None
        number = schema["properties"]["number"]
        if isinstance(value, dict):
            if value.get("infinite"):
                return INFINITE
            if value.get("set") is False:
                return None
            # data_parser reads the number as a 64-bit integer whatever the spec declares
            return self.parse(dict(number, **{"x-slurm-format": "int64"}) if number.get("type") == "integer"
                              else number, value.get("number"), f"{path}/number")
        if isinstance(value, str):
            if value.strip().lower() in _INFINITE_WORDS:
                return INFINITE
            if timestamp:
                return self.timestamp(value, path)
            try:
                return float(value) if number.get("type") == "number" else int(value.strip(), 10)
            except ValueError:
                self.error(f"Expected integer but got {_json(value)}", path, 9202)
                return None
        return self.scalar(number, value, path)

    def timestamp(self, value: str, path: str):
        stamp = parse_timestamp(value)
        if stamp is None:
            self.error(f"Parsing of {value} for timestamp failed", path, 9202)
        return stamp

    def scalar(self, schema, value, path):
        kind = schema.get("type")
        if kind == "integer":
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            self.mismatch(schema, value, path)
            if isinstance(value, float):
                return int(value)
            if isinstance(value, str):
                try:
                    return int(value.strip(), 10)
                except ValueError:
                    pass
            raise _Unusable
        if kind == "number":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return value
            self.mismatch(schema, value, path)
            if isinstance(value, str):
                try:
                    return float(value)
                except ValueError:
                    pass
            raise _Unusable
        if kind == "boolean":
            if isinstance(value, bool):
                return value
            self.mismatch(schema, value, path)
            if isinstance(value, str):      # a word data_t does not know is warned about and ignored
                word = value.strip().lower()
                return True if word in ("true", "yes", "y", "1") else False if word in ("false", "no", "n", "0") \
                    else None
            if isinstance(value, (int, float)):
                return bool(value)
            raise _Unusable
        # string
        if isinstance(value, str):
            return value
        self.mismatch(schema, value, path)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        raise _Unusable


def parse_body(document: dict, schema: dict, body, *, path: str = "#") -> ParseResult:
    """Parse `body` against `schema` (a `$ref` or inline schema) of `document`."""
    if body is None or not schema:
        return ParseResult(value=body)
    p = _Parser(document)
    value = p.parse(schema, body, path)
    return ParseResult(value=value, warnings=p.warnings, errors=p.errors, failed=p.failed)
