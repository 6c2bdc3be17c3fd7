"""Assemble the ASGI app: the gate in front of a connexion AsyncApp built from every served spec."""

from __future__ import annotations

import asyncio
import gc
import inspect
import json
import logging
import threading
from collections import deque
from pathlib import Path

from . import respond
from .faults import Faults
from .gate import Gate
from .handlers import handler_for, unknown_query_warnings
from .routes import RouteTable
from ..errors import SlurmError, error_text
from ..render import Renderer, parse_body

log = logging.getLogger("mockrestd.http")

# the slurmctld call each operation makes, named as the source when slurmctld does not answer
_CONTROLLER_CALL = {
    "get_jobs": "slurm_load_jobs()", "get_job": "slurm_load_job()", "get_nodes": "slurm_load_node()",
    "get_node": "slurm_load_node()", "get_licenses": "slurm_load_licenses()",
    "get_reservations": "slurm_load_reservations()", "get_diag": "slurm_get_statistics()",
    "post_job_submit": "slurm_submit_batch_job()", "get_shares": "slurm_associations_get_shares()",
}


class Site:
    """The running mock: engine, specs, auth keys, profile, faults and journal in one object."""

    def __init__(self, *, cluster, specs, keyring, profile, journal_size=1000):
        self.cluster = cluster
        self.specs = specs
        self.keyring = keyring
        self.profile = profile
        self.routes = RouteTable(specs)
        if not cluster.accounting.enabled:      # slurmrestd without slurmdbd routes no /slurmdb/ path
            self.routes.routes = [r for r in self.routes.routes if not r.template.startswith("/slurmdb/")]
        self.faults = Faults()
        self.journal = deque(maxlen=journal_size)
        self._renderers = {}
        self._openapi = None
        # operationId -> the operation's answer without connexion (`answerer`): the gate calls it for GETs,
        # connexion's endpoint for the rest
        self._answerers: dict = {}
        self.execution = getattr(cluster, "execution", None)    # execute mode (engine/executor), or None
        self.store = None                 # --state-dir: engine/store.StateDir, committed before each answer
        self.initial_cluster = cluster    # what the control API's reset goes back to

    def close(self) -> None:
        """Stop what the site started: in execute mode, every job's processes and the spool."""
        if self.execution is not None:
            self.execution.close()

    def renderer(self, version: str) -> Renderer:
        r = self._renderers.get(version)
        if r is None:
            r = self._renderers[version] = Renderer(self.specs.versions[version].document, version)
        return r

    def answerer(self, vs, op):
        a = self._answerers.get(op.operation_id)
        if a is None:
            a = self._answerers[op.operation_id] = _answerer(self, vs, op)
        return a

    def parse_body(self, version: str, schema: dict, body, *, path: str = "#"):
        return parse_body(self.specs.versions[version].document, schema, body, path=path)

    def openapi_bytes(self) -> bytes:
        if self._openapi is None:
            self._openapi = json.dumps(self.specs.merged_document()).replace("/", "\\/").encode()
        return self._openapi

    def journal_add(self, scope, status: int, elapsed_ms: float) -> None:
        if scope["path"].startswith("/mockrestd/"):
            return
        self.journal.append({"time": self.cluster.clock.now(), "method": scope["method"], "path": scope["path"],
                             "query": scope.get("query_string", b"").decode("latin-1"), "status": status,
                             "elapsed_ms": round(elapsed_ms, 2)})

    def rejection(self, vs, op, kind: str, fault=None, params=None) -> respond.Answer:
        """What a request gets when it never reaches its operation (bad token, injected fault)."""
        if kind == "bad_token":       # per operation, from auth/refusals.py and the release's profile
            refused = respond.refused(self.profile, op, params or {})
            if refused is not None:
                return refused
        if kind == "error":
            entry = respond.error_entry(fault.error_number, fault.description, op.operation_id)
            return respond.Answer(status=fault.status or self.profile.status_for(fault.error_number), errors=[entry])
        if op.family == "slurmdb":
            if kind == "controller_down":
                return None
            return respond.Answer(status=502, bare=True,     # 26.05.5: no payload keys, unlike /slurm/
                                  errors=[respond.error_entry(7000, "Unable to connect to database", op.name)])
        if kind == "dbd_down":
            return None
        if op.name == "get_ping":      # v0.0.45 says why in `status` (renames.py); older schemas drop it
            why = error_text(1007 if kind == "bad_token" else 1800)
            return respond.Answer(payload={"pings": [dict(p, status=why) for p in self.cluster.ping_records(down=True)]})
        source = _CONTROLLER_CALL.get(op.name, op.name)
        # controller down: what slurmrestd says when slurmctld does not answer
        return respond.Answer(status=500, errors=[respond.error_entry(
            1800, "Unable to contact slurm controller (connect failure)", source)])


