"""Find the spec documents in a folder and split them into one stand-alone document per API version.

A folder may hold per-version files (`slurm-v0.0.44.json`, one data parser each, generated offline) and live
`/openapi/v3` documents of a whole release (several versions, plus `/util/`). The mock routes, validates and
renders per version, so each document is cut along its path prefixes, keeping only the components each
version's paths reach: every `VersionSpec.document` is a complete OpenAPI document on its own.

Loading is two steps, so that `serve` normalises only what it serves: `scan_specs` reads and hashes every
file and finds which versions each provides (cheap: no normalising); `load_specs` then normalises and cuts
only the documents that serve the versions asked for. Both results are cached by the file's sha256, in
memory (loading the same folder again, in every test, costs only the file reads) and on disk
(`mockrestd.specs.cache`, so a new `serve` process need not redo them either). The cached documents are
shared: treat them as read-only (copy before editing)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .normalise import SECURITY_NOTE, normalise, operation_name, resolve_pointer

_PREFIX = re.compile(r"^/(slurm|slurmdb|util)/(v\d+\.\d+\.\d+)/")
_PER_VERSION_NAME = re.compile(r"v\d+\.\d+\.\d+\.json$")
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_FACTS: dict[str, "Facts"] = {}      # sha256 -> what the document says about itself
_CACHE: dict[str, dict] = {}         # sha256 -> {version: (normalised cut document, operations)}


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


@dataclass(frozen=True)
class Facts:
    """What a document says about itself, found without normalising it (cached by the file's sha256)."""
    release: str | None          # from `info` (None: 22.05 does not say; the manifest or file name tells)
    versions: tuple              # the API versions its paths provide, in the document's order
    ignored_paths: tuple         # paths outside any /slurm|slurmdb|util/vX/ prefix (not served)
    open_security: bool          # the global security list holds {} (see SECURITY_NOTE)


@dataclass(frozen=True)
class Candidate:
    """One file that provides a version."""
    source_file: str
    sha256: str
    kind: str                    # "version" | "openapi-v3"
    release: str | None


@dataclass
class SpecIndex:
    """What the documents of a folder provide (`scan_specs`): enough to choose a profile and the files to
    serve from, with no document normalised yet."""
    directory: Path
    versions: dict = field(default_factory=dict)   # version -> [Candidate], preferred first; oldest version first
    files: dict = field(default_factory=dict)      # file name -> (sha256, Facts) of every usable file
    skipped: list = field(default_factory=list)    # one line per file that could not be used
    _raw: dict = field(default_factory=dict, repr=False)   # sha256 -> document parsed while scanning

    def releases(self) -> set:
        return {c.release for options in self.versions.values() for c in options if c.release}


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
    pop, push = stack.pop, stack.extend
    while stack:
        item = pop()
        if type(item) is dict:
            ref = item.get("$ref")
            if type(ref) is str and ref.startswith("#/components/"):
                out.add(ref)
            push([v for v in item.values() if type(v) in _CONTAINERS])
        elif type(item) is list:
            push([v for v in item if type(v) in _CONTAINERS])


_CONTAINERS = (dict, list)


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


def _decode(data: bytes) -> dict:
    raw = json.loads(data)
    if not isinstance(raw, dict) or not isinstance(raw.get("paths"), dict) \
            or not str(raw.get("openapi", "")).startswith("3."):
        raise ValueError("not an OpenAPI 3 document")
    return raw


def _facts_of(raw: dict) -> Facts:
    """What a parsed (raw or normalised: normalising changes none of it) document says about itself."""
    versions: dict = {}
    ignored = []
    for path, item in raw["paths"].items():
        m = _PREFIX.match(path)
        if m and isinstance(item, dict):
            versions.setdefault(m.group(2), None)
        else:
            ignored.append(path)
    if not versions:
        raise ValueError("no /slurm/vX/, /slurmdb/vX/ or /util/vX/ paths")
    open_security = any(s == {} for s in raw.get("security", []) if isinstance(s, dict))
    return Facts(_release_of(raw), tuple(versions), tuple(ignored), open_security)


def _build(raw: dict) -> dict:
    """version -> document of a freshly parsed document (normalised in place, then cut per version)."""
    doc = normalise(raw, in_place=True)
    grouped: dict[str, dict] = {}
    for path, item in doc["paths"].items():
        m = _PREFIX.match(path)
        if m and isinstance(item, dict):
            grouped.setdefault(m.group(2), {})[path] = item
    return {version: _cut(doc, paths) for version, paths in grouped.items()}


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


def _preference(c: Candidate) -> tuple:
    """Higher wins: a per-version file over a live document, then the newer release, then the file name."""
    return (c.kind == "version", release_key(c.release), c.source_file)


def _skip_line(name: str, e: Exception) -> str:
    reason = f"{type(e).__name__}: {e}" if not isinstance(e, ValueError) else str(e)
    return f"{name}: skipped, {reason.splitlines()[0][:200] if reason else type(e).__name__}"


def scan_specs(directory) -> SpecIndex:
    """Which versions the `*.json` documents in `directory` provide and which document would serve each,
    without normalising any of them: each file is read and hashed; a document is parsed only if its facts
    are not cached yet (in memory, or on disk by `mockrestd.specs.cache`). Never raises for bad files."""
    directory = Path(directory)
    index = SpecIndex(directory)
    if not directory.is_dir():
        index.skipped.append(f"{directory}: not a folder")
        return index
    manifest = _manifest_by_sha(directory)
    store = _store()
    candidates: dict[str, list] = {}
    for path in sorted(directory.glob("*.json")):
        if path.name == "manifest.json" or not path.is_file():
            continue
        try:
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            facts = _FACTS.get(digest) or (_stored_facts(store, digest) if store else None)
            if facts is None:
                raw = _decode(data)
                facts = _facts_of(raw)
                index._raw[digest] = raw
                if store:
                    store.put_facts(digest, dataclasses.asdict(facts))
            _FACTS[digest] = facts
        except Exception as e:  # noqa: BLE001 - a bad file must never stop the mock from starting
            index.skipped.append(_skip_line(path.name, e))
            continue
        entry = manifest.get(digest) or {}
        kind = entry.get("kind") or ("version" if len(facts.versions) == 1 and _PER_VERSION_NAME.search(path.name)
                                     else "openapi-v3")
        release = facts.release or entry.get("release")
        if not release:
            m = re.match(r"slurm-(\d+\.\d+\.\d+)-", path.name)
            release = m.group(1) if m else None
        index.files[path.name] = (digest, facts)
        for version in facts.versions:
            candidates.setdefault(version, []).append(Candidate(path.name, digest, kind, release))
    for version in sorted(candidates, key=version_key):
        index.versions[version] = sorted(candidates[version], key=_preference, reverse=True)
    return index


def _materialise(index: SpecIndex, c: Candidate) -> dict:
    """version -> (document, operations) of the file `c` names: from memory, else from the on-disk store,
    else normalised and cut now (and stored). Cached in memory by sha256."""
    versions = _CACHE.get(c.sha256)
    if versions is not None:
        return versions
    store = _store()
    stored = store.documents(c.sha256) if store else None
    if stored is not None and list(stored) == list(index.files[c.source_file][1].versions):
        try:
            versions = {v: (doc, _operations(doc)) for v, doc in stored.items()}
        except Exception:  # noqa: BLE001 - a damaged entry is a miss
            versions = None
    if versions is None:
        raw = index._raw.pop(c.sha256, None)
        if raw is None:
            data = (index.directory / c.source_file).read_bytes()
            if hashlib.sha256(data).hexdigest() != c.sha256:
                raise ValueError("changed while it was being loaded")
            raw = _decode(data)
        documents = _build(raw)
        versions = {v: (doc, _operations(doc)) for v, doc in documents.items()}
        if store:
            store.put_documents(c.sha256, documents)
    _CACHE[c.sha256] = versions
    return versions


def load_specs(directory, *, only=None, index: SpecIndex | None = None, prefer_release: str | None = None) -> SpecSet:
    """Every API version the `*.json` documents in `directory` provide (`only`: a set of versions to keep).

    Never raises for bad files: they are listed in `SpecSet.skipped`. When two documents provide the same
    version, one generated by the `prefer_release` series wins (the release the mock imitates: its
    daemon's own document, /util/ paths included), then the per-version file over a live `/openapi/v3`
    document, then the newer release; `SpecSet.notes` says which file serves it. With `only`, just the
    documents that serve those versions are normalised (`index`: the folder's `scan_specs`, if the caller
    has it already); without it, every one."""
    directory = Path(directory)
    index = index if index is not None else scan_specs(directory)
    result = SpecSet(skipped=list(index.skipped))
    if not directory.is_dir():
        return result
    only = set(only) if only is not None else None
    failed: set = set()

    def usable(c: Candidate) -> bool:
        if c.source_file in failed:
            return False
        try:
            _materialise(index, c)
            return True
        except Exception as e:  # noqa: BLE001 - as in scan_specs
            failed.add(c.source_file)
            result.skipped.append(_skip_line(c.source_file, e))
            return False

    if only is None:        # everything: every file is normalised, so every broken one is reported
        for options in index.versions.values():
            for c in options:
                usable(c)
    served_notes = []
    series = _series(prefer_release)
    for version, options in index.versions.items():
        if only is not None and version not in only:
            continue
        if series:      # that very release first, then its series; stable, so ties keep their order
            options = sorted(options, key=lambda c: (c.release != prefer_release, _series(c.release) != series))
        chosen = next((c for c in options if usable(c)), None)
        if chosen is None:
            continue
        document, operations = _CACHE[chosen.sha256][version]
        result.versions[version] = VersionSpec(version, chosen.release, document, chosen.source_file, operations,
                                               kind=chosen.kind, sha256=chosen.sha256)
        others = [o for o in options if o is not chosen and o.source_file not in failed]
        if others:
            served_notes.append(f"{version}: served from {chosen.source_file} ({chosen.kind}, {chosen.release}); "
                                f"not from " + ", ".join(f"{o.source_file} ({o.kind}, {o.release})" for o in others))
    open_security = []
    for name, (digest, facts) in index.files.items():
        if name in failed:
            continue
        if facts.ignored_paths:
            result.notes.append(f"{name}: {len(facts.ignored_paths)} path(s) outside any API version not "
                                f"served from the spec ({', '.join(facts.ignored_paths[:4])})")
        if facts.open_security:
            open_security.append(name)
    result.notes += served_notes
    if open_security:
        result.notes.append(f"{', '.join(open_security)}: {SECURITY_NOTE}")
    if only is not None:
        missing = sorted(only - set(result.versions), key=version_key)
        if missing:
            result.notes.append(f"asked for {', '.join(missing)}: not provided by any document in {directory}")
    return result


def _series(release: str | None) -> str | None:
    return ".".join(release.split(".")[:2]) if release else None


def _store():
    """The on-disk cache of facts and normalised documents (None when caching is off)."""
    from .cache import default_store
    return default_store()


def _stored_facts(store, digest: str) -> Facts | None:
    value = store.facts(digest)
    try:
        facts = Facts(value["release"], tuple(value["versions"]), tuple(value["ignored_paths"]),
                      value["open_security"])
    except (KeyError, TypeError):
        return None
    ok = isinstance(facts.release, (str, type(None))) and isinstance(value["versions"], list) and facts.versions \
        and all(isinstance(v, str) for v in facts.versions + facts.ignored_paths) \
        and isinstance(facts.open_security, bool)
    return facts if ok else None
