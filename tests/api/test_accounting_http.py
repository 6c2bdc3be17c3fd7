"""Accounting with AccountingStorageEnforce=associations,limits,qos through HTTP (issue #8), at v0.0.44 and
v0.0.42: every rule answered as real slurmrestd + slurmdbd answer it (25.11.7 measured; 26.05.5 in the
differential run). Accounts, users and QOS are made over HTTP too, as a site's tooling makes them."""

from __future__ import annotations

import pytest

from mockrestd.engine import Cluster, ManualClock
from mockrestd.engine.config import load_config
from tests.support import MockHarness, assert_submit_refused

VERSIONS = ["v0.0.44", "v0.0.42"]
JOB = {"script": "#!/bin/bash\nsleep 30", "environment": ["PATH=/bin"], "current_working_directory": "/tmp"}
UNSET = {"set": False, "infinite": True, "number": 0}


def _post(mock, path, body, user="root"):
    r = mock.post(path, json=body, user=user)
    assert r.status_code == 200, r.text
    assert r.json()["errors"] == [], r.text
    return r


def _qos(mock, v, name, max_limits):
    _post(mock, f"/slurmdb/{v}/qos/", {"qos": [{"name": name, "limits": {"max": max_limits}}]})


def _account(mock, v, name, parent="root", qos=None):
    association = {"parent": parent, **({"qoslevel": qos} if qos else {})}
    r = mock.post(f"/slurmdb/{v}/accounts_association/", user="root", json={
        "association_condition": {"accounts": [name], "association": association},
        "account": {"description": f"{name} group", "organization": "science"}})
    assert r.status_code == 200, r.text


def _user(mock, v, name, account, **association):
    r = mock.post(f"/slurmdb/{v}/users_association/", user="root", json={
        "association_condition": {"users": [name], "accounts": [account], "association": association},
        "user": {}})
    assert r.status_code == 200, r.text


def _assoc(mock, v, account, user="", **fields):
    """Modify an association (POST associations/ names it by account, user and cluster)."""
    _post(mock, f"/slurmdb/{v}/associations/", {"associations": [
        {"account": account, "user": user, "cluster": "mock", **fields}]})


def _submit(mock, v, user="alice", **fields):
    return mock.post(f"/slurm/{v}/job/submit", json={"job": {**JOB, **fields}}, user=user)


def _job(mock, v, job_id):
    r = mock.get(f"/slurm/{v}/job/{job_id}", user="root")
    assert r.status_code == 200, r.text
    return r.json()["jobs"][0]



def _run(mock, seconds=2):
    mock.advance(seconds)
    mock.cluster.sync()


# ---- enforcement at submit --------------------------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS)
def test_account_without_association_unknown_or_another_users_is_2045(mock, version):
    before = mock.cluster.next_job_id
    for account in ("biology", "nosuchaccount"):          # biology is bob's; alice has no association there
        assert_submit_refused(_submit(mock, version, account=account), 2045,
                 "Invalid account or account/partition combination specified")
    assert mock.cluster.next_job_id == before, "a refused job takes no id"
    assert mock.get(f"/slurm/{version}/jobs/").json()["jobs"] == []


@pytest.mark.parametrize("version", VERSIONS)
def test_qos_not_allowed_or_unknown_is_2066_even_for_root(mock, version):
    _post(mock, f"/slurmdb/{version}/qos/", {"qos": [{"name": "elsewhere"}]})
    for user in ("alice", "root"):
        for qos in ("elsewhere", "nosuchqos"):
            assert_submit_refused(_submit(mock, version, user, qos=qos), 2066, "Invalid qos specification")


@pytest.mark.parametrize("version", VERSIONS)
def test_a_deleted_qos_made_again_is_allowed_nowhere(mock, version):
    """slurmdbd takes a removed QOS out of every association: made again under the same name, no
    association allows it (the containerised differential ran this twice in a row and caught it)."""
    for _ in range(2):
        _qos(mock, version, "again", {})
        assert_submit_refused(_submit(mock, version, "root", qos="again"), 2066, "Invalid qos specification")
        _assoc(mock, version, "root", "root", qos=["normal", "again"], default={"qos": "again"})
        assert _submit(mock, version, "root", qos="again").status_code == 200
        r = mock.delete(f"/slurmdb/{version}/qos/again", user="root")
        assert r.status_code == 200 and r.json()["removed_qos"] == ["again"], r.text
        rec = mock.get(f"/slurmdb/{version}/associations/?user=root", user="root").json()["associations"][0]
        assert "again" not in rec["qos"] and rec["default"]["qos"] != "again"


