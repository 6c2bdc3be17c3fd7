"""Slurm's response envelope: payload + `meta` + `errors` + `warnings`, rendered for one API version.

Every JSON answer of the mock, from a handler, from the gate (bad token, injected fault) or from an error
handler, is built here, so the envelope and the status mapping have one home."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..auth import refusals
from ..errors import SlurmError, error_text

_PLUGIN = {
    "slurm": ("openapi/slurmctld", "Slurm OpenAPI slurmctld"),
    "slurmdb": ("openapi/slurmdbd", "Slurm OpenAPI slurmdbd"),
    "util": ("openapi/util", "Slurm OpenAPI util"),
}


@dataclass
class Answer:
    """What a handler returns: the operation's payload keys, plus envelope additions."""

    payload: dict = field(default_factory=dict)
    status: int = 200
    warnings: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    empty: bool = False            # 304-style answers: no body at all
    # the real daemon answers this operation in another shape than its spec says (a listed divergence):
    # render the envelope only and send the payload as it is
    unshaped: bool = False
    # only meta/errors/warnings, no payload keys at all (an unknown node: real slurmrestd sends no `nodes`)
    bare: bool = False
    # only these payload keys (besides meta/errors/warnings): what a handler dumps after a failed call
    keys: tuple | None = None


@dataclass
class Ctx:
    """Everything a handler needs about the request, so handlers stay a few lines."""

    site: object                   # http.app.Site
    version_spec: object
    operation: object
    identity: object | None
    path_params: dict
    query: object                  # starlette QueryParams (multi-dict)
    body: object = None
    client: str = ""
    # errors found while reading the query that do not stop the operation (`?flags=NOPE`: the data and a
    # 9207 error, status from the error)
    errors: list = field(default_factory=list)
    # warnings found while reading the query (unknown keys), put before the operation's own
    warnings: list = field(default_factory=list)

    @property
    def cluster(self):
        return self.site.cluster

    @property
    def profile(self):
        return self.site.profile

    @property
    def user(self) -> str:
        return self.identity.user if self.identity else "nobody"

    @property
    def version(self) -> str:
        return self.version_spec.version


class Halt(Exception):
    """An answer decided before the operation ran: a body with a value of the wrong type is answered with
    slurmrestd's warnings and 200, and nothing is done."""

    def __init__(self, answer: Answer):
        super().__init__("answered before the operation ran")
        self.answer = answer


def meta(site, version_spec, operation, user: str, client: str) -> dict:
    """The envelope's `meta`: decided by the operation's family, the user, the client, the cluster's name
    and the site's profile and version alone (`render` renders it once per those)."""
    family = operation.family if operation else "slurm"
    ptype, pname = _PLUGIN.get(family, _PLUGIN["slurm"])
    major, minor, micro = site.profile.version_parts
    return {
        "plugin": {"type": ptype, "name": pname, "data_parser": f"data_parser/{version_spec.version}",
                   "accounting_storage": "accounting_storage/slurmdbd"},
        "client": {"source": client, "user": "nobody" if family == "slurmdb" else user,
                   "group": "" if family == "slurmdb" else user},
        "command": [],
        "slurm": {"version": {"major": major, "micro": micro, "minor": minor},
                  "release": site.profile.release, "cluster": site.cluster.name},
        # v0.0.38 and older spell it `Slurm` (each version's meta schema keeps its own)
        "Slurm": {"version": {"major": int(major), "micro": int(micro), "minor": int(minor)},
                  "release": site.profile.release},
    }


def error_entry(code: int, description: str = "", source: str = "") -> dict:
    return {"description": description, "error_number": code, "error": error_text(code), "source": source}


def from_error(err: SlurmError, profile, payload: dict | None = None, *, bare: bool | None = None) -> Answer:
    """The answer to a failure: status and number as the release has them (`profile.error_aliases`: 26.05
    reports some controller failures under another number), payload kept unless the request never got
    to the operation (`err.bare`) or the operation only reports results on success (`bare=True`)."""
    code = profile.error_aliases.get(err.code, err.code)
    rc = profile.error_aliases.get(err.rc, err.rc)
    return Answer(payload=payload or err.payload or {}, status=profile.status_for(rc), errors=err.entries(code),
                  warnings=list(err.warnings), bare=err.bare if bare is None else bare)


