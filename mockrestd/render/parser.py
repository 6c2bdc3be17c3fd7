"""Request bodies → plain engine input, walking the operation's request schema like Slurm's data_parser.

slurmrestd is lenient where a JSON-schema validator is strict: unknown fields are ignored with a warning,
`"tasks": "1"` is a number, a number may come as `{set, infinite, number}`. It refuses a value of the wrong
kind (`"tasks": "two"`) with a warning and does nothing. This module reproduces those rules for any version."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine.values import INFINITE
from ..errors import error_text
from .renderer import is_noval

_INFINITE_WORDS = {"infinite", "unlimited"}


@dataclass
class ParseResult:
    value: object = None
    warnings: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Bad(Exception):
    pass


def _type_name(value) -> str:
    """The name Slurm's data_t gives the value's type (data_type_to_string())."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "64 bit integer"
    if isinstance(value, float):
        return "64 bit floating point"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "dictionary"


def parser_name(schema_name: str | None) -> str:
    """`v0.0.44_job_desc_msg` → `DATA_PARSER_JOB_DESC_MSG`, the name slurmrestd's warnings use."""
    if not schema_name:
        return "DATA_PARSER_UNKNOWN"
    base = schema_name.split("_", 1)[1] if schema_name.startswith("v0.0.") else schema_name
    return "DATA_PARSER_" + base.upper()


class _Parser:
    def __init__(self, document: dict):
        self.schemas = document.get("components", {}).get("schemas", {})
        self.warnings: list = []
        self.errors: list = []

    def deref(self, schema: dict, name: str | None = None):
        while isinstance(schema, dict) and "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.schemas.get(name, {})
        if isinstance(schema, dict) and "allOf" in schema and len(schema["allOf"]) == 1:
            return self.deref(schema["allOf"][0], name)
        return schema, name

    def error(self, description: str, path: str, code: int = 9000):
        self.errors.append({"description": description, "error_number": code, "error": error_text(code),
                            "source": path})

    def parse(self, schema: dict, value, path: str, name: str | None = None):
        schema, name = self.deref(schema, name)
        if is_noval(schema):
            return self.noval(schema, value, path)
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            return self.obj(schema, value, path, name)
        if kind == "array":
            if value is None:
                return None
            items = schema.get("items", {})
            if isinstance(value, dict):
                value = [value]
            elif not isinstance(value, list):
                _, item_name = self.deref(items)
                if isinstance(value, str) and item_name is None and (name or "").endswith("csv_string"):
                    value = [v for v in value.split(",") if v]
                else:
                    value = [value]
            out = [self.parse(items, v, f"{path}[{i}]") for i, v in enumerate(value)]
            target, _ = self.deref(items)
            if (target.get("type") == "object" or "properties" in target) and not is_noval(target):
                for i, v in enumerate(value):       # a null where a list holds objects names nothing
                    if v is None:
                        self.error("Expected dictionary but got null", f"{path}[{i}]", 9209)
            return out
        if value is None:
            return None
        if kind == "integer":
            return self.integer(value, path)
        if kind == "number":
            return self.number(value, path)
        if kind == "boolean":
            return self.boolean(value, path)
        if kind == "string":
            if isinstance(value, (dict, list)):
                self.error(f"Expected string but got {_type_name(value)}", path)
                return None
            if isinstance(value, bool):
                return "true" if value else "false"
            return value if isinstance(value, str) else str(value)
        return value

    def obj(self, schema, value, path, name):
        if value is None:
            return None
        if not isinstance(value, dict):
            self.error(f"Expected dictionary but got {_type_name(value)}", path, 9209)
            return None
        props = schema.get("properties") or {}
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
            out[key] = self.parse(sub, item, f"{path}/{key}")
        for req in schema.get("required") or []:
            if req not in value and "/" not in req:
                self.error(f"Missing required field '{req}' in dictionary", f"{path}/{req}/", 9200)
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

    def noval(self, schema, value, path):
        if value is None:
            return None
        if isinstance(value, dict):
            if value.get("infinite"):
                return INFINITE
            if value.get("set") is False:
                return None
            value = value.get("number")
        if isinstance(value, str) and value.strip().lower() in _INFINITE_WORDS:
            return INFINITE
        if schema["properties"]["number"].get("type") == "number":
            return self.number(value, path)
        return self.integer(value, path)

    def integer(self, value, path):
        if isinstance(value, bool):
            self.error(f"Expected integer but got {_type_name(value)}", path)
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip(), 10)
            except ValueError:
                pass
        self.error(f"Expected integer but got {_type_name(value)} \"{value}\"", path)
        return None

    def number(self, value, path):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        self.error(f"Expected number but got {_type_name(value)}", path)
        return None

    def boolean(self, value, path):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "1", "0"):
            return value.lower() in ("true", "yes", "1")
        if isinstance(value, int):
            return bool(value)
        self.error(f"Expected boolean but got {_type_name(value)}", path)
        return None


def parse_body(document: dict, schema: dict, body, *, path: str = "#") -> ParseResult:
    """Parse `body` against `schema` (a `$ref` or inline schema) of `document`."""
    if body is None or not schema:
        return ParseResult(value=body)
    p = _Parser(document)
    value = p.parse(schema, body, path)
    return ParseResult(value=value, warnings=p.warnings, errors=p.errors)