@pytest.mark.parametrize("version", VERSIONS)
def test_no_account_is_the_default_account_and_no_qos_the_associations_default(mock, version):
    _qos(mock, version, "cheap", {})
    _assoc(mock, version, "default", "alice", qos=["normal", "cheap"], default={"qos": "cheap"})
    job = _job(mock, version, _submit(mock, version).json()["job_id"])
    assert (job["account"], job["qos"]) == ("physics", "normal")
    assert job["flags"] == ["USING_DEFAULT_ACCOUNT", "USING_DEFAULT_PARTITION", "USING_DEFAULT_QOS",
                            "USING_DEFAULT_WCKEY", "PARTITION_ASSIGNED"], "in bit order, as real 25.11.7 lists them"
    job = _job(mock, version, _submit(mock, version, account="default").json()["job_id"])
    assert (job["account"], job["qos"]) == ("default", "cheap")
    assert "USING_DEFAULT_ACCOUNT" not in job["flags"]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_user_without_any_association_is_2045_or_6010_when_strict(mock, version):
    r = mock.delete(f"/slurmdb/{version}/user/carol", user="root")
    assert r.status_code == 200 and r.json()["removed_users"] == ["carol"]
    assert_submit_refused(_submit(mock, version, "carol"), 2045, "Invalid account or account/partition combination specified")
    mock.cluster.strict_users = True
    r = _submit(mock, version, "dave")
    assert r.status_code == 500 and r.json()["errors"][0]["error_number"] == 6010


@pytest.fixture
def site_file(spec_set, key_file, tmp_path):
    """A mock built from a cluster file the test writes (enforce = [...])."""
    made = []

    def make(text: str) -> MockHarness:
        path = tmp_path / "cluster.toml"
        path.write_text(text)
        clock = ManualClock(1_760_000_000)
        harness = MockHarness(spec_set, key_file, cluster=Cluster(load_config(path), clock=clock))
        harness.clock = clock
        made.append(harness)
        return harness
    yield make
    for h in made:
        h.close()


@pytest.mark.parametrize("version", VERSIONS)
def test_enforce_is_a_cluster_file_setting(site_file, version):
    mock = site_file("[cluster]\nname = 'lax'\nenforce = []\n")
    job = _job(mock, version, _submit(mock, version, account="biology", qos="nosuch").json()["job_id"])
    assert (job["account"], job["qos"]) == ("biology", "nosuch")
    mock = site_file("[cluster]\nname = 'assoc'\nenforce = ['associations']\n")
    assert_submit_refused(_submit(mock, version, account="biology"), 2045,
             "Invalid account or account/partition combination specified")
    assert _submit(mock, version, qos="nosuch").status_code == 200


@pytest.mark.parametrize("version", VERSIONS)
def test_prolog_flags_contain_gives_every_job_an_extern_step(site_file, version):
    """A site with PrologFlags=Contain (pam_slurm_adopt, ...) sees `<id>.extern` beside `<id>.batch` in
    /slurmdb jobs; the cluster file's [slurm_conf] sets it, and GET conf says so."""
    mock = site_file("[cluster]\nname = 'contained'\n[slurm_conf]\nPrologFlags = 'Contain'\n")
    job_id = _submit(mock, version, script="#!/bin/bash\nsleep 5").json()["job_id"]
    _run(mock, 30)
    r = mock.get(f"/slurmdb/{version}/job/{job_id}", user="root")
    assert r.status_code == 200 and r.json()["errors"] == [], r.text
    steps = r.json()["jobs"][0]["steps"]
    assert [(s["step"]["id"], s["step"]["name"], s["state"]) for s in steps] == [
        (f"{job_id}.batch", "batch", ["COMPLETED"]), (f"{job_id}.extern", "extern", ["COMPLETED"])]
    assert steps[1]["exit_code"]["return_code"]["number"] == 0 and steps[1]["tasks"]["count"] == 1


