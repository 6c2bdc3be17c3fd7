"""Job scenarios against the target, in plain pytest + httpx: what a client relies on beyond the schema.

Only what a real cluster has is used: small jobs (`sleep 2`, 1 task, environment, cwd /tmp) in the
default partition (or CONTRACT_PARTITION); every job is cancelled at the end. Where releases differ,
the expected answer comes from expectations.py."""

from __future__ import annotations

import pytest

from contract_tests.client import FINISHED, base_state, number
from contract_tests.expectations import expect

# one worker runs the scenarios one after another: on a small real cluster (4 CPUs) jobs of scenarios
# running side by side would keep each other pending (a hetjob needs room for all its components)
pytestmark = pytest.mark.xdist_group("job-scenarios")

# The order the controller moves a job through; a job may skip states (submit-time scheduling) but
# never go back.
HELD = ("JobHeldUser", "JobHeldAdmin")
ORDER = ["PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "COMPLETED"]


def _errors(r) -> list[int]:
    try:
        return [e.get("error_number") for e in r.json().get("errors", [])]
    except ValueError:
        return []


def test_lifecycle_completed(slurm):
    """submit → (PENDING) → RUNNING → COMPLETED with exit code 0; state never goes back."""
    job_id = slurm.submit("sleep 2")
    rec = slurm.job(job_id)
    assert base_state(rec) in ("PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "COMPLETED"), rec.get("job_state")
    seen = []

    def track(r):
        s = base_state(r)
        if not seen or seen[-1] != s:
            seen.append(s)
        return s in FINISHED
    rec = slurm.wait(job_id, track, "COMPLETED")
    assert base_state(rec) == "COMPLETED", (seen, rec.get("state_reason"))
    idx = [ORDER.index(s) for s in seen if s in ORDER]
    assert idx == sorted(idx), f"job state went backwards: {seen}"
    assert number(rec["exit_code"]["return_code"]) == 0
    assert rec.get("state_reason") == "None"
    assert number(rec.get("start_time")) and number(rec.get("end_time")) >= number(rec.get("start_time"))


def test_held_job_pends_then_runs(slurm):
    """A held job stays PENDING and gets reason JobHeldUser (JobHeldAdmin when an operator holds it) once
    the scheduler looked at it (a new job's reason is "None" until then); released, it runs to COMPLETED."""
    job_id = slurm.submit("sleep 2", hold=True)
    rec = slurm.wait(job_id, lambda r: base_state(r) != "PENDING" or r["state_reason"] in HELD, "held reason")
    assert base_state(rec) == "PENDING"
    r = slurm.update(job_id, hold=False)
    assert r.status_code == 200, r.text
    rec = slurm.wait_finished(job_id)
    assert base_state(rec) == "COMPLETED"


def test_failing_job(slurm):
    """exit 3 → FAILED, state_reason NonZeroExitCode, return code 3."""
    job_id = slurm.submit("sleep 1\nexit 3")
    rec = slurm.wait_finished(job_id)
    assert base_state(rec) == "FAILED"
    assert rec["state_reason"] == "NonZeroExitCode"
    assert number(rec["exit_code"]["return_code"]) == 3


def _array_records(slurm, array_id) -> list[dict]:
    return [r for r in slurm.jobs(array_id) if int(number(r.get("array_job_id")) or 0) == array_id]


@pytest.mark.parametrize("spec,tasks,pending_string,max_tasks", [
    ("1-3", {1, 2, 3}, "1-3", None),
    ("0-5:2%1", {0, 2, 4}, "0,2,4%1", 1),
])
def test_array(slurm, spec, tasks, pending_string, max_tasks):
    """Held array: one PENDING record with array_task_string; released, every task runs to COMPLETED."""
    array_id = slurm.submit("sleep 1", array=spec, hold=True)
    rec = slurm.wait(array_id, lambda r: base_state(r) != "PENDING" or r["state_reason"] in HELD, "held reason")
    assert base_state(rec) == "PENDING"
    assert rec.get("array_task_string") == pending_string
    if max_tasks is not None:
        assert number(rec.get("array_max_tasks")) == max_tasks
    assert slurm.update(array_id, hold=False).status_code == 200

    def all_done(_):
        recs = _array_records(slurm, array_id)
        done = {number(r.get("array_task_id")) for r in recs if base_state(r) in FINISHED}
        return done >= tasks
    slurm.wait(array_id, all_done, f"all tasks {sorted(tasks)} finished", timeout=slurm.patience * 2)
    recs = [r for r in _array_records(slurm, array_id) if number(r.get("array_task_id")) is not None]
    assert {number(r["array_task_id"]) for r in recs} == tasks
    assert all(base_state(r) == "COMPLETED" for r in recs), [(r["job_id"], r["job_state"]) for r in recs]
    assert len({r["job_id"] for r in recs}) == len(tasks)          # every task has its own job id
    assert array_id in {r["job_id"] for r in recs}                  # the last task reuses the array's id


def test_hetjob(slurm):
    """Two components: consecutive ids, het_job_id = leader, offsets 0 and 1; both complete. Components
    get nodes of their own: with one node they pend for Resources together, and never start."""
    first = slurm.desc("sleep 1")
    second = {k: v for k, v in slurm.desc("sleep 1").items() if k != "script"}
    r = slurm.submit_raw({"jobs": [first, second]})
    assert r.status_code == 200, r.text
    leader = int(r.json()["job_id"])
    slurm.submitted.append(leader)
    recs = slurm.jobs(leader)
    assert len(recs) == 2, [x["job_id"] for x in recs]
    by_offset = {number(x["het_job_offset"]): x for x in recs}
    assert set(by_offset) == {0, 1}
    assert by_offset[0]["job_id"] == leader and by_offset[1]["job_id"] == leader + 1
    assert all(number(x["het_job_id"]) == leader for x in recs)
    assert by_offset[0].get("het_job_id_set") == f"{leader}-{leader + 1}"
    if len(slurm.nodes()) < 2:
        slurm.wait(leader, lambda _: all(x.get("state_reason") == "Resources" for x in slurm.jobs(leader)),
                   "both pending for Resources")
        assert all(base_state(x) == "PENDING" for x in slurm.jobs(leader))
        return
    slurm.wait(leader, lambda _: all(base_state(x) in FINISHED for x in slurm.jobs(leader)), "both finished")
    assert all(base_state(x) == "COMPLETED" for x in slurm.jobs(leader))


def test_update_pending(slurm):
    """On a pending (held) job, name and tasks updates apply: 200."""
    job_id = slurm.submit("sleep 2", hold=True)
    r = slurm.update(job_id, name="contract-renamed", tasks=2)
    assert r.status_code == 200, r.text
    assert not _errors(r), r.text
    rec = slurm.job(job_id)
    assert rec["name"] == "contract-renamed"
    assert number(rec.get("tasks")) == 2


def test_update_running(slurm, release):
    """On a running job a name update applies; a tasks update is refused with error 2073 (status per
    release: 500 on 25.11, 422 on 26.05) and nothing is applied."""
    job_id = slurm.submit("sleep 600")
    slurm.wait_state(job_id, "RUNNING")
    r = slurm.update(job_id, name="contract-running")
    assert r.status_code == 200, r.text
    r = slurm.update(job_id, tasks=2, name="contract-not-applied")
    assert r.status_code == expect(release, "controller_error"), r.text
    assert 2073 in _errors(r), r.text
    rec = slurm.job(job_id)
    assert rec["name"] == "contract-running"
    assert number(rec.get("tasks")) == 1


def test_cancel_running(slurm):
    """DELETE on a running job: 200, then CANCELLED (COMPLETING for a moment); the job stays visible."""
    job_id = slurm.submit("sleep 600")
    slurm.wait_state(job_id, "RUNNING")
    r = slurm.cancel(job_id)
    assert r.status_code == 200, r.text
    rec = slurm.wait_finished(job_id)
    assert base_state(rec) == "CANCELLED"
    assert slurm.get(f"job/{job_id}").status_code == 200


def test_signal_sigterm(slurm):
    """DELETE ?signal=SIGTERM on a running job: the job dies of it → FAILED, RaisedSignal, signal 15."""
    job_id = slurm.submit("sleep 600")
    slurm.wait_state(job_id, "RUNNING")
    # real 25.11.7: a signal sent in the moment between RUNNING and the batch step's launch on slurmd is
    # answered 200 and lost (the job ran on for 120 s); so signal again while it still runs, as a user would
    for _ in range(6):
        r = slurm.cancel(job_id, signal="SIGTERM")
        assert r.status_code == 200, r.text
        try:
            rec = slurm.wait_finished(job_id, timeout=10)
            break
        except AssertionError:
            continue
    else:
        rec = slurm.wait_finished(job_id)
    assert base_state(rec) == "FAILED", rec["job_state"]
    assert rec["state_reason"] == "RaisedSignal"
    assert number(rec["exit_code"]["signal"]["id"]) == 15
    assert "SIGNALED" in rec["exit_code"]["status"]


def test_unknown_job(slurm, release):
    """GET /job/{unknown}: 404 (25.11+) with error 2017."""
    r = slurm.get("job/999999998")
    assert r.status_code == expect(release, "unknown_job"), r.text
    assert r.headers["content-type"].startswith("application/json")
    assert 2017 in _errors(r), r.text


def _resolve(doc, schema):
    while isinstance(schema, dict) and "$ref" in schema:
        node = doc
        for part in schema["$ref"][2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        schema = node
    return schema


def _job_record_schema(version) -> dict:
    from contract_tests.specdoc import test_document
    doc = test_document()
    item = doc["paths"].get(f"/slurm/{version}/job/{{job_id}}") or doc["paths"][f"/slurm/{version}/job/{{job_id}}/"]
    schema = _resolve(doc, item["get"]["responses"]["200"]["content"]["application/json"]["schema"])
    jobs = _resolve(doc, schema["properties"]["jobs"])
    return _resolve(doc, jobs["items"])


def test_job_record_has_every_field(slurm, version):
    """Real slurmrestd renders every property of the job-info schema (the spec requires none of them, so
    schema validation alone would not notice a missing one): pending and finished records are complete."""
    expected = set(_job_record_schema(version).get("properties", {}))
    job_id = slurm.submit("sleep 1", hold=True)
    missing = sorted(expected - set(slurm.job(job_id)))
    assert not missing, f"pending job record lacks {missing}"
    assert slurm.update(job_id, hold=False).status_code == 200
    rec = slurm.wait_finished(job_id)
    missing = sorted(expected - set(rec))
    assert not missing, f"finished job record lacks {missing}"
