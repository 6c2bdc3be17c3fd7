"""A pending job array, field by field as the containerised Slurm 26.05.5 shows it (measured 2026-12-02 with
`array: "1-100%4"`, `hold: true`; tests/real/test_containers.py's stack): `/slurm/` keeps the range in
`array_task_string` ("1-100%4"; squeue's `1_[1-100%4]` is a client-side form, the live view's), `jobs/state`
lists the pending tasks one by one (`1_1` ... `1_100`), and slurmdbd's `array.task` is the hex bitmap of the
pending task ids ("0x1FFFFFFFFFFFFFFFFFFFFFFFFE"), where the mock said ""."""

from mockrestd.engine.jobs import pending_task_mask

V = "v0.0.44"
ARRAY = {"array": "1-100%4", "hold": True, "name": "arr"}


def test_pending_array_on_slurm_and_slurmdb(mock):
    job_id = mock.submit(ARRAY)
    (rec,) = mock.job(job_id)
    assert rec["array_task_string"] == "1-100%4" and rec["array_task_id"]["set"] is False
    assert rec["array_max_tasks"]["number"] == 4 and rec["array_job_id"]["number"] == job_id
    states = mock.get(f"/slurm/{V}/jobs/state/", params={"job_id": job_id}).json()["jobs"]
    assert [s["job_id"] for s in states] == [f"{job_id}_{t}" for t in range(1, 101)]
    (db,) = mock.get(f"/slurmdb/{V}/job/{job_id}").json()["jobs"]
    assert db["array"]["task"] == "0x1FFFFFFFFFFFFFFFFFFFFFFFFE"          # the value the real daemon gave
    assert db["array"]["task_id"]["set"] is False and db["array"]["limits"]["max"]["running"]["tasks"] == 4


def test_the_mask_shrinks_as_tasks_start_and_tasks_have_none(mock):
    job_id = mock.submit({"array": "1-6%2", "script": "#!/bin/bash\nsleep 100"})
    mock.advance(2)                                   # the scheduler starts two tasks (the %2 limit)
    (db,) = mock.get(f"/slurmdb/{V}/job/{job_id}").json()["jobs"]
    pending = [3, 4, 5, 6]
    assert mock.job(job_id)[0]["array_task_string"] == "3-6%2"
    assert db["array"]["task"] == pending_task_mask(pending) == hex(sum(1 << t for t in pending)).upper().replace("X", "x")
    tasks = [j for j in mock.get(f"/slurmdb/{V}/jobs/").json()["jobs"] if j["array"]["job_id"] == job_id
             and j["array"]["task_id"]["set"]]
    assert sorted(t["array"]["task_id"]["number"] for t in tasks) == [1, 2]
    assert all(t["array"]["task"] == "" for t in tasks)
    mock.advance(400)       # one jump: every task has run; those split off in the catch-up are listed too
    dbs = [j for j in mock.get(f"/slurmdb/{V}/jobs/").json()["jobs"] if j["array"]["job_id"] == job_id]
    assert len(dbs) == 6 and all(j["array"]["task"] == "" for j in dbs)


def test_a_snapshot_keeps_the_mask(mock):
    job_id = mock.submit(ARRAY)
    snap = mock.client.get("/mockrestd/v1/snapshot").json()
    mock.client.post("/mockrestd/v1/reset")
    mock.client.post("/mockrestd/v1/snapshot", json=snap)
    (db,) = mock.get(f"/slurmdb/{V}/job/{job_id}").json()["jobs"]
    assert db["array"]["task"] == "0x1FFFFFFFFFFFFFFFFFFFFFFFFE"