@pytest.mark.parametrize("version", VERSIONS)
def test_no_accounting_is_404_for_slurmdb_and_checks_nothing(site_file, version):
    mock = site_file("[cluster]\nname = 'nodbd'\naccounting = false\n")
    for path in ("accounts/", "qos/", "jobs/", "associations/", "ping/", "user/alice"):
        assert mock.get(f"/slurmdb/{version}/{path}", user="root").status_code == 404, path
    job = _job(mock, version, _submit(mock, version, account="biology", qos="nosuch").json()["job_id"])
    assert (job["account"], job["qos"]) == ("biology", "nosuch")


# ---- limits that hold jobs --------------------------------------------------------------------------------
@pytest.fixture
def limited(mock):
    """A QOS `small` that root's tree allows and alice and bob use by default (set by each test)."""
    def make(version, **max_limits):
        _qos(mock, version, "small", max_limits)
        for user, account in (("alice", "physics"), ("bob", "biology")):
            _assoc(mock, version, account, user, qos=["normal", "small"], default={"qos": "small"})
        return mock
    return make


@pytest.mark.parametrize("version", VERSIONS)
def test_max_jobs_per_user_holds_then_releases(limited, version):
    mock = limited(version, jobs={"active_jobs": {"per": {"user": 1}}})
    first = _submit(mock, version, script="#!/bin/bash\nsleep 20").json()["job_id"]
    second = _submit(mock, version).json()["job_id"]
    other = _submit(mock, version, "bob").json()["job_id"]
    _run(mock)
    assert _job(mock, version, first)["job_state"] == ["RUNNING"]
    assert (_job(mock, version, second)["job_state"], _job(mock, version, second)["state_reason"]) == (
        ["PENDING"], "QOSMaxJobsPerUserLimit")
    assert _job(mock, version, other)["job_state"] == ["RUNNING"], "the limit is per user"
    _run(mock, 25)
    assert _job(mock, version, second)["job_state"] == ["RUNNING"]


@pytest.mark.parametrize("version", VERSIONS)
def test_max_submit_jobs_per_user_is_2050_at_submit(limited, version):
    mock = limited(version, jobs={"per": {"user": 1}})
    assert _submit(mock, version).status_code == 200
    assert_submit_refused(_submit(mock, version), 2050, "Job violates accounting/QOS policy (job submit limit, user's size "
             "and/or time limits)")
    assert _submit(mock, version, "bob").status_code == 200


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("max_limits, fields, reason", [
    ({"tres": {"total": [{"type": "cpu", "count": 4}]}}, {"tasks": 3}, "QOSGrpCpuLimit"),
    ({"tres": {"per": {"job": [{"type": "cpu", "count": 2}]}}}, {"tasks": 3}, "QOSMaxCpuPerJobLimit"),
    ({"tres": {"per": {"job": [{"type": "mem", "count": 100}]}}}, {"memory_per_node": {"set": True, "number": 200}},
     "QOSMaxMemoryPerJob"),
    ({"tres": {"per": {"job": [{"type": "node", "count": 1}]}}}, {"minimum_nodes": 2}, "QOSMaxNodePerJobLimit"),
    ({"wall_clock": {"per": {"job": 10}}}, {"time_limit": {"set": True, "number": 20}},
     "QOSMaxWallDurationPerJobLimit"),
])
def test_qos_tres_and_wall_limits_hold_with_their_reasons(limited, version, max_limits, fields, reason):
    mock = limited(version, **max_limits)
    first = _submit(mock, version, "bob", tasks=2, memory_per_node={"set": True, "number": 50}).json()["job_id"]
    held = _submit(mock, version, **fields).json()["job_id"]
    _run(mock)
    assert _job(mock, version, first)["job_state"] == ["RUNNING"]
    assert (_job(mock, version, held)["job_state"], _job(mock, version, held)["state_reason"]) == (
        ["PENDING"], reason)


