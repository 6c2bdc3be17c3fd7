"""v0.0.45 (Slurm 26.05) operations the earlier versions lack: requeue, partitions create/update/delete,
slurm.conf and slurmdbd.conf. Expected answers are those measured on real slurmrestd 26.05.5 (forky)."""

import pytest

from tests.support import MockHarness

V = "/slurm/v0.0.45"


@pytest.fixture(scope="module")
def spec_set_2605(shared_specs):
    from mockrestd.specs import load_specs
    return load_specs(shared_specs, only={"v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"})


@pytest.fixture
def mock45(spec_set_2605, key_file):
    harness = MockHarness(spec_set_2605, key_file, release="26.05.5")
    yield harness
    harness.close()


def _state(mock, job_id):
    job = mock.job(job_id, version="v0.0.45")[0]
    return job["job_state"], job["state_reason"], job["restart_cnt"]


def test_requeue_running_job_waits_then_runs_again(mock45):
    job_id = mock45.submit(version="v0.0.45", user="root")
    mock45.advance(2)
    assert _state(mock45, job_id)[0] == ["RUNNING"]
    r = mock45.get(f"{V}/job/{job_id}/requeue", user="root")
    assert r.status_code == 200 and r.json()["status"] == [] and r.json()["errors"] == []
    # first its processes are killed (COMPLETING, the nodes still shown), then it waits (BeginTime)
    job = mock45.job(job_id, version="v0.0.45")[0]
    assert (job["job_state"], job["state_reason"], job["restart_cnt"]) == (["PENDING", "COMPLETING"], "None", 1)
    assert job["job_resources"] is not None
    mock45.advance(2)
    job = mock45.job(job_id, version="v0.0.45")[0]
    assert (job["job_state"], job["state_reason"], job["job_resources"]) == (["PENDING"], "BeginTime", None)
    mock45.advance(60)
    assert _state(mock45, job_id)[0] == ["PENDING"]
    mock45.advance(70)
    assert _state(mock45, job_id)[0] == ["RUNNING"]
    # slurmdbd keeps the first run as its own record, REQUEUED, its batch step cancelled
    runs = mock45.get(f"/slurmdb/v0.0.45/job/{job_id}", user="root").json()["jobs"]
    assert len(runs) == 2
    assert runs[0]["state"]["current"] == ["PENDING", "REQUEUED"]
    assert [s["state"] for s in runs[0]["steps"]] == [["CANCELLED"]]
    assert runs[1]["restart_cnt"] == 1


def test_requeue_finished_job_pends_at_once_and_hold_holds(mock45):
    done = mock45.submit({"script": "#!/bin/bash\ntrue"}, version="v0.0.45", user="root")
    mock45.advance(15)
    assert _state(mock45, done)[0] == ["COMPLETED"]
    assert mock45.get(f"{V}/job/{done}/requeue", user="root").status_code == 200
    assert _state(mock45, done) == (["PENDING"], "None", 1)

    held = mock45.submit(version="v0.0.45", user="root")
    mock45.advance(2)
    assert mock45.get(f"{V}/job/{held}/requeue?Hold", user="root").status_code == 200
    job = mock45.job(held, version="v0.0.45")[0]
    assert job["state_reason"] == "JobHeldUser" and job["hold"] is True and job["priority"]["number"] == 0


def test_requeue_errors_like_26_05(mock45):
    pending = mock45.submit({"hold": True}, version="v0.0.45", user="root")
    r = mock45.get(f"{V}/job/{pending}/requeue", user="root")
    assert r.status_code == 422
    assert [(e["error_number"], e["source"]) for e in r.json()["errors"]] == [(2024, "op_handler_job_requeue")]
    r = mock45.get(f"{V}/job/99999/requeue", user="root")
    assert r.status_code == 404 and r.json()["errors"][0]["error_number"] == 2017
    r = mock45.get(f"{V}/job/{pending}/requeue?SpecialExit", user="root")
    assert r.status_code == 422 and r.json()["errors"][0]["error_number"] == 2024, "the job is checked first"
    running = mock45.submit(version="v0.0.45", user="root")
    mock45.advance(2)
    r = mock45.get(f"{V}/job/{running}/requeue?SpecialExit", user="root")
    assert r.status_code == 400 and r.json()["errors"][0]["error_number"] == 9009
    r = mock45.get(f"{V}/job/{running}/requeue", user="alice")
    assert r.status_code == 422 and r.json()["errors"][0]["error_number"] == 2002
    assert _state(mock45, running)[0] == ["RUNNING"], "a refused requeue changes nothing"


def test_batch_requeue(mock45):
    a = mock45.submit(version="v0.0.45", user="root")
    mock45.advance(2)
    r = mock45.post(f"{V}/jobs/requeue", json={"jobs": [str(a)], "flags": ["Hold"]}, user="root")
    assert r.status_code == 200, r.text
    state, reason, _ = _state(mock45, a)
    assert (state[0], reason) == ("PENDING", "JobHeldUser")
    r = mock45.post(f"{V}/jobs/requeue", json={}, user="root")
    assert r.status_code == 404 and r.json()["errors"][0]["description"] == "Query missing JobIds"
    assert "status" not in r.json()


