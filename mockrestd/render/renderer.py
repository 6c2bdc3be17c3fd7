"""Engine records → a version's response schema, walking the schema itself.

Every property the schema declares is emitted, in the schema's order, so an answer is as complete as the
real daemon's; `{set, infinite, number}` structs are recognised by shape and filled from plain values; keys
the version does not know are dropped. A schema is compiled once into a small function per version.

Lists of engine record references (`Rows`: items with `.revision` and `.record()`) are rendered item by
item and each item's JSON is kept per (schema, revision): an item whose revision did not change costs a
dict lookup, not a record, a schema walk and a JSON encoding. Fields a reference names `volatile` (they
change without a new revision: last_sched_evaluation on every scheduler pass) are cut out of the kept
JSON and filled in with their current values. `MOCKRESTD_RENDER_CACHE=0` turns that off
(every item is made and rendered again), for comparing figures and for checking the cache itself.

JSON is written by orjson when it is installed, with the stdlib's exact bytes (see `dumps`)."""

from __future__ import annotations

import json
import os
import secrets

from ..engine.values import INFINITE
from .renames import renamed, written

try:                       # a fast encoder when installed; the stdlib one otherwise (same bytes)
    import orjson
except ImportError:        # pragma: no cover
    orjson = None
# MOCKRESTD_JSON=stdlib: always the stdlib encoder (to compare figures; the bytes are the same)
FAST_JSON = orjson is not None and os.environ.get("MOCKRESTD_JSON", "").strip().lower() != "stdlib"

_NOVAL_KEYS = {"set", "infinite", "number"}
# orjson spells the floats that Python's repr writes with an exponent (1e+16, 1.5e-07, 1e-05) otherwise
# ("1e16", "1.5e-7", "0.00001"): output with anything like that in it goes through the stdlib encoder
_DIGITS = bytes.maketrans(b"123456789E+", b"000000000e-")
_CACHE_MIN = 4096          # entries kept per renderer at least; more when lists are longer
# where a volatile field's value is cut out of a cached item (see _entry): random, so no content can be it;
# letters only, so it never looks like a number to `_exponent_like`
_LETTERS = "ghijkmnpqrstuvwxyz"
_MARK = "".join(secrets.choice(_LETTERS) for _ in range(20))
_SPOT = f"\x00{_MARK}spot:"          # where response_json splices a piece into the shell
_LISTING_MAX = 32 << 20     # bytes (~6,500 jobs): a longer listing is made again each time from its cached items
_SHELL_KEY_MAX = 4096      # characters: a shell whose repr is longer is not kept
_CHUNK = 256 << 10          # bytes: a piece at least this long goes out as a chunk of its own


class Rows(list):
    """A payload list of record references (`.revision`, `.record()`), rendered and kept per revision.
    `Rows.of(listing)` takes an engine listing (`.signature`, `.refs()`): its refs are made only when the
    renderer has not rendered a listing with that signature last time (`filled()` makes them)."""

    signature = None
    _listing = None

    @classmethod
    def of(cls, refs) -> "Rows":
        if hasattr(refs, "signature") and hasattr(refs, "refs"):
            rows = cls()
            rows.signature, rows._listing = refs.signature, refs
            return rows
        return cls(refs)

    def filled(self) -> "Rows":
        if self._listing is not None:
            self.extend(self._listing.refs())
            self._listing = None
        return self


def cache_default() -> bool:
    return os.environ.get("MOCKRESTD_RENDER_CACHE", "1").strip().lower() not in ("0", "off", "no", "false")


def is_noval(schema: dict) -> bool:
    props = schema.get("properties")
    return schema.get("type") == "object" and isinstance(props, dict) and set(props) == _NOVAL_KEYS


