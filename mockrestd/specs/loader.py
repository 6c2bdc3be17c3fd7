"""Find the spec documents in a folder and split them into one stand-alone document per API version.

A folder may hold per-version files (`slurm-v0.0.44.json`, one data parser each, generated offline) and live
`/openapi/v3` documents of a whole release (several versions, plus `/util/`). The mock routes, validates and
renders per version, so each document is cut along its path prefixes, keeping only the components each
version's paths reach: every `VersionSpec.document` is a complete OpenAPI document on its own.

Parsing, normalising and cutting a file is cached in memory by the file's sha256, so loading the same
folder again (every test, every `build_site`) costs only the file reads. The cached documents are shared:
treat them as read-only (copy before editing)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .normalise import SECURITY_NOTE, normalise, operation_name, resolve_pointer

_PREFIX = re.compile(r"^/(slurm|slurmdb|util)/(v\d+\.\d+\.\d+)/")
_PER_VERSION_NAME = re.compile(r"v\d+\.\d+\.\d+\.json$")
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_CACHE: dict[str, "_Parsed"] = {}


@dataclass(frozen=True, eq=False)
class Operation:
    operation_id: str
    method: str           # lower case, as in the document: "get", "post", "delete"
    path: str             # the spec's path, e.g. "/slurm/v0.0.44/job/{job_id}"
    family: str           # "slurm" | "slurmdb" | "util" (from the path prefix)
    name: str             # operationId without family/version: "get_job", "post_job_submit"
    op: dict              # the Operation Object of the (normalised) document


@dataclass(eq=False)
class VersionSpec:
    version: str                          # "v0.0.44"
    release: str | None                   # "25.11.7"
    document: dict                        # stand-alone, normalised OpenAPI document (read-only, shared)
    source_file: str                      # file name inside the loaded folder
    operations: dict = field(default_factory=dict)   # operationId -> Operation
    kind: str = "version"                 # "version" | "openapi-v3"
    sha256: str = ""
    _derefs: dict = field(default_factory=dict, repr=False)

    def schema(self, name: str) -> dict:
        """A component schema by name, e.g. "v0.0.44_job_info"."""
        return self.document["components"]["schemas"][name]

    def deref(self, schema: dict) -> dict:
        """`schema` with its top-level `$ref` chain followed (siblings such as `description` kept); cached."""
        if not isinstance(schema, dict) or "$ref" not in schema:
            return schema
        hit = self._derefs.get(id(schema))
        if hit is not None and hit[0] is schema:
            return hit[1]
        result = deref(self.document, schema)
        self._derefs[id(schema)] = (schema, result)   # keeps `schema` alive, so its id stays valid
        return result


@dataclass
class SpecSet:
    versions: dict = field(default_factory=dict)      # version -> VersionSpec, oldest version first
    skipped: list = field(default_factory=list)       # one line per file that could not be used
    notes: list = field(default_factory=list)         # choices made (which file serves which version)

    def releases(self) -> set:
        return {vs.release for vs in self.versions.values() if vs.release}

    def merged_document(self) -> dict:
        """One OpenAPI document of every served version, as slurmrestd's own `GET /openapi/v3` is."""
        if not self.versions:
            return {"openapi": "3.0.3", "info": {"title": "Slurm Rest API", "version": ""}, "paths": {}}
        newest = list(self.versions.values())[-1].document
        merged = {k: v for k, v in newest.items() if k not in ("paths", "components", "tags")}
        paths: dict = {}
        components: dict = {}
        tags: dict = {}
        for vs in self.versions.values():
            paths.update(vs.document.get("paths", {}))
            for section, entries in vs.document.get("components", {}).items():
                components.setdefault(section, {}).update(entries)
            for tag in vs.document.get("tags", []):
                tags.setdefault(tag.get("name"), tag)
        merged["tags"] = list(tags.values())
        merged["paths"] = paths
        merged["components"] = components
        return merged


@dataclass
class _Parsed:
    """What one file yields, cached by sha256."""
    kind: str
    release: str | None
    versions: dict        # version -> (document, operations)
    ignored_paths: list
    open_security: bool