@pytest.mark.parametrize("version", VERSIONS)
def test_association_limits_set_over_http_hold_with_assoc_reasons(mock, version):
    _account(mock, version, "lab", parent="physics")
    _assoc(mock, version, "lab", max={"tres": {"total": [{"type": "cpu", "count": 4}]}})
    _user(mock, version, "alice", "lab", maxwalldurationperjob=5)
    _user(mock, version, "bob", "lab")
    walled = _submit(mock, version, account="lab", time_limit={"set": True, "number": 10}).json()["job_id"]
    running = _submit(mock, version, "bob", account="lab", tasks=3).json()["job_id"]
    wide = _submit(mock, version, account="lab", tasks=2).json()["job_id"]
    _run(mock)
    assert _job(mock, version, running)["job_state"] == ["RUNNING"]
    assert _job(mock, version, walled)["state_reason"] == "AssocMaxWallDurationPerJobLimit"
    assert _job(mock, version, wide)["state_reason"] == "AssocGrpCpuLimit", "the account's GrpTRES covers its users"


@pytest.mark.parametrize("version", VERSIONS)
def test_array_tasks_and_hetjob_components_each_count_against_max_jobs_per_user(limited, version):
    mock = limited(version, jobs={"active_jobs": {"per": {"user": 1}}})
    array = _submit(mock, version, array="1-3").json()["job_id"]
    _run(mock)
    tasks = mock.get(f"/slurm/{version}/job/{array}", user="root").json()["jobs"]
    assert sorted(t["job_state"][0] for t in tasks) == ["PENDING", "RUNNING"], "one task runs, the rest wait"
    assert {t["state_reason"] for t in tasks if t["job_state"] == ["PENDING"]} == {"QOSMaxJobsPerUserLimit"}
    r = mock.post(f"/slurm/{version}/job/submit", user="bob", json={"jobs": [JOB, JOB]})
    assert r.status_code == 200, r.text
    _run(mock)
    het = [j for j in mock.get(f"/slurm/{version}/jobs/", user="root").json()["jobs"] if j["user_name"] == "bob"]
    assert len(het) == 2 and all(j["job_state"] == ["PENDING"] for j in het), \
        "two components are two jobs: with MaxJobsPerUser=1 the hetjob never starts"
    assert "QOSMaxJobsPerUserLimit" in {j["state_reason"] for j in het}


@pytest.mark.parametrize("version", VERSIONS)
def test_unset_limits_read_infinite_as_slurmdbd_lists_them(mock, version):
    _qos(mock, version, "one", {"jobs": {"active_jobs": {"per": {"user": 1}}}})
    qos = mock.get(f"/slurmdb/{version}/qos/one", user="root").json()["qos"][0]
    limits = qos["limits"]["max"]
    assert limits["jobs"]["active_jobs"]["per"]["user"] == {"set": True, "infinite": False, "number": 1}
    assert limits["jobs"]["active_jobs"]["per"]["account"] == UNSET
    assert limits["wall_clock"]["per"]["job"] == UNSET and qos["usage_threshold"] == {**UNSET, "number": 0.0}
    assoc = mock.get(f"/slurmdb/{version}/associations/?account=physics&user=alice", user="root").json()
    rec = assoc["associations"][0]
    assert rec["max"]["jobs"]["active"] == UNSET and rec["max"]["jobs"]["per"]["wall_clock"] == UNSET
    assert rec["priority"] == UNSET


# ---- create, modify, delete -------------------------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS)
def test_deletes_and_adds_that_change_nothing_are_304(mock, version):
    r = mock.delete(f"/slurmdb/{version}/user/carol", user="root")
    assert r.status_code == 200 and r.json()["removed_users"] == ["carol"]
    r = mock.delete(f"/slurmdb/{version}/user/carol", user="root")
    assert r.status_code == 304 and r.content == b""
    r = mock.post(f"/slurmdb/{version}/users_association/", user="root", json={
        "association_condition": {"users": ["alice"], "accounts": ["nosuchaccount"]}, "user": {}})
    assert r.status_code == 304 and r.content == b""
    _assoc(mock, version, "nosuchaccount", "alice")          # real 25.11.7: 200, empty errors, nothing added
    assert mock.get(f"/slurmdb/{version}/associations/?account=nosuchaccount", user="root").json()[
        "associations"] == []