def test_partitions_create_update_delete(mock45):
    body = {"partitions": [{"name": "extra", "nodes": {"configured": "node1"},
                            "maximums": {"time": {"set": True, "number": 60}}, "partition": {"state": ["UP"]}}]}
    r = mock45.post(f"{V}/partitions/", json=body, user="root")
    assert r.status_code == 200 and r.json()["errors"] == [] and r.json()["warnings"] == []
    part = mock45.get(f"{V}/partition/extra", user="root").json()["partitions"][0]
    assert part["nodes"]["configured"] == "node1" and part["maximums"]["time"]["number"] == 60
    r = mock45.post(f"{V}/partitions/", json={"partitions": [{"name": "extra", "partition": {"state": ["DOWN"]}}]},
                    user="root")
    assert r.status_code == 200
    part = mock45.get(f"{V}/partition/extra", user="root").json()["partitions"][0]
    assert part["partition"]["state"] == ["DOWN"] and part["nodes"]["configured"] == "node1"

    job = mock45.submit({"partition": "extra"}, version="v0.0.45", user="root")
    mock45.advance(2)
    assert mock45.job(job, version="v0.0.45")[0]["state_reason"] == "PartitionDown"
    r = mock45.delete(f"{V}/partition/extra", user="root")
    assert r.status_code == 422 and r.json()["errors"][0]["error_number"] == 2075
    mock45.delete(f"{V}/job/{job}", user="root")
    assert mock45.delete(f"{V}/partition/extra", user="alice").json()["errors"][0]["error_number"] == 2010
    assert mock45.delete(f"{V}/partition/extra", user="root").status_code == 200
    r = mock45.delete(f"{V}/partition/extra", user="root")
    assert r.status_code == 422 and r.json()["errors"][0]["error_number"] == 2000


def test_partitions_bad_input(mock45):
    r = mock45.post(f"{V}/partitions/", json={}, user="root")
    assert r.status_code == 422
    assert [(e["error_number"], e["source"]) for e in r.json()["errors"]] == [(9200, "#/partitions/"),
                                                                               (9000, "_partitions_mod")]
    r = mock45.post(f"{V}/partitions/", json={"partitions": [{"nodes": {"configured": "node1"}}]}, user="root")
    assert r.status_code == 422 and r.json()["errors"][0]["error_number"] == 2000
    r = mock45.post(f"{V}/partitions/", json={"partitions": [{"name": "x", "nodes": {"configured": "nosuch"}}]},
                    user="root")
    assert r.status_code == 422 and r.json()["errors"][0]["error_number"] == 2018
    r = mock45.post(f"{V}/partitions/", json={"partitions": [{"name": "x", "nodes": "node1"}]}, user="root")
    assert r.json()["warnings"][0]["source"] == "#/partitions[0]/nodes/"
    assert mock45.post(f"{V}/partitions/", json={"partitions": [{"name": "y"}]}, user="alice").json()[
        "errors"][0]["error_number"] == 2010


def test_conf_documents(mock45):
    body = mock45.get(f"{V}/conf", user="root").json()
    assert body["slurm_conf"]["ClusterName"] == mock45.cluster.name
    assert body["slurm_conf"]["MinJobAge"] == 300 and body["slurm_conf"]["SlurmUser"] == "slurm"
    assert body["slurm_conf_meta"]["SLURM_VERSION"] == "26.05.5"
    assert body["slurm_conf_meta"]["NEXT_JOB_ID"] == {"set": True, "infinite": False,
                                                      "number": mock45.cluster.next_job_id}
    db = mock45.get("/slurmdb/v0.0.45/conf", user="root").json()
    assert db["errors"] == [] and db["slurmdbd_conf"]["PurgeJobAfter"]["set"] is False


def test_26_05_answers_where_25_11_differs(mock45):
    """Measured on 26.05.5 with the same requests: unknown partition is a warning at 200 (no partitions),
    a missing environment is error 2127 and 422, a bad token on /slurmdb/ keeps no payload keys."""
    r = mock45.get("/slurm/v0.0.44/partition/nosuch")
    assert r.status_code == 200 and "partitions" not in r.json()
    assert r.json()["warnings"] == [{"description": "Unable to find partition nosuch", "source": "_partition_get"}]
    r = mock45.post("/slurm/v0.0.44/job/submit", json={"job": {"script": "#!/bin/bash\ntrue",
                                                              "current_working_directory": "/tmp"}})
    assert r.status_code == 422
    assert [(e["error_number"], e["error"]) for e in r.json()["errors"]] == [(2127, "Environment is missing in job")]
    r = mock45.get("/slurmdb/v0.0.44/accounts/", headers={"X-SLURM-USER-TOKEN": "garbage"})
    assert r.status_code == 502 and set(r.json()) == {"meta", "errors", "warnings"}


def test_v0045_ping_status_is_the_result_text(mock45):
    """Real 26.05.5: `status` "No error" when up, the error's text with a bad token."""
    assert mock45.get(f"{V}/ping/").json()["pings"][0]["status"] == "No error"
    bad = mock45.get(f"{V}/ping/", headers={"X-SLURM-USER-TOKEN": "garbage"}).json()["pings"][0]
    assert bad["status"] == "Protocol authentication error"
    assert mock45.get("/slurmdb/v0.0.45/ping/").json()["pings"][0]["status"] == "No error"