def resolve(doc: dict, ref: str):
    """The object a local `$ref` ("#/components/schemas/x") points at."""
    return resolve_pointer(doc, ref)


def deref(doc: dict, schema: dict) -> dict:
    """`schema` with its top-level `$ref` chain followed; sibling keys of the `$ref` (slurmrestd puts a
    `description` there) override the target's. Nested references are left alone (schemas may recurse)."""
    if not isinstance(schema, dict) or "$ref" not in schema:
        return schema
    siblings = {k: v for k, v in schema.items() if k != "$ref"}
    target = resolve_pointer(doc, schema["$ref"])
    seen = {schema["$ref"]}
    while isinstance(target, dict) and "$ref" in target:
        if target["$ref"] in seen:
            raise ValueError(f"circular $ref {target['$ref']!r}")
        seen.add(target["$ref"])
        siblings = {**{k: v for k, v in target.items() if k != "$ref"}, **siblings}
        target = resolve_pointer(doc, target["$ref"])
    return {**target, **siblings} if siblings else target


def version_key(version: str) -> tuple:
    """Sort key for "v0.0.44"-style versions."""
    return tuple(int(x) for x in re.findall(r"\d+", version))


def release_key(release: str | None) -> tuple:
    return tuple(int(x) for x in re.findall(r"\d+", release or ""))


def _refs(node, out: set) -> None:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/"):
                out.add(ref)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _cut(doc: dict, paths: dict) -> dict:
    """A stand-alone document holding `paths` and the components they reach, transitively."""
    comps = doc.get("components", {})
    wanted: set = set()
    _refs(paths, wanted)
    seen: set = set()
    kept: dict = {}
    while wanted:
        ref = wanted.pop()
        if ref in seen:
            continue
        seen.add(ref)
        parts = ref.split("/")
        if len(parts) != 4:
            continue
        section, name = parts[2], parts[3].replace("~1", "/").replace("~0", "~")
        value = comps.get(section, {}).get(name)
        if value is None:
            continue
        kept.setdefault(section, {})[name] = value
        _refs(value, wanted)
    if "securitySchemes" in comps:      # referenced by name from `security`, not by $ref
        kept["securitySchemes"] = comps["securitySchemes"]
    # keep the document's component order: diffs and generated clients stay stable
    kept = {s: {n: v for n, v in comps[s].items() if n in kept[s]} for s in comps if s in kept}
    out = {k: v for k, v in doc.items() if k not in ("paths", "components")}
    out["paths"] = paths
    out["components"] = kept
    return out


def _operations(vdoc: dict) -> dict:
    ops = {}
    for path, item in vdoc["paths"].items():
        family = _PREFIX.match(path).group(1)
        for method in _METHODS:
            op = item.get(method)
            if isinstance(op, dict) and op.get("operationId"):
                oid = op["operationId"]
                ops[oid] = Operation(oid, method, path, family, operation_name(oid), op)
    return ops


def _release_of(doc: dict) -> str | None:
    """`info.x-slurm.release` (from v0.0.43 on), else `info.version` like "Slurm-24.11.6&openapi/...";
    22.05 says only "dbv0.0.36" there, so the caller falls back to the manifest / file name."""
    info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
    xs = info.get("x-slurm")
    if isinstance(xs, dict) and isinstance(xs.get("release"), str) and xs["release"]:
        return xs["release"]
    m = re.search(r"Slurm-(\d+\.\d+\.\d+)", str(info.get("version", "")))
    return m.group(1) if m else None