@pytest.mark.parametrize("version", VERSIONS)
def test_accounts_alone_have_no_association_as_real_25_11_7(mock, version):
    """POST accounts/ makes (or rewords) the account only; what hangs under it needs an association."""
    db = f"/slurmdb/{version}"
    _post(mock, f"{db}/accounts/", {"accounts": [{"name": "plain", "description": "d", "organization": "o"}]})
    assert mock.get(f"{db}/associations/?account=plain", user="root").json()["associations"] == []
    r = mock.post(f"{db}/users_association/", user="root", json={
        "association_condition": {"users": ["alice"], "accounts": ["plain"]}, "user": {}})
    assert r.status_code == 304 and r.content == b""
    r = mock.post(f"{db}/accounts_association/", user="root", json={
        "association_condition": {"accounts": ["kid"], "association": {"parent": "plain"}},
        "account": {"description": "k", "organization": "o"}})
    assert r.status_code == 500, r.text
    assert r.json()["added_accounts"] == "No parent account 'plain' on cluster 'mock'"
    assert [(e["error_number"], e["description"], e["source"]) for e in r.json()["errors"]] == [
        (2046, "slurmdb_accounts_add_cond() failed", "_add_accounts_association")]
    r = mock.post(f"{db}/accounts/", user="root", json={"accounts": [
        {"name": "plain", "description": "changed", "organization": "o2",
         "associations": [{"account": "plain", "cluster": "mock", "user": ""}]}]})
    assert r.status_code == 200 and r.json()["warnings"] == [{
        "description": "Account associations ignored. They must be set via the associations end point.",
        "source": "_foreach_update_acct"}]
    [acct] = mock.get(f"{db}/account/plain", user="root").json()["accounts"]
    assert (acct["description"], acct["organization"]) == ("changed", "o2")
    assert mock.get(f"{db}/associations/?account=plain", user="root").json()["associations"] == []
    _assoc(mock, version, "plain", "")                              # no parent named: nothing made
    assert mock.get(f"{db}/associations/?account=plain", user="root").json()["associations"] == []
    _assoc(mock, version, "plain", "", parent_account="root")
    _assoc(mock, version, "plain", "alice")
    got = mock.get(f"{db}/associations/?account=plain", user="root").json()["associations"]
    assert sorted(a["user"] for a in got) == ["", "alice"]


@pytest.mark.parametrize("version", VERSIONS)
def test_sacctmgr_texts_and_account_deletes_as_real_25_11_7(mock, version):
    db = f"/slurmdb/{version}"
    r = mock.post(f"{db}/accounts_association/", user="root", json={
        "association_condition": {"accounts": ["longaccountname1", "a2"], "association": {"parent": "root"}},
        "account": {"description": "two", "organization": "org"}})
    assert r.json()["added_accounts"] == (
        " Adding Account(s)\n  longaccountname1\n  a2\n Settings\n  Description     = two\n"
        "  Organization    = org\n Associations =\n  C = mock       A = longaccountname1    \n"
        "  C = mock       A = a2                  \n")
    r = mock.post(f"{db}/users_association/", user="root", json={
        "association_condition": {"accounts": ["longaccountname1", "a2"], "users": ["alice", "newuser"]},
        "user": {}})
    assert r.json()["added_users"] == (
        " Adding User(s)\n  newuser\n Settings\n Associations =\n"
        "  C = mock       A = longaccountname1     U = alice    \n"
        "  C = mock       A = longaccountname1     U = newuser  \n"
        "  C = mock       A = a2                   U = alice    \n"
        "  C = mock       A = a2                   U = newuser  \n")
    r = mock.post(f"{db}/accounts_association/", user="root", json={
        "association_condition": {"accounts": ["a3"], "association": {"parent": "a2"}}, "account": {}})
    assert "  Description     = Account Name\n  Organization    = Parent/Account Name\n" in r.json()["added_accounts"]
    # a job of alice's under a2 keeps a2 (and alice) from being removed: 7001, nothing removed
    job_id = _submit(mock, version, account="a2").json()["job_id"]
    r = mock.delete(f"{db}/account/a2", user="root")
    assert r.status_code == 500, r.text
    assert [(e["error_number"], e["description"], e["source"]) for e in r.json()["errors"]] == [
        (7001, "slurmdb_accounts_remove failed", "_delete_account")]
    r = mock.delete(f"{db}/user/alice", user="root")
    assert r.status_code == 500 and r.json()["errors"][0]["error_number"] == 7001, r.text
    assert len(mock.get(f"{db}/associations/?account=a2", user="root").json()["associations"]) == 3
    mock.delete(f"/slurm/{version}/job/{job_id}", user="root")
    _run(mock, 5)
    # the parent goes with every association below it; the child account stays, with none
    r = mock.delete(f"{db}/account/a2", user="root")
    assert r.status_code == 200 and r.json()["removed_accounts"] == ["a2"], r.text
    assert [a["name"] for a in mock.get(f"{db}/account/a3", user="root").json()["accounts"]] == ["a3"]
    for account in ("a2", "a3"):
        assert mock.get(f"{db}/associations/?account={account}", user="root").json()["associations"] == []