def _answerer(site, vs, op):
    """scope (with the gate's `mockrestd` entry) + query → (status, JSON bytes or a list of chunks, no body
    at all): the handler's answer in Slurm's envelope. One function for both ways in (connexion, the gate's own)."""
    handler = handler_for(op)
    is_async = inspect.iscoroutinefunction(handler)

    async def answer(scope, query_params):
        info = scope["mockrestd"]
        ctx = respond.Ctx(site, vs, op, info["identity"], info["match"].params, query_params,
                          info["body"], info["client"])
        if site.profile.unknown_query_warnings:
            ctx.warnings.extend(unknown_query_warnings(op, scope.get("query_string", b"")))
        try:
            answer = (await handler(ctx)) if is_async else handler(ctx)
        except SlurmError as err:
            answer = respond.from_error(err, site.profile)
        except respond.Halt as halt:
            answer = halt.answer
        except Exception as exc:  # noqa: BLE001 - a mock bug: logged, answered in Slurm's envelope
            log.exception("%s failed on %s", op.operation_id, scope["path"])
            answer = respond.Answer(status=500, errors=[respond.error_entry(
                -1, f"mockrestd could not answer this request ({type(exc).__name__}); see the server log",
                op.operation_id)], bare=True)
        if ctx.warnings:
            answer.warnings = ctx.warnings + answer.warnings
        if ctx.errors:
            answer.errors = ctx.errors + answer.errors
            answer.status = site.profile.status_for(ctx.errors[0]["error_number"])
        status, data = respond.render(site, vs, op, answer, ctx.user, ctx.client, chunks=True)
        return status, data, answer.empty

    return answer


def _connexion_document(specs) -> dict:
    """The document connexion routes: every served version in one API (they would all mount at "/"
    otherwise, and only the first would be reachable); auth is the gate's job, so security is dropped."""
    doc = specs.merged_document()
    doc.pop("security", None)
    doc["components"] = dict(doc.get("components", {}))
    doc["components"].pop("securitySchemes", None)
    # literal paths first: connexion takes the first path that matches, and 22.05's documents list
    # `job/{job_id}` before `job/submit` (its POST would become an update of job "submit")
    paths = sorted(doc["paths"].items(), key=lambda item: item[0].count("{"))
    doc["paths"] = {p: {m: _strip_security(o) for m, o in ops.items()} for p, ops in paths}
    return doc


def _strip_security(op):
    if isinstance(op, dict) and "security" in op:
        op = dict(op)
        op.pop("security")
    return op


def _document_label(specs) -> str:
    files = sorted({vs.source_file for vs in specs.versions.values()})
    return f"the document of {' '.join(specs.versions)} (from {', '.join(files)})"


def create_app(site: Site, *, lazy: bool = False):
    """The ASGI app serving every operation of every version in `site.specs`, plus the control API.

    connexion checks the served document against the OpenAPI metaschema only the first time it sees it
    (by sha256, see mockrestd/specs/validation.py); an invalid document raises `InvalidSpecs`. `lazy`
    (`serve`): a document that passed before is handed to connexion when connexion is first needed (a
    POST, the control API; `Gate.app.warm()` builds it in a thread), not before the first answer: the gate
    answers GETs itself, and importing and building connexion was most of the start-up."""
    from ..specs.validation import document_digest, is_recorded

    doc = _connexion_document(site.specs)
    label = _document_label(site.specs)

    def build():
        from .routed import connexion_app
        return connexion_app(site, doc, label)

    routed = Routed(build)
    if not (lazy and is_recorded(document_digest(doc))):
        routed.get()
    return Gate(routed, site)


