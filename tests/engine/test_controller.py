"""The controller on its own (no HTTP): scheduling, arrays, hetjobs, cancel, signal, update, holds,
dependencies, MinJobAge, nodes, reservations, snapshots."""

import pytest

from mockrestd.engine import Cluster, parse_array
from mockrestd.errors import SlurmError

from .conftest import JOB, one, submit


def test_directives_and_timeout(cluster, clock):
    jid = submit(cluster, script="#!/bin/bash\n#MOCKRESTD --runtime=600\ntrue", time_limit=2)
    clock.advance(1 + 120)
    rec = one(cluster, jid)
    assert rec["job_state"] == ["TIMEOUT", "COMPLETING"] and rec["state_reason"] == "TimeLimit"
    clock.advance(2)
    rec = one(cluster, jid)
    assert rec["job_state"] == ["TIMEOUT"]
    assert rec["exit_code"]["status"] == ["SIGNALED"] and rec["exit_code"]["signal"]["id"] == 15


def test_resources_then_priority_reasons_when_full(cluster, clock):
    big = [submit(cluster, tasks=8) for _ in range(4)]        # fills node1..node4 (8 CPUs each)
    clock.advance(1)
    assert all(one(cluster, j)["job_state"] == ["RUNNING"] for j in big)
    waiting = [submit(cluster, tasks=8) for _ in range(2)]
    clock.advance(1)
    assert [one(cluster, j)["state_reason"] for j in waiting] == ["Resources", "Priority"]
    clock.advance(30)
    assert one(cluster, waiting[0])["job_state"] == ["RUNNING"]


def test_array_task_string_shrinks_and_last_reuses_id(cluster, clock):
    blockers = [submit(cluster, tasks=8) for _ in range(2)]      # debug has 4 nodes of 8 CPUs: 2 stay free
    jid = submit(cluster, array="1-3", tasks=8)
    rec = one(cluster, jid)
    assert rec["array_task_string"] == "1-3" and rec["array_job_id"] == jid
    clock.advance(1)
    recs = cluster.job_lookup(str(jid))[0]
    started = [r for r in recs if r["array_task_id"] is not None]
    assert {r["array_task_id"] for r in started} == {1, 2}
    assert all(r["job_id"] != jid for r in started)
    meta = [r for r in recs if r["job_id"] == jid][0]
    assert meta["array_task_string"] == "3"
    del blockers
    clock.advance(31)
    recs = cluster.job_lookup(str(jid))[0]
    last = [r for r in recs if r["job_id"] == jid][0]
    assert last["array_task_id"] == 3 and last["array_task_string"] == ""


def test_array_specs():
    assert parse_array("0-5:2%1") == ([0, 2, 4], 1)
    assert parse_array("1,3,5") == ([1, 3, 5], 0)
    assert parse_array("100") == ([100], 0)


def test_array_limit_and_string(cluster, clock):
    jid = submit(cluster, array="0-5:2%1")
    rec = one(cluster, jid)
    assert rec["array_task_string"] == "0,2,4%1" and rec["array_max_tasks"] == 1
    clock.advance(1)
    recs = cluster.job_lookup(f"{jid}_0")
    assert recs[1], "a task id lookup returns the whole array with a warning"
    running = [r for r in recs[0] if r["job_state"] == ["RUNNING"]]
    assert len(running) == 1


def test_hetjob(cluster, clock):
    res = cluster.submit([{**JOB, "name": "lead"}, {"environment": ["A=1"], "current_working_directory": "/tmp"}],
                         "bob")
    recs = cluster.job_lookup(str(res.job_id))[0]
    assert [r["het_job_offset"] for r in recs] == [0, 1]
    assert [r["job_id"] for r in recs] == [res.job_id, res.job_id + 1]
    assert all(r["het_job_id"] == res.job_id for r in recs)
    assert recs[0]["het_job_id_set"] == f"{res.job_id}-{res.job_id + 1}"
    assert recs[1]["name"] == ""
    clock.advance(1)
    assert {tuple(r["job_state"]) for r in cluster.job_lookup(str(res.job_id))[0]} == {("RUNNING",)}


def test_cancel_rules(cluster, clock):
    pending = submit(cluster, hold=True)
    running = submit(cluster)
    clock.advance(1)
    assert cluster.signal_job(str(pending), None, [], "alice") == []
    assert one(cluster, pending)["job_state"] == ["CANCELLED"]
    assert cluster.signal_job(str(running), None, [], "alice") == []
    assert one(cluster, running)["job_state"] == ["CANCELLED", "COMPLETING"]
    clock.advance(2)
    rec = one(cluster, running)
    assert rec["job_state"] == ["CANCELLED"] and rec["exit_code"]["signal"]["id"] == 15
    assert cluster.signal_job(str(running), None, [], "alice")[0]["error"]["code"] == 2021
    assert cluster.signal_job("99999", None, [], "alice")[0]["error"]["code"] == 2017
    other = submit(cluster)
    assert cluster.signal_job(str(other), None, [], "bob")[0]["error"]["code"] == 2002