def test_post_job_answers_submitted_at_and_unknown_is_304(mock):
    """POST job/{id} and jobs/ are new in v0.0.44 (older versions only GET them)."""
    version = "v0.0.44"
    job_id = mock.submit(version=version)
    r = mock.post(f"/slurmdb/{version}/job/{job_id}", json={"comment": {"job": "tagged"}})
    assert r.status_code == 200, r.text
    [line] = r.json()["results"]
    assert line.startswith(f"{job_id} submitted at 20") and "T" in line
    assert mock.post(f"/slurmdb/{version}/job/999999", json={"comment": {"job": "x"}}).status_code == 304


def test_post_jobs_answers_one_line_per_job(mock):
    ids = [mock.submit(), mock.submit()]
    r = mock.post("/slurmdb/v0.0.44/jobs/", json={"job_id_list": ids, "job_rec": {"comment": {"job": "both"}}})
    assert r.status_code == 200, r.text
    assert [line.split(" submitted at ")[0] for line in r.json()["results"]] == [str(i) for i in ids]
    assert mock.post("/slurmdb/v0.0.42/jobs/", json={"job_id_list": ids}).status_code == 404


@pytest.mark.parametrize("version", VERSIONS)
def test_unknown_state_in_history_query_is_9207(mock, version):
    r = mock.get(f"/slurmdb/{version}/jobs/?state=NOPE")
    assert r.status_code == 500
    first = r.json()["errors"][0]
    assert (first["error_number"], first["description"], first["source"]) == (
        9207, 'Unknown flag "NOPE"', "#/state[0][0]/")


# ---- history consistent with the controller ---------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS)
def test_history_keeps_jobs_the_controller_forgot_and_names_allocations(mock, version):
    job_id = mock.submit(version=version, script="#!/bin/bash\nsleep 5")
    r = mock.post(f"/slurm/{version}/job/allocate", json={"job": {"current_working_directory": "/tmp",
                                                                   "environment": ["PATH=/bin"]}})
    assert r.status_code == 200, r.text
    alloc = r.json()["job_id"]
    _run(mock, 10)
    mock.delete(f"/slurm/{version}/job/{alloc}")
    _run(mock, 400)                                     # past MinJobAge (300 s)
    assert mock.get(f"/slurm/{version}/job/{job_id}").status_code != 200
    rec = {j["job_id"]: j for j in mock.get(f"/slurmdb/{version}/jobs/", user="root").json()["jobs"]}
    assert rec[job_id]["state"]["current"] == ["COMPLETED"] and rec[job_id]["account"] == "physics"
    assert [s["step"]["name"] for s in rec[job_id]["steps"]] == ["batch"]      # 25.11 fixtures: no extern
    assert rec[alloc]["name"] == "allocation"


