"""Known upstream divergences: where real slurmrestd does not do what its own spec says.

divergences.toml lists each one with the check it relaxes, the operations it applies to (operationId globs,
e.g. "slurm_v*_get_jobs_state"), the releases where it was seen, optionally the statuses and a regex on the
failure, and its evidence. `Table.find` is the one place that decides whether a failure is a known
divergence; the schema hooks (`conformance.py`) drop exactly those failures and count them in the report.
Everything else fails. Its `[[crash]]` list names requests that kill a real daemon (`Crash`)."""

from __future__ import annotations

import copy
import fnmatch
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_FILE = Path(__file__).with_name("divergences.toml")
KNOWN_CHECKS = {
    "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance",
    "response_headers_conformance", "positive_data_acceptance", "negative_data_rejection", "use_after_free",
    "ensure_resource_availability", "missing_required_header", "ignored_auth", "unsupported_method",
    "max_response_time", "allow_header_conformance", "object_level_authorization",
    # the differential run (differential.py): a disagreement between real and mock that the mock does not
    # imitate; `match` is searched in "<step>: <what> <path>" (e.g. "submit wrong type: status ")
    "differential",
}


@dataclass(frozen=True)
class Divergence:
    id: str
    check: str
    operations: tuple[str, ...]
    evidence: str
    summary: str = ""
    match: str | None = None            # regex searched in the failure's subject (see `failure_subject`)
    status: tuple[int, ...] = ()        # only for these response statuses (empty: any)
    releases: tuple[str, ...] = ()      # the Slurm releases where it was seen (globs, e.g. "25.11.*")
    # the daemon may close the connection instead of answering (the client then sees a reset, not a status)
    closes_connection: bool = False
    _rx: re.Pattern | None = field(default=None, compare=False, repr=False)

    def applies(self, check: str, operation_id: str, status: int | None, subject: str, release: str | None) -> bool:
        if check != self.check:
            return False
        if not any(fnmatch.fnmatchcase(operation_id, g) for g in self.operations):
            return False
        if self.status and status not in self.status:
            return False
        if self.releases and not any(fnmatch.fnmatchcase(release or "", g) for g in self.releases):
            return False
        return self._rx is None or bool(self._rx.search(subject))


@dataclass(frozen=True)
class Crash:
    """A request that makes a real daemon die. It is withheld on every release not listed in `fixed_in`
    (so also on a release the suite cannot read): sent without the `drop` query parameters when the entry
    names some, not sent at all otherwise. `probe` is the request itself, which CONTRACT_CRASH_PROBE=1
    sends on purpose to learn whether it still kills the target."""
    id: str
    operations: tuple[str, ...]         # operationId globs: every version routed to the same handler
    evidence: str
    query_all: tuple[str, ...] = ()     # each entry "a|b": one of these query parameters is present
    body_lacks: tuple[str, ...] = ()    # the JSON body is not an object, or lacks one of these keys
    drop: tuple[str, ...] = ()          # what to leave out so the request is safe (empty: withhold it whole)
    # a body that is one scalar (not an object or a list) sent as one of these media types kills it
    scalar_body_as: tuple[str, ...] = ()
    # path parameter -> regex: a value it does not match (at its start) kills it
    path_not: tuple[tuple[str, str], ...] = ()
    # dotted paths into the JSON body ("job.argv"): an explicit null at any of them kills it
    body_null: tuple[str, ...] = ()
    path_safe: tuple[tuple[str, str], ...] = ()   # with path_not: the values it is sent with instead
    fixed_in: tuple[str, ...] = ()      # releases (globs) shown not to crash any more
    probe: dict = field(default_factory=dict, compare=False)   # {method, path ("{v}" = version), query, body}
    summary: str = ""

    def fixed(self, release: str | None) -> bool:
        return any(fnmatch.fnmatchcase(release or "unknown", g) for g in self.fixed_in)

    def applies(self, operation_id: str, query: dict | None, release: str | None, body=None,
                media_type: str | None = None, path_params: dict | None = None) -> bool:
        if not any(fnmatch.fnmatchcase(operation_id, g) for g in self.operations) or self.fixed(release):
            return False
        if self.path_not:
            return any(name in (path_params or {}) and not re.match(rx, str(path_params[name]))
                       for name, rx in self.path_not)
        if self.body_null:
            return any(_null_at(body, path) for path in self.body_null)
        if self.scalar_body_as:
            # schemathesis marks "no body" with its NOT_SET sentinel; None is a body: YAML `null`
            absent = type(body).__name__ == "NotSet"
            return (media_type or "").split(";")[0].strip() in self.scalar_body_as \
                and not absent and not isinstance(body, (dict, list))
        query = query or {}
        if not all(any(name in query for name in alt.split("|")) for alt in self.query_all):
            return False
        if self.body_lacks:
            return not isinstance(body, dict) or any(k not in body for k in self.body_lacks)
        return True

    def made_safe(self, case) -> str | None:
        """Change a generated case so it no longer crashes (the null keys left out of the body, the path
        parameter given a value the entry names as safe, a scalar body replaced by an empty object) and say
        how; None when only leaving the request out is safe. A case of the examples and coverage phases
        cannot be rejected the way a hypothesis example can, so a crasher must be made safe where it can."""
        if self.body_null and isinstance(getattr(case, "body", None), dict):
            case.body = _without_nulls(case.body, self.body_null)
            return "sent without the null " + ", ".join(self.body_null)
        if self.path_not and self.path_safe:
            case.path_parameters = {**(case.path_parameters or {}), **dict(self.path_safe)}
            return "sent with " + ", ".join(f"{k}={v}" for k, v in self.path_safe)
        if self.scalar_body_as:
            case.body = {}
            return "sent with an empty object as its body"
        return None

    def safe_query(self, query: dict | None) -> dict | None:
        """The query with the crashing parameters left out; None when the request cannot be made safe."""
        if not self.drop or self.body_lacks:
            return None
        return {k: v for k, v in (query or {}).items() if k not in self.drop}