def test_signals(cluster, clock):
    plain = submit(cluster)
    with_srun = submit(cluster, script="#!/bin/bash\nsrun sleep 100")
    trapped = submit(cluster, script="#!/bin/bash\ntrap 'exit 3' TERM\nsleep 100")
    clock.advance(1)
    cluster.signal_job(str(plain), "SIGTERM", [], "alice")
    rec = one(cluster, plain)
    assert rec["job_state"] == ["FAILED"] and rec["state_reason"] == "RaisedSignal"
    assert rec["exit_code"]["status"] == ["SIGNALED"] and rec["exit_code"]["signal"] == {"id": 15, "name": "TERM"}
    cluster.signal_job(str(with_srun), "SIGINT", [], "alice")
    assert one(cluster, with_srun)["job_state"] == ["RUNNING"]      # srun swallows one SIGINT
    cluster.signal_job(str(with_srun), "INT", [], "alice")
    assert one(cluster, with_srun)["job_state"] == ["FAILED"]
    cluster.signal_job(str(trapped), "15", [], "alice")
    rec = one(cluster, trapped)
    assert rec["state_reason"] == "NonZeroExitCode" and rec["exit_code"]["return_code"] == 3


def test_unknown_signal_is_refused_by_the_engine(cluster, clock):
    """The engine takes only signals it knows; slurmrestd's lenient answer is the HTTP layer's."""
    jid = submit(cluster)
    clock.advance(1)
    with pytest.raises(SlurmError) as e:
        cluster.signal_job(str(jid), "NOPE", [], "alice")
    assert e.value.code == 9202
    assert one(cluster, jid)["job_state"] == ["RUNNING"]


def test_update_rules(cluster, clock):
    jid = submit(cluster, hold=True)
    assert one(cluster, jid)["priority"] == 0
    cluster.update_job(str(jid), {"name": "n", "tasks": 2, "comment": "c", "time_limit": 5}, "alice")
    rec = one(cluster, jid)
    assert (rec["name"], rec["tasks"], rec["comment"], rec["time_limit"]) == ("n", 2, "c", 5)
    clock.advance(2)
    assert one(cluster, jid)["state_reason"] == "JobHeldUser"
    cluster.update_job(str(jid), {"hold": False}, "alice")
    clock.advance(1)
    assert one(cluster, jid)["job_state"] == ["RUNNING"]
    with pytest.raises(SlurmError) as e:
        cluster.update_job(str(jid), {"tasks": 4, "name": "x"}, "alice")
    assert e.value.code == 2073 and one(cluster, jid)["name"] == "n"
    cluster.update_job(str(jid), {"time_limit": 3}, "alice")          # lowering is fine
    with pytest.raises(SlurmError) as e:
        cluster.update_job(str(jid), {"time_limit": 100}, "alice")    # raising needs an operator
    assert e.value.code == 2002
    cluster.update_job(str(jid), {"time_limit": 100}, "root")
    with pytest.raises(SlurmError) as e:
        cluster.update_job("424242", {"name": "x"}, "alice")
    assert e.value.code == 2017
    done = submit(cluster, script="#!/bin/bash\nsleep 1")
    clock.advance(10)
    with pytest.raises(SlurmError) as e:
        cluster.update_job(str(done), {"name": "x"}, "alice")
    assert e.value.code == 2084


def test_admin_hold_cannot_be_released_by_user(cluster, clock):
    jid = submit(cluster)
    cluster.update_job(str(jid), {"priority": 0}, "root")
    clock.advance(1)
    assert one(cluster, jid)["state_reason"] == "JobHeldAdmin"
    with pytest.raises(SlurmError):
        cluster.update_job(str(jid), {"hold": False}, "alice")


def test_dependencies_and_begin_time(cluster, clock):
    parent = submit(cluster, script="#!/bin/bash\nsleep 5\nexit 1")
    child = submit(cluster, dependency=f"afterok:{parent}")
    later = submit(cluster, begin_time=int(clock.now()) + 100)
    clock.advance(1)
    assert one(cluster, child)["state_reason"] == "Dependency"
    assert one(cluster, later)["state_reason"] == "BeginTime"
    clock.advance(10)
    assert one(cluster, child)["state_reason"] == "DependencyNeverSatisfied"
    clock.advance(100)
    assert one(cluster, later)["job_state"] == ["RUNNING"]


def test_min_job_age_purges_but_accounting_keeps(cluster, clock):
    jid = submit(cluster, script="#!/bin/bash\nsleep 1")
    clock.advance(5)
    assert one(cluster, jid)["job_state"] == ["COMPLETED"]
    clock.advance(301)
    with pytest.raises(SlurmError) as e:
        cluster.job_lookup(str(jid))
    assert e.value.code == 2017
    db = cluster.accounting.job_record(str(jid))
    assert db[0]["state"]["current"] == ["COMPLETED"] and db[0]["steps"][0]["step"]["id"] == f"{jid}.batch"


