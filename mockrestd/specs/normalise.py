"""Fix the known defects of slurmrestd's generated OpenAPI documents, in memory, in this one place.

The documents are kept byte-identical on disk (their sha256 is checked against the manifest); every tool
that reads them (connexion, openapi-spec-validator, the renderer) sees the normalised copy instead.
Each rule is a small function named after the defect it fixes (see ../shared/DESIGN.md, "The spec
files ... and their defects"); `RULES` lists them in the order they run. Every rule takes the whole
document; most are written for one dict at a time (`@_per_node(key)`: called for each dict holding `key`),
and `normalise` runs all of those in a single walk of the document.

Left as-is on purpose:
- the global `security` list ending in `{}` (defect 3): it makes auth optional for connexion, so auth is
  enforced by the gate in `mockrestd/http/`, not by the spec; `SECURITY_NOTE` records that.
- query parameter names with spaces and slashes (defect 5): the HTTP layer copes; `param_python_name`
  tells which keyword connexion hands a handler for such a name.
"""

from __future__ import annotations

import copy
import re

SECURITY_NOTE = ("global security list contains {} (auth optional for connexion): left in the document; "
                 "mockrestd enforces auth itself")

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# keys an OpenAPI 3.0 Path Item may hold besides the methods
_PATH_ITEM_KEYS = {"$ref", "summary", "description", "servers", "parameters", *HTTP_METHODS}

# properties that real slurmrestd answers with null although the spec does not allow it:
# (regex on the owning schema's name, property name)
NULL_ANSWERED = (
    (re.compile(r"_job_info$|_job_response_properties$"), "job_resources"),  # pending jobs (all releases)
    (re.compile(r"_openapi_job_post_response$"), "results"),                  # POST /job/{id} → {"results": null}
)


def _walk(node, fixes):
    """Call the fixes on every dict in node (depth first). `fixes`: (key, fix) pairs; a fix is called only
    for the dicts holding its key. A fix may edit its dict in place but must not add anything that still
    needs fixing (what it adds is not walked)."""
    stack = [node]
    pop, push = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is dict:
            for key, fix in fixes:
                if key in item:
                    fix(item)
            push([v for v in item.values() if type(v) in _CONTAINERS])
        elif kind is list:
            push([v for v in item if type(v) in _CONTAINERS])


_CONTAINERS = (dict, list)


def _per_node(key: str):
    """Make a rule out of a function that repairs one dict holding `key`: the rule walks the whole document
    with it. `normalise` does not call these rules one by one: it runs all their fixes (`rule.fix`, a
    (key, function) pair) in a single walk."""
    def make(fix):
        def rule(doc: dict) -> None:
            _walk(doc, (rule.fix,))
        rule.__name__ = rule.__qualname__ = fix.__name__
        rule.__doc__ = fix.__doc__
        rule.__module__ = fix.__module__
        rule.fix = (key, fix)
        return rule
    return make


@_per_node("required")
def drop_empty_required(d: dict) -> None:
    """Defect 1: `required: []` (about 50 per spec) is invalid OAS 3.0 and makes connexion refuse the spec."""
    if d.get("required") == []:
        del d["required"]


@_per_node("required")
def drop_slash_required(d: dict) -> None:
    """Defect 2: `required` entries that are slash paths ("nodes/count", "error/string") in *_job_res,
    *_job_res_node, *_kill_jobs_resp_job and *_rollup_stats name no property; no real answer meets them."""
    req = d.get("required")
    if isinstance(req, list) and any(isinstance(r, str) and "/" in r for r in req):
        kept = [r for r in req if not (isinstance(r, str) and "/" in r)]
        if kept:
            d["required"] = kept
        else:
            del d["required"]


@_per_node("format")
def widen_integers(d: dict) -> None:
    """Defect 4: uint32/uint64 fields are declared `format: int32/int64`; real values exceed int32 (end_time,
    memory, NO_VAL 4294967294). Drop the format so any integer validates; `type: integer` stays. The declared
    format is kept as `x-slurm-format`: slurmrestd names it in its type-mismatch warnings."""
    if d.get("type") == "integer" and d.get("format") in ("int32", "int64"):
        d["x-slurm-format"] = d.pop("format")


def nullable_null_answers(doc: dict) -> None:
    """Defect 6: `job_resources` is null on pending jobs and `results` is null after a job update in real
    output, but the spec does not allow null. Mark them `nullable`. OAS 3.0.3 only honours `nullable` next to
    a `type` in the same schema object (a sibling of `$ref` is ignored), so a `$ref` property is replaced by
    a copy of its target (one level; nested refs stay refs) plus the property's own keys and `nullable`."""
    schemas = doc.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        props = schema.get("properties") if isinstance(schema, dict) else None
        if not isinstance(props, dict):
            continue
        for owner, prop in NULL_ANSWERED:
            if prop in props and owner.search(name):
                props[prop] = _nullable(doc, props[prop])


