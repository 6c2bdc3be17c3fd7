"""PENDING → RUNNING → COMPLETED/FAILED/TIMEOUT/OUT_OF_MEMORY with the reasons, times and exit codes seen
on real 25.11 controllers, and the record shapes (every key a v0.0.44 schema property)."""

import pytest

from mockrestd.engine import INFINITE
from mockrestd.errors import SlurmError

from .conftest import JOB, T0, one, state, submit


def test_pending_then_running_then_completed(cluster, clock):
    jid = submit(cluster)
    rec = one(cluster, jid)
    assert rec["job_state"] == ["PENDING"] and rec["state_reason"] == "None"
    assert rec["job_resources"] is None and rec["nodes"] == "" and rec["submit_time"] == T0
    assert rec["start_time"] == 0 and rec["end_time"] == 0
    assert rec["user_name"] == "alice" and rec["account"] == "physics" and rec["partition"] == "debug"
    assert rec["exit_code"] == {"status": ["SUCCESS"], "return_code": 0, "signal": {"id": None, "name": ""}}
    assert "USING_DEFAULT_ACCOUNT" in rec["flags"] and "USING_DEFAULT_PARTITION" in rec["flags"]
    clock.advance(1)
    rec = one(cluster, jid)
    assert rec["job_state"] == ["RUNNING"] and rec["start_time"] == T0 + 1
    assert rec["nodes"] == "node1" and rec["batch_host"] == "node1" and rec["node_count"] == 1
    assert rec["end_time"] == T0 + 1 + 30 * 60          # debug: DefaultTime 30 min
    assert rec["eligible_time"] == T0 and rec["accrue_time"] == T0
    res = rec["job_resources"]
    assert res["nodes"]["count"] == 1 and res["nodes"]["list"] == "node1" and res["cpus"] == 1
    cores = [c["status"] for s in res["nodes"]["allocation"][0]["sockets"] for c in s["cores"]]
    assert cores.count(["ALLOCATED"]) == 1 and len(cores) == 8
    assert rec["tres_alloc_str"] == "cpu=1,mem=512M,node=1,billing=1"
    assert "JOB_WAS_RUNNING" in rec["flags"]
    clock.advance(30)
    rec = one(cluster, jid)
    assert rec["job_state"] == ["COMPLETED"] and rec["state_reason"] == "None"
    assert rec["exit_code"]["status"] == ["SUCCESS"] and rec["exit_code"]["return_code"] == 0
    assert rec["end_time"] == T0 + 31 and rec["nodes"] == "node1"      # finished jobs keep their nodes
    assert cluster.node_record("node1")["state"] == ["IDLE"]


def test_identity_and_output_paths(cluster, clock):
    rec = one(cluster, submit(cluster, user="root"))
    assert (rec["user_id"], rec["group_id"], rec["account"]) == (0, 0, "root")
    assert one(cluster, submit(cluster, user="slurm"))["user_id"] == 64030
    alice = one(cluster, submit(cluster))
    assert alice["user_id"] >= 1000 and alice["user_id"] == one(cluster, submit(cluster))["user_id"]
    assert alice["stdout_expanded"] == f"/home/alice/slurm-{alice['job_id']}.out"
    assert alice["standard_output"] == "" and alice["stderr_expanded"] == "" and alice["stdin_expanded"] == "/dev/null"
    named = one(cluster, submit(cluster, name="x", standard_output="out/%x-%j.txt", standard_error="/e/%u.err"))
    assert named["stdout_expanded"] == f"/home/alice/out/x-{named['job_id']}.txt"
    assert named["stderr_expanded"] == "/e/alice.err"
    assert one(cluster, submit(cluster, account="default"))["account"] == "default"


def test_running_without_limit_ends_in_a_year(cluster, clock):
    jid = submit(cluster, partition="gpu")
    clock.advance(1)
    rec = one(cluster, jid)
    assert rec["time_limit"] is INFINITE
    assert rec["end_time"] == rec["start_time"] + 365 * 86400


