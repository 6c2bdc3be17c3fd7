"""Jobs on the controller: submit, allocate, list, look up, update, signal/cancel, state, resources."""

from __future__ import annotations

import asyncio

from . import handles, job_id_param, parse, query_flags, query_list, query_time
from ..respond import Answer, Halt, error_entry, from_error
from ...engine.runtime import signal_number
from ...render import Rows
from ...errors import SlurmError



def _descs(ctx, source: str):
    """job_submit_req / job_alloc_req → (desc or [descs], warnings). A body that did not parse submits
    nothing: parser errors are answered with their status, a value of the wrong type (only warned
    about) with 200 and no job_id."""
    if isinstance(ctx.body, list):      # real 25.11.7: the parser's own answer, from the document's root
        raise SlurmError(9209, "Rejecting list when dictionary expected", "#/")
    result = parse(ctx, strict=False)
    # 22.05's document requires `script`: its absence is the controller's missing script, checked below
    errors = [e for e in result.errors if not (e["error_number"] == 9200 and e.get("source", "").rstrip("/") == "#/script")]
    if errors:
        raise SlurmError.many(errors, warnings=result.warnings)
    if result.failed:
        raise Halt(Answer(warnings=result.warnings, bare=True))
    value = result.value or {}
    if "jobs" in value and value["jobs"]:
        descs = list(value["jobs"])
    elif "job" in value and value["job"] is not None:
        descs = value["job"]
    else:
        descs = {}
    if value.get("script") and isinstance(descs, dict):   # v0.0.41-style top-level script
        descs = dict(descs, script=descs.get("script") or value["script"])
    return descs, result.warnings


@handles("slurm", "post_job_submit")
def submit(ctx):
    """Only a submitted job gets job_id/step_id: any failure (even a value of the wrong type, which is just
    a warning) answers meta, errors and warnings alone, as slurmrestd dumps the result only on success."""
    try:
        descs, warnings = _descs(ctx, "_job_post")
        body = ctx.body if isinstance(ctx.body, dict) else {}
        if "jobs" in body and body.get("job") is not None:     # real 25.11.7, also with `jobs: []`
            raise SlurmError(9000, 'Specify only one "job" or "jobs" fields but never both', "_job_post",
                             warnings=warnings)
        if body.get("jobs") == []:
            # real 25.11.7 (500 at v0.0.41, .42, .44): `jobs: []` is a hetjob with no component
            raise SlurmError(11, "Refusing HetJob submission without any components", "_job_post_het_submit",
                             warnings=warnings)
        first = descs[0] if isinstance(descs, list) else descs
        if not first or not first.get("script"):
            code, description, source = ctx.profile.script_missing_error
            raise SlurmError(code, description, source, warnings=warnings)
        cwd = ctx.profile.default_cwd
        if cwd and isinstance(descs, dict) and not descs.get("current_working_directory"):
            descs = dict(descs, current_working_directory=cwd)
        ctx.cluster.ensure_user(ctx.user)
        res = ctx.cluster.submit(descs, as_user=ctx.user)
    except SlurmError as err:
        return from_error(err, ctx.profile, bare=True)
    return Answer(payload={"job_id": res.job_id, "step_id": res.step_id, "job_submit_user_msg": res.user_msg,
                           "result": {"job_id": res.job_id, "step_id": res.step_id,
                                      "job_submit_user_msg": res.user_msg}},
                  warnings=warnings + res.warnings)


@handles("slurm", "post_job_allocate")
async def allocate(ctx):
    descs, warnings = _descs(ctx, "_job_post_allocate")
    ctx.cluster.ensure_user(ctx.user)
    res = ctx.cluster.allocate(descs, as_user=ctx.user)
    # slurmrestd blocks until the allocation is granted; the mock waits while its clock runs (a frozen
    # or manual clock would never grant it, so then it answers at once with the job still pending)
    while not getattr(ctx.cluster.clock, "frozen", False):
        states = ctx.cluster.jobs_state([str(res.job_id)])
        if not states or "PENDING" not in states[0]["state"]:
            break
        await asyncio.sleep(0.05)
    return Answer(payload={"job_id": res.job_id, "job_submit_user_msg": res.user_msg},
                  warnings=warnings + res.warnings)