def _nullable(doc: dict, schema: dict) -> dict:
    if "$ref" in schema:
        target = resolve_pointer(doc, schema["$ref"])
        while "$ref" in target:
            target = resolve_pointer(doc, target["$ref"])
        merged = copy.deepcopy(target)
        merged.update({k: v for k, v in schema.items() if k != "$ref"})
        schema = merged
    else:
        schema = dict(schema)
    schema["nullable"] = True
    return schema


def drop_bad_path_item_keys(doc: dict) -> None:
    """22.05's live document has a schema (`dbv0.0.38_tres_update`) pasted into the Path Item of
    `/slurmdb/v0.0.38/accounts`; a Path Item allows no such key, so validators (and connexion) refuse it."""
    for item in doc.get("paths", {}).values():
        if isinstance(item, dict):
            for key in [k for k in item if k not in _PATH_ITEM_KEYS and not k.startswith("x-")]:
                del item[key]


@_per_node("default")
def fix_default_types(d: dict) -> None:
    """Some defaults do not match their own type: 22.05's v0.0.38 `job_properties.oversubscribe` (boolean)
    defaults to the string "false"; 24.11's v0.0.40 `*_no_val.infinite` (boolean) to 0 / 0.0. Validators
    refuse the document; coerce the default to the declared type, or drop it if it cannot be."""
    if "default" not in d or d.get("type") not in ("boolean", "integer", "number", "string"):
        return
    value, kind = d["default"], d["type"]
    if kind == "boolean" and not isinstance(value, bool):
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            d["default"] = value.strip().lower() == "true"
        elif isinstance(value, (int, float)):
            d["default"] = bool(value)
        else:
            del d["default"]
    elif kind in ("integer", "number") and (isinstance(value, bool) or not isinstance(value, (int, float))):
        try:
            d["default"] = int(value) if kind == "integer" else float(value)
        except (TypeError, ValueError):
            del d["default"]
    elif kind == "string" and not isinstance(value, str):
        d["default"] = str(value)


@_per_node("style")
def fix_query_param_style(d: dict) -> None:
    """22.05's v0.0.37 declares its `update_time` query parameters with `style: simple`, which OpenAPI allows
    only for path and header parameters; the matching query style (comma-separated when not exploded) is
    `form`."""
    if d.get("in") in ("query", "cookie") and d.get("style") in ("simple", "label", "matrix") \
            and isinstance(d.get("name"), str):
        d["style"] = "form"


_OPID = re.compile(r"^(?:(?:slurm|slurmdb|util)_v\d+(?:_\d+)*_)?(?:(?:slurmctld|slurmdbd)_)?(.+?)(?:_v\d+(?:[._]\d+)*)?$")
_VERSIONED_PATH = re.compile(r"^/(slurm|slurmdb|util)/v(\d+)\.(\d+)\.(\d+)/")


def operation_name(operation_id: str) -> str:
    """operationId without its family/version decoration, so one handler serves every version:
    "slurm_v0044_get_job", "slurm_v0_0_38_get_job", "slurmctld_get_job" (22.05's v0.0.36/37),
    "slurm_v0_0_38_slurmctld_get_licenses" → "get_job" / "get_licenses"."""
    m = _OPID.match(operation_id)
    return m.group(1) if m else operation_id


def unique_operation_ids(doc: dict) -> None:
    """22.05's live document reuses operationIds across versions (`slurmctld_get_job` for v0.0.36 and
    v0.0.37, `slurmdbd_get_job` ...) and has operations without one (`/openapi/v3`); OpenAPI requires them
    unique, and the mock resolves handlers by them. A missing, duplicate or version-less id on a versioned
    path is rewritten to the modern spelling `<family>_v00NN_<name>` (the original kept in
    `x-mockrestd-original-operationId`); unique versioned ids are left alone."""
    count: dict = {}
    for item in doc.get("paths", {}).values():
        for method in HTTP_METHODS:
            op = item.get(method) if isinstance(item, dict) else None
            if isinstance(op, dict) and op.get("operationId"):
                count[op["operationId"]] = count.get(op["operationId"], 0) + 1
    taken = {oid for oid, n in count.items() if n == 1}
    for path, item in doc.get("paths", {}).items():
        m = _VERSIONED_PATH.match(path)
        if not m or not isinstance(item, dict):
            continue
        family, digits = m.group(1), f"{int(m.group(2))}{int(m.group(3))}{int(m.group(4)):02d}"  # v0.0.36 → 0036
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            oid = op.get("operationId")
            if oid and count.get(oid) == 1 and re.search(r"_v\d", oid):
                continue
            tail = m.string[m.end():].strip("/").replace("/", "_").replace("{", "").replace("}", "")
            name = operation_name(oid) if oid else f"{method}_{tail or 'root'}"
            new = base = f"{family}_v{digits}_{name}"
            n = 2
            while new in taken:
                new, n = f"{base}_{n}", n + 1
            taken.add(new)
            if oid:
                op["x-mockrestd-original-operationId"] = oid
            op["operationId"] = new