def _parse(name: str, data: bytes, digest: str, manifest_entry: dict | None) -> _Parsed:
    raw = json.loads(data)
    if not isinstance(raw, dict) or not isinstance(raw.get("paths"), dict) \
            or not str(raw.get("openapi", "")).startswith("3."):
        raise ValueError("not an OpenAPI 3 document")
    doc = normalise(raw)
    grouped: dict[str, dict] = {}
    ignored = []
    for path, item in doc["paths"].items():
        m = _PREFIX.match(path)
        if m and isinstance(item, dict):
            grouped.setdefault(m.group(2), {})[path] = item
        else:
            ignored.append(path)
    if not grouped:
        raise ValueError("no /slurm/vX/, /slurmdb/vX/ or /util/vX/ paths")
    versions = {}
    for version, paths in grouped.items():
        vdoc = _cut(doc, paths)
        versions[version] = (vdoc, _operations(vdoc))
    if manifest_entry and manifest_entry.get("kind"):
        kind = manifest_entry["kind"]
    else:
        kind = "version" if len(grouped) == 1 and _PER_VERSION_NAME.search(name) else "openapi-v3"
    release = _release_of(doc) or (manifest_entry or {}).get("release")
    if not release:
        m = re.match(r"slurm-(\d+\.\d+\.\d+)-", name)
        release = m.group(1) if m else None
    open_security = any(s == {} for s in doc.get("security", []) if isinstance(s, dict))
    return _Parsed(kind, release, versions, ignored, open_security)


def _manifest_by_sha(directory: Path) -> dict:
    from .sync import read_manifest
    entries = {}
    for path in (directory / "manifest.json", None):
        try:
            manifest = read_manifest(path) if path is None or path.is_file() else {}
        except (OSError, ValueError):
            continue
        for e in manifest.get("files", []) if isinstance(manifest, dict) else []:
            if isinstance(e, dict) and e.get("sha256"):
                entries.setdefault(e["sha256"], e)
    return entries


def _preference(vs: VersionSpec) -> tuple:
    """Higher wins: a per-version file over a live document, then the newer release, then the file name."""
    return (vs.kind == "version", release_key(vs.release), vs.source_file)


def load_specs(directory, *, only=None) -> SpecSet:
    """Every API version the `*.json` documents in `directory` provide (`only`: a set of versions to keep).

    Never raises for bad files: they are listed in `SpecSet.skipped`. When two documents provide the same
    version, the per-version file wins over a live `/openapi/v3` document (then the newer release), and
    `SpecSet.notes` says which file serves it."""
    directory = Path(directory)
    result = SpecSet()
    if not directory.is_dir():
        result.skipped.append(f"{directory}: not a folder")
        return result
    only = set(only) if only is not None else None
    manifest = _manifest_by_sha(directory)
    candidates: dict[str, list[VersionSpec]] = {}
    open_security = []
    for path in sorted(directory.glob("*.json")):
        if path.name == "manifest.json" or not path.is_file():
            continue
        try:
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            parsed = _CACHE.get(digest)
            if parsed is None:
                parsed = _CACHE[digest] = _parse(path.name, data, digest, manifest.get(digest))
        except Exception as e:  # noqa: BLE001 - a bad file must never stop the mock from starting
            reason = f"{type(e).__name__}: {e}" if not isinstance(e, ValueError) else str(e)
            result.skipped.append(f"{path.name}: skipped, {reason.splitlines()[0][:200]}")
            continue
        if parsed.ignored_paths:
            result.notes.append(f"{path.name}: {len(parsed.ignored_paths)} path(s) outside any API version not "
                                f"served from the spec ({', '.join(parsed.ignored_paths[:4])})")
        if parsed.open_security:
            open_security.append(path.name)
        for version, (vdoc, ops) in parsed.versions.items():
            if only is not None and version not in only:
                continue
            candidates.setdefault(version, []).append(VersionSpec(
                version, parsed.release, vdoc, path.name, ops, kind=parsed.kind, sha256=digest))
    for version in sorted(candidates, key=version_key):
        options = sorted(candidates[version], key=_preference, reverse=True)
        chosen = options[0]
        result.versions[version] = chosen
        if len(options) > 1:
            others = ", ".join(f"{o.source_file} ({o.kind}, {o.release})" for o in options[1:])
            result.notes.append(f"{version}: served from {chosen.source_file} ({chosen.kind}, {chosen.release}); "
                                f"not from {others}")
    if open_security:
        result.notes.append(f"{', '.join(open_security)}: {SECURITY_NOTE}")
    if only is not None:
        missing = sorted(only - set(result.versions), key=version_key)
        if missing:
            result.notes.append(f"asked for {', '.join(missing)}: not provided by any document in {directory}")
    return result
