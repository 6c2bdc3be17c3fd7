"""The schemathesis schema for the target, with the suite's hooks: known divergences are dropped here (and
only here, via `filter_failure`), every case and failure is recorded for the report, and jobs that
generated requests submit are remembered so they can be cancelled at the end on a real cluster."""

from __future__ import annotations

import os
import re
import threading
import time
from functools import lru_cache

import schemathesis

from . import liveness, recorder
from .divergences import Table, failure_checks, failure_subject
from .specdoc import excluded_operations, op_name, test_document
from .target import get_target

SUBMITTED: set[tuple[str, int]] = set()     # (version, job_id) of jobs generated requests created
_SUBMITTED_LOCK = threading.Lock()


def env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, "") or default)
    except ValueError:
        raise RuntimeError(f"{name} must be an integer, got {os.environ[name]!r}") from None


@lru_cache(maxsize=1)
def divergence_table() -> Table:
    return Table.load()


def config_dict() -> dict:
    """schemathesis settings: bounded so a version takes a few minutes at most on 2 cores."""
    target = get_target()
    cfg = {
        "base-url": target.url,
        "headers": target.headers(),
        "request-timeout": float(os.environ.get("CONTRACT_REQUEST_TIMEOUT", "30")),
        "suppress-health-check": ["all"],
        "generation": {"max-examples": env_int("CONTRACT_MAX_EXAMPLES", 5), "database": "none"},
        "phases": {"stateful": {"max-steps": env_int("CONTRACT_STATEFUL_STEPS", 20)}},
        "max-failures": env_int("CONTRACT_MAX_FAILURES", 10_000),
    }
    if os.environ.get("CONTRACT_SEED"):
        cfg["seed"] = env_int("CONTRACT_SEED", 0)
    phases = [p.strip() for p in os.environ.get("CONTRACT_PHASES", "").split(",") if p.strip()]
    if phases:
        for name in ("examples", "coverage", "fuzzing", "stateful"):
            cfg["phases"].setdefault(name, {})["enabled"] = name in phases
    return cfg


def operation_id(case) -> str:
    op = case.operation
    try:
        return op.definition.raw.get("operationId") or op.label
    except AttributeError:
        return op.label


def phase_of(case) -> str:
    meta = getattr(case, "meta", None)
    phase = getattr(getattr(meta, "phase", None), "name", None)
    return str(getattr(phase, "value", phase) or "unknown")


_SECRET_HEADER = re.compile(r"(-H '(?:X-SLURM-USER-TOKEN|Authorization): )[^']*'", re.I)


def curl_of(case) -> str:
    """A curl command reproducing the case, token filtered out."""
    try:
        return _SECRET_HEADER.sub(r"\1[Filtered]'", case.as_curl_command(headers=get_target().headers()))
    except Exception:  # reporting must never break a check
        return ""


def install_hooks(schema, kind: str, table: Table, release: str) -> None:
    """Register the per-schema hooks (they follow the schema into clones and the state machine)."""

    @schema.hook
    def filter_failure(context, failure, case, response):
        oid = operation_id(case)
        status = getattr(response, "status_code", None)
        subject = failure_subject(failure, response)
        checks = failure_checks(failure)
        hit = table.find(checks, oid, status, subject, release)
        if hit is not None:
            recorder.relaxed(kind, oid, phase_of(case), status, hit.check, hit.id, subject)
            return False
        recorder.failure(kind, oid, phase_of(case), status, checks[0], failure.title, subject, curl_of(case))
        return True

    @schema.hook
    def after_validate(context, case, response, results):
        status = getattr(response, "status_code", None)
        recorder.case(kind, operation_id(case), phase_of(case), status,
                      [(r.name, "failed" if r.failure is not None else "passed") for r in results])

    @schema.hook
    def after_call(context, case, response):
        liveness.answered()
        _trace(case, response)
        if op_name(operation_id(case)) != "post_job_submit" or response.status_code != 200:
            return
        try:
            job_id = int(response.json().get("job_id"))
        except (ValueError, TypeError, AttributeError):
            return
        version = case.operation.path.split("/")[2]
        with _SUBMITTED_LOCK:
            SUBMITTED.add((version, job_id))
        if not get_target().is_mock:
            _cancel_now(version, job_id)


_TRACE_LOCK = threading.Lock()


@schemathesis.hook
def before_call(context, case, **kwargs):   # a global hook: schemathesis has no per-schema one
    if liveness.dead() is not None:
        raise liveness.TargetDied(liveness.dead())
    _withhold_crashers(case)
    liveness.sent(curl_of(case))
    _trace(case, None)


def _withhold_crashers(case) -> None:
    """On a real daemon, a generated request listed as killing it (divergences.toml [[crash]]) is sent
    without the listed query parameters, or not at all (hypothesis drops the example); on every release not
    shown fixed, a release the suite cannot read included. The mock gets every request as generated."""
    target = get_target()
    if target.is_mock:
        return
    oid = operation_id(case)
    query = case.query if isinstance(case.query, dict) else {}
    hit = divergence_table().crash(oid, query, target.release(), getattr(case, "body", None),
                                   getattr(case, "media_type", None), getattr(case, "path_parameters", None))
    if hit is None:
        return
    safe = hit.safe_query(query)
    how = ("sent without " + ", ".join(hit.drop)) if safe is not None else hit.made_safe(case)
    recorder.add({"type": "withheld", "operation": oid, "crash": hit.id, "phase": phase_of(case),
                  "how": how or "not sent"})
    if safe is not None:
        case.query = safe
    elif how is None:
        from hypothesis import reject
        reject()


def call_guarded(case, call, where: str = ""):
    """`call()` (a schemathesis send); a connection-level failure after the target answered before is
    checked: a dead target raises TargetDied with the suspected crash, anything else is re-raised."""
    try:
        return call()
    except liveness.TargetDied:
        raise
    except Exception as exc:
        liveness.check(exc, where or f"{case.method} {case.formatted_path}")
        raise


def _trace(case, response) -> None:
    """CONTRACT_TRACE=FILE: every generated request (as curl) and its status, in the order sent, so a
    request that makes a daemon crash can be found and replayed."""
    path = os.environ.get("CONTRACT_TRACE")
    if not path:
        return
    status = "sent" if response is None else getattr(response, "status_code", "-")
    line = f"{time.strftime('%H:%M:%S')} {os.getpid()} {status} {curl_of(case)}\n"
    with _TRACE_LOCK, open(path, "a", encoding="utf-8") as f:
        f.write(line)


def _cancel_now(version: str, job_id: int) -> None:
    """A generated job on a real cluster is cancelled at once: root may give it any priority and size, and
    one that pends at the top of the queue keeps every scenario job pending (reason Priority)."""
    import httpx
    target = get_target()
    try:
        httpx.delete(f"{target.url}/slurm/{version}/job/{job_id}", headers=target.headers(), timeout=10)
    except httpx.HTTPError:
        pass            # the session's end cancels whatever is left (conftest._cancel_generated_jobs)


def build_schema(kind: str):
    """A schemathesis schema over the test document, excluded operations left out, hooks installed."""
    target = get_target()
    config = schemathesis.Config.from_dict(config_dict())
    schema = schemathesis.openapi.from_dict(test_document(), config=config)
    excluded = excluded_operations()
    if excluded:
        schema = schema.exclude(operation_id=sorted(excluded))
    install_hooks(schema, kind, divergence_table(), target.release())
    return schema