def _holder(body, path: str):
    """(the object holding the last key of a dotted path, that key), or (None, key) when there is none."""
    *parents, last = path.split(".")
    for key in parents:
        body = body.get(key) if isinstance(body, dict) else None
    return (body if isinstance(body, dict) else None), last


def _null_at(body, path: str) -> bool:
    """Whether the JSON body holds an explicit null at a dotted path of object keys."""
    node, key = _holder(body, path)
    return node is not None and key in node and node[key] is None


def _without_nulls(body: dict, paths) -> dict:
    """A copy of the body without the keys of `paths` that hold an explicit null."""
    out = copy.deepcopy(body)
    for path in paths:
        if _null_at(out, path):
            node, key = _holder(out, path)
            del node[key]
    return out


class Table:
    def __init__(self, entries: list[Divergence], source: str = "", crashes: list[Crash] | None = None):
        self.entries = entries
        self.source = source
        self.crashes = list(crashes or [])

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Table":
        path = Path(path or os.environ.get("CONTRACT_DIVERGENCES") or DEFAULT_FILE)
        data = tomllib.loads(path.read_text())
        entries, seen = [], set()
        for raw in data.get("divergence", []):
            for key in ("id", "check", "operations", "evidence", "releases"):
                if not raw.get(key):
                    raise ValueError(f"{path}: divergence {raw.get('id', '?')!r} lacks {key!r}")
            if raw["id"] in seen:
                raise ValueError(f"{path}: duplicate divergence id {raw['id']!r}")
            if raw["check"] not in KNOWN_CHECKS:
                raise ValueError(f"{path}: divergence {raw['id']!r}: unknown check {raw['check']!r}")
            seen.add(raw["id"])
            entries.append(Divergence(
                id=raw["id"], check=raw["check"], operations=tuple(raw["operations"]), evidence=raw["evidence"],
                summary=raw.get("summary", ""), match=raw.get("match"), status=tuple(raw.get("status", ())),
                releases=tuple(raw.get("releases", ())), closes_connection=bool(raw.get("closes_connection")),
                _rx=re.compile(raw["match"], re.S) if raw.get("match") else None))
        crashes = []
        for raw in data.get("crash", []):
            for key in ("id", "operations", "evidence", "probe"):
                if not raw.get(key):
                    raise ValueError(f"{path}: crash {raw.get('id', '?')!r} lacks {key!r}")
            if "releases" in raw:
                raise ValueError(f"{path}: crash {raw['id']!r}: crash entries name the releases shown fixed "
                                 f"(`fixed_in`), not where they crash: unknown releases are withheld")
            if not any(raw.get(k) for k in ("query_all", "body_lacks", "scalar_body_as", "path_not", "body_null")):
                raise ValueError(f"{path}: crash {raw['id']!r} needs query_all, body_lacks, scalar_body_as, "
                                 f"path_not or body_null")
            if not {"method", "path"} <= set(raw["probe"]):
                raise ValueError(f"{path}: crash {raw['id']!r}: probe needs method and path")
            crashes.append(Crash(id=raw["id"], operations=tuple(raw["operations"]), evidence=raw["evidence"],
                                 query_all=tuple(raw.get("query_all", ())), body_lacks=tuple(raw.get("body_lacks", ())),
                                 drop=tuple(raw.get("drop", ())), fixed_in=tuple(raw.get("fixed_in", ())),
                                 scalar_body_as=tuple(raw.get("scalar_body_as", ())),
                                 path_not=tuple((raw.get("path_not") or {}).items()),
                                 body_null=tuple(raw.get("body_null", ())),
                                 path_safe=tuple((raw.get("path_safe") or {}).items()),
                                 probe=dict(raw["probe"]), summary=raw.get("summary", "")))
        return cls(entries, str(path), crashes)

    def crash(self, operation_id: str, query: dict | None, release: str | None, body=None,
              media_type: str | None = None, path_params: dict | None = None) -> Crash | None:
        return next((c for c in self.crashes
                     if c.applies(operation_id, query, release, body, media_type, path_params)), None)

    def closed_connection(self, check: str, operation_id: str, release: str | None) -> Divergence | None:
        """The entry saying that, for this check, the daemon may drop the connection rather than answer."""
        return next((d for d in self.entries if d.closes_connection and d.check == check
                     and d.applies(check, operation_id, d.status[0] if d.status else None, "", release)), None)

    def find(self, checks, operation_id: str, status: int | None, subject: str,
             release: str | None = None) -> Divergence | None:
        for check in checks:
            for d in self.entries:
                if d.applies(check, operation_id, status, subject, release):
                    return d
        return None