class Renderer:
    def __init__(self, document: dict, version: str, *, cache: bool | None = None):
        self.document = document
        self.version = version
        self.cache = cache_default() if cache is None else cache
        self._fragments: dict = {}          # (item schema key, revision) -> JSON bytes, this generation
        self._old_fragments: dict = {}      # the generation before: still served, dropped at the next turn
        self._holes: dict = {}              # (item schema key, volatile field, value) -> JSON bytes
        self._memo: dict = {}               # (schema key, caller's memo key) -> JSON bytes (`fixed`)
        self._props: dict = {}              # (id(schema), property) -> (schema, function) or ()
        self._items: dict = {}              # (id(schema), property) -> `_items_fn`
        self._listings: dict = {}           # item schema key -> (signature, JSON bytes) of the last listing
        self._shells: dict = {}             # (operation, status, repr of the shell) -> `_shell`
        self._spots: dict = {}              # key -> the JSON of its spot
        self.schemas = document.get("components", {}).get("schemas", {})
        self._compiled: dict[str, object] = {}
        self._ops = {}
        for path, items in document.get("paths", {}).items():
            for method, op in items.items():
                if isinstance(op, dict) and "operationId" in op:
                    self._ops[op["operationId"]] = op

    # ---- public -------------------------------------------------------------------------------------------
    def response(self, operation_id: str, payload: dict, status: int = 200) -> dict:
        schema = self._response_schema(operation_id, status)
        payload = _materialise(payload)
        if schema is None:
            return payload
        return self._fn(schema)(payload)

    def response_json(self, operation_id: str, payload: dict, status: int = 200, *, fixed: dict | None = None,
                      chunks: bool = False):
        """`dumps(response(...))`, the same bytes, made in pieces: the items of `Rows` values come from (or go
        into) the item cache; a value named in `fixed` ({key: memo key}) is rendered once per memo key (the
        envelope's `meta`, the same for every answer to one client: the caller says what decides it; it may
        be given as a function that makes it, called only then). The rest (the shell) is rendered and
        encoded once, with a marker where each piece goes. `chunks`: a list of bytes instead, a long listing
        kept as its own chunk (not copied once more into one body)."""
        schema = self._response_schema(operation_id, status)
        if schema is None or not self.cache:
            return self.dumps(self.response(operation_id, _made(payload, fixed), status))
        rows = [k for k, v in payload.items() if isinstance(v, Rows)]
        shell_in, pieces = dict(payload), {}
        for key in rows:
            items = self._items_fn(schema, key)
            if items is None:
                return self.dumps(self.response(operation_id, _made(payload, fixed), status))
            shell_in[key] = _SPOT + key         # an array of it: ["<spot>"]
            pieces[b"[" + self._spot(key) + b"]"] = self._listing_json(items, payload[key])
        for key, memo in (fixed or {}).items():
            fn = self._property_fn(schema, key)
            if fn is None or key not in payload or key in rows:
                if callable(shell_in.get(key)):
                    shell_in[key] = shell_in[key]()
                continue
            memo = (self._key(fn[0]), memo)
            data = self._memo.get(memo)
            if data is None:
                if len(self._memo) >= _CACHE_MIN:
                    self._memo.clear()
                value = payload[key]
                data = self._memo[memo] = self.dumps(fn[1](value() if callable(value) else value))
            shell_in[key] = _SPOT + key         # an object's function hands a string back as it is
            pieces[self._spot(key)] = data
        shell = self._shell(operation_id, status, schema, shell_in, pieces)
        if shell is None:                       # the shell did not keep a spot as it is: no shortcut
            return self.dumps(self.response(operation_id, _made(payload, fixed), status))
        segments, spots = shell
        out = [segments[0]]
        for spot, segment in zip(spots, segments[1:]):
            out += (pieces[spot], segment)
        return _coalesce(out) if chunks else b"".join(out)

    def _spot(self, key: str) -> bytes:
        spot = self._spots.get(key)
        if spot is None:
            spot = self._spots[key] = self.dumps(_SPOT + key)
        return spot

    def _shell(self, operation_id: str, status: int, schema: dict, shell_in: dict, pieces: dict):
        """The shell's JSON cut at the spots: (segments, spots in the order they come), or None. Kept per
        what the shell holds (its `repr`: a payload is plain values, whose repr tells them apart, lists from
        tuples and 1 from 1.0 and True) when that is small: most answers differ from the last one only in
        a spliced piece, or not at all (ping)."""
        small = all(len(v) <= 16 for v in shell_in.values() if isinstance(v, (list, tuple, dict)))
        key = (operation_id, status, repr(shell_in)) if small else None
        if key is not None and len(key[2]) <= _SHELL_KEY_MAX:
            hit = self._shells.get(key)
            if hit is not None:
                return hit
        else:
            key = None
        data = self.dumps(self._fn(schema)(_materialise(shell_in)))
        found = sorted((data.find(spot), spot) for spot in pieces)
        if any(at < 0 or data.count(spot) != 1 for at, spot in found):
            return None
        segments, at = [], 0
        for where, spot in found:
            segments.append(data[at:where])
            at = where + len(spot)
        segments.append(data[at:])
        shell = (tuple(segments), tuple(spot for _, spot in found))
        if key is not None:
            if len(self._shells) >= _CACHE_MIN:
                self._shells.clear()
            self._shells[key] = shell
        return shell

    def _listing_json(self, items: tuple, rows: Rows) -> bytes:
        """The JSON array of a `Rows`: the one made last time for these items when the signature is the
        same (a dashboard polling an unchanged queue), else item by item from the item cache. The last
        listing is kept per item schema while it is at most `_LISTING_MAX` bytes."""
        fn_key, signature = items[0], rows.signature
        if signature is not None:
            last = self._listings.get(fn_key)
            if last is not None and last[0] == signature:
                return last[1]
        refs = rows.filled()
        parts = [b"["]
        emit = self._emit
        for i, ref in enumerate(refs):
            if i:
                parts.append(b",")
            emit(parts, items, ref)
        parts.append(b"]")
        self._turn(len(refs))
        data = b"".join(parts)
        if signature is not None and len(data) <= _LISTING_MAX:
            self._listings[fn_key] = (signature, data)
        else:
            self._listings.pop(fn_key, None)
        return data

    def _property_fn(self, schema: dict, key: str):
        """(schema, function) of property `key` of an object schema, or None."""
        found = self._props.get((id(schema), key))
        if found is None:
            target, _ = self._deref(schema)
            prop = (target.get("properties") or {}).get(key)
            found = self._props[(id(schema), key)] = (prop, self._fn(prop)) if isinstance(prop, dict) else ()
        return found or None

    def schema(self, name: str, value):
        return self._fn({"$ref": f"#/components/schemas/{name}"})(value)

    @staticmethod
    def dumps(body) -> bytes:
        """JSON as slurmrestd writes it: `/` escaped as `\\/`, UTF-8, compact; the stdlib's bytes exactly."""
        if FAST_JSON:
            try:
                data = orjson.dumps(body)
            except TypeError:        # what orjson refuses (big ints, non-str keys): the stdlib decides
                data = None
            if data is not None and not _exponent_like(data):
                return data.replace(b"/", b"\\/")
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).replace("/", "\\/").encode("utf-8")

    # ---- the item cache -----------------------------------------------------------------------------------
    def _emit(self, parts: list, items: tuple, ref) -> None:
        """Append the JSON of one item: its cached bytes, or its cached pieces with the current values of
        its volatile fields (`ref.volatile`, rendered with the item's own schema) in between."""
        fn_key, fn, splice = items
        volatile = getattr(ref, "volatile", None)
        key = (fn_key, ref.revision)
        if volatile and not splice:         # the fields may be renamed here: they key the entry too
            key += tuple(volatile.items())
        entry = self._fragments.get(key)
        if entry is None:
            entry = self._old_fragments.pop(key, None)
            if entry is None:
                entry = self._entry(fn, ref.record(), volatile if splice else None)
                if entry is None:           # could not cut it into pieces: render it whole, keep nothing
                    parts.append(self.dumps(fn(ref.record())))
                    return
            self._fragments[key] = entry
        if type(entry) is bytes:
            parts.append(entry)
            return
        pieces, names = entry
        parts.append(pieces[0])
        for name, piece in zip(names, pieces[1:]):
            parts.append(self._hole(fn_key, fn, name, volatile[name]))
            parts.append(piece)

    def _entry(self, fn, record: dict, volatile: dict | None):
        """What the cache keeps of one item: JSON bytes, or (pieces, names) cut where the top-level volatile
        fields' values go; None when a cut is not clean (the marker met twice)."""
        out = fn(record)
        names = [n for n in out if n in volatile] if volatile and isinstance(out, dict) else []   # in order
        if not names:
            return self.dumps(out)
        if len(names) > len(_LETTERS):
            return None
        out = dict(out)
        marks = [f"\x00{_MARK}{_LETTERS[i]}\x00" for i in range(len(names))]
        for name, mark in zip(names, marks):
            out[name] = mark
        data = self.dumps(out)
        pieces = []
        for mark in marks:
            mark = self.dumps(mark)
            head, sep, data = data.partition(mark)
            if not sep or mark in data:
                return None
            pieces.append(head)
        pieces.append(data)
        return tuple(pieces), tuple(names)

    def _hole(self, fn_key: str, fn, name: str, value) -> bytes:
        """A volatile field's JSON as the item's schema renders it (fields render on their own: exactly the
        bytes a whole rendering has there), kept per value: a scheduler pass gives most jobs the same."""
        key = (fn_key, name, value)
        data = self._holes.get(key)
        if data is None:
            if len(self._holes) > _CACHE_MIN:
                self._holes.clear()
            data = self._holes[key] = self.dumps(fn({name: value})[name])
        return data

    def _turn(self, listed: int) -> None:
        """Bound the cache: past twice the longest list (and `_CACHE_MIN`), start a new generation; the
        old one is still served once (so a full list refills at once) and then forgotten, so revisions
        that no list names any more (changed or purged jobs) go away."""
        if len(self._fragments) > max(_CACHE_MIN, 2 * listed):
            self._old_fragments, self._fragments = self._fragments, {}

    def _response_schema(self, operation_id: str, status: int):
        op = self._ops[operation_id]
        responses = op.get("responses", {})
        resp = responses.get(str(status)) or responses.get("200") or responses.get("default") or {}
        return resp.get("content", {}).get("application/json", {}).get("schema")

    def _items_fn(self, schema: dict, key: str):
        """(compile key, function, whether volatile fields may be cut out) for the items of the array
        property `key` of an object schema: they may when the item schema renames nothing, so a record field
        keeps its name at the top level of the item's JSON."""
        memo = (id(schema), key)
        if memo not in self._items:
            self._items[memo] = self._find_items_fn(schema, key)
        return self._items[memo]

    def _find_items_fn(self, schema: dict, key: str):
        target, _ = self._deref(schema)
        prop = (target.get("properties") or {}).get(key)
        if prop is None:
            return None
        array, _ = self._deref(prop)
        if array.get("type") != "array" or not isinstance(array.get("items"), dict):
            return None
        items = array["items"]
        target, name = self._deref(items)
        splice = (target.get("type") == "object" and renamed(self.version, name) is None
                  and written(self.version, name) is None)
        return self._key(items), self._fn(items), splice

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

    @staticmethod
    def _key(schema: dict) -> str:
        return json.dumps(schema, sort_keys=True) if "$ref" not in schema else schema["$ref"]

    def _fn(self, schema: dict):
        key = self._key(schema)
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
                elif not isinstance(value, (list, tuple)):   # a scalar where a newer version has flags
                    value = [value] if value else []
                return [item(v) for v in value]
            return array
        if kind == "string":
            return _enum(target["enum"]) if target.get("enum") else _string
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
        writes = written(self.version, name)

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
            return writes(out, value) if writes else out
        return obj