def test_jobs_state_shape(cluster, clock):
    arr = submit(cluster, array="1-2")
    het = cluster.submit([JOB, {"environment": ["A=1"], "current_working_directory": "/tmp"}], "alice").job_id
    ids = {s["job_id"] for s in cluster.jobs_state(None)}
    assert {f"{arr}_1", f"{arr}_2", f"{het}+0", f"{het}+1"} <= ids
    assert cluster.jobs_state(["99999"]) == []


def test_node_drain_shows_with_jobs(cluster, clock):
    jid = submit(cluster)
    clock.advance(1)
    with pytest.raises(SlurmError) as e:
        cluster.update_nodes(["node1"], {"state": ["DRAIN"]}, "alice")
    assert e.value.code == 2010
    cluster.update_nodes(["node1"], {"state": ["DRAIN"]}, "root")
    assert cluster.node_record("node1")["state"] == ["MIXED", "DRAIN"]
    cluster.update_nodes(["node1"], {"state": ["RESUME"]}, "root")
    assert cluster.node_record("node1")["state"] == ["MIXED"]
    del jid


def test_reservations(cluster, clock):
    now = int(clock.now())
    with pytest.raises(SlurmError) as e:
        cluster.create_reservation({"name": "r", "node_list": "node2", "start_time": now + 10, "duration": 5, "users": ["alice"]},
                                   "alice")
    assert e.value.code == 2002
    cluster.create_reservation({"name": "r", "node_list": "node2", "start_time": now + 10, "duration": 5, "users": ["alice"]}, "root")
    with pytest.raises(SlurmError) as e:
        cluster.create_reservation({"name": "r2", "node_list": "node2", "start_time": now + 20, "duration": 5, "users": ["alice"]},
                                   "root")
    assert e.value.code == 2058
    rec = cluster.reservation_record("r")
    assert rec["node_list"] == "node2" and rec["tres"] == "cpu=8"
    with pytest.raises(SlurmError) as e:
        cluster.delete_reservation("nope", "root")
    assert e.value.code == 2053


def test_snapshot_round_trip(cluster, clock):
    jid = submit(cluster)
    clock.advance(1)
    snap = cluster.snapshot()
    import json
    json.dumps(snap)
    again = Cluster.restore(snap, clock=clock)
    assert one(again, jid)["job_state"] == ["RUNNING"]
    clock.advance(40)
    assert one(again, jid)["job_state"] == ["COMPLETED"]


def test_thousand_jobs(cluster, clock):
    for _ in range(1000):
        submit(cluster)
    clock.advance(1)
    records = cluster.job_records()
    assert len(records) == 1000
    assert sum(1 for r in records if r["job_state"] == ["RUNNING"]) == 4 * 8   # the default partition's CPUs


def test_finished_job_keeps_its_resources_and_cancelled_pending_its_reason(cluster, clock):
    """Real 25.11 fixtures (slurm-job-completed/failed/timeout.json) and real 26.05.5 runs."""
    done = submit(cluster, script="#!/bin/bash\nsleep 2")
    clock.advance(10)
    rec = one(cluster, done)
    assert rec["job_state"] == ["COMPLETED"]
    assert rec["job_resources"] is not None and rec["job_resources"]["nodes"]["count"] == 1
    held = submit(cluster, hold=True)
    clock.advance(2)
    assert one(cluster, held)["state_reason"] == "JobHeldUser"
    cluster.signal_job(str(held), None, [], "alice")
    rec = one(cluster, held)
    assert rec["job_state"] == ["CANCELLED"] and rec["state_reason"] == "JobHeldUser"
    assert rec["job_resources"] is None, "a job that never ran held nothing"


def test_hetjob_components_need_nodes_of_their_own(clock):
    """On one idle node a two-component hetjob pends for Resources (real 24.11.5 and 26.05.5); on two
    nodes it starts, one component per node."""
    from mockrestd.engine.config import load_config
    for count, expect in ((1, ["PENDING", "PENDING"]), (2, ["RUNNING", "RUNNING"])):
        config = load_config()
        config["nodes"] = [{"names": "n[1-%d]" % count if count > 1 else "n1", "cpus": 4, "real_memory": 2000}]
        config["partitions"] = [{"name": "debug", "nodes": "ALL", "default": True}]
        cluster = Cluster(config, clock)
        comp = {**JOB, "memory_per_node": 100}
        leader = cluster.submit([comp, {k: v for k, v in comp.items() if k != "script"}], "alice").job_id
        clock.advance(2)
        recs = cluster.job_lookup(str(leader))[0]
        assert [r["job_state"][0] for r in recs] == expect
        if count == 1:
            assert {r["state_reason"] for r in recs} == {"Resources"}
        else:
            assert {r["nodes"] for r in recs} == {"n1", "n2"}
