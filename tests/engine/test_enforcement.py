"""Accounting enforcement on the engine alone: associations and QOS at submit, QOS/association limits in
the scheduler (AccountingStorageEnforce=associations,limits,qos; reasons from Slurm's job_state_reason.c)."""

import pytest

from mockrestd.engine import Cluster, ManualClock
from mockrestd.engine.config import load_config
from mockrestd.errors import SlurmError

from .conftest import JOB, T0, one, submit


ROOT = {"name": "root", "admin_level": "Administrator", "default_account": "root", "accounts": ["root"]}


def _cluster(**edits):
    cfg = load_config()
    if "users" in edits:
        edits["users"] = [ROOT, *edits["users"]]
    for section, value in edits.items():
        if isinstance(value, dict):
            cfg[section] = {**cfg[section], **value}
        else:
            cfg[section] = value
    return Cluster(cfg, ManualClock(T0))


def _code(cluster, user="alice", **fields):
    with pytest.raises(SlurmError) as e:
        submit(cluster, user, **fields)
    return e.value.code, e.value.description, e.value.source


def test_account_without_association_is_refused(cluster):
    assert _code(cluster, account="biology") == (2045, "Batch job submission failed", "slurm_submit_batch_job()")
    assert _code(cluster, account="nosuch")[0] == 2045
    assert cluster.next_job_id == 1, "a refused job takes no id"


def test_default_account_and_default_qos(cluster):
    rec = one(cluster, submit(cluster))
    assert rec["account"] == "physics" and rec["qos"] == "normal"
    assert "USING_DEFAULT_ACCOUNT" in rec["flags"] and "USING_DEFAULT_QOS" in rec["flags"]
    assoc = cluster.accounting.association({"account": "physics", "user": "alice"})[0]
    assert rec["association_id"] == assoc["id"]


def test_association_default_qos_is_used():
    cluster = _cluster(users=[{"name": "alice", "default_account": "physics", "accounts": ["physics"],
                               "qos": ["normal", "high"], "default_qos": "high"}])
    assert one(cluster, submit(cluster))["qos"] == "high"


def test_qos_not_allowed_or_unknown_is_refused():
    cluster = _cluster(users=[{"name": "alice", "default_account": "physics", "accounts": ["physics"],
                               "qos": ["normal"]}])
    assert _code(cluster, qos="high") == (2066, "Batch job submission failed", "slurm_submit_batch_job()")
    assert _code(cluster, qos="nosuch")[0] == 2066
    assert one(cluster, submit(cluster, "root", qos="high"))["qos"] == "high", "root's association has it"
    cluster.accounting.add_qos([{"name": "other"}], as_user="root")
    assert _code(cluster, "root", qos="other")[0] == 2066, "at submit root is not privileged (job_mgr.c)"


def test_enforcement_is_a_cluster_file_setting():
    cluster = _cluster(cluster={"enforce": []})
    assert one(cluster, submit(cluster, account="biology"))["account"] == "biology"
    cluster = _cluster(cluster={"enforce": ["associations"]})
    assert one(cluster, submit(cluster, qos="nosuch"))["qos"] == "nosuch"
    assert _code(cluster, account="biology")[0] == 2045


def test_without_accounting_nothing_is_checked():
    cluster = _cluster(cluster={"accounting": False})
    rec = one(cluster, submit(cluster, account="anything", qos="whatever"))
    assert (rec["account"], rec["qos"], rec["association_id"]) == ("anything", "whatever", 0)


def test_deleted_user_is_not_made_again(cluster):
    cluster.accounting.delete_user("carol", as_user="root")
    cluster.ensure_user("carol")
    assert not cluster.accounting.has_user("carol")
    assert _code(cluster, "carol")[0] == 2045


def _limited(qos_limits=None, account_limits=None):
    qos = [{"name": "normal"}, {"name": "high", "priority": 100}, {"name": "small", **(qos_limits or {})}]
    accounts = [{"name": "root", "qos": ["normal", "small"]},
                {"name": "physics", "parent": "root", **(account_limits or {})},
                {"name": "theory", "parent": "physics"}]
    users = [{"name": "alice", "default_account": "theory", "accounts": ["theory"], "default_qos": "small"},
             {"name": "bob", "default_account": "theory", "accounts": ["theory"], "default_qos": "small"}]
    return _cluster(qos=qos, accounts=accounts, users=users)


def _run(cluster, clock_s=2):
    cluster.clock.advance(clock_s)
    cluster.sync()


def test_max_jobs_per_user_holds_the_second_job_until_the_first_ends():
    cluster = _limited({"max_jobs_per_user": 1})
    first = submit(cluster, script="#!/bin/bash\nsleep 20")
    second = submit(cluster)
    other = submit(cluster, "bob")
    _run(cluster)
    assert one(cluster, first)["job_state"] == ["RUNNING"]
    assert one(cluster, second)["job_state"] == ["PENDING"]
    assert one(cluster, second)["state_reason"] == "QOSMaxJobsPerUserLimit"
    assert one(cluster, other)["job_state"] == ["RUNNING"], "the limit is per user"
    _run(cluster, 25)
    assert one(cluster, first)["job_state"] == ["COMPLETED"]
    assert one(cluster, second)["job_state"] == ["RUNNING"]