def wrap_bare_record_answers(doc: dict) -> None:
    """22.05's slurmdb `clusters` and `cluster/{name}` answers name a bare cluster record, but the daemon
    answers `{meta, errors, clusters: [record, ...]}` as every other slurmdb listing does (real 22.05.8): a
    slurmdb GET answer without `errors` is wrapped so, the list named after the path's collection."""
    schemas = doc.get("components", {}).get("schemas", {})
    for path, item in doc.get("paths", {}).items():
        op = item.get("get") if isinstance(item, dict) else None
        if not path.startswith("/slurmdb/") or not isinstance(op, dict):
            continue
        version = path.split("/")[2]
        meta, errors = f"db{version}_meta", f"db{version}_errors"
        if meta not in schemas or errors not in schemas:
            continue
        collection = [seg for seg in path.split("/")[3:] if seg and not seg.startswith("{")][-1]
        collection = collection if collection.endswith("s") else collection + "s"
        for media in (op.get("responses", {}).get("200", {}).get("content") or {}).values():
            schema = media.get("schema") or {}
            ref = schema.get("$ref", "")
            record = schemas.get(ref.rsplit("/", 1)[-1], {}) if ref.startswith("#/components/schemas/") else {}
            if not ref or "errors" in (record.get("properties") or {}):
                continue
            media["schema"] = {"type": "object", "properties": {
                "meta": {"$ref": f"#/components/schemas/{meta}"},
                "errors": {"$ref": f"#/components/schemas/{errors}"},
                collection: {"type": "array", "items": {"$ref": ref}}}}


RULES = (
    drop_empty_required,
    drop_slash_required,
    widen_integers,
    nullable_null_answers,
    drop_bad_path_item_keys,
    fix_default_types,
    fix_query_param_style,
    wrap_bare_record_answers,
    unique_operation_ids,
)


def normalise(doc: dict, *, in_place: bool = False) -> dict:
    """`doc` with every rule in RULES applied: a deep copy, the input left untouched, unless `in_place`
    (the loader passes a document it has just parsed, so nothing needs copying).

    The rules made by `_per_node` are run together, in one walk of the document, before the rules that work
    on the whole document; that gives the same result as running RULES one by one in their order (each fix
    touches only its own dict, and none undoes another: tests/specs/test_normalise.py checks it on every
    real document)."""
    fixed = doc if in_place else copy.deepcopy(doc)
    fixes = tuple(rule.fix for rule in RULES if hasattr(rule, "fix"))
    _walk(fixed, fixes)
    for rule in RULES:
        if not hasattr(rule, "fix"):
            rule(fixed)
    return fixed


def resolve_pointer(doc: dict, ref: str):
    """The object a local `$ref` ("#/components/schemas/x") points at, JSON-pointer escapes honoured."""
    if not ref.startswith("#"):
        raise ValueError(f"only local references are supported: {ref!r}")
    node = doc
    for part in ref[1:].split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def param_python_name(name: str, *, pythonic_params: bool = False) -> str:
    """The keyword connexion passes a handler for a parameter called `name`.

    connexion 3.3 squashes names: `[` not followed by `]` becomes `_`, every other character outside
    [0-9a-zA-Z_] is dropped, then leading non-letters are dropped ("Include deleted QOS" →
    "IncludedeletedQOS", "Exclude parent id/name" → "Excludeparentidname"). With `pythonic_params=True` it
    first snake_cases the name and appends "_" to builtins/keywords."""
    if pythonic_params:
        import builtins
        import keyword

        import inflection  # a connexion dependency
        name = inflection.underscore(name)
        if name in builtins.__dict__ or keyword.iskeyword(name):
            name += "_"
    name = re.sub(r"\[(?!])", "_", name)
    name = re.sub(r"[^0-9a-zA-Z_]", "", name)
    return re.sub(r"^[^a-zA-Z_]+", "", name)