# ---- the scenario of the "Done when" --------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS)
def test_scenario_account_tree_users_qos_limit_history_and_delete(mock, version):
    db = f"/slurmdb/{version}"
    _account(mock, version, "science")
    _account(mock, version, "astro", parent="science")
    _qos(mock, version, "single", {"jobs": {"active_jobs": {"per": {"user": 1}}}})
    for user in ("ann", "ben"):
        _user(mock, version, user, "astro", qoslevel=["normal", "single"], defaultqos="single")
    tree = {a["account"]: a["parent_account"] for a in mock.get(f"{db}/associations/", user="root").json()[
        "associations"] if not a["user"]}
    assert (tree["astro"], tree["science"]) == ("science", "root")
    assert mock.get(f"{db}/user/ann", user="root").json()["users"][0]["default"]["account"] == "astro"

    started = int(mock.clock.now())
    first = _submit(mock, version, "ann", script="#!/bin/bash\nsleep 60").json()["job_id"]
    second = _submit(mock, version, "ann", script="#!/bin/bash\nsleep 60").json()["job_id"]
    other = _submit(mock, version, "ben", script="#!/bin/bash\nsleep 60").json()["job_id"]
    _run(mock, 5)
    assert _job(mock, version, first)["job_state"] == ["RUNNING"]
    assert _job(mock, version, other)["job_state"] == ["RUNNING"]
    held = _job(mock, version, second)
    assert (held["job_state"], held["state_reason"], held["qos"], held["account"]) == (
        ["PENDING"], "QOSMaxJobsPerUserLimit", "single", "astro")
    _run(mock, 60)                                      # the first ends at 60 s: the limit frees
    assert _job(mock, version, first)["job_state"] == ["COMPLETED"]
    assert _job(mock, version, second)["job_state"] == ["RUNNING"]
    second_start = int(mock.clock.now())
    _run(mock, 120)

    by_account = mock.get(f"{db}/jobs/?account=astro&start_time={started}", user="root").json()["jobs"]
    assert sorted(j["job_id"] for j in by_account) == sorted([first, second, other])
    assert {j["qos"] for j in by_account} == {"single"}
    window = mock.get(f"{db}/jobs/?state=RUNNING&start_time={started + 70}&end_time={started + 80}",
                      user="root").json()["jobs"]
    assert [j["job_id"] for j in window] == [second], "only the second ran between 70 s and 80 s"
    assert second_start <= started + 70

    r = mock.delete(f"{db}/user/ann", user="root")
    assert r.status_code == 200 and r.json()["removed_users"] == ["ann"]
    assert mock.get(f"{db}/associations/?user=ann", user="root").json()["associations"] == []
    kept = mock.get(f"{db}/jobs/?users=ann&start_time={started}", user="root").json()["jobs"]
    assert sorted(j["job_id"] for j in kept) == sorted([first, second]), "the history stays"
    assert {j["account"] for j in kept} == {"astro"}
    assert_submit_refused(_submit(mock, version, "ann"), 2045, "Invalid account or account/partition combination specified")


# ---- usage the limits read, as /shares shows it -----------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS)
def test_shares_show_the_usage_that_grp_tres_run_mins_reads(mock, version):
    _account(mock, version, "lab", parent="physics")
    _assoc(mock, version, "lab", max={"tres": {"group": {"active": [{"type": "cpu", "count": 30}]}}})
    for user in ("alice", "bob"):
        _user(mock, version, user, "lab")
    long = {"tasks": 2, "time_limit": {"set": True, "number": 10}, "script": "#!/bin/bash\nsleep 300"}
    first = _submit(mock, version, account="lab", **long).json()["job_id"]
    second = _submit(mock, version, "bob", account="lab", **long).json()["job_id"]
    _run(mock, 60)
    assert _job(mock, version, first)["job_state"] == ["RUNNING"]
    assert _job(mock, version, second)["state_reason"] == "AssocGrpCPURunMinutesLimit"
    rows = mock.get(f"/slurm/{version}/shares", user="root").json()["shares"]["shares"]
    lab = next(r for r in rows if (r["name"], r["parent"]) == ("lab", "physics"))
    used = {t["name"]: t["value"] for t in lab["tres"]["usage"]}
    left = {t["name"]: t["value"]["number"] for t in lab["tres"]["run_seconds"]}
    assert 2 * 55 <= used["cpu"] <= 2 * 60 and lab["usage"] == int(used["cpu"])
    assert left["cpu"] == 2 * 600 - int(used["cpu"]), "20 CPU-minutes reserved, what ran is no longer left"
    physics = next(r for r in rows if (r["name"], r["parent"]) == ("physics", "root"))
    assert physics["usage"] == lab["usage"], "an account's usage is its subtree's"
    assert lab["tres"]["group_minutes"][0]["value"] == UNSET


