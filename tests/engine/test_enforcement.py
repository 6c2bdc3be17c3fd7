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


def test_deleting_a_qos_takes_it_out_of_every_association():
    cluster = _cluster(users=[{"name": "alice", "default_account": "physics", "accounts": ["physics"],
                               "qos": ["normal", "high"], "default_qos": "high"}])
    assert cluster.accounting.delete_qos("high", as_user="root") == ["high"]
    assoc = cluster.accounting.association({"account": "physics", "user": "alice"})[0]
    assert "high" not in assoc["qos"] and assoc["default"]["qos"] in ("", None)
    cluster.accounting.add_qos([{"name": "high"}], as_user="root")
    assert _code(cluster, qos="high")[0] == 2066, "a QOS made again is allowed by no association"
    assert cluster.accounting.delete_qos("nosuch", as_user="root") == []


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


def test_array_tasks_each_count_as_a_running_job():
    cluster = _limited({"max_jobs_per_user": 1})
    array = submit(cluster, array="1-3")
    _run(cluster)
    recs = cluster.job_lookup(str(array))[0]
    assert sorted(r["job_state"][0] for r in recs) == ["PENDING", "RUNNING"]
    assert [r["state_reason"] for r in recs if r["job_state"] == ["PENDING"]] == ["QOSMaxJobsPerUserLimit"]


def test_hetjob_components_each_count_as_a_job():
    cluster = _limited({"max_jobs_per_user": 1})
    het = cluster.submit([JOB, JOB], "alice").job_id
    _run(cluster)
    recs = cluster.job_lookup(str(het))[0]
    assert [r["job_state"] for r in recs] == [["PENDING"], ["PENDING"]]
    assert recs[1]["state_reason"] == "QOSMaxJobsPerUserLimit", "the second component sees the first"
    cluster = _limited({"max_jobs_per_user": 2})
    het = cluster.submit([JOB, JOB], "alice").job_id
    _run(cluster)
    assert [r["job_state"] for r in cluster.job_lookup(str(het))[0]] == [["RUNNING"], ["RUNNING"]]


def test_unset_limits_are_listed_infinite():
    from mockrestd.engine.values import INFINITE
    cluster = _limited({"max_jobs_per_user": 1})
    qos = cluster.accounting.qos("small")
    assert qos["limits"]["max"]["jobs"]["active_jobs"]["per"] == {"user": 1, "account": INFINITE}
    assert qos["usage_threshold"] is INFINITE
    assert "account" not in cluster.accounting.qos_table["small"]["limits"]["max"]["jobs"]["active_jobs"]["per"], \
        "the stored record is not changed by listing it"
    assoc = cluster.accounting.association({"account": "theory", "user": "alice"})[0]
    assert assoc["max"]["jobs"]["active"] is INFINITE and assoc["priority"] is INFINITE


def test_add_with_condition_takes_parent_qos_and_limits():
    cluster = _limited()
    acc = cluster.accounting
    acc.add_accounts_association({"association_condition": {"accounts": ["lab"], "association": {
        "parent": "theory", "grpjobs": 1}}, "account": {"description": "lab"}}, as_user="root")
    acc.add_users_association({"association_condition": {"users": ["alice"], "accounts": ["lab"], "association": {
        "qoslevel": ["normal", "small"], "defaultqos": "small", "maxwalldurationperjob": 5}}}, as_user="root")
    [lab] = [a for a in acc.associations({"account": "lab"}) if not a["user"]]
    assert lab["parent_account"] == "theory" and lab["max"]["jobs"]["per"]["count"] == 1
    mine = acc.association({"account": "lab", "user": "alice"})[0]
    assert mine["qos"] == ["normal", "small"] and mine["default"]["qos"] == "small"
    assert mine["max"]["jobs"]["per"]["wall_clock"] == 5
    assert [a["account"] for a in acc.assoc_chain(mine["id"])] == ["lab", "lab", "theory", "physics", "root"]