def test_nonzero_exit_fails_the_job(cluster, clock):
    jid = submit(cluster, script="#!/bin/bash\nsleep 2\nexit 3")
    clock.advance(10)
    rec = one(cluster, jid)
    assert rec["job_state"] == ["FAILED"] and rec["state_reason"] == "NonZeroExitCode"
    assert rec["exit_code"] == {"status": ["ERROR"], "return_code": 3, "signal": {"id": None, "name": ""}}
    assert rec["derived_exit_code"]["status"] == ["SUCCESS"]
    db = cluster.accounting.job_record(str(jid))[0]
    assert db["state"]["current"] == ["FAILED"] and db["exit_code"]["return_code"] == 3
    assert db["steps"][0]["state"] == ["FAILED"]


def test_false_as_last_command_fails(cluster, clock):
    jid = submit(cluster, script="#!/bin/bash\nsleep 1 && false")
    clock.advance(5)
    assert one(cluster, jid)["exit_code"]["return_code"] == 1


def test_timeout(cluster, clock):
    jid = submit(cluster, script="#!/bin/bash\n#MOCKRESTD --runtime=600\ntrue", time_limit=2)
    clock.advance(1 + 120)
    rec = one(cluster, jid)
    assert rec["job_state"] == ["TIMEOUT", "COMPLETING"] and rec["state_reason"] == "TimeLimit"
    assert rec["exit_code"] == {"status": ["SIGNALED"], "return_code": None, "signal": {"id": 15, "name": "TERM"}}
    assert rec["end_time"] == T0 + 121
    clock.advance(2)
    assert state(cluster, jid) == ["TIMEOUT"]
    db = cluster.accounting.job_record(str(jid))[0]       # accounting: job SUCCESS, batch step CANCELLED by TERM
    assert db["state"]["current"] == ["TIMEOUT"] and db["exit_code"]["status"] == ["SUCCESS"]
    step = db["steps"][0]
    assert step["state"] == ["CANCELLED"] and step["exit_code"]["signal"]["name"] == "TERM"
    assert step["time"]["end"] == db["time"]["end"] + 1


def test_out_of_memory_directive(cluster, clock):
    jid = submit(cluster, script="#!/bin/bash\n#MOCKRESTD --oom --runtime=5\n")
    clock.advance(10)
    rec = one(cluster, jid)
    assert rec["job_state"] == ["OUT_OF_MEMORY"] and rec["state_reason"] == "OutOfMemory"


def test_directive_exit_code_wins(cluster, clock):
    jid = submit(cluster, script="#!/bin/bash\n#MOCKRESTD --runtime=3 --exit-code=2\nexit 0")
    clock.advance(5)
    assert one(cluster, jid)["exit_code"]["return_code"] == 2


def test_default_runtime_from_cluster_file(cluster, clock):
    jid = submit(cluster, script="#!/bin/bash\nhostname")
    clock.advance(1 + 9)
    assert state(cluster, jid) == ["RUNNING"]
    clock.advance(1)
    assert state(cluster, jid) == ["COMPLETED"]


def test_submit_errors(cluster):
    with pytest.raises(SlurmError) as e:
        cluster.submit({}, "alice")
    assert (e.value.code, e.value.source) == (9000, "_job_post")
    assert e.value.description == 'Populated "script" field is required for job submission'
    with pytest.raises(SlurmError) as e:
        cluster.submit({"script": "x", "current_working_directory": "/"}, "alice")
    assert e.value.code == 2019
    with pytest.raises(SlurmError) as e:
        cluster.submit({"script": "x", "environment": ["A=1"]}, "alice")
    assert e.value.code == 2063
    with pytest.raises(SlurmError) as e:
        cluster.submit({**JOB, "partition": "nope"}, "alice")
    assert e.value.code == 2000
    with pytest.raises(SlurmError) as e:
        cluster.submit({**JOB, "array": "3-1"}, "alice")
    assert e.value.code == 2081
    assert cluster.job_records() == []                      # nothing half-submitted


