"""Slurm's response envelope: payload + `meta` + `errors` + `warnings`, rendered for one API version.

Every JSON answer of the mock, from a handler, from the gate (bad token, injected fault) or from an error
handler, is built here, so the envelope and the status mapping have one home."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    }


def error_entry(code: int, description: str = "", source: str = "") -> dict:
    return {"description": description, "error_number": code, "error": error_text(code), "source": source}


def from_error(err: SlurmError, profile, payload: dict | None = None, *, bare: bool | None = None) -> Answer:
    """The answer to a failure: status and number as the release has them (`profile.error_aliases`: 26.05
    reports some controller failures under another number), payload kept unless the request never got
    to the operation (`err.bare`) or the operation only reports results on success (`bare=True`)."""
    code = profile.error_aliases.get(err.code, err.code)
    rc = profile.error_aliases.get(err.rc, err.rc)
    return Answer(payload=payload or {}, status=profile.status_for(rc), errors=err.entries(code),
                  warnings=list(err.warnings), bare=err.bare if bare is None else bare)


def render(site, version_spec, operation, answer: Answer, user: str, client: str) -> tuple[int, bytes]:
    """Render an answer to (status, JSON bytes) with the operation's response schema of this version."""
    if answer.empty:
        return answer.status, b""
    body = dict(answer.payload)
    body["meta"] = meta(site, version_spec, operation, user, client)
    body["errors"] = answer.errors
    body["warnings"] = answer.warnings
    renderer = site.renderer(version_spec.version)
    if answer.bare:
        renderer = site.renderer(version_spec.version)
        meta_schema = f"{version_spec.version}_openapi_meta"
        rendered = {"meta": renderer.schema(meta_schema, body["meta"]),
                    "errors": renderer.schema(f"{version_spec.version}_openapi_errors", body["errors"]),
                    "warnings": renderer.schema(f"{version_spec.version}_openapi_warnings", body["warnings"])}
        return answer.status, renderer.dumps(rendered)
    if operation is None or answer.unshaped:
        rendered = dict(body, meta=renderer.schema(f"{version_spec.version}_openapi_meta", body["meta"]))
        return answer.status, renderer.dumps(rendered)
    # `Rows` in the payload (job lists) come from the renderer's per-revision cache
    return answer.status, renderer.response_json(operation.operation_id, body, answer.status)