class Routed:
    """The connexion app (http/routed.py), built once, when first called or by `warm()` in a thread."""

    def __init__(self, build):
        self._build, self._app, self._lock = build, None, threading.Lock()

    def get(self):
        with self._lock:
            if self._app is None:
                self._app = self._build()
        return self._app

    def warm(self) -> None:
        threading.Thread(target=self.get, name="mockrestd-connexion", daemon=True).start()

    async def __call__(self, scope, receive, send):
        app = self._app
        if app is None:          # not built yet (lazy): built off the event loop, GETs go on meanwhile
            app = await asyncio.to_thread(self.get)
        await app(scope, receive, send)


def served_specs(specs_dir=None, profile=None, only_versions=None):
    """(folder, SpecSet, Profile) that `serve` uses: the release profile (`--profile`, else the one the
    folder's documents fit), and only the versions it serves normalised (`only_versions` narrows them)."""
    from ..profiles import choose_profile
    from ..specs import default_specs_dir, load_specs, scan_specs

    folder = Path(specs_dir) if specs_dir else default_specs_dir()
    available = scan_specs(folder)
    chosen = choose_profile(available, profile)
    specs = load_specs(folder, only=set(chosen.versions) if chosen.versions else only_versions, index=available,
                       prefer_release=chosen.release)
    if only_versions:
        specs.versions = {v: vs for v, vs in specs.versions.items() if v in only_versions}
    specs.skipped += [f"{v} ({options[0].source_file}): not served by Slurm {chosen.release}"
                      for v, options in available.versions.items() if v not in specs.versions]
    return folder, specs, chosen


def tune_gc() -> None:
    """For a server process (`serve`), once its documents and cluster are loaded: the normalised specs are
    millions of objects that live as long as the process, and with a cluster of thousands of jobs every
    full collection walked them all again (GET jobs/ with 2,000 jobs: 25 ms a request, 9 ms with this).
    Freezing them and collecting less often costs nothing else here: the mock makes few reference cycles.
    Not for the pytest plugin's in-process mode, whose process is the user's."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def build_site(*, specs_dir=None, cluster_file=None, jwt_key=None, jwks=None, speed=1.0, profile=None,
               strict_users=None, clock=None, only_versions=None, execute=None,
               no_accounting=False, state_dir=None):
    """Everything `mockrestd serve` needs, from the same options it takes. `execute` (or `execute = true` in
    the cluster file's runtime section) runs batch scripts for real (engine/executor). `state_dir` (or
    `state_dir` in the cluster file's cluster section) keeps the cluster there (engine/store.py): the saved
    state wins over the cluster file, which then only says what a reset goes back to."""
    from ..auth import KeyRing, default_key_path
    from ..engine import Cluster
    from ..engine.clock import Clock

    from ..specs import default_specs_dir

    folder, specs, chosen = served_specs(specs_dir, profile, only_versions)
    if not specs.versions:
        to = "" if Path(folder) == default_specs_dir(for_writing=True) else f" --to {folder}"
        raise SystemExit(f"mockrestd serve: no spec documents in {folder}; `mockrestd specs sync{to}` fetches them")
    clock = clock or Clock(speed=speed)
    fresh = Cluster.from_file(cluster_file, clock=clock) if cluster_file else Cluster.default(clock=clock)
    cluster, store = fresh, None
    state_dir = state_dir or fresh.config["cluster"].get("state_dir")
    if state_dir:
        from ..engine.store import StateDir
        try:
            store = StateDir(state_dir)
            cluster = store.load(fresh)
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise SystemExit(f"mockrestd serve: cannot use the state in {state_dir}: {type(e).__name__}: {e}")
    for c in {id(fresh): fresh, id(cluster): cluster}.values():
        if strict_users is not None:
            c.strict_users = strict_users
        if no_accounting:
            c.accounting.enabled, c.accounting.enforce = False, set()
    if execute or (execute is None and cluster.runtime.get("execute")):
        from ..engine.executor import Execution
        Execution(cluster)
    keyring = KeyRing.from_files(jwt_key=jwt_key or default_key_path(), jwks=jwks)
    site = Site(cluster=cluster, specs=specs, keyring=keyring, profile=chosen)
    site.store, site.initial_cluster = store, fresh
    return site