def test_held_submit_warns(cluster, clock):
    res = cluster.submit({**JOB, "hold": True}, "alice")
    assert res.warnings == [{"description": "Job is in held state, pending scheduler release",
                             "source": "_job_post"}]
    clock.advance(5)
    rec = one(cluster, res.job_id)
    assert rec["state_reason"] == "JobHeldUser" and rec["priority"] == 0 and rec["hold"] is True


def test_too_big_pends_forever_with_warning(cluster, clock):
    res = cluster.submit({**JOB, "tasks": 1000}, "alice")
    assert res.job_id > 0 and res.warnings
    clock.advance(100)
    rec = one(cluster, res.job_id)
    assert rec["job_state"] == ["PENDING"] and rec["state_reason"] == "PartitionConfig"


def test_unknown_users_are_created_or_rejected(cluster):
    cluster.ensure_user("dave")
    assert cluster.accounting.has_user("dave")
    assert one(cluster, submit(cluster, user="dave"))["account"] == "default"
    cluster.strict_users = True
    with pytest.raises(SlurmError) as e:
        cluster.ensure_user("nobody-known")
    assert e.value.code == 6010
    cluster.ensure_user("alice")


def _unknown_keys(record, schema_name, schemas, path="$"):
    """Keys a record has that its v0.0.44 schema does not declare, at every level."""
    schema = schemas[schema_name] if isinstance(schema_name, str) else schema_name
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    props = schema.get("properties")
    out = []
    if isinstance(record, dict) and props is not None:
        for k, v in record.items():
            if k not in props:
                out.append(f"{path}.{k}")
            elif isinstance(v, (dict, list)):
                out += _unknown_keys(v, props[k], schemas, f"{path}.{k}")
    elif isinstance(record, list) and schema.get("items") and record:
        out += _unknown_keys(record[0], schema["items"], schemas, f"{path}[0]")
    return out


def test_records_use_only_v0044_names(cluster, clock, schemas):
    pending = submit(cluster, hold=True)
    running = submit(cluster, tres_per_node="gres/gpu:1", partition="gpu")
    done = submit(cluster, script="#!/bin/bash\nsleep 1")
    clock.advance(5)
    for jid in (pending, running, done):
        rec = one(cluster, jid)
        assert _unknown_keys(rec, "v0.0.44_job_info", schemas) == []
        assert _unknown_keys(cluster.accounting.job_record(str(jid))[0], "v0.0.44_job", schemas) == []
    assert set(schemas["v0.0.44_job_info"]["properties"]) - set(one(cluster, running)) == set()
    for node in cluster.node_records():
        assert _unknown_keys(node, "v0.0.44_node", schemas) == []
    for part in cluster.partition_records():
        assert _unknown_keys(part, "v0.0.44_partition_info", schemas) == []
    assert _unknown_keys(cluster.diag_record(), "v0.0.44_stats_msg", schemas) == []
    assert _unknown_keys(cluster.ping_records()[0], "v0.0.44_controller_ping", schemas) == []
    assert _unknown_keys(cluster.license_records()[0], "v0.0.44_license", schemas) == []


def test_db_record_like_real_slurmdbd(cluster, clock):
    jid = submit(cluster, tasks=4)
    clock.advance(11)
    db = cluster.accounting.job_record(str(jid))[0]
    assert db["state"] == {"current": ["RUNNING"], "reason": "None"}
    assert db["time"]["elapsed"] == 10 and db["time"]["end"] == 0 and db["time"]["planned"] == 1
    assert db["steps"][0]["step"]["id"] == f"{jid}.batch" and db["steps"][0]["state"] == ["RUNNING"]
    assert [t["type"] for t in db["tres"]["allocated"]] == ["cpu", "mem", "energy", "node", "billing"]
    assert db["tres"]["requested"][0] == {"type": "cpu", "name": "", "id": 1, "count": 4}
    assert db["required"]["memory_per_cpu"] == 512
    clock.advance(30)
    db = cluster.accounting.job_record(str(jid))[0]      # accounting catches up by itself
    assert db["state"]["current"] == ["COMPLETED"] and db["time"]["elapsed"] == 30