def failure_subject(failure, response=None) -> str:
    """What a divergence's `match` is searched in: for a schema violation "<instance path>: <validator
    message>" (e.g. "/jobs/0/job_resources: None is not of type 'object'"), else title and message; both
    followed by " | errors: <error_number>..." listing the Slurm error numbers of the answer, if any, and
    by " | body: <first line>" for a text/plain answer."""
    path = getattr(failure, "instance_path", None)
    raw = getattr(failure, "_raw_message", None)
    if path is not None and raw is not None:
        text = "/" + "/".join(str(p) for p in path) + ": " + str(raw)
    else:
        text = f"{getattr(failure, 'title', '')}: {getattr(failure, 'message', '')}"
    numbers = error_numbers(response)
    text += " | errors: " + " ".join(str(n) for n in numbers) if numbers else ""
    plain = _plain_text(response)
    return text + (" | body: " + plain if plain is not None else "")


def _plain_text(response) -> str | None:
    """The body of a text/plain answer (router rejects), first line, so a divergence can name it."""
    if response is None:
        return None
    headers = getattr(response, "headers", {}) or {}
    ctype = headers.get("content-type") or headers.get("Content-Type") or ""
    if isinstance(ctype, (list, tuple)):          # schemathesis keeps every header as a list of values
        ctype = ctype[0] if ctype else ""
    if not str(ctype).lower().startswith("text/plain"):
        return None
    raw = getattr(response, "content", b"") or b""
    return raw[:200].decode("utf-8", "replace").splitlines()[0] if raw.strip() else ""


def error_numbers(response) -> list:
    """Slurm error numbers in a JSON answer (`errors[].error_number`; 22.05: `error_code` or `errno`)."""
    if response is None:
        return []
    try:
        import json
        body = json.loads(getattr(response, "content", b"") or b"null")
    except (ValueError, TypeError):
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    out = []
    for e in errors if isinstance(errors, list) else []:
        if isinstance(e, dict):
            n = e.get("error_number", e.get("error_code", e.get("errno")))
            if n is not None:
                out.append(n)
    return out


def failure_checks(failure) -> tuple[str, ...]:
    """The check names that can report this failure (schemathesis marks each failure class with them)."""
    checks = tuple(getattr(type(failure), "checks", ()) or ())
    return checks or ("custom",)