def test_shares_show_the_usage_the_minutes_limits_read():
    cluster = _limited(account_limits={"grp_tres_mins": "cpu=2"})
    first = submit(cluster, tasks=2, time_limit=10, script="#!/bin/bash\nsleep 90")
    _run(cluster, 30)
    rows = {(r["name"], r["parent"]): r for r in cluster.share_records()["shares"]}
    mine = rows[("alice", "theory")]
    used = {t["name"]: t["value"] for t in mine["tres"]["usage"]}
    left = {t["name"]: t["value"] for t in mine["tres"]["run_seconds"]}
    ran = cluster.clock.now() - one(cluster, first)["start_time"]
    assert used["cpu"] == pytest.approx(2 * ran) and mine["usage"] == int(2 * ran)
    assert left["cpu"] == pytest.approx(2 * (600 - ran), abs=2)
    assert rows[("physics", "root")]["tres"]["usage"][0]["value"] == used["cpu"], "an account sums its subtree"
    _run(cluster, 70)                               # 2 CPUs x 90 s = 3 CPU-minutes > GrpTRESMins cpu=2
    held = submit(cluster, "bob")
    _run(cluster)
    assert one(cluster, held)["state_reason"] == "AssocGrpCPUMinutesLimit"


def test_grp_tres_run_minutes_counts_what_running_jobs_have_left():
    cluster = _limited(account_limits={"grp_tres_run_mins": "cpu=30"})
    first = submit(cluster, tasks=2, time_limit=10)              # 20 CPU-minutes reserved
    second = submit(cluster, "bob", tasks=2, time_limit=10)      # 20 more: past 30
    small = submit(cluster, "bob", tasks=1, time_limit=5)        # 5 more: fits
    _run(cluster)
    assert one(cluster, first)["job_state"] == ["RUNNING"]
    assert one(cluster, second)["state_reason"] == "AssocGrpCPURunMinutesLimit"
    assert one(cluster, small)["job_state"] == ["RUNNING"]


def test_a_nameless_job_is_named_allocation_in_the_history(cluster):
    job = submit(cluster, name="")
    _run(cluster)
    assert cluster.accounting.job_record(str(job))[0]["name"] == "allocation"
    assert one(cluster, job)["name"] == ""


def test_user_associations_inherit_the_accounts_max_limits():
    """Real 25.11.7: an account with MaxWall=1 holds its users' 5-minute jobs (AssocMaxWallDurationPerJobLimit);
    Grp limits stay at their level (test_parent_account_group_limits_cover_the_children)."""
    cluster = _limited(account_limits={"max_wall": 1, "max_jobs": 1})
    job = submit(cluster, time_limit=5)
    _run(cluster)
    assert one(cluster, job)["state_reason"] == "AssocMaxWallDurationPerJobLimit"
    listed = cluster.accounting.association({"account": "theory", "user": "alice"})[0]
    assert listed["max"]["jobs"]["per"]["wall_clock"] == 1 and listed["max"]["jobs"]["active"] == 1
    own = cluster.accounting.associations({"account": "theory", "user": "alice",
                                           "Exclude limits from parents": True})[0]
    from mockrestd.engine.values import INFINITE
    assert own["max"]["jobs"]["per"]["wall_clock"] is INFINITE


def test_submit_flags_are_in_slurms_bit_order(cluster):
    assert one(cluster, submit(cluster))["flags"] == [
        "USING_DEFAULT_ACCOUNT", "USING_DEFAULT_PARTITION", "USING_DEFAULT_QOS", "USING_DEFAULT_WCKEY",
        "PARTITION_ASSIGNED"]


def test_qos_list_ignores_a_name_filter(cluster):
    """Real 25.11.7 and 26.05.5: GET qos/?name=lim1 lists every QOS."""
    assert len(cluster.accounting.qos_list({"name": ["high"]})) == len(cluster.accounting.qos_table) > 1
