"""GET /mockrestd/v1/view, what the live page draws: the queue with squeue's ids, node use, the journal."""

from __future__ import annotations

ENV = {"environment": ["PATH=/bin"], "current_working_directory": "/tmp"}


def _view(mock):
    r = mock.client.get("/mockrestd/v1/view")
    assert r.status_code == 200
    return r.json()


def test_view_queue_has_squeue_ids_states_and_reasons(mock):
    plain = mock.submit(name="plain")
    array = mock.submit(name="sweep", array="0-9%2", script="#!/bin/bash\nsleep 20", version="v0.0.41")
    r = mock.post("/slurm/v0.0.44/job/submit", json={"jobs": [dict(name="het", script="#!/bin/bash\nsleep 40", **ENV),
                                                              dict(name="het", **ENV)]})
    het = r.json()["job_id"]
    jobs = {j["id"]: j for j in _view(mock)["jobs"]}
    assert list(jobs) == [str(plain), f"{array}_[0-9%2]", f"{het}+0", f"{het}+1"]
    assert all(j["job_state"] == ["PENDING"] and j["time"] == "0:00" for j in jobs.values())
    mock.advance(3)
    view = _view(mock)
    ids = [j["id"] for j in view["jobs"]]
    assert ids == [str(plain), f"{array}_0", f"{array}_1", f"{array}_[2-9%2]", f"{het}+0", f"{het}+1"]
    jobs = {j["id"]: j for j in view["jobs"]}
    assert jobs[f"{array}_[2-9%2]"]["state_reason"] == "JobArrayTaskLimit"
    assert jobs[f"{array}_0"]["job_state"] == ["RUNNING"] and jobs[f"{array}_0"]["nodes"]
    assert jobs[str(plain)]["time"] == "0:02" and jobs[str(plain)]["start_time"] > jobs[str(plain)]["submit_time"] - 1
    mock.advance(30)
    done = {j["id"]: j for j in _view(mock)["jobs"]}[str(plain)]
    assert done["job_state"] == ["COMPLETED"] and done["time"] == "0:30"
    assert done["end_time"] - done["start_time"] == 30


def test_view_nodes_show_cpu_memory_and_gres_use(mock):
    mock.submit(partition="gpu", tres_per_node="gres/gpu:1", cpus_per_task=4, version="v0.0.41")
    mock.advance(2)
    nodes = {n["name"]: n for n in _view(mock)["nodes"]}
    gpu1 = nodes["gpu1"]
    assert (gpu1["alloc_cpus"], gpu1["cpus"]) == (4, 16)
    assert gpu1["alloc_memory"] == 4 * 512 and gpu1["real_memory"] == 64000
    assert gpu1["gres"] == [{"name": "gpu", "total": 2, "used": 1}] and gpu1["gres_text"] == "gpu:a100:2"
    assert nodes["node1"]["gres"] == [] and nodes["node1"]["alloc_cpus"] == 0


def test_view_journal_is_newest_first_and_leaves_out_the_control_api(mock):
    mock.client.delete("/mockrestd/v1/journal")
    mock.get("/slurm/v0.0.44/jobs/")
    mock.get("/slurm/v0.0.41/nodes/")
    view = _view(mock)
    assert [(r["method"], r["path"], r["status"]) for r in view["journal"]] == [
        ("GET", "/slurm/v0.0.41/nodes/", 200), ("GET", "/slurm/v0.0.44/jobs/", 200)]
    assert view["journal_total"] == 2 and view["clock"]["frozen"] is True