@handles("slurm", "get_jobs")
def get_jobs(ctx):
    query_flags(ctx)
    refs = ctx.cluster.job_records(update_time=query_time(ctx, "op_handler_jobs", rc=9000), lazy=True)
    return Answer(payload=_job_list(ctx, refs))


@handles("slurm", "get_job")
def get_job(ctx):
    job_id = job_id_param(ctx)
    query_time(ctx, "_handle_job_get")
    query_flags(ctx)
    try:
        refs, warnings = ctx.cluster.job_lookup(job_id, lazy=True)
    except SlurmError as err:        # an unknown job still answers the (empty) list
        return from_error(err, ctx.profile, payload=_job_list(ctx, [], stamp=0))
    return Answer(payload=_job_list(ctx, refs), warnings=warnings)


def _job_list(ctx, refs, stamp: int | None = None):
    """Record references, not records: the renderer makes (and renders) only the jobs that changed."""
    now = int(ctx.cluster.clock.now()) if stamp is None else stamp
    return {"jobs": Rows.of(refs), "last_backfill": now, "last_update": now}


@handles("slurm", "post_job")
def update_job(ctx):
    job_id = job_id_param(ctx)
    try:
        result = parse(ctx, rejected=("Rejecting request. Failure parsing job update request.", "_job_post_update"))
    except SlurmError as err:         # refused before the update, and `results` is still there
        return from_error(err, ctx.profile, payload={"results": None}, bare=False)
    try:
        warnings = ctx.cluster.update_job(job_id, result.value or {}, as_user=ctx.user)
    except SlurmError as err:        # divergence update-results-null: `results` is there, null, also then
        err.warnings = result.warnings + err.warnings
        return from_error(err, ctx.profile, payload={"results": None})
    return Answer(payload={"results": None, "job_id": job_id, "step_id": "",
                           "job_submit_user_msg": ""}, warnings=result.warnings + list(warnings or []))


@handles("slurm", "delete_job")
def delete_job(ctx):
    job_id = job_id_param(ctx)
    flags = query_flags(ctx)
    signal = ctx.query.get("signal") or None
    if signal is not None and signal_number(signal) is None:
        # slurmrestd reports it (numbered 0, so still 200) and sends the default, SIGKILL
        ctx.errors.append(error_entry(0, "Unknown signal (null)", "#/signal/"))
        signal = None
    status = ctx.cluster.signal_job(job_id, signal, flags, as_user=ctx.user)
    failed = [s for s in status or [] if (s.get("error") or {}).get("code") in ctx.profile.cancel_failures]
    if failed:
        raise SlurmError(failed[0]["error"]["code"], f"unable to kill JobId={job_id}", "slurm_kill_job")
    return Answer(payload={"status": status})


@handles("slurm", "delete_jobs")
def delete_jobs(ctx):
    result = parse(ctx)
    status = ctx.cluster.kill_jobs(result.value or {}, as_user=ctx.user)
    return Answer(payload={"status": status}, warnings=result.warnings)


@handles("slurm", "get_jobs_state")
def get_jobs_state(ctx):
    ids = query_list(ctx, "job_id")
    # divergence jobs-state-shape: real slurmrestd answers {job_id: str, state: [..]} items, not job_info
    return Answer(payload={"jobs": ctx.cluster.jobs_state(ids or None)}, unshaped=True)


@handles("slurm", "get_resources")
def get_resources(ctx):
    return Answer(payload={"nodes": ctx.cluster.job_resources(ctx.path_params["job_id"])})


_REQUEUE_FLAGS = ("Incomplete", "Hold", "SpecialExit")


@handles("slurm", "get_job_requeue")
def requeue_job(ctx):
    flags = [f for f in _REQUEUE_FLAGS if f in ctx.query]     # presence flags: `?Hold`
    return Answer(payload={"status": ctx.cluster.requeue([ctx.path_params["job_id"]], flags, as_user=ctx.user)})


@handles("slurm", "post_jobs_requeue")
def requeue_jobs(ctx):
    value = parse(ctx).value or {}
    ids = [str(j) if not isinstance(j, dict) else str(j.get("job_id", "")) for j in value.get("jobs") or []]
    return Answer(payload={"status": ctx.cluster.requeue(ids, value.get("flags") or [], as_user=ctx.user)})