def test_26_05_answers_the_submit_refusals_with_422(spec_set, key_file):
    """Measured on real 26.05.5 with slurmdbd and enforcement (compose/native forky): 2045 and 2066 at 422,
    where 25.11.7 answers 500 (the profile's status table)."""
    mock = MockHarness(spec_set, key_file, release="26.05.5")
    try:
        for fields, number in (({"account": "nosuchaccount"}, 2045), ({"qos": "nosuchqos"}, 2066)):
            r = _submit(mock, "v0.0.44", **fields)
            assert r.status_code == 422 and r.json()["errors"][0]["error_number"] == number, r.text
    finally:
        mock.close()


@pytest.mark.parametrize("version", VERSIONS)
def test_an_unknown_query_key_is_ignored_with_the_type_its_value_parsed_as(mock, version):
    """Real 26.05.5: `associations/?with_usage` is no filter of that operation (the usage is in the records'
    `accounting` lists, empty until slurmdbd's hourly rollup); its warning names the value's type."""
    for query, kind in (("with_usage", "boolean"), ("with_usage=", "null"), ("with_usage=1", "string")):
        r = mock.get(f"/slurmdb/{version}/associations/?{query}", user="root")
        assert r.status_code == 200 and r.json()["associations"], query
        assert r.json()["warnings"] == [{"description": f'Ignoring unknown field "with_usage" of type {kind} in '
                                                        "DATA_PARSER_ASSOC_CONDITION", "source": "#/with_usage/"}]
        assert all(a["accounting"] == [] for a in r.json()["associations"])


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path, warning", [
    ("associations/?account=nosuch", ("slurmdb_associations_get() found nothing", "_dump_assoc_cond")),
    ("qos/nosuch", ("slurmdb_qos_get() found nothing", "_op_handler_qos")),
    ("instances/", ("slurmdb_instances_get() found nothing", "_dump_instance_cond")),
])
def test_found_nothing_names_the_function_that_asked(mock, version, path, warning):
    """Real 26.05.5 (and the 25.11.7 sources): the warning's source is the plugin function that queried."""
    r = mock.get(f"/slurmdb/{version}/{path}", user="root")
    assert r.status_code == 200
    assert [(w["description"], w["source"]) for w in r.json()["warnings"]] == [warning]


@pytest.mark.parametrize("version", VERSIONS)
def test_an_accounts_max_wall_holds_its_users_jobs_and_is_listed_on_them(mock, version):
    """Real 25.11.7: account acctwall MaxWall=1, a user's 5-minute job pends AssocMaxWallDurationPerJobLimit."""
    _account(mock, version, "walled", parent="root")
    _assoc(mock, version, "walled", max={"jobs": {"per": {"wall_clock": 1}}})
    _user(mock, version, "alice", "walled")
    job = _submit(mock, version, account="walled", time_limit={"set": True, "number": 5}).json()["job_id"]
    _run(mock)
    assert _job(mock, version, job)["state_reason"] == "AssocMaxWallDurationPerJobLimit"
    rec = mock.get(f"/slurmdb/{version}/associations/?account=walled&user=alice", user="root").json()[
        "associations"][0]
    assert rec["max"]["jobs"]["per"]["wall_clock"] == {"set": True, "infinite": False, "number": 1}


@pytest.mark.parametrize("version", VERSIONS)
def test_qos_name_filter_lists_every_qos(mock, version):
    """Real 25.11.7 (GET qos/?name=lim1) and 26.05.5 (?name=nosuch): every QOS, no warning."""
    r = mock.get(f"/slurmdb/{version}/qos/?name=nosuch", user="root")
    assert r.status_code == 200 and {q["name"] for q in r.json()["qos"]} == {"normal", "high"}
    assert r.json()["warnings"] == []