def _exponent_like(data: bytes) -> bool:
    """Whether orjson's bytes may hold a float that the stdlib spells otherwise (a digit, e, a digit or a
    sign; or 0.0000...). Strings that look so ("run1e5") only cost the slower encoder, never other bytes."""
    t = data.translate(_DIGITS)
    return b"0e0" in t or b"0e-" in t or b"0.0000" in t


def _made(payload: dict, fixed: dict | None) -> dict:
    """The payload with the `fixed` values given as functions made (for the paths that render it whole)."""
    if fixed and any(callable(payload.get(k)) for k in fixed):
        return {k: (v() if k in fixed and callable(v) else v) for k, v in payload.items()}
    return payload


def _materialise(payload):
    """`Rows` of references → plain lists of records, for the paths that do not cache."""
    if any(isinstance(v, Rows) for v in payload.values()):
        return {k: ([r.record() for r in v.filled()] if isinstance(v, Rows) else v) for k, v in payload.items()}
    return payload


def _coalesce(parts: list) -> list:
    """Small neighbours joined, long pieces left as they are: one write for a small answer, no copy of a
    long listing."""
    out, run = [], []
    for part in parts:
        if len(part) >= _CHUNK:
            if run:
                out.append(b"".join(run))
                run = []
            out.append(part)
        elif part:
            run.append(part)
    if run:
        out.append(b"".join(run))
    return out


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


def _enum(allowed: list):
    """An enum word in this version's spelling: v0.0.45 writes select types as slurm.conf does
    (`CR_CPU` where v0.0.44 said `CPU`), so a word missing here is tried with and without `CR_`."""
    known = set(allowed)

    def enum(value):
        text = _string(value)
        if text in known or not text:
            return text
        for other in ("CR_" + text, text.removeprefix("CR_")):
            if other in known:
                return other
        return text
    return enum


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
