"""A request body written in the newest shapes (v0.0.4x), reshaped for the request schema of one version's
operation, so one scenario serves every version. Driven by the schema, not by version numbers:

- a `{set, infinite, number}` wrapper where the schema has a plain number becomes the number;
- a list of `NAME=value` strings where the schema has an object (v0.0.38 `environment`) becomes a dict;
- a key an object's schema does not declare but its parent's does (v0.0.38 has `script` beside `job`, not
  in it) moves up to the parent;
- everything else (also keys no schema declares: the scenarios send some on purpose) stays as it is."""

from __future__ import annotations


def request_schema(doc: dict, method: str, path: str) -> dict | None:
    """The JSON request schema of the document's operation at (method, concrete path), or None."""
    from .specdoc import operation_for
    oid = operation_for(method, path)
    if oid is None:
        return None
    for item in doc.get("paths", {}).values():
        op = item.get(method.lower()) if isinstance(item, dict) else None
        if isinstance(op, dict) and op.get("operationId") == oid:
            return (op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema"))
    return None


def shape(body, schema: dict | None, doc: dict):
    if schema is None:
        return body
    return _walk(body, schema, doc)


def _deref(schema: dict, doc: dict) -> dict:
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 20:
        node = doc
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node.get(part, {})
        schema, seen = node, seen + 1
    if isinstance(schema, dict) and len(schema.get("allOf", ())) == 1 and "properties" not in schema:
        return _deref(schema["allOf"][0], doc)
    return schema if isinstance(schema, dict) else {}


def _walk(value, schema: dict, doc: dict):
    s = _deref(schema, doc)
    kind = s.get("type")
    if isinstance(value, dict) and kind in ("integer", "number") and "number" in value:
        return value.get("number")
    if isinstance(value, list) and (kind == "object" and not s.get("properties")):
        if all(isinstance(x, str) and "=" in x for x in value):
            return dict(x.split("=", 1) for x in value)
    if isinstance(value, list) and kind == "array":
        return [_walk(x, s.get("items", {}), doc) for x in value]
    props = s.get("properties") or {}
    if not isinstance(value, dict) or not props:
        return value
    out = {}
    for key, v in value.items():
        out[key] = _walk(v, props[key], doc) if key in props else v
    # keys of a child object that this level declares and the child's schema does not: move them up
    for key, sub in props.items():
        child = out.get(key)
        child_props = _deref(sub, doc).get("properties") or {}
        if not isinstance(child, dict) or not child_props:
            continue
        for k in [k for k in child if k not in child_props and k in props and k not in out]:
            out[k] = _walk(child.pop(k), props[k], doc)
    return out