def test_max_submit_jobs_per_user_refuses_at_submit():
    cluster = _limited({"max_submit_jobs_per_user": 2})
    submit(cluster)
    submit(cluster)
    assert _code(cluster) == (2050, "Batch job submission failed", "slurm_submit_batch_job()")
    assert _code(cluster, array="1-3")[0] == 2050
    submit(cluster, "bob")


@pytest.mark.parametrize("limits, fields, reason", [
    ({"grp_tres": "cpu=4"}, {"tasks": 3}, "QOSGrpCpuLimit"),
    ({"grp_tres": "mem=1000"}, {"memory_per_node": 600}, "QOSGrpMemLimit"),
    ({"grp_tres": "node=1"}, {}, "QOSGrpNodeLimit"),
])
def test_qos_group_tres_hold_while_others_run(limits, fields, reason):
    cluster = _limited(limits)
    first = submit(cluster, **fields)
    second = submit(cluster, "bob", **fields)
    _run(cluster)
    assert one(cluster, first)["job_state"] == ["RUNNING"]
    assert one(cluster, second)["state_reason"] == reason
    _run(cluster, 40)
    assert one(cluster, second)["job_state"] == ["RUNNING"]


@pytest.mark.parametrize("limits, fields, reason", [
    ({"max_tres_per_job": "cpu=2"}, {"tasks": 3}, "QOSMaxCpuPerJobLimit"),
    ({"max_tres_per_job": "mem=100"}, {"memory_per_node": 200}, "QOSMaxMemoryPerJob"),
    ({"max_tres_per_job": "node=1"}, {"minimum_nodes": 2}, "QOSMaxNodePerJobLimit"),
    ({"max_tres_per_job": "gres/gpu=1"}, {"partition": "gpu", "tres_per_node": "gres/gpu:2"}, "QOSMaxGRESPerJob"),
    ({"max_wall": 10}, {"time_limit": 20}, "QOSMaxWallDurationPerJobLimit"),
])
def test_qos_per_job_limits_hold(limits, fields, reason):
    cluster = _limited(limits)
    held = submit(cluster, **fields)
    _run(cluster)
    assert one(cluster, held)["job_state"] == ["PENDING"]
    assert one(cluster, held)["state_reason"] == reason


def test_qos_max_wall_becomes_the_time_limit_of_a_job_without_one():
    cluster = _limited({"max_wall": 10})
    job = submit(cluster)
    _run(cluster)
    assert one(cluster, job)["time_limit"] == 10
    assert one(cluster, job)["job_state"] == ["RUNNING"]


@pytest.mark.parametrize("limits, fields, reason", [
    ({"grp_tres": "cpu=4"}, {"tasks": 3}, "AssocGrpCpuLimit"),
    ({"grp_jobs": 1}, {}, "AssocGrpJobsLimit"),
])
def test_parent_account_group_limits_cover_the_children(limits, fields, reason):
    cluster = _limited(account_limits=limits)
    first = submit(cluster, **fields)
    second = submit(cluster, "bob", **fields)
    _run(cluster)
    assert one(cluster, first)["job_state"] == ["RUNNING"]
    assert one(cluster, second)["state_reason"] == reason


def test_association_per_job_limits_hold():
    cluster = _cluster(users=[{"name": "alice", "default_account": "physics", "accounts": ["physics"],
                               "max_wall": 5, "max_tres_per_job": "cpu=2"}])
    walled = submit(cluster, time_limit=10)
    wide = submit(cluster, tasks=4, time_limit=5)
    _run(cluster)
    assert one(cluster, walled)["state_reason"] == "AssocMaxWallDurationPerJobLimit"
    assert one(cluster, wide)["state_reason"] == "AssocMaxCpuPerJobLimit"


def test_deny_on_limit_refuses_instead_of_holding():
    cluster = _limited({"max_tres_per_job": "cpu=2", "flags": ["DENY_LIMIT"]})
    assert _code(cluster, tasks=3)[0] == 2050


def test_limits_changed_through_accounting_release_the_job():
    cluster = _limited({"max_jobs_per_user": 1})
    submit(cluster, script="#!/bin/bash\nsleep 100")
    second = submit(cluster)
    _run(cluster)
    assert one(cluster, second)["state_reason"] == "QOSMaxJobsPerUserLimit"
    cluster.accounting.add_qos([{"name": "small", "limits": {"max": {"jobs": {"active_jobs": {"per": {"user": 2}}}}}}],
                               as_user="root")
    _run(cluster)
    assert one(cluster, second)["job_state"] == ["RUNNING"]
    assert cluster.accounting.qos("small")["limits"]["max"]["jobs"]["active_jobs"]["per"]["user"] == 2
