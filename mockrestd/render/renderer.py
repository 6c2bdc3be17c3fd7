"""Engine records → a version's response schema, walking the schema itself.

Every property the schema declares is emitted, in the schema's order, so an answer is as complete as the
real daemon's; `{set, infinite, number}` structs are recognised by shape and filled from plain values; keys
the version does not know are dropped. A schema is compiled once into a small function per version."""

from __future__ import annotations

import json

from ..engine.values import INFINITE
from .renames import renamed

_NOVAL_KEYS = {"set", "infinite", "number"}


def is_noval(schema: dict) -> bool:
    props = schema.get("properties")
    return schema.get("type") == "object" and isinstance(props, dict) and set(props) == _NOVAL_KEYS


class Renderer:
    def __init__(self, document: dict, version: str):
        self.document = document
        self.version = version
        self.schemas = document.get("components", {}).get("schemas", {})
        self._compiled: dict[str, object] = {}
        self._ops = {}
        for path, items in document.get("paths", {}).items():
            for method, op in items.items():
                if isinstance(op, dict) and "operationId" in op:
                    self._ops[op["operationId"]] = op

    # ---- public -------------------------------------------------------------------------------------------
    def response(self, operation_id: str, payload: dict, status: int = 200) -> dict:
        op = self._ops[operation_id]
        responses = op.get("responses", {})
        resp = responses.get(str(status)) or responses.get("200") or responses.get("default") or {}
        schema = resp.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            return payload
        return self._fn(schema)(payload)

    def schema(self, name: str, value):
        return self._fn({"$ref": f"#/components/schemas/{name}"})(value)

    @staticmethod
    def dumps(body) -> bytes:
        """JSON as slurmrestd writes it: `/` escaped as `\\/`, UTF-8."""
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).replace("/", "\\/").encode("utf-8")

    # ---- compilation --------------------------------------------------------------------------------------
    def _deref(self, schema: dict) -> tuple[dict, str | None]:
        name = None
        seen = 0
        while "$ref" in schema and seen < 20:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.schemas.get(name, {})
            seen += 1
        if "allOf" in schema and len(schema["allOf"]) == 1 and "properties" not in schema:
            inner, inner_name = self._deref(schema["allOf"][0])
            return inner, inner_name or name
        return schema, name

    def _fn(self, schema: dict):
        key = json.dumps(schema, sort_keys=True) if "$ref" not in schema else schema["$ref"]
        fn = self._compiled.get(key)
        if fn is None:
            self._compiled[key] = lambda v, _k=key: self._compiled[_k](v)   # recursion guard
            fn = self._compiled[key] = self._compile(schema)
        return fn

    def _compile(self, schema: dict):
        target, name = self._deref(schema)
        nullable = bool(schema.get("nullable") or target.get("nullable"))
        if is_noval(target):
            return _noval(target["properties"]["number"].get("type") == "number")
        kind = target.get("type")
        if kind == "object" or "properties" in target:
            return self._object(target, name, nullable)
        if kind == "array":
            item = self._fn(target.get("items", {}))

            def array(value):
                if value is None:
                    return [] if not nullable else None
                if isinstance(value, (str, bytes, dict)):
                    value = [value]
                return [item(v) for v in value]
            return array
        if kind == "string":
            return _string
        if kind == "integer":
            return _integer
        if kind == "number":
            return _number
        if kind == "boolean":
            return _boolean
        return _passthrough

    def _object(self, schema: dict, name: str | None, nullable: bool):
        props = schema.get("properties") or {}
        fields = [(key, _deprecated_noval if sub.get("deprecated") and is_noval(self._deref(sub)[0])
                   else self._fn(sub), _nullable_prop(self, sub)) for key, sub in props.items()]
        extra = schema.get("additionalProperties")
        extra_fn = self._fn(extra) if isinstance(extra, dict) and extra else None
        rename = renamed(self.version, name)

        def obj(value):
            if value is None:
                if nullable:
                    return None
                value = {}
            elif not isinstance(value, dict):
                return value
            if rename:
                value = rename(value)
            out = {}
            for key, fn, can_null in fields:
                v = value.get(key)
                if v is None and can_null and key in value:
                    out[key] = None
                else:
                    out[key] = fn(v)
            if extra_fn is not None and not fields:
                return {k: extra_fn(v) for k, v in value.items()}
            return out
        return obj


def _deprecated_noval(value):
    """A deprecated number the daemon no longer fills reads `{}` (25.11 serving v0.0.42: `watts`)."""
    return {} if value is None else _noval(False)(value)


def _nullable_prop(renderer, sub):
    target, _ = renderer._deref(sub)
    return bool(sub.get("nullable") or target.get("nullable"))


def _noval(is_float: bool):
    zero = 0.0 if is_float else 0

    def noval(value):
        if value is None:
            return {"set": False, "infinite": False, "number": zero}
        if value is INFINITE:
            return {"set": False, "infinite": True, "number": zero}
        if isinstance(value, dict):          # already a struct (e.g. echoed from a request)
            return {"set": bool(value.get("set", True)), "infinite": bool(value.get("infinite", False)),
                    "number": value.get("number", zero)}
        if isinstance(value, bool):
            value = int(value)
        return {"set": True, "infinite": False, "number": float(value) if is_float else value}
    return noval


def _string(value):
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return value if isinstance(value, str) else str(value)


def _integer(value):
    if value is None or value is INFINITE:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return 0
    return value


def _number(value):
    if value is None or value is INFINITE:
        return 0.0
    return value


def _boolean(value):
    return bool(value) if value is not None else False


def _passthrough(value):
    return value