def refused(profile, operation, params: dict) -> Answer | None:
    """The answer to a token slurmctld/slurmdbd refused, from the one table (auth/refusals.py) and the
    release's overrides; None when the operation still answers normally (ping: the controller is DOWN)."""
    row = refusals.lookup(operation.family, operation.name, profile.refusals)
    if row is None:
        return None
    description = row.describe(params)
    errors = [] if description is None else [error_entry(row.rc, description, row.source or operation.name)]
    payload = {k: refusals.EMPTY[k] for k in row.keys if k in refusals.EMPTY}    # the rest: the schema's zero
    return Answer(payload=payload, errors=errors, keys=row.keys, bare=not row.keys,
                  status=row.status or profile.status_for(row.rc))


def render(site, version_spec, operation, answer: Answer, user: str, client: str, *,
           chunks: bool = False) -> tuple[int, bytes | list]:
    """Render an answer to (status, JSON bytes) with the operation's response schema of this version;
    `chunks`: the bytes may come as a list of chunks (a long job list is not copied into one body)."""
    if answer.empty:
        return answer.status, b""
    body = dict(answer.payload)
    name = operation.name if operation is not None else ""
    body["errors"] = [site.profile.shape_error(name, e) for e in answer.errors]
    renderer = site.renderer(version_spec.version)
    v = version_spec.version
    # v0.0.38 and older have no warnings at all (22.05.8 never writes the key): the version's schemas say so
    has_warnings = f"{v}_openapi_warnings" in renderer.schemas
    if has_warnings:
        body["warnings"] = answer.warnings
    envelope = {"meta", "errors", "warnings"} if has_warnings else {"meta", "errors"}
    # 22.05's documents declare errors as {error, error_number}, while each handler wrote its own keys
    # (profile.error_fields): there the entries go out as shaped, not through the schema
    own_errors = f"{v}_openapi_errors" not in renderer.schemas
    if not (answer.bare or answer.keys is not None or operation is None or answer.unshaped or own_errors):
        # `Rows` in the payload (job lists) come from the renderer's per-revision cache, and `meta` is made
        # and rendered once per what decides it (see `meta`)
        body["meta"] = lambda: meta(site, version_spec, operation, user, client)
        fixed = {"meta": (operation.family, user, client, site.cluster.name)}
        return answer.status, renderer.response_json(operation.operation_id, body, answer.status, fixed=fixed,
                                                     chunks=chunks)
    body["meta"] = meta(site, version_spec, operation, user, client)
    if answer.bare:
        rendered = {"meta": renderer.schema(f"{v}_openapi_meta", body["meta"]), "errors": body["errors"]}
        if not own_errors:
            rendered["errors"] = renderer.schema(f"{v}_openapi_errors", body["errors"])
        if has_warnings:
            rendered["warnings"] = renderer.schema(f"{v}_openapi_warnings", body["warnings"])
        return answer.status, renderer.dumps(rendered)
    if answer.keys is not None and operation is not None:
        full = renderer.response(operation.operation_id, body, answer.status)
        keep = set(answer.keys) | envelope
        full = {k: x for k, x in full.items() if k in keep}
        if own_errors:     # 22.05's error responses declare errors alone: meta and the kept lists as at 200
            ok = renderer.response(operation.operation_id, body, 200)
            kept = {k: ok[k] if k in ok else body.get(k, []) for k in ("meta", *answer.keys)}
            full = {**kept, **full, "errors": body["errors"]}
        return answer.status, renderer.dumps(full)
    if operation is None or answer.unshaped:
        rendered = dict(body, meta=renderer.schema(f"{version_spec.version}_openapi_meta", body["meta"]))
        return answer.status, renderer.dumps(rendered)
    # own_errors
    if renderer._response_schema(operation.operation_id, answer.status) is None:
        # no body declared (22.05's DELETE job/{id}, POST job/{id}): the daemon writes meta and errors
        return answer.status, renderer.dumps({"meta": body["meta"], "errors": body["errors"]})
    full = renderer.response(operation.operation_id, body, answer.status)
    return answer.status, renderer.dumps(dict(full, errors=body["errors"]) if "errors" in full else full)
